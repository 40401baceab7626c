"""The last word on a /graphql request that failed outside GraphQL's own error handling (e.g. the
database unreachable while the bearer token's viewer is loaded): a JSON answer with a code and
the request id, never Starlette's plain-text 500 or a traceback.

- a database error (the database unreachable, a connection lost): 503 `SERVICE_UNAVAILABLE`
  with `Retry-After`; a readiness probe (/readyz) takes the instance out of rotation meanwhile;
- anything else: 500 `INTERNAL_SERVER_ERROR`.
Both are logged with the request id and the exception."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.edge import error_response
from server.observability import note_code

log = logging.getLogger(__name__)

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 5


class Failsafe:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            request_id = scope.get("state", {}).get("request_id", "-")
            log.exception(
                "request %s: failed outside GraphQL", request_id, extra={"request_id": request_id}
            )
            if started:
                raise
            headers = {"X-Request-Id": request_id}
            code = SERVICE_UNAVAILABLE if isinstance(exc, DBAPIError) else "INTERNAL_SERVER_ERROR"
            note_code(code)
            if isinstance(exc, DBAPIError):
                response = error_response(
                    f"The service cannot reach its database (request {request_id}); retry shortly.",
                    SERVICE_UNAVAILABLE,
                    503,
                    headers={**headers, "Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            else:
                response = error_response(
                    f"Unexpected error (request {request_id}).",
                    "INTERNAL_SERVER_ERROR",
                    500,
                    headers=headers,
                )
            await response(scope, receive, sending)
