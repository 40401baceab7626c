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
from starlette.responses import Response

from server.edge import error_response
from server.observability import note_code

log = logging.getLogger(__name__)

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 5


def failure_answer(exc: Exception, request_id: str) -> Response:
    """Logs a request that failed outside GraphQL (call it in the `except` block, so the log
    carries the exception) and returns its answer."""
    log.exception(
        "request %s: failed outside GraphQL", request_id, extra={"request_id": request_id}
    )
    headers = {"X-Request-Id": request_id}
    if isinstance(exc, DBAPIError):
        note_code(SERVICE_UNAVAILABLE)
        return error_response(
            f"The service cannot reach its database (request {request_id}); retry shortly.",
            SERVICE_UNAVAILABLE,
            503,
            headers={**headers, "Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    note_code("INTERNAL_SERVER_ERROR")
    return error_response(
        f"Unexpected error (request {request_id}).",
        "INTERNAL_SERVER_ERROR",
        500,
        headers=headers,
    )
