"""Reads cost no transaction round trips: on PostgreSQL a request's reads run in autocommit
(no BEGIN/ROLLBACK pair), and the session the viewer is loaded in serves the request's reads
(one pool checkout per request, not two)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_read_session_factory, create_session_factory
from server.app import create_app
from server.settings import Settings
from tests.conftest import World, token_for

OWNER = "owner@northwind.test"
PAGE = "{ clients(first: 5) { nodes { businessName store { id } } } }"


async def test_read_sessions_run_without_a_transaction_on_postgresql(
    committed_engine: AsyncEngine,
) -> None:
    async with create_read_session_factory(committed_engine)() as session:
        await session.execute(text("SELECT 1"))
        raw = (await (await session.connection()).get_raw_connection()).dbapi_connection
        assert raw is not None
        if committed_engine.dialect.name != "sqlite":
            # (SQLite opens no transaction for a SELECT whatever the session does.)
            assert raw.autocommit is True
    async with create_session_factory(committed_engine)() as session:
        await session.execute(text("SELECT 1"))
        raw = (await (await session.connection()).get_raw_connection()).dbapi_connection
        assert raw is not None
        if committed_engine.dialect.name != "sqlite":
            assert raw.autocommit is False  # writes keep their transactions


async def test_a_request_checks_out_one_connection(
    committed_world: World, settings: Settings, committed_engine: AsyncEngine
) -> None:
    app = create_app(settings, engine=committed_engine)
    checkouts: list[Any] = []

    def checkout(*args: Any) -> None:
        checkouts.append(args)

    event.listen(committed_engine.sync_engine.pool, "checkout", checkout)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            user = committed_world.users[OWNER]
            response = await http.post(
                "/graphql",
                json={"query": PAGE},
                headers={"Authorization": f"Bearer {token_for(user, OWNER)}"},
            )
            assert response.status_code == 200
            body = response.json()
            assert "errors" not in body, body
            assert len(body["data"]["clients"]["nodes"]) == 5
            assert len(checkouts) == 1
            # A refused request gives its session back too.
            refused = await http.put(
                "/graphql",
                json={"query": PAGE},
                headers={"Authorization": f"Bearer {token_for(user, OWNER)}"},
            )
            assert refused.status_code == 405
            assert committed_engine.sync_engine.pool.checkedout() == 0
    finally:
        event.remove(committed_engine.sync_engine.pool, "checkout", checkout)
