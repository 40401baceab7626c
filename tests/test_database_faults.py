"""A database error no input explains is a fault of ours: the mutation is rolled back, the log
has the details under the request id, and the client gets only that id, never SQL."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Task
from resolvers import tasks as task_service
from resolvers.changes import Changes
from tests.conftest import World, token_for
from tests.helpers import gid

OWNER = "owner@northwind.test"
CREATE = """
mutation Create($clientId: ID!) {
  createTask(input: { clientId: $clientId, title: "Order the signage" }) {
    task { id }
    userErrors { code }
  }
}
"""


@pytest.fixture
def broken_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that loses the title on the way to the database: a NOT NULL violation."""
    real = task_service.cleaned

    def losing_the_title(model: type[Any], changes: Changes) -> Changes:
        return real(model, changes).replace(title=None)

    monkeypatch.setattr(task_service, "cleaned", losing_the_title)


async def task_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(Task.id)))).scalar_one())


@pytest.mark.usefixtures("broken_insert")
@pytest.mark.parametrize("env", ["production", "development"])
async def test_a_database_fault_answers_only_the_request_id(
    http: httpx.AsyncClient,
    prod_http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
    env: str,
) -> None:
    client = prod_http if env == "production" else http
    before = await task_count(sessions)
    response = await client.post(
        "/graphql",
        json={
            "query": CREATE,
            "variables": {"clientId": gid("Client", world.clients["Lumen Candles"])},
        },
        headers={
            "Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}",
            "X-Request-Id": "support-ticket-42",
        },
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "support-ticket-42"
    body = response.json()
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "Unexpected error (request support-ticket-42)."
    ]
    for secret in ("INSERT", "tasks", "NOT NULL", "null value", "title"):
        assert secret not in response.text
    assert await task_count(sessions) == before
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert any("support-ticket-42" in r.getMessage() for r in logged)


async def test_an_unusable_request_id_is_replaced_by_a_fresh_one(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { user { email } } }"},
        headers={
            "Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}",
            "X-Request-Id": "<script>" + "x" * 100,
        },
    )
    assert response.status_code == 200
    fresh = response.headers["x-request-id"]
    assert fresh.isalnum()
    assert "script" not in fresh
