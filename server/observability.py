"""What the running service tells its operators: one structured log line per /graphql request,
Prometheus metrics on /metrics, and readiness on /readyz.

- Logs: every log record (ours, Strawberry's, uvicorn's) goes through structlog's formatter on
  the standard library's root handler, as one JSON object per line (`SHOPIQ_LOG_FORMAT=json`,
  the default in production) or as readable text (`console`, the default in development). Each
  /graphql request logs `event="request"` with request_id, viewer_id, operation, status,
  duration_ms, sql_statements, cost and error codes.
- Metrics (prometheus_client, one registry per application): request latency by operation
  name, errors by code, SQL statements per request, rate-limit refusals. Operation names are
  the caller's words: only well-formed names become labels, at most MAX_OPERATION_LABELS
  distinct ones (the rest count as "other"), so a client cannot grow the registry without end.
- /metrics: open in development; in production only with `Authorization: Bearer
  <SHOPIQ_METRICS_TOKEN>` (compared in constant time), and absent (404) when no token is set.
- /readyz: 200 when the database answers and its migrations are at the code's head, else 503
  with a JSON reason. /healthz (liveness) says only that the process serves."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import IO, Any
from weakref import WeakSet

import structlog
from graphql import GraphQLSchema, OperationDefinitionNode
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from sqlalchemy import Engine, event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

from db import migrate
from schema.cost import CostModel
from server.edge import code_for_status, error_response
from server.graphql_errors import coded
from server.rate_limit import RATE_LIMITED

# Our code logs through the standard library (with `extra` fields); structlog formats them.
log = logging.getLogger("shopiq.requests")

MAX_OPERATION_LABELS = 200
OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
CODES_BY_STATUS = {429: RATE_LIMITED}


# --- logs ---------------------------------------------------------------------------------------


def configure_logging(fmt: str, level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Every record of the process through one structlog formatter on the root logger."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # procrastinate logs each job's start and end at INFO: with jobs every few seconds that
    # drowns the request lines. Its warnings and errors (retries, failed jobs) still show, and
    # at DEBUG everything does.
    logging.getLogger("procrastinate").setLevel(
        max(level, logging.WARNING) if level > logging.DEBUG else level
    )


# --- per-request statistics ---------------------------------------------------------------------


@dataclass
class RequestStats:
    operation: str | None = None
    cost: int | None = None
    sql_statements: int = 0
    codes: list[str] = field(default_factory=list)


_STATS: ContextVar[RequestStats | None] = ContextVar("request_stats", default=None)
_INSTRUMENTED: WeakSet[Engine] = WeakSet()


def note_code(code: str) -> None:
    """Records the code of an answer made outside GraphQL (timeout, failsafe) for the request's
    log line and metrics."""
    stats = _STATS.get()
    if stats is not None:
        stats.codes.append(code)


def _count_statement(*_: Any) -> None:
    stats = _STATS.get()
    if stats is not None:
        stats.sql_statements += 1


def instrument(engine: AsyncEngine) -> None:
    """Count each SQL statement against the request that runs it (once per engine)."""
    if engine.sync_engine not in _INSTRUMENTED:
        event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
        _INSTRUMENTED.add(engine.sync_engine)


def observing_extension() -> type[SchemaExtension]:
    """Notes the operation's name, its cost and its errors' codes for the request's log line."""
    models: dict[int, CostModel] = {}

    class Observing(SchemaExtension):
        async def on_operation(self) -> AsyncIterator[None]:
            yield
            stats = _STATS.get()
            if stats is None:
                return
            context = self.execution_context
            document = context.graphql_document
            stats.operation = context.operation_name or _single_operation_name(document)
            if document is not None and stats.cost is None:
                schema: GraphQLSchema = context.schema._schema
                model = models.get(id(schema)) or models.setdefault(id(schema), CostModel(schema))
                try:
                    stats.cost = model.cost(document, context.operation_name, context.variables)
                except Exception:  # an invalid document has no cost to report
                    stats.cost = None
            result = context.result
            errors = (result.errors if result is not None else None) or (
                context.pre_execution_errors or []
            )
            request_id = getattr(context.context, "request_id", "-")
            for error in errors:
                code = coded(error, dict(error.formatted), request_id)["extensions"]["code"]
                stats.codes.append(str(code))

    return Observing


