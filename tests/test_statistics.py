"""Planner statistics and the indexes the policy's lookups rely on (db/statistics.py): the
per-client access and assignment checks of every read filter have one best index whatever the
planner knows, and SQLite's statistics are refreshed by ANALYZE (after migrating, seeding and
daily by the `database.analyze` job). PostgreSQL runs statements without JIT compilation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Client, Task
from db.statistics import analyze_if_sqlite
from policies import Authorizer, load_viewer
from resolvers.jobs import by_name, daily
from tests.conftest import World

OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"


async def _plan(session: AsyncSession, statement: Select[Any]) -> list[str]:
    sql = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    conn = await session.connection()
    rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
    return [str(detail) for *_, detail in rows.all()]


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
@pytest.mark.parametrize("model", [Client, Task])
async def test_the_read_filter_looks_accesses_up_by_client_and_partner(
    backend: str,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    email: str,
    model: type[object],
) -> None:
    """Without statistics SQLite chose between the client_id and the partner_id index by their
    order in the schema; the partner_id one scanned all of a partner's accesses for every
    client (1,000 clients: 35 ms became 500 ms). With the two-column index there is no choice."""
    if backend != "sqlite":
        pytest.skip("SQLite's query plan")
    async with sessions() as session:
        if await _has_stats(session):  # as on a database nobody analyzed (rolled back)
            await session.execute(text("DELETE FROM sqlite_stat1"))
        for table, columns in (
            ("partner_accesses", "partner_id"),
            ("assignments", "partner_id_client_id"),
        ):
            # The index led by partner_id last in the schema: the order that lost (rolled back).
            index = f"ix_{table}_{columns}"
            await session.execute(text(f"DROP INDEX {index}"))
            await session.execute(
                text(f"CREATE INDEX {index} ON {table} ({columns.replace('_id_', '_id, ')})")
            )
        viewer = await load_viewer(session, world.users[email])
        assert viewer is not None
        where = authz.filter(viewer, "read", model)
        plan = await _plan(session, select(func.count()).select_from(model).where(where))
    lookups = [s for s in plan if "partner_accesses" in s or "assignments" in s]
    assert any("partner_accesses" in s for s in lookups), plan
    if email == SPECIALIST:
        assert any("assignments" in s for s in lookups), plan
    # Each lookup goes by the client first: one or two rows, never a partner's thousands.
    assert all("(client_id=?" in step for step in lookups), plan
    assert not any("ix_partner_accesses_partner_id" in s for s in lookups), plan


async def _has_stats(session: AsyncSession) -> bool:
    found = await session.scalar(
        text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    )
    return bool(found)


async def test_analyze_gives_sqlite_statistics_and_leaves_postgresql_to_autovacuum(
    backend: str, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        ran = await analyze_if_sqlite(session)
        if backend != "sqlite":
            assert ran is False
            return
        assert ran is True
        rows = await session.execute(text("SELECT tbl, stat FROM sqlite_stat1"))
        stats = {tbl: stat for tbl, stat in rows}
        clients = await session.scalar(select(func.count()).select_from(Client))
    # The first number of a table's statistics is its row count.
    assert int(stats["clients"].split()[0]) == clients


def test_the_daily_job_refreshes_statistics() -> None:
    job = by_name()["database.analyze"]
    assert job.schedule == daily(hour=3, minute=30)


async def test_postgresql_runs_statements_without_compiling_them_first(
    world: World, sessions: async_sessionmaker[AsyncSession], backend: str
) -> None:
    # JIT compilation took 20-25 ms for each of the dashboard's aggregates over a large
    # partner's tasks, statements that run in a few (db/engine.py). Here every statement counts
    # as expensive enough to compile, and still none is.
    if backend == "sqlite":
        pytest.skip("SQLite compiles nothing")
    async with sessions() as session:
        await session.execute(text("SET LOCAL jit_above_cost = 0"))
        explained = await session.execute(
            text("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM tasks")
        )
        plan = explained.scalar_one()[0]
        assert plan["Plan"]["Node Type"] == "Aggregate"
        assert "JIT" not in plan
