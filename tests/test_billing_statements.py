"""Billing's N+1 budgets: a page of 5 and of 100 invoices (with their lines, client and partner)
cost the same statements, on the partner's and on the client's list, and every statement that
reads a billing table carries the viewer's policy filter for it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.enums import AccessStatus
from db.models import PartnerAccess
from db.money import (
    BillingTerms,
    ChargeKind,
    Commission,
    CommissionTerms,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    SubscriptionCharge,
)
from policies import Authorizer, load_viewer
from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_statement_counts import assert_filtered, dump, policy_sql, read_tables

OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
LUMEN = "Lumen Candles"
EXTRA = 110

FIELDS = """
totalCount
nodes { id number status total { amount currencyCode } overdue
  lines { description amount { amount } }
  client { businessName } partner { name } }
"""
PARTNER_INVOICES = f"""
query($id: ID!, $first: Int!) {{ partner(id: $id) {{ invoices(first: $first) {{ {FIELDS} }} }} }}
"""
CLIENT_INVOICES = f"""
query($id: ID!, $first: Int!) {{
  client(id: $id) {{
    invoices(first: $first) {{ {FIELDS} }}
    billingTerms(first: $first) {{ totalCount nodes {{ id recurringFee {{ amount }} }} }}
  }}
}}"""
GUARDED = {"invoices": Invoice, "invoice_lines": InvoiceLine, "billing_terms": BillingTerms}


@pytest.fixture
async def many_invoices(world: World, sessions: async_sessionmaker[AsyncSession]) -> World:
    """Lumen gets more than a page of issued invoices, each with two lines."""
    async with sessions.begin() as session:
        for n in range(EXTRA):
            invoice = Invoice(
                partner_id=world.partners["northwind-digital"],
                client_id=world.clients[LUMEN],
                kind=InvoiceKind.MANUAL,
                status=InvoiceStatus.ISSUED,
                number=10_000 + n,
                currency="USD",
                payment_terms_days=30,
                subtotal_minor=200,
                total_minor=200,
            )
            session.add(invoice)
            await session.flush()
            session.add_all(
                InvoiceLine(
                    invoice_id=invoice.id,
                    partner_id=invoice.partner_id,
                    client_id=invoice.client_id,
                    position=position,
                    description=f"Line {position}",
                    quantity_thousandths=1000,
                    unit_price_minor=100,
                    amount_minor=100,
                    tax_minor=0,
                )
                for position in (1, 2)
            )
    return world


async def measure(
    statements: list[str], gql: GraphQL, email: str, query: str, **variables: Any
) -> tuple[dict[str, Any], list[str]]:
    statements.clear()
    body = await gql(email, query, **variables)
    assert "errors" not in body, body.get("errors")
    return body["data"], list(statements)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST, MERCHANT])
@pytest.mark.parametrize("where", ["partner", "client"])
async def test_invoices_cost_the_same_for_5_and_100(
    many_invoices: World,
    gql: GraphQL,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    engine: AsyncEngine,
    email: str,
    where: str,
) -> None:
    world = many_invoices
    if where == "partner":
        query, id_ = PARTNER_INVOICES, gid("Partner", world.partners["northwind-digital"])
    else:
        query, id_ = CLIENT_INVOICES, gid("Client", world.clients[LUMEN])
    small, few = await measure(statements, gql, email, query, id=id_, first=5)
    large, many = await measure(statements, gql, email, query, id=id_, first=100)
    nodes = large[where]["invoices"]["nodes"]
    assert len(nodes) == 100
    assert len(small[where]["invoices"]["nodes"]) == 5
    assert all(len(n["lines"]) >= 1 for n in nodes)
    if email == MERCHANT:
        assert {n["client"]["businessName"] for n in nodes} == {LUMEN}
        assert "DRAFT" not in {n["status"] for n in nodes}
    assert len(few) == len(many), dump(many)
    async with sessions() as session:
        viewer = await load_viewer(session, world.users[email])
    assert viewer is not None
    checked = set()
    for statement in many:
        for table in read_tables(statement):
            if table in GUARDED:
                model = GUARDED[table]
                assert_filtered(statement, model, policy_sql(authz, viewer, model, engine))
                checked.add(table)
    assert checked >= {"invoices", "invoice_lines"}


COMMISSIONS = """
query($id: ID!, $first: Int!) {
  partner(id: $id) {
    commissions(first: $first) { totalCount nodes { id status amount { amount currencyCode }
      base { amount } client { businessName } } }
  }
}"""


@pytest.fixture
async def many_commissions(world: World, sessions: async_sessionmaker[AsyncSession]) -> World:
    """Lumen earns more than a page of commissions."""
    async with sessions.begin() as session:
        access = (
            await session.execute(
                select(PartnerAccess.id).where(
                    PartnerAccess.client_id == world.clients[LUMEN],
                    PartnerAccess.status == AccessStatus.ACTIVE,
                )
            )
        ).scalar_one()
        terms = CommissionTerms(
            partner_id=world.partners["northwind-digital"],
            effective_from=date(2021, 1, 1),
            rate_bp=2000,
            duration_months=24,
            hold_days=30,
        )
        session.add(terms)
        await session.flush()
        for n in range(EXTRA):
            charge = SubscriptionCharge(
                external_id=f"budget-{n}",
                client_id=world.clients[LUMEN],
                partner_id=world.partners["northwind-digital"],
                kind=ChargeKind.SUBSCRIPTION,
                amount_minor=1000,
                currency="USD",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 1, 31),
                charged_at=datetime(2026, 1, 1, tzinfo=UTC),
                payload_hash="0" * 64,
            )
            session.add(charge)
            await session.flush()
            session.add(
                Commission(
                    partner_id=charge.partner_id,
                    client_id=charge.client_id,
                    charge_id=charge.id,
                    terms_id=terms.id,
                    access_id=access,
                    rate_bp=2000,
                    base_minor=1000,
                    amount_minor=200,
                    currency="USD",
                    earned_on=date(2026, 1, 1),
                    hold_until=date(2026, 1, 31),
                )
            )
    return world


@pytest.mark.parametrize("email", [OWNER, "staff@shopiq.test"])
async def test_commissions_cost_the_same_for_5_and_100(
    many_commissions: World,
    gql: GraphQL,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    engine: AsyncEngine,
    email: str,
) -> None:
    world = many_commissions
    id_ = gid("Partner", world.partners["northwind-digital"])
    small, few = await measure(statements, gql, email, COMMISSIONS, id=id_, first=5)
    large, many = await measure(statements, gql, email, COMMISSIONS, id=id_, first=100)
    assert len(small["partner"]["commissions"]["nodes"]) == 5
    assert len(large["partner"]["commissions"]["nodes"]) == 100
    assert len(few) == len(many), dump(many)
    async with sessions() as session:
        viewer = await load_viewer(session, world.users[email])
    assert viewer is not None
    reads = [s for s in many if "commissions" in read_tables(s)]
    assert reads
    for statement in reads:
        assert_filtered(statement, Commission, policy_sql(authz, viewer, Commission, engine))
