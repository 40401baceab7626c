"""What PostgreSQL runs for the policy's lookups once a statement is prepared. asyncpg prepares
every statement, and after five runs PostgreSQL plans it once for any parameter values (a
generic plan): a status bound as a parameter could be any status, so the partial indexes on
active accesses were out of its reach. The policy compares the status as a literal
(db/models.py `PartnerAccess.live`), and a batch's tasks of the viewer's partner are one range
of (client_id, partner_id). The pool keeps the connections it opens under load (db/engine.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine
from db.models import Client, Task
from policies import Authorizer, Viewer, load_viewer
from resolvers.batch_keys import BATCH, KEYS, in_keys
from tests.conftest import World
from tests.helpers import as_sent

OWNER = "owner@northwind.test"


async def _owner(world: World, sessions: async_sessionmaker[AsyncSession]) -> Viewer:
    async with sessions() as session:
        viewer = await load_viewer(session, world.users[OWNER])
    assert viewer is not None
    return viewer


async def test_the_access_status_is_compared_as_a_literal(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    viewer = await _owner(world, sessions)
    for model in (Client, Task):
        stmt = select(model.id).where(authz.filter(viewer, "read", model))
        for dialect in (postgresql.dialect(), sqlite.dialect()):  # type: ignore[no-untyped-call]
            compiled = stmt.compile(dialect=dialect)
            assert ".status = 'active'" in str(compiled), str(compiled)
            assert "active" not in compiled.params.values()


async def test_a_task_is_read_through_one_access_whose_scope_covers_the_implementation(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    # FULL and IMPLEMENTATION scopes both cover the work: one EXISTS asking for either, not two
    # alike branches that PostgreSQL answered with the same index read twice (a BitmapOr).
    viewer = await _owner(world, sessions)
    stmt = select(Task.id).where(authz.filter(viewer, "read", Task))
    sql = str(stmt.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    assert sql.count("EXISTS") == 1, sql
    assert "OR tasks." not in sql, sql
    assert "scope IN (__[POSTCOMPILE" in sql, sql


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "ARRAY[" + ",".join(str(int(v)) for v in value) + "]::integer[]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))


async def test_a_generic_plan_reads_accesses_in_force_and_the_partners_tasks_by_index(
    backend: str, world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    async with sessions() as session:
        viewer = await load_viewer(session, world.users[OWNER])
        assert viewer is not None
        batch = select(Task.id).where(
            in_keys(Task.client_id, BATCH), authz.filter(viewer, "read", Task)
        )
        keys = sorted(world.clients.values())
        statement, parameters = await as_sent(session, batch, {KEYS: keys})
        conn = await session.connection()
        # The tables are small here: without this the planner would read them whole, whatever
        # indexes it may use. Without the partner_id-only index (rolled back), the partner's
        # accesses are read through an index on active rows, or through one that has every
        # access of the partner to check, as a bound status left the plan. The partner's
        # task index for the "my work" lists (rolled back too) would read all of a few tasks
        # here; at a large partner's size the batch's range is the one read (the bench's plan).
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        await conn.execute(text("DROP INDEX ix_partner_accesses_partner_id"))
        await conn.execute(text("DROP INDEX ix_tasks_partner_status_due"))
        await conn.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        await conn.exec_driver_sql(f"PREPARE policy_batch AS {statement}")
        try:
            args = ", ".join(_literal(v) for v in parameters)
            rows = (await conn.exec_driver_sql(f"EXPLAIN EXECUTE policy_batch({args})")).all()
        finally:
            await conn.exec_driver_sql("DEALLOCATE policy_batch")
    plan = "\n".join(str(row[0]) for row in rows)
    assert "$1" in plan, plan  # generic: the keys are still a parameter
    # Index scans name their index on their own line, bitmap heap scans on the line below.
    partial = ("ix_partner_accesses_live", "uq_partner_accesses_active_client")
    assert any(index in plan for index in partial), plan
    every_access = ("ix_partner_accesses_client_id_partner_id", "pk_partner_accesses")
    assert not any(index in plan for index in every_access), plan
    assert "ix_tasks_client_id_partner_id" in plan, plan


async def test_the_pool_keeps_the_connections_a_busy_worker_opens(
    backend: str, database_url: str
) -> None:
    """Sixteen requests at once, three times over: the same backends serve every round. With
    ten kept and the rest closed on return, each round opened six new ones."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's connection pool")
    engine = create_engine(database_url)

    async def backend_pid() -> int:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await asyncio.sleep(0.05)  # held as a request would, so all sixteen overlap
            return int(pid)

    try:
        pids: list[set[int]] = []
        for _ in range(3):
            pids.append(set(await asyncio.gather(*(backend_pid() for _ in range(16)))))
    finally:
        await engine.dispose()
    assert all(len(round_) == 16 for round_ in pids)
    assert pids[0] == pids[1] == pids[2]
