"""The Starlette application: POST /graphql behind bearer-token auth, GET /healthz, and in
development the GraphiQL page with its vendored assets and demo sign-in (server.graphiql)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from cross_web import HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from db.engine import create_engine, create_read_session_factory, create_session_factory
from db.models import (
    Assignment,
    Client,
    Partner,
    PartnerMember,
    Store,
    Task,
    WorkflowTemplate,
    WorkflowTemplateItem,
)
from policies import ANONYMOUS, Authorizer, Viewer, build_authorizer, load_viewer
from policies.viewer import service_viewer
from resolvers.context import Context, IdempotencyRequest
from resolvers.dns_check import DnsChecker, PublicDnsChecker
from resolvers.idempotency import request_fingerprint
from schema.build import build_schema
from server.edge import (
    MAX_BODY_BYTES,
    code_for_status,
    declared_length_refused,
    error_response,
    parse_request,
    read_body,
    too_large,
    variables_refused,
)
from server.graphiql import graphiql_page, graphiql_routes
from server.graphql_errors import InputCheck, RootArguments, coded
from server.jobs import connector_for
from server.mail_config import mail_settings
from server.observability import (
    Metrics,
    instrument,
    metrics_endpoint,
    observing_extension,
    readyz_endpoint,
)
from server.persisted import TrustedDocuments, replaying
from server.rate_limit import Buckets, buckets_for, rate_limit_extensions
from server.report_csv import ReportCsv
from server.request_edge import REQUEST_ID_HEADER, EdgeDispatch, GraphQLEdge, request_id_of
from server.serving import warm
from server.settings import Settings
from server.tokens import InvalidTokenError, read_service_token, read_token
from server.unsubscribe import unsubscribe_routes
from server.worker import run_jobs


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
    # Read sessions (autocommit on PostgreSQL: no BEGIN/ROLLBACK around a request's SELECTs).
    reads: async_sessionmaker[AsyncSession]
    rate_limit: Buckets | None = None


class PartnerGraphQL(GraphQL[Context, None]):
    def __init__(self, runtime: Runtime) -> None:
        schema = build_schema(
            production=runtime.settings.production,
            limits=runtime.settings.limits,
            # Innermost: it tags parse and validation errors before error masking sees them.
            innermost=[
                InputCheck,
                *rate_limit_extensions(runtime.rate_limit),
                observing_extension(),
            ],
            on_root_fields=RootArguments,
        )
        super().__init__(
            schema,
            graphql_ide=None if runtime.settings.production else "graphiql",
            allow_queries_via_get=False,
        )
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Strawberry answers a request it cannot take in plain text; ours is JSON with a code.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as exc:
            response = error_response(exc.reason, code_for_status(exc.status_code), exc.status_code)
        await response(scope, receive, send)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        if result.errors:
            request_id: str = request.state.request_id
            production = self.runtime.settings.production
            response["errors"] = [
                coded(error, dict(error.formatted), request_id, production=production)
                for error in result.errors
            ]
        return response

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
            reads=self.runtime.reads,
            # The session the viewer was loaded in serves the request's reads too.
            session=request.scope["state"].pop("read_session", None),
            dns=self.runtime.dns,
            webhooks_allow_private=self.runtime.settings.webhooks_allow_private,
            request_id=request.state.request_id,
            report_cost=request.headers.get(COST_HEADER, "") == "1",
            idempotency=await _idempotency(request),
        )
        request.state.context = context  # closed by GraphQLEndpoint when the response is sent
        return context


# The models whose read filters every page builds (warmed at start-up).
WARM_MODELS = (
    Client,
    Partner,
    PartnerMember,
    Store,
    Assignment,
    Task,
    WorkflowTemplate,
    WorkflowTemplateItem,
)

# A request with this header set to 1 gets its operation's cost in `extensions.cost`.
COST_HEADER = "shopiq-graphql-cost"


async def _idempotency(request: Any) -> IdempotencyRequest | None:
    """The request's `Idempotency-Key` with the fingerprint of its document and variables (the
    body was read and checked before; Starlette keeps it)."""
    key = request.headers.get("idempotency-key")
    if key is None or not isinstance(request, Request):
        return None
    try:
        data = json.loads(await request.body())
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fingerprint = request_fingerprint(
        data.get("query"), data.get("operationName"), data.get("variables")
    )
    return IdempotencyRequest(key=key, fingerprint=fingerprint)


def _unauthorized(message: str) -> Response:
    return error_response(
        message, "UNAUTHENTICATED", 401, headers={"WWW-Authenticate": 'Bearer realm="shopiq"'}
    )


def _json_content(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class GraphQLEndpoint:
    """Authenticates every operation before Strawberry sees it; only the GraphiQL page (a GET for
    HTML, development only) loads without a token."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.graphql = PartnerGraphQL(runtime)
        self.documents = TrustedDocuments(
            runtime.sessions,
            required=runtime.settings.trusted_documents_only,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Every answer names its request, and the logs use the same id: the edge
        # (server/request_edge.py) has set it; called without the edge, the endpoint does.
        state = scope.setdefault("state", {})
        if "request_id" not in state:
            state["request_id"] = request_id_of(scope)
            send = sending_request_id(send, state["request_id"])
        request = Request(scope, receive)
        if request.method == "GET" and self._ide_request(request):
            await self.graphql(scope, receive, send)
            return
        try:
            await self._answer(scope, receive, send, request)
        finally:
            context: Context | None = state.get("context")
            if context is not None:
                await context.end()
            # Refused before the context took it.
            session: AsyncSession | None = state.pop("read_session", None)
            if session is not None:
                await session.close()

    async def _answer(self, scope: Scope, receive: Receive, send: Send, request: Request) -> None:
        refusal = await self._refusal(scope, request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        # The body is read here, counted chunk by chunk whatever the headers say (chunked
        # bodies have no Content-Length), decoded and checked before Strawberry sees it.
        body = await read_body(receive, MAX_BODY_BYTES)
        if body is None:
            await too_large()(scope, receive, send)
            return
        data = parse_request(body)
        if isinstance(data, Response):
            await data(scope, receive, send)
            return
        refused = variables_refused(data)
        if refused is not None:
            await refused(scope, receive, send)
            return
        # A document's hash becomes its text (server/persisted.py).
        resolved = await self.documents.resolve(body)
        if isinstance(resolved, Response):
            await resolved(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        scope["headers"] = [*headers, (b"content-length", str(len(resolved)).encode())]
        receive = replaying(resolved, receive)
        await self.graphql(scope, receive, send)

    async def _refusal(self, scope: Scope, request: Request) -> Response | None:
        """The answer to a request refused before its body is read, or None."""
        if declared_length_refused(scope.get("headers", [])):
            return too_large()
        viewer = await self._viewer(request)
        if viewer is None:
            return _unauthorized("sign in: send a valid `Authorization: Bearer <token>` header")
        scope["state"]["viewer"] = viewer
        if request.method != "POST":
            return error_response(
                "send GraphQL requests by POST", "METHOD_NOT_ALLOWED", 405, {"Allow": "POST"}
            )
        if not _json_content(request):
            return error_response(
                "send the request as application/json", "UNSUPPORTED_MEDIA_TYPE", 415
            )
        return None

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
        secret = self.runtime.settings.jwt_secret
        try:
            user_id, issued_at = read_token(secret, token.strip())
        except InvalidTokenError:
            try:
                return service_viewer(read_service_token(secret, token.strip()))
            except InvalidTokenError:
                return None
        session = self.runtime.reads()
        request.scope["state"]["read_session"] = session  # closed when the answer is sent
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
        # Tests hand in sessions bound to a transaction they roll back: reads use those too.
        reads=sessions or create_read_session_factory(engine),
    )
    runtime.rate_limit = buckets_for(settings, runtime.sessions)
    metrics = Metrics()
    instrument(engine)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Polar's first-use costs paid before the first request; then long-lived start-up
        # objects leave the cyclic GC's view and its thresholds rise: fewer, shorter pauses (p95).
        warm(runtime.authz, WARM_MODELS)
        stop = asyncio.Event()
        jobs = (
            asyncio.create_task(
                run_jobs(
                    runtime.sessions,
                    stop,
                    connector=connector_for(settings.database_url),
                    authz=runtime.authz,
                    dns=runtime.dns,
                    mail=mail_settings(settings),
                )
            )
            if settings.in_process_jobs
            else None
        )
        yield
        stop.set()
        if jobs is not None:
            await jobs
        await runtime.engine.dispose()

    graphql = GraphQLEndpoint(runtime)
    edge = GraphQLEdge(
        graphql,
        metrics,
        timeout_seconds=settings.execution_timeout_seconds,
        production=settings.production,
    )
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            # Every method reaches the endpoint, which answers any but POST (and the
            # development GraphiQL page's GET) with a JSON 405.
            Route("/readyz", readyz_endpoint(runtime.engine), methods=["GET"]),
            Route(
                "/metrics",
                metrics_endpoint(
                    metrics, production=settings.production, token=settings.metrics_token
                ),
                methods=["GET"],
            ),
            # Served by the edge directly (EdgeDispatch); the route serves a /graphql under a
            # root path.
            Route("/graphql", edge),
            Route(
                "/reports/{report_id}.csv",
                ReportCsv(runtime, graphql.graphql.schema).answer,
                methods=["GET"],
            ),
            *graphiql_routes(settings, runtime.sessions),
            *unsubscribe_routes(settings, runtime.sessions, runtime.authz),
        ],
        lifespan=lifespan,
        middleware=[Middleware(EdgeDispatch, graphql=edge, production=settings.production)],
    )
    app.state.runtime = runtime
    return app
