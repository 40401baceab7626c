"""The per-viewer rate limit in cost points: a token bucket per viewer, priced by the query cost;
429 RATE_LIMITED with Retry-After past it, RateLimit-* headers on every priced answer; in this
process or, for several workers, in PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.models import Task
from db.rate_limit import RateLimitBucket
from server.app import create_app
from server.rate_limit import DatabaseBuckets, MemoryBuckets
from server.settings import Settings, SettingsError, load_settings
from tests.conftest import World, token_for
from tests.helpers import gid

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
QUERY = "query Page { clients(first: 3) { nodes { id } } }"  # costs 3 x (1 + 0) = 3
COST = 3


def bearer(world: World, email: str = OWNER) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[email], email)}"}


# --- the bucket -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_allows_its_points_then_refills() -> None:
    clock = Clock()
    buckets = MemoryBuckets(10, 2.0, clock=clock)
    first = await buckets.take("user:1", 10)  # just under: exactly what it holds
    assert (first.allowed, first.remaining, first.reset) == (True, 0, 5)
    over = await buckets.take("user:1", 1)  # just over
    assert (over.allowed, over.remaining, over.retry_after) == (False, 0, 1)
    assert (await buckets.take("user:2", 10)).allowed  # another viewer, another bucket
    clock.now += 0.5  # 1 point back
    again = await buckets.take("user:1", 1)
    assert (again.allowed, again.remaining) == (True, 0)
    clock.now += 100  # never more than its size
    full = await buckets.take("user:1", 1)
    assert (full.remaining, full.reset) == (9, 1)


@pytest.mark.parametrize("seed", range(50))
async def test_a_bucket_never_grants_more_than_it_refilled(seed: int) -> None:
    """Random waits and costs: what is granted never exceeds the bucket's size plus what the
    waits refilled, and a refusal always means the bucket held less than the cost."""
    rng = random.Random(seed)
    clock = Clock()
    capacity, rate = 50, 3.0
    buckets = MemoryBuckets(capacity, rate, clock=clock)
    granted, waited = 0, 0.0
    for _ in range(40):
        wait, cost = rng.uniform(0, 30) * rng.random() ** 4, rng.randint(1, 40)
        clock.now += wait
        waited += wait
        decision = await buckets.take("k", cost)
        assert 0 <= decision.remaining <= capacity
        if decision.allowed:
            granted += cost
        else:
            assert decision.remaining < cost
            assert decision.retry_after >= 1
    assert granted <= capacity + rate * waited + 1e-6


def test_the_oldest_buckets_are_forgotten() -> None:
    buckets = MemoryBuckets(10, 1.0, max_keys=2)
    for key in ("a", "b", "c"):
        asyncio.run(buckets.take(key, 5))
    assert list(buckets._buckets) == ["b", "c"]


# --- over HTTP ----------------------------------------------------------------------------------


def limited_app(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    **rate: Any,
) -> httpx.AsyncClient:
    app = create_app(replace(settings, **rate), engine=engine, sessions=sessions)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def limited(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """A fresh app (fresh buckets) with the rate limit given. With the shared store the app
    commits for real (its own sessions on the engine): in the test's one rolled-back connection
    the request's read session would roll the bucket's charge back with it, which separate
    connections never do; the buckets it wrote are deleted afterwards."""
    clients: list[httpx.AsyncClient] = []
    shared = False

    def make(**rate: Any) -> httpx.AsyncClient:
        nonlocal shared
        if rate.get("rate_limit_store") == "database":
            shared = True
            app = create_app(replace(settings, **rate), engine=engine)
            clients.append(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
            )
        else:
            clients.append(limited_app(settings, engine, sessions, **rate))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()
    if shared:
        async with engine.begin() as conn:
            await conn.execute(delete(RateLimitBucket))


async def ask(client: httpx.AsyncClient, world: World, email: str = OWNER) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": QUERY},
        headers={**bearer(world, email), "ShopIQ-GraphQL-Cost": "1"},
    )


@pytest.mark.parametrize("store", ["memory", "database"])
async def test_the_limit_over_http(
    limited: Callable[..., httpx.AsyncClient], world: World, backend: str, store: str
) -> None:
    if store == "database" and backend != "postgresql":
        pytest.skip("the shared store is PostgreSQL's")
    client = limited(
        rate_limit_points=3 * COST, rate_limit_refill_per_second=0.001, rate_limit_store=store
    )
    for left in (2 * COST, COST, 0):  # the third leaves the bucket empty: just under
        response = await ask(client, world)
        assert response.status_code == 200, response.text
        assert response.json()["extensions"]["cost"]["requestedQueryCost"] == COST
        assert response.headers["ratelimit-limit"] == str(3 * COST)
        assert response.headers["ratelimit-remaining"] == str(left)
        assert int(response.headers["ratelimit-reset"]) > 0
        assert "retry-after" not in response.headers
    refused = await ask(client, world)  # just over
    assert refused.status_code == 429
    body = refused.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["requestedQueryCost"] == COST
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-remaining"] == "0"
    # Another viewer has a bucket of their own.
    assert (await ask(client, world, ADMIN)).status_code == 200


async def test_a_refused_mutation_writes_nothing(
    limited: Callable[..., httpx.AsyncClient],
    world: World,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    client = limited(rate_limit_points=COST, rate_limit_refill_per_second=0.001)
    assert (await ask(client, world)).status_code == 200
    title = "Over the rate limit"
    response = await client.post(
        "/graphql",
        json={
            "query": "mutation($c: ID!, $t: String!) "
            "{ createTask(input: {clientId: $c, title: $t}) { task { id } } }",
            "variables": {"c": gid("Client", world.clients["Lumen Candles"]), "t": title},
        },
        headers=bearer(world),
    )
    assert response.status_code == 429
    async with sessions() as session:
        count = select(func.count(Task.id)).where(Task.title == title)
        assert (await session.execute(count)).scalar_one() == 0


async def test_refusals_before_running_are_not_charged(
    limited: Callable[..., httpx.AsyncClient], world: World
) -> None:
    client = limited(rate_limit_points=COST, rate_limit_refill_per_second=0.001)
    invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=bearer(world))
    assert invalid.status_code == 200
    assert "ratelimit-remaining" not in invalid.headers
    assert (await ask(client, world)).status_code == 200


async def test_without_a_limit_no_headers(http: httpx.AsyncClient, world: World) -> None:
    response = await ask(http, world)
    assert response.status_code == 200
    assert "ratelimit-limit" not in response.headers


# --- the shared store under concurrency ---------------------------------------------------------


@pytest.mark.usefixtures("committed_world")
async def test_concurrent_requests_share_one_bucket(
    backend: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if backend != "postgresql":
        pytest.skip("the shared store is PostgreSQL's")
    # Two "workers" (two store objects) over one table; 20 requests at once, 7 points.
    workers = [DatabaseBuckets(sessions, 7, 1e-9), DatabaseBuckets(sessions, 7, 1e-9)]
    decisions = await asyncio.gather(
        *(workers[i % 2].take("user:concurrent", 1) for i in range(20))
    )
    assert sum(d.allowed for d in decisions) == 7


# --- settings -----------------------------------------------------------------------------------


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SHOPIQ_VAR_DIR": str(tmp_path), **values}


def test_rate_limit_settings(tmp_path: Path) -> None:
    default = load_settings(environ(tmp_path))
    assert (default.rate_limit_points, default.rate_limit_refill_per_second) == (100_000, 1000.0)
    assert default.rate_limit_store == "memory"
    assert load_settings(environ(tmp_path, SHOPIQ_RATE_LIMIT_POINTS="0")).rate_limit_points == 0
    custom = load_settings(
        environ(
            tmp_path,
            SHOPIQ_RATE_LIMIT_POINTS="60000",
            SHOPIQ_RATE_LIMIT_REFILL_PER_SECOND="250",
        )
    )
    assert (custom.rate_limit_points, custom.rate_limit_refill_per_second) == (60_000, 250.0)


@pytest.mark.parametrize(
    "values",
    [
        {"SHOPIQ_RATE_LIMIT_POINTS": "49999"},  # below the cost limit (50,000)
        {"SHOPIQ_RATE_LIMIT_POINTS": "-1"},
        {"SHOPIQ_RATE_LIMIT_REFILL_PER_SECOND": "0"},
        {"SHOPIQ_RATE_LIMIT_STORE": "redis"},
        {"SHOPIQ_RATE_LIMIT_STORE": "database"},  # on SQLite
    ],
)
def test_unusable_rate_limit_settings(tmp_path: Path, values: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        load_settings(environ(tmp_path, **values))