def _single_operation_name(document: Any) -> str | None:
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) == 1 and operations[0].name is not None:
        return str(operations[0].name.value)
    return None


# --- metrics ------------------------------------------------------------------------------------


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "shopiq_request_duration_seconds",
            "Time to answer a /graphql request, by operation name.",
            ["operation"],
            registry=self.registry,
        )
        self.errors = Counter(
            "shopiq_errors",
            "Errors answered, by extensions.code.",
            ["code"],
            registry=self.registry,
        )
        self.sql = Histogram(
            "shopiq_sql_statements_per_request",
            "SQL statements one /graphql request ran.",
            buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144),
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "shopiq_rate_limit_refusals",
            "Operations refused by the rate limit (429).",
            registry=self.registry,
        )
        self._operations: set[str] = set()
        # The labelled latency series by label: `labels()` takes a lock and builds a key.
        self._latency_by_label: dict[str, Any] = {}

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not OPERATION_NAME.fullmatch(name):
            return "other"
        if name not in self._operations:
            if len(self._operations) >= MAX_OPERATION_LABELS:
                return "other"
            self._operations.add(name)
        return name

    def observe(self, stats: RequestStats, seconds: float, status: int) -> None:
        label = self.operation_label(stats.operation)
        series = self._latency_by_label.get(label)
        if series is None:
            series = self._latency_by_label[label] = self.latency.labels(label)
        series.observe(seconds)
        self.sql.observe(stats.sql_statements)
        for code in stats.codes:
            self.errors.labels(code).inc()
        if status == 429:
            self.rate_limited.inc()


def begin_request() -> tuple[RequestStats, Token[RequestStats | None]]:
    """The statistics of the /graphql request about to run (its SQL statements, operation, cost
    and codes are noted into them while it runs)."""
    stats = RequestStats()
    return stats, _STATS.set(stats)


def finish_request(
    metrics: Metrics,
    stats: RequestStats,
    token: Token[RequestStats | None],
    state: dict[str, Any],
    seconds: float,
    status: int,
) -> None:
    """Measures the request and logs its line, once its answer is sent (server/request_edge.py)."""
    _STATS.reset(token)
    if not stats.codes and status >= 400:
        stats.codes.append(CODES_BY_STATUS.get(status) or code_for_status(status))
    metrics.observe(stats, seconds, status)
    # The line's fields are only gathered when it is written.
    if log.isEnabledFor(logging.INFO):
        viewer = state.get("viewer")
        log.info(
            "request",
            extra={
                "request_id": state.get("request_id"),
                "viewer_id": getattr(viewer, "user_id", None),
                "operation": stats.operation,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "sql_statements": stats.sql_statements,
                "cost": stats.cost,
                "codes": stats.codes or None,
            },
        )


def metrics_endpoint(
    metrics: Metrics, *, production: bool, token: str | None
) -> Callable[[Request], Any]:
    async def serve(request: Request) -> Response:
        if production:
            if not token:
                return error_response("Not found.", "NOT_FOUND", 404)
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), token.encode()
            ):
                return error_response(
                    "send the metrics token as a bearer token",
                    "UNAUTHENTICATED",
                    401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return serve


# --- readiness ----------------------------------------------------------------------------------


READY_TIMEOUT_SECONDS = 5.0


def readyz_endpoint(engine: AsyncEngine) -> Callable[[Request], Any]:
    head = migrate.head_revision()

    async def ready(_: Request) -> Response:
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                current = await migrate.current_revision(engine)
        except Exception as exc:  # whatever the failure, the database is not usable
            logging.getLogger(__name__).warning(
                "not ready: database unreachable (%s)", type(exc).__name__
            )
            return _not_ready("database unreachable")
        if current != head:
            return _not_ready(f"database at migration {current}, the code needs {head}")
        return JSONResponse({"status": "ready", "migration": current})

    return ready


def _not_ready(reason: str) -> Response:
    return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
