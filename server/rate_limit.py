"""Per-viewer rate limit in cost points: a token bucket per viewer (a request without a viewer
counts against its client address), priced by the query cost of schema.cost.

A bucket holds at most `points`; it refills at `refill_per_second`. An operation that is about
to run takes its cost (at least 1) from the viewer's bucket; when the bucket holds less, the
operation does not run and the answer is 429 `RATE_LIMITED` with `Retry-After` (seconds until
the bucket holds enough). Every answer that was priced says what is left:
`RateLimit-Limit` (the bucket's size), `RateLimit-Remaining` (points left) and
`RateLimit-Reset` (seconds until the bucket is full again).

Documents refused before they run (parse, validation, QUERY_TOO_COSTLY) are not charged: what
they cost is bounded by the document limits.

The state is per process by default (`MemoryBuckets`); with several workers, each would allow
the whole rate, so `SHOPIQ_RATE_LIMIT_STORE=database` keeps the buckets in PostgreSQL
(`DatabaseBuckets`): one atomic UPSERT ... RETURNING per request, the refill computed by the
database's clock, so workers on several hosts agree without a lock or a second round trip."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Protocol

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSchema
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Scope
from strawberry.extensions import SchemaExtension

from schema.cost import CostModel
from server.settings import Settings

RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int  # the bucket's size
    remaining: int  # whole points left after this request
    reset: int  # seconds until the bucket is full again
    retry_after: int  # seconds until the bucket holds this request's cost (0 when allowed)

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset).encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        return headers


def refill(tokens: float, elapsed: float, capacity: int, rate: float) -> float:
    """What the bucket holds `elapsed` seconds after it held `tokens`."""
    return min(float(capacity), tokens + rate * max(0.0, elapsed))


def decide(allowed: bool, tokens: float, cost: int, capacity: int, rate: float) -> Decision:
    """The decision, given what the bucket holds after it (`tokens`)."""
    return Decision(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, math.floor(tokens)),
        reset=max(0, math.ceil((capacity - tokens) / rate)),
        retry_after=0 if allowed else max(1, math.ceil((cost - tokens) / rate)),
    )


def take(tokens: float, cost: int, capacity: int, rate: float) -> tuple[bool, float]:
    """(allowed, what the bucket holds afterwards) for a bucket holding `tokens` now."""
    if tokens >= cost:
        return True, tokens - cost
    return False, tokens


class Buckets(Protocol):
    capacity: int
    rate: float

    async def take(self, key: str, cost: int) -> Decision: ...


class MemoryBuckets:
    """The buckets of this process. A bucket left alone long enough to be full again is the same
    as no bucket: the least recently used are forgotten past `max_keys`."""

    def __init__(
        self,
        capacity: int,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def take(self, key: str, cost: int) -> Decision:
        now = self.clock()
        held, then = self._buckets.pop(key, (float(self.capacity), now))
        allowed, tokens = take(
            refill(held, now - then, self.capacity, self.rate), cost, self.capacity, self.rate
        )
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return decide(allowed, tokens, cost, self.capacity, self.rate)


# One statement does the whole step atomically (the row is locked by the upsert): the refill
# since the last request by the database's clock, then the charge if the bucket holds enough.
_REFILLED = (
    "LEAST(CAST(:capacity AS double precision), b.tokens + CAST(:rate AS double precision)"
    " * GREATEST(0, EXTRACT(EPOCH FROM (now() - b.updated_at))::double precision))"
)
TAKE_SQL = text(
    f"""
    INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at, refused)
    VALUES (:key, CAST(:capacity AS double precision) - :cost, now(), false)
    ON CONFLICT (key) DO UPDATE SET
        tokens = CASE WHEN {_REFILLED} >= :cost THEN {_REFILLED} - :cost ELSE {_REFILLED} END,
        refused = {_REFILLED} < :cost,
        updated_at = now()
    RETURNING tokens, refused
    """
)


class DatabaseBuckets:
    """The buckets in PostgreSQL (table rate_limit_buckets), shared by every worker."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], capacity: int, rate: float
    ) -> None:
        self.sessions = sessions
        self.capacity = capacity
        self.rate = rate

    async def take(self, key: str, cost: int) -> Decision:
        async with self.sessions.begin() as session:
            row = (
                await session.execute(
                    TAKE_SQL,
                    {"key": key, "cost": float(cost), "capacity": self.capacity, "rate": self.rate},
                )
            ).one()
        tokens, refused = float(row.tokens), bool(row.refused)
        return decide(not refused, tokens, cost, self.capacity, self.rate)


@dataclass
class RateState:
    """What the HTTP edge and the schema extension of one request share."""

    address: str
    decision: Decision | None = None


_STATE: ContextVar[RateState | None] = ContextVar("rate_limit_state", default=None)


def bucket_key(user_id: int | None, address: str) -> str:
    return f"user:{user_id}" if user_id is not None else f"address:{address}"


def rate_limit_extension(buckets: Buckets) -> Callable[[], SchemaExtension]:
    """The schema extension that charges each operation before it runs (after the cost limit
    has let it through); one CostModel per schema, built on first use."""
    models: dict[int, CostModel] = {}

    def model_for(schema: GraphQLSchema) -> CostModel:
        model = models.get(id(schema))
        if model is None:
            model = models[id(schema)] = CostModel(schema)
        return model

    class RateLimitCharge(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            context = self.execution_context
            state = _STATE.get()
            if state is not None and context.graphql_document is not None and not context.result:
                cost = model_for(context.schema._schema).cost(
                    context.graphql_document, context.operation_name, context.variables
                )
                viewer = getattr(context.context, "viewer", None)
                key = bucket_key(getattr(viewer, "user_id", None), state.address)
                decision = await buckets.take(key, max(1, cost))
                state.decision = decision
                if not decision.allowed:
                    context.result = GraphQLExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                f"Rate limit: this operation costs {max(1, cost)} points and "
                                f"{decision.remaining} are left; retry in "
                                f"{decision.retry_after} s.",
                                extensions={
                                    "code": RATE_LIMITED,
                                    "requestedQueryCost": max(1, cost),
                                    "remaining": decision.remaining,
                                    "retryAfter": decision.retry_after,
                                },
                            )
                        ],
                    )
            yield

    return RateLimitCharge


def buckets_for(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Buckets | None:
    """The buckets the settings ask for, or None when the rate limit is off."""
    if not settings.rate_limit_points:
        return None
    if settings.rate_limit_store == "database":
        return DatabaseBuckets(
            sessions, settings.rate_limit_points, settings.rate_limit_refill_per_second
        )
    return MemoryBuckets(settings.rate_limit_points, settings.rate_limit_refill_per_second)


def rate_limit_extensions(buckets: Buckets | None) -> list[Callable[[], SchemaExtension]]:
    return [] if buckets is None else [rate_limit_extension(buckets)]


def enter_rate_state(scope: Scope) -> tuple[RateState, Token[RateState | None]]:
    """Gives a /graphql request the state its schema extension records the decision in (the
    HTTP edge, server/request_edge.py, puts the decision into the answer's headers)."""
    client = scope.get("client")
    state = RateState(address=client[0] if client else "unknown")
    return state, _STATE.set(state)


def leave_rate_state(token: Token[RateState | None]) -> None:
    _STATE.reset(token)
