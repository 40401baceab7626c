"""The database going away, on PostgreSQL: a request whose connection dies gets a clean coded
error (never SQL), a mutation cut off halfway leaves nothing, /readyz says not ready while the
database refuses connections, and the same process recovers when it is back (dead pooled
connections are invalidated; pool_pre_ping tests each before use)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, make_url, select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

import schema.viewer
from db.engine import create_engine
from db.models import Task
from resolvers import tasks as task_service
from tests.conftest import World, token_for
from tests.helpers import gid

pytestmark = pytest.mark.usefixtures("committed_world")

OWNER = "owner@northwind.test"
TITLE = "Cut off halfway"


@pytest.fixture
async def admin(database_url: str, backend: str) -> AsyncIterator[AsyncEngine]:
    """A connection of its own (no pool shared with the app), to pull the plug with."""
    if backend != "postgresql":
        pytest.skip("terminates PostgreSQL backends")
    engine = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    yield engine
    await engine.dispose()


async def terminate(admin: AsyncEngine, pid: int | None = None) -> None:
    """End one backend, or every backend of the database but the admin's own."""
    async with admin.connect() as conn:
        if pid is not None:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        else:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )


async def backend_pid(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


def bearer(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}"}


VIEWER = "{ viewer { memberships { id } } }"


@pytest.mark.parametrize("env", ["production", "development"])
async def test_a_connection_dying_mid_request_answers_a_coded_error_then_recovers(
    http: httpx.AsyncClient,
    prod_http: httpx.AsyncClient,
    world: World,
    admin: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    env: str,
) -> None:
    client = prod_http if env == "production" else http
    real = schema.viewer.viewer_memberships

    async def dying(ctx: Any) -> Any:
        async with ctx.reading() as session:
            await terminate(admin, await backend_pid(session))
        return await real(ctx)  # on the connection that was just terminated

    monkeypatch.setattr(schema.viewer, "viewer_memberships", dying)
    response = await client.post(
        "/graphql", json={"query": VIEWER}, headers={**bearer(world), "X-Request-Id": "gone-1"}
    )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == "gone-1"
    for secret in ("SELECT", "asyncpg", "terminat", "connection"):
        assert secret not in error["message"]

    monkeypatch.setattr(schema.viewer, "viewer_memberships", real)
    again = await client.post("/graphql", json={"query": VIEWER}, headers=bearer(world))
    assert again.status_code == 200
    assert again.json()["data"]["viewer"]["memberships"]


async def test_a_mutation_cut_off_before_commit_leaves_nothing(
    http: httpx.AsyncClient,
    world: World,
    admin: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = task_service.transact

    async def cut_off(ctx: Any, work: Any) -> Any:
        async def then_die(session: AsyncSession) -> Any:
            value = await work(session)  # the task row is inserted (flushed) ...
            await terminate(admin, await backend_pid(session))  # ... and the link is lost
            return value

        return await real(ctx, then_die)

    monkeypatch.setattr(task_service, "transact", cut_off)
    response = await http.post(
        "/graphql",
        json={
            "query": "mutation($c: ID!, $t: String!) { createTask(input: "
            "{clientId: $c, title: $t}) { task { id } userErrors { code } } }",
            "variables": {"c": gid("Client", world.clients["Lumen Candles"]), "t": TITLE},
        },
        headers=bearer(world),
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    async with sessions() as session:
        count = select(func.count(Task.id)).where(Task.title == TITLE)
        assert (await session.execute(count)).scalar_one() == 0


async def test_not_ready_while_the_database_refuses_then_ready_again(
    http: httpx.AsyncClient, world: World, admin: AsyncEngine, database_url: str
) -> None:
    assert (await http.get("/readyz")).status_code == 200
    name = make_url(database_url).database
    # Only from another database may connections to this one be refused.
    outside = create_async_engine(
        make_url(database_url).set(database="template1"),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with outside.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            try:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name"
                    ),
                    {"name": name},
                )  # every pooled connection of the app is now dead, and no new one is allowed
                down = await http.get("/readyz")
                assert down.status_code == 503
                assert down.json() == {"status": "not ready", "reason": "database unreachable"}
                refused = await http.post("/graphql", json={"query": VIEWER}, headers=bearer(world))
                assert refused.status_code >= 400
                assert refused.json()["errors"][0]["extensions"]["code"]
                assert "ALLOW" not in refused.text
            finally:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        await outside.dispose()
    # The same process, the same pool: back without a restart.
    assert (await http.get("/readyz")).status_code == 200
    back = await http.post("/graphql", json={"query": VIEWER}, headers=bearer(world))
    assert back.status_code == 200
    assert back.json()["data"]["viewer"]["memberships"]


async def test_pooled_connections_the_server_ended_are_replaced_before_use(
    admin: AsyncEngine, database_url: str
) -> None:
    """A database restart ends every pooled connection while it sits idle; the next requests get
    working ones, none of them an error (each checkout is pinged first: db/engine.py)."""
    engine = create_engine(database_url)

    async def held() -> int:
        async with engine.connect() as conn:
            pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await asyncio.sleep(0.05)  # all three at once: three pooled connections
            return pid

    try:
        before = set(await asyncio.gather(held(), held(), held()))
        assert len(before) == 3
        for pid in before:
            await terminate(admin, pid)
        after = set(await asyncio.gather(held(), held(), held()))
        assert len(after) == 3
        assert not after & before
    finally:
        await engine.dispose()
