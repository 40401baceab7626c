"""Alembic migrations build exactly the models' schema, go down and up again, and the `shopiq`
commands that manage a database (db upgrade, demo, token) behave."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, MetaData, String, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db import (
    migrate,
    models,  # noqa: F401  (registers every table on the metadata)
)
from db.base import Base
from db.demo import DEMO_EMAILS, USERS
from db.engine import create_engine
from db.enums import UserStatus
from db.jobs import ours
from server.cli import main
from server.tokens import read_token

VERSION_TABLE = "alembic_version"
MODEL_TABLES = set(Base.metadata.tables)
ACTIVE_DEMO_EMAILS = [e for e in DEMO_EMAILS if USERS[e][1] != UserStatus.REMOVED]


def differences(metadata: MetaData) -> Callable[[Connection], list[Any]]:
    """What autogenerate would write to turn the connected database into `metadata`."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # The job engine's queue tables (PostgreSQL) are procrastinate's, not models.
                "include_name": lambda name, type_, _: type_ != "table" or ours(name),
            },
        )
        return list(compare_metadata(context, metadata))

    return compare


def table_names(connection: Connection) -> set[str]:
    return {name for name in inspect(connection).get_table_names() if ours(name)}


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(differences(Base.metadata))
        assert await conn.run_sync(table_names) == MODEL_TABLES | {VERSION_TABLE}
    assert diff == []
    assert await migrate.current_revision(engine) == migrate.head_revision()


async def test_comparison_notices_a_difference(engine: AsyncEngine) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["clients"].append_column(Column("nickname", String(40), nullable=True))
    async with engine.connect() as conn:
        diff = await conn.run_sync(differences(changed))
    assert [d[0] for d in diff if isinstance(d, tuple)] == ["add_column"], diff


async def test_sqlite_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        async with eng.connect() as conn:
            assert await conn.run_sync(table_names) == set()

        await migrate.upgrade(eng)
        assert await migrate.current_revision(eng) == migrate.head_revision()
        async with eng.connect() as conn:
            assert await conn.run_sync(table_names) == MODEL_TABLES | {VERSION_TABLE}
            assert await conn.run_sync(differences(Base.metadata)) == []

        await migrate.downgrade(eng, "base")
        assert await migrate.current_revision(eng) is None
        async with eng.connect() as conn:
            assert await conn.run_sync(table_names) <= {VERSION_TABLE}

        await migrate.upgrade(eng)
        assert await migrate.current_revision(eng) == migrate.head_revision()
        async with eng.connect() as conn:
            assert await conn.run_sync(differences(Base.metadata)) == []
    finally:
        await eng.dispose()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite database, migrated with `shopiq db upgrade`, that the CLI is pointed at."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SHOPIQ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHOPIQ_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("SHOPIQ_JWT_SECRET", raising=False)
    monkeypatch.delenv("SHOPIQ_ENV", raising=False)
    assert main(["db", "upgrade"]) == 0
    return path


def dev_secret(cli_db: Path) -> str:
    return (cli_db.parent / "var" / "jwt-secret").read_text().strip()


def user_ids(cli_db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(cli_db)) as conn:
        return dict(conn.execute("SELECT email, id FROM users").fetchall())


def row_counts(cli_db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(cli_db)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MODEL_TABLES}


def printed_tokens(out: str) -> list[tuple[str, str]]:
    """The (email, token) pairs of `shopiq demo`'s output: one indented line per user."""
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert all(len(row) == 2 for row in rows), out
    return [(row[0], row[1]) for row in rows]


def test_demo_is_idempotent_and_prints_one_token_per_active_user(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr()
    assert "demo data seeded" in first.err
    counts = row_counts(cli_db)
    assert counts["users"] == len(DEMO_EMAILS)
    assert counts["clients"] > 0

    assert main(["demo"]) == 0
    second = capsys.readouterr()
    assert "already present" in second.err
    assert row_counts(cli_db) == counts

    ids = user_ids(cli_db)
    secret = dev_secret(cli_db)
    for out in (first.out, second.out):
        tokens = printed_tokens(out)
        assert [email for email, _ in tokens] == ACTIVE_DEMO_EMAILS
        assert "former@northwind.test" not in out
        for email, token in tokens:
            assert read_token(secret, token)[0] == ids[email]


def test_token_for_an_unknown_email_exits_1(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()

    assert main(["token", "nobody@example.test"]) == 1
    refused = capsys.readouterr()
    assert refused.out == ""
    assert "nobody@example.test" in refused.err


def test_token_for_a_removed_user_exits_1(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()

    assert main(["token", "former@northwind.test"]) == 1
    assert capsys.readouterr().out == ""


def test_token_for_a_known_email_is_valid(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()

    assert main(["token", "Owner@Northwind.test", "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    assert read_token(dev_secret(cli_db), token)[0] == user_ids(cli_db)["owner@northwind.test"]


async def test_the_repair_names_each_clients_active_partner_as_its_current_one(
    tmp_path: Path,
) -> None:
    """0021: a client whose access is active but whose current partner is missing or another
    gets the access's partner (and a new version); a client whose access ended keeps its own."""
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'repair.db'}")
    now = "2026-01-01 00:00:00"
    try:
        await migrate.upgrade(eng, "0020_live_access_task_indexes")
        async with eng.begin() as conn:
            for pid in (1, 2):
                await conn.execute(
                    text(
                        "INSERT INTO partners (id, name, slug, tier, version, created_at,"
                        " updated_at) VALUES (:id, 'P', :slug, 'registered', 1, :now, :now)"
                    ),
                    {"id": pid, "slug": f"p{pid}", "now": now},
                )
            # client: (current partner, access partner, access status)
            rows = {1: (None, 1, "active"), 2: (2, 1, "active"), 3: (2, 1, "ended")}
            for cid, (current, partner, status) in rows.items():
                await conn.execute(
                    text(
                        "INSERT INTO clients (id, partner_id, business_name, contact_email,"
                        " country, currency, status, version, created_at, updated_at) VALUES"
                        " (:id, :p, 'C', 'c@example.test', 'US', 'USD', 'live', 1, :now, :now)"
                    ),
                    {"id": cid, "p": current, "now": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO partner_accesses (partner_id, client_id, status, scope,"
                        " requested_at, version, created_at, updated_at) VALUES"
                        " (:p, :c, :s, 'full', :now, 1, :now, :now)"
                    ),
                    {"p": partner, "c": cid, "s": status, "now": now},
                )
        await migrate.upgrade(eng)
        async with eng.connect() as conn:
            found = (
                await conn.execute(text("SELECT id, partner_id, version FROM clients ORDER BY id"))
            ).all()
        assert [tuple(r) for r in found] == [(1, 1, 2), (2, 1, 2), (3, 2, 1)]
    finally:
        await eng.dispose()
