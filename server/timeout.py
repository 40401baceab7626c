"""The execution timeout: a request still running after `seconds` is cancelled and answered
503 `TIMEOUT`.

Cancelling the request's task unwinds every open `async with` on the way out: a mutation's
transaction (resolvers.mutations.transact) rolls back, so nothing half-written stays, and the
request's read session is closed. Cancellation takes effect at the next `await` (a database
round trip, a loader batch): pure-Python work between two awaits is bounded by the document
limits instead. A timeout that strikes while COMMIT itself is in flight cannot know whether the
database applied it: the transaction is whole either way, and the client is told to check
before retrying."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.edge import error_response
from server.observability import note_code

TIMEOUT = "TIMEOUT"

log = logging.getLogger(__name__)


class ExecutionTimeout:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0:
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, receive, sending)
        except TimeoutError:
            request_id = scope.get("state", {}).get("request_id", "-")
            log.warning(
                "request %s: cancelled after %s s",
                request_id,
                self.seconds,
                extra={"request_id": request_id},
            )
            note_code(TIMEOUT)
            if started:  # the answer was under way: nothing else can be said
                return
            response = error_response(
                f"The request took longer than {self.seconds:g} s and was stopped.",
                TIMEOUT,
                503,
                headers={"X-Request-Id": request_id},
            )
            await response(scope, receive, sending)
