"""Migration 0008 (money) goes down and up again on the suite's own database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from db import migrate

MONEY_TABLES = {
    "billing_terms",
    "invoices",
    "invoice_lines",
    "invoice_sequences",
    "commission_terms",
    "subscription_charges",
    "commissions",
}


def tables(connection: Any) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migration_0008_goes_down_and_up(
    committed_engine: AsyncEngine, committed_world: object
) -> None:
    try:
        await migrate.downgrade(committed_engine, "0003_trusted_documents")
        assert await migrate.current_revision(committed_engine) == "0003_trusted_documents"
        async with committed_engine.connect() as conn:
            assert not (await conn.run_sync(tables)) & MONEY_TABLES
    finally:
        await migrate.upgrade(committed_engine)
    assert await migrate.current_revision(committed_engine) == migrate.head_revision()
    async with committed_engine.connect() as conn:
        assert await conn.run_sync(tables) >= MONEY_TABLES
