"""The database a benchmark run works in. It is always fresh: a SQLite file in a temporary folder,
a new scratch database on a PostgreSQL server, or a named database that holds no tables yet."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import create_engine

Backend = Literal["sqlite", "postgresql"]

BENCH_URL_VARIABLE = "SHOPIQ_BENCH_DATABASE_URL"
# Exported by `bash tests/with_postgres.sh <command>` for its throwaway PostgreSQL server.
TEST_URL_VARIABLE = "SHOPIQ_TEST_DATABASE_URL"


class DatabaseError(Exception):
    """The requested database cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    backend: Backend
    url: str
    description: str


def backend_of(url: str) -> Backend:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise DatabaseError(
        f"unsupported database {name!r}: use sqlite+aiosqlite or postgresql+asyncpg"
    )


def resolve_url(
    backend: Backend | None, url: str | None, environ: Mapping[str, str] | None = None
) -> tuple[Backend, str | None]:
    """The backend and the URL to start from: --database-url, then SHOPIQ_BENCH_DATABASE_URL, then
    (PostgreSQL only) SHOPIQ_TEST_DATABASE_URL. No URL on SQLite means a temporary file."""
    environ = os.environ if environ is None else environ
    url = url or environ.get(BENCH_URL_VARIABLE) or None
    if url is None and backend == "postgresql":
        url = environ.get(TEST_URL_VARIABLE) or None
    if url is None:
        if backend == "postgresql":
            raise DatabaseError(
                f"--backend postgresql needs a server: pass --database-url or set "
                f"{BENCH_URL_VARIABLE} (or run under `bash tests/with_postgres.sh`, which exports "
                f"{TEST_URL_VARIABLE})"
            )
        return "sqlite", None
    found = backend_of(url)
    if backend is not None and backend != found:
        raise DatabaseError(f"--backend {backend} does not match the database URL ({found})")
    return found, url


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()


async def _require_empty(url: str) -> None:
    tables = await _table_names(url)
    if tables:
        names = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise DatabaseError(
            f"{redacted(url)} already holds tables ({names}); the benchmark needs an empty database"
        )


@asynccontextmanager
async def fresh_database(
    backend: Backend, url: str | None, *, in_place: bool = False, keep: bool = False
) -> AsyncIterator[Target]:
    """Yields an empty database and removes it afterwards unless `keep`.

    SQLite: a file in a new temporary folder, or the file `url` names (which must not hold tables).
    PostgreSQL: a new database `shopiq_bench_<random>` created on the server `url` points at
    (dropped afterwards), or with `in_place` the database `url` names (which must be empty)."""
    if backend == "sqlite":
        if url is not None:
            await _require_empty(url)
            yield Target("sqlite", url, f"SQLite file {make_url(url).database}")
            return
        folder = Path(tempfile.mkdtemp(prefix="shopiq-bench-"))
        path = folder / "bench.db"
        try:
            yield Target("sqlite", f"sqlite+aiosqlite:///{path}", f"SQLite file {path}")
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        return
    if url is None:
        raise DatabaseError("PostgreSQL needs a database URL")
    if in_place:
        await _require_empty(url)
        yield Target("postgresql", url, f"PostgreSQL {redacted(url)}")
        return
    async with _scratch_postgres(url, keep=keep) as scratch:
        yield Target("postgresql", scratch, f"PostgreSQL scratch database {redacted(scratch)}")


@asynccontextmanager
async def _scratch_postgres(server_url: str, *, keep: bool) -> AsyncIterator[str]:
    name = f"shopiq_bench_{secrets.token_hex(4)}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        await admin.dispose()
        raise DatabaseError(
            f"could not create a scratch database on {redacted(server_url)}: {exc}; "
            "pass --in-place to use the named (empty) database instead"
        ) from exc
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            if not keep:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()
