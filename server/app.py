"""The Starlette application: POST /graphql behind bearer-token auth, GET /healthz, and in
development the GraphiQL page with its vendored assets and demo sign-in (server.graphiql)."""

from __future__ import annotations

import gc
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from db.engine import create_engine, create_session_factory
from policies import ANONYMOUS, Authorizer, Viewer, build_authorizer, load_viewer
from resolvers.context import Context
from resolvers.dns_check import DnsChecker, PublicDnsChecker
from schema.build import build_schema
from server.graphiql import graphiql_page, graphiql_routes
from server.persisted import TrustedDocuments
from server.settings import Settings
from server.tokens import InvalidTokenError, read_token

MAX_BODY_BYTES = 1_000_000
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


def sending_request_id(send: Send, request_id: str) -> Send:
    """`send`, with the request id added to the response's headers."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID_HEADER
            ]
            headers.append((REQUEST_ID_HEADER, request_id.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    authz: Authorizer
    dns: DnsChecker


class PartnerGraphQL(GraphQL[Context, None]):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            build_schema(production=runtime.settings.production, limits=runtime.settings.limits),
            graphql_ide=None if runtime.settings.production else "graphiql",
            allow_queries_via_get=False,
        )
        self.runtime = runtime

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our page, with its assets served by this app instead of a CDN (server.graphiql).
        return graphiql_page()

    async def get_context(self, request: Any, response: Any) -> Context:
        # The GraphiQL page (development only) is served without a signed-in viewer.
        viewer: Viewer = getattr(request.state, "viewer", ANONYMOUS)
        context = Context(
            viewer=viewer,
            authz=self.runtime.authz,
            sessions=self.runtime.sessions,
            dns=self.runtime.dns,
            request_id=request.state.request_id,
            report_cost=request.headers.get(COST_HEADER, "") == "1",
        )
        request.state.context = context  # closed by GraphQLEndpoint when the response is sent
        return context


# A request with this header set to 1 gets its operation's cost in `extensions.cost`.
COST_HEADER = "shopiq-graphql-cost"


def _unauthorized(message: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="shopiq"'},
    )


class GraphQLEndpoint:
    """Authenticates every operation before Strawberry sees it; only the GraphiQL page (a GET for
    HTML, development only) loads without a token."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.graphql = PartnerGraphQL(runtime)
        self.documents = TrustedDocuments(
            runtime.sessions,
            required=runtime.settings.trusted_documents_only,
            max_body_bytes=MAX_BODY_BYTES,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Every answer names its request, and the logs use the same id.
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        send = sending_request_id(send, request_id)
        request = Request(scope, receive)
        if request.method == "GET" and self._ide_request(request):
            await self.graphql(scope, receive, send)
            return
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            response: Response = JSONResponse(
                {"errors": [{"message": "request body too large or length missing"}]},
                status_code=413,
            )
            await response(scope, receive, send)
            return
        viewer = await self._viewer(request)
        if viewer is None:
            await _unauthorized("sign in: send a valid `Authorization: Bearer <token>` header")(
                scope, receive, send
            )
            return
        state = scope.setdefault("state", {})
        state["viewer"] = viewer
        if request.method == "POST":  # a document's hash becomes its text (server/persisted.py)
            prepared = await self.documents.prepare(scope, receive)
            if isinstance(prepared, Response):
                await prepared(scope, receive, send)
                return
            receive = prepared
        try:
            await self.graphql(scope, receive, send)
        finally:
            context: Context | None = state.get("context")
            if context is not None:
                await context.end_reading()

    def _ide_request(self, request: Request) -> bool:
        return (
            not self.runtime.settings.production
            and "text/html" in request.headers.get("accept", "")
            and "query" not in request.query_params
        )

    async def _viewer(self, request: Request) -> Viewer | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            user_id, issued_at = read_token(self.runtime.settings.jwt_secret, token.strip())
        except InvalidTokenError:
            return None
        async with self.runtime.sessions() as session:
            return await load_viewer(session, user_id, issued_at)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    engine: AsyncEngine | None = None,
    dns: DnsChecker | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> Starlette:
    """`sessions` defaults to a factory over `engine`; tests pass one bound to a connection whose
    transaction they roll back."""
    engine = engine or create_engine(settings.database_url)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions or create_session_factory(engine),
        authz=build_authorizer(),
        dns=dns or PublicDnsChecker(),
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Long-lived start-up objects leave the cyclic GC's view: fewer, shorter pauses (p95).
        gc.collect()
        gc.freeze()
        yield
        await runtime.engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", GraphQLEndpoint(runtime), methods=["GET", "POST"]),
            *graphiql_routes(settings, runtime.sessions),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
