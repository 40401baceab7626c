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

import logging

from starlette.responses import Response

from server.edge import error_response
from server.observability import note_code

TIMEOUT = "TIMEOUT"

log = logging.getLogger(__name__)


def timeout_answer(request_id: str, seconds: float) -> Response:
    """Logs a request cancelled after `seconds` and returns its 503 answer (server/request_edge.py
    runs the request under `asyncio.timeout` and sends it unless the answer was under way)."""
    log.warning(
        "request %s: cancelled after %s s",
        request_id,
        seconds,
        extra={"request_id": request_id},
    )
    note_code(TIMEOUT)
    return error_response(
        f"The request took longer than {seconds:g} s and was stopped.",
        TIMEOUT,
        503,
        headers={"X-Request-Id": request_id},
    )
