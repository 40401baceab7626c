"""The execution timeout: a request past it is answered 503 TIMEOUT, and a mutation stopped
halfway leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import schema.viewer
from db.models import Task
from resolvers import tasks as task_service
from server.app import create_app
from server.settings import Settings, SettingsError, load_settings
from tests.conftest import World, token_for
from tests.helpers import gid

OWNER = "owner@northwind.test"
# Long enough for a cold first request (policy filters built on first use) on a busy machine.
TIMEOUT = 8.0
TITLE = "Stopped halfway"


@pytest.fixture(scope="module")
async def hasty_http(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        replace(settings, env="production", execution_timeout_seconds=TIMEOUT),
        engine=engine,
        sessions=sessions,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def bearer(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}"}


async def test_a_request_within_the_timeout_is_answered(
    hasty_http: httpx.AsyncClient, world: World
) -> None:
    response = await hasty_http.post(
        "/graphql", json={"query": "{ viewer { memberships { id } } }"}, headers=bearer(world)
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["memberships"]


async def test_a_query_past_the_timeout_is_stopped(
    hasty_http: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stuck(_: Any) -> Any:
        await asyncio.sleep(60)

    monkeypatch.setattr(schema.viewer, "viewer_memberships", stuck)
    response = await hasty_http.post(
        "/graphql",
        json={"query": "{ viewer { memberships { id } } }"},
        headers={**bearer(world), "X-Request-Id": "slow-1"},
    )
    assert response.status_code == 503
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert response.headers["x-request-id"] == "slow-1"
    assert response.headers["x-content-type-options"] == "nosniff"


async def count_tasks(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(func.count(Task.id)).where(Task.title == TITLE)
        return int((await session.execute(query)).scalar_one())


async def test_a_mutation_past_the_timeout_leaves_nothing(
    hasty_http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = task_service.transact
    inserted = asyncio.Event()

    async def stalling(ctx: Any, work: Any) -> Any:
        async def then_stall(session: AsyncSession) -> Any:
            value = await work(session)  # the task row is inserted (flushed) ...
            inserted.set()
            await asyncio.sleep(60)  # ... and the transaction never gets to commit
            return value

        return await real(ctx, then_stall)

    monkeypatch.setattr(task_service, "transact", stalling)
    client_id = gid("Client", world.clients["Lumen Candles"])
    response = await hasty_http.post(
        "/graphql",
        json={
            "query": "mutation($c: ID!, $t: String!) { createTask(input: "
            "{clientId: $c, title: $t}) { task { id } } }",
            "variables": {"c": client_id, "t": TITLE},
        },
        headers=bearer(world),
    )
    assert inserted.is_set()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert await count_tasks(sessions) == 0


@pytest.mark.parametrize(
    ("raw", "expected"), [("", 10.0), ("2.5", 2.5), ("0", 0.0), ("nan", None), ("-1", None)]
)
def test_the_timeout_setting(tmp_path: Any, raw: str, expected: float | None) -> None:
    environ = {"SHOPIQ_VAR_DIR": str(tmp_path), "SHOPIQ_EXECUTION_TIMEOUT_SECONDS": raw}
    if expected is None:
        with pytest.raises(SettingsError):
            load_settings(environ)
    else:
        assert load_settings(environ).execution_timeout_seconds == expected
