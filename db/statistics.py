"""Planner statistics. SQLite keeps none until ANALYZE runs, and without them its planner
picks between two equally plausible indexes by their order in the schema, which differs
between databases migrated by different processes: the same dashboard query took 35 ms on one
freshly migrated file and 500 ms on another. ANALYZE after migrating, after a bulk load and
daily (the `database.analyze` job) keeps plans stable as the data grows. PostgreSQL's
autovacuum analyzes by itself; it is analyzed here only right after a migration or bulk load,
before autovacuum has had a chance."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession


async def analyze(engine: AsyncEngine) -> None:
    """ANALYZE the whole database (outside any open transaction of the caller)."""
    async with engine.begin() as conn:
        await analyze_on(conn)


async def analyze_on(conn: AsyncConnection | AsyncSession) -> None:
    await conn.execute(text("ANALYZE"))


async def analyze_if_sqlite(session: AsyncSession) -> bool:
    """The daily job's body: ANALYZE on SQLite, nothing on PostgreSQL (autovacuum's work).
    True when it ran."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    await analyze_on(session)
    return True
