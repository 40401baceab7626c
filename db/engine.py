"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    # A database error's message (logged with the request id) names the statement, never its
    # values: they hold tenants' data and secrets (a webhook endpoint's signing key).
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if not is_sqlite(url):
        # Pre-ping (`_ping`) costs a round trip per checkout but is what lets the process
        # recover from a database restart by itself: a connection the server terminated is not
        # always recognised as a disconnect when it fails, and would stay in the pool failing
        # every request until recycled. Recycling keeps connections younger than idle timeouts.
        # A request reads through one session (resolvers/context.py), so a worker serving 16
        # requests at once holds about as many connections. The pool keeps 20: with 10 kept and
        # 10 more opened on demand, every connection beyond the tenth was closed as soon as it
        # was returned and opened again for the next request, each time a new PostgreSQL
        # backend that prepared and planned its statements anew (at 16 concurrent dashboard
        # requests, 40 connections per 200 requests and about 12 ms of PostgreSQL CPU per
        # request, against 8 ms kept open). max_connections must allow 30 per worker.
        kwargs.update(pool_size=20, max_overflow=10, pool_recycle=1800)
        # No JIT compilation: these statements run in milliseconds, and the dashboard's
        # aggregates over a large partner's tasks cost enough in the planner's estimate to be
        # compiled first, 20-25 ms each time they were planned for their values.
        kwargs["connect_args"] = {"server_settings": {"jit": "off"}}
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.sync_engine, "checkout", _ping)
    return engine


def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """The pre-ping of every checkout, in one round trip. SQLAlchemy's own (`pool_pre_ping`)
    wraps asyncpg's in BEGIN and ROLLBACK for PgBouncer's transaction mode, three round trips
    per request. A connection that does not answer is replaced: the pool retries the checkout
    with a new one (DisconnectionError)."""
    try:
        dbapi_connection.run_async(lambda connection: connection.fetchrow(";"))
    except Exception as exc:
        raise DisconnectionError(str(exc)) from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads that need no transaction of their own. On PostgreSQL they run in
    autocommit: under READ COMMITTED every statement sees its own snapshot anyway, so BEGIN and
    ROLLBACK around a request's SELECTs were two round trips that bought nothing. SQLite opens no
    transaction for a SELECT in the first place."""
    if engine.dialect.name == "sqlite":
        return create_session_factory(engine)
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        autoflush=False,
    )
