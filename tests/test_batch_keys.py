"""A loader's statement reads the rows of its batch's keys (resolvers/batch_keys.py): on SQLite
as `IN (...)` with one parameter per key, on PostgreSQL as `= ANY (...)` with all the keys in
one array parameter, so one statement text (and one prepared statement) serves every batch."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import TaskStatus
from db.models import Client, Store, Task
from resolvers.batch_keys import BATCH, KEYS, in_keys
from tests.conftest import World
from tests.helpers import as_sent

BY_ID = select(Client.business_name).where(in_keys(Client.id, BATCH)).order_by(Client.id)


async def test_a_batch_reads_the_rows_of_its_keys(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = sorted(world.clients.values())
    names = {client_id: name for name, client_id in world.clients.items()}
    missing = max(ids) + 1000
    async with sessions() as session:
        for keys in ([ids[0]], ids[:3], ids, [ids[1], missing, ids[1]], [missing], []):
            found = (await session.execute(BY_ID, {KEYS: keys})).scalars().all()
            assert found == [names[k] for k in sorted(set(keys)) if k in names]


async def test_a_batch_needs_its_keys(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        with pytest.raises(Exception, match=KEYS):
            await session.execute(BY_ID)


async def test_on_postgresql_every_batch_size_sends_the_same_statement(
    backend: str,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    statements: list[str],
) -> None:
    ids = sorted(world.clients.values())
    async with sessions() as session:
        for keys in (ids[:1], ids[:2], ids):
            await session.execute(BY_ID, {KEYS: keys})
    sent = [s for s in statements if "clients.business_name" in s]
    assert len(sent) == 3
    if backend == "postgresql":
        assert "clients.id = ANY (" in sent[0]
        assert "IN (" not in sent[0]
        assert len(set(sent)) == 1
    else:
        assert "clients.id IN (" in sent[0]
        assert len(set(sent)) == 3  # one placeholder per key


BESIDE = select(Task.id).where(in_keys(Task.client_id, BATCH), Task.status != TaskStatus.DONE)


def test_beside_another_condition_it_is_a_plain_predicate() -> None:
    """Not `(...) = 1` (SQLite) or `= true`: the database must see a comparison it can serve
    from the key's index."""
    lite = str(BESIDE.compile(dialect=sqlite.dialect()))
    pg = str(BESIDE.compile(dialect=postgresql.dialect()))
    assert f"WHERE tasks.client_id IN (__[POSTCOMPILE_{KEYS}]) AND tasks.status != ?" in lite
    assert f"WHERE tasks.client_id = ANY (%({KEYS})s::INTEGER[]) AND tasks.status !=" in pg
    negated = select(Task.id).where(~in_keys(Task.client_id, BATCH))
    assert f"WHERE NOT (tasks.client_id IN (__[POSTCOMPILE_{KEYS}]))" in str(
        negated.compile(dialect=sqlite.dialect())
    )


async def test_sqlite_finds_a_batchs_rows_through_the_keys_index(
    backend: str, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's query plan")
    async with sessions() as session:
        keys = sorted(world.clients.values())[:3]
        statement, parameters = await as_sent(session, BESIDE, {KEYS: keys})
        conn = await session.connection()
        plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)).all()
    details = [str(row[-1]) for row in plan]
    assert any("SEARCH tasks USING INDEX" in d and "client_id" in d for d in details), details


def test_each_dialect_renders_its_form() -> None:
    pg = str(BY_ID.compile(dialect=postgresql.dialect()))
    lite = str(BY_ID.compile(dialect=sqlite.dialect()))
    assert f"clients.id = ANY (%({KEYS})s::INTEGER[])" in pg
    assert f"clients.id IN (__[POSTCOMPILE_{KEYS}])" in lite


def test_statements_on_different_keys_are_cached_apart() -> None:
    """SQLAlchemy caches compiled statements by their cache key: a batch of client ids must
    not be answered with the statement of a batch of another column's values."""
    by_client = select(Store.id).where(in_keys(Store.client_id, BATCH))
    by_id = select(Store.id).where(in_keys(Store.id, BATCH))
    again = select(Store.id).where(in_keys(Store.client_id, BATCH))
    assert by_client._generate_cache_key() != by_id._generate_cache_key()
    assert by_client._generate_cache_key() == again._generate_cache_key()


def test_a_list_of_keys_is_a_plain_in() -> None:
    stmt = select(Store.id).where(in_keys(Store.client_id, [1, 2]))
    assert "stores.client_id IN (" in str(stmt.compile(dialect=postgresql.dialect()))
