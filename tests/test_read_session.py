"""The request's one read session (resolvers/context.py `Context.reading`) after a read that did
not finish: graphql-core cancels the other fields of a parent when one of them fails, and a
statement cancelled midway leaves its session's connection unusable. The reads still to come in
the same request (loaders that were not cancelled) get a working session, not an internal error
("Can't reconnect until invalid transaction is rolled back")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from db.engine import create_engine, create_read_session_factory, create_session_factory
from policies import ANONYMOUS, Authorizer
from resolvers.context import Context
from resolvers.problems import InputError

# Long enough to be cancelled while it runs.
SLOW = {
    "postgresql": "SELECT pg_sleep(5)",
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000000) "
        "SELECT count(*) FROM n"
    ),
}


@pytest.fixture
async def ctx(database_url: str, authz: Authorizer) -> AsyncIterator[Context]:
    """A request's context on an engine of its own (a cancelled statement may end a connection)."""
    engine = create_engine(database_url)
    try:
        yield Context(
            viewer=ANONYMOUS,
            authz=authz,
            sessions=create_session_factory(engine),
            reads=create_read_session_factory(engine),
        )
    finally:
        await engine.dispose()


async def test_a_read_cancelled_midway_leaves_the_next_read_a_working_session(
    backend: str, ctx: Context
) -> None:
    async def slow() -> None:
        async with ctx.reading() as session:
            await session.execute(text(SLOW[backend]))

    started = asyncio.create_task(slow())
    await asyncio.sleep(0.3)
    started.cancel()
    with pytest.raises(asyncio.CancelledError):
        await started
    async with ctx.reading() as session:
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    await ctx.end()


async def test_a_read_that_failed_leaves_the_next_read_a_working_session(ctx: Context) -> None:
    async def refused() -> None:
        async with ctx.reading() as session:
            await session.execute(text("SELECT 1"))
            raise InputError("that cursor is not valid for this list")

    with pytest.raises(InputError):
        await refused()
    async with ctx.reading() as session:
        assert (await session.execute(text("SELECT 2"))).scalar_one() == 2
    await ctx.end()
