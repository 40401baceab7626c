"""The edge of every /graphql request, as one pure ASGI layer: what four nested middlewares used
to do, each with its own `send` wrapper, closure and context switch, now done once per request.

In order, around the endpoint (server/app.py's GraphQLEndpoint):
- the request id: the caller's sane `X-Request-Id` or a fresh one, in the scope's state for the
  logs and in the answer's headers (server/app.py `request_id_of`);
- observability: SQL statements, operation, cost and codes noted while the request runs, then
  the metrics and the structured log line once it is answered (server/observability.py);
- the failsafe: an exception outside GraphQL answers 503/500 as JSON with the request id
  (server/failsafe.py);
- the rate limit: the schema extension's decision becomes the answer's RateLimit headers, and
  429 when it refused the operation (server/rate_limit.py);
- the execution timeout: cancelled after the configured seconds, answered 503 `TIMEOUT`
  (server/timeout.py);
- the security headers every answer carries (server/security_headers.py).

`EdgeDispatch` is the application's one user middleware: /graphql goes straight to this edge,
without Starlette's exception middleware and router matching every route's pattern in turn;
every other path goes through Starlette with the security headers added."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.failsafe import failure_answer
from server.observability import Metrics, begin_request, finish_request
from server.rate_limit import enter_rate_state, leave_rate_state
from server.security_headers import SecurityHeaders, add_missing, security_headers
from server.timeout import timeout_answer

GRAPHQL_PATH = "/graphql"
REQUEST_ID_HEADER = b"x-request-id"
# An incoming request id is kept when it is a short token (e.g. a load balancer's UUID);
# anything else could forge log lines or bloat them, and is replaced.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def request_id_of(scope: Scope) -> str:
    """The caller's `X-Request-Id` when it is a sane short token, else a fresh one."""
    for name, value in scope.get("headers", []):
        if name.lower() == REQUEST_ID_HEADER:
            token = bytes(value).decode("latin-1")
            if REQUEST_ID_RE.fullmatch(token):
                return token
            break
    return uuid.uuid4().hex


class GraphQLEdge:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        *,
        timeout_seconds: float,
        production: bool,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.timeout_seconds = timeout_seconds
        self.defaults = security_headers(production)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = request_id_of(scope)
        state["request_id"] = request_id
        request_id_value = request_id.encode()
        defaults = self.defaults
        stats, stats_token = begin_request()
        rate, rate_token = enter_rate_state(scope)
        status = 500
        started = False

        async def sending(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID_HEADER
                ]
                message = {**message, "headers": headers}
                decision = rate.decision
                if decision is not None:
                    headers.extend(decision.headers())
                    if not decision.allowed:
                        message["status"] = 429
                headers.append((REQUEST_ID_HEADER, request_id_value))
                add_missing(headers, defaults)
                status = int(message["status"])
            await send(message)

        start = time.perf_counter()
        try:
            if self.timeout_seconds > 0:
                try:
                    async with asyncio.timeout(self.timeout_seconds):
                        await self.app(scope, receive, sending)
                except TimeoutError:
                    answer = timeout_answer(request_id, self.timeout_seconds)
                    if not started:  # else the answer was under way: nothing more can be said
                        await answer(scope, receive, sending)
            else:
                await self.app(scope, receive, sending)
        except Exception as exc:
            answer = failure_answer(exc, request_id)
            if started:
                raise
            await answer(scope, receive, sending)
        finally:
            leave_rate_state(rate_token)
            seconds = time.perf_counter() - start
            finish_request(self.metrics, stats, stats_token, state, seconds, status)


class EdgeDispatch:
    """The application's user middleware: /graphql to its edge, anything else through Starlette
    with the security headers."""

    def __init__(self, app: ASGIApp, *, graphql: GraphQLEdge, production: bool) -> None:
        self.graphql = graphql
        self.others = SecurityHeaders(app, production=production)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == GRAPHQL_PATH and not scope.get("root_path"):
            await self.graphql(scope, receive, send)
            return
        await self.others(scope, receive, send)
