"""The money connections nested under a list cost one statement per level however many parents
the level has: a client's billing terms and invoices (5 vs 100 clients), and a partner's
invoices, commissions, commission terms and payouts (1 vs 12 partners). Each parent still gets
exactly its own page and count."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Client, Partner
from db.money import (
    BillingCycle,
    BillingTerms,
    CommissionTerms,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from db.payouts import Payout, PayoutStatus
from tests.conftest import GraphQL, World
from tests.helpers import db_id
from tests.test_statement_counts import (
    add_northwind_clients,
    add_portfolio_user,
    assert_viewer_load,
    dump,
    main_table,
    measure,
    run_as,
)

Sessions = async_sessionmaker[AsyncSession]
OWNER = "owner@northwind.test"
EXTRA = "Northwind Extra "

CLIENT_MONEY = """
query ClientMoney($first: Int!) {
  clients(first: $first) {
    nodes {
      id businessName
      billingTerms(first: 2) { totalCount nodes { id recurringFee { amount } } }
      invoices(first: 1, filter: { status: [ISSUED] }) {
        totalCount pageInfo { hasNextPage } nodes { id status client { id } }
      }
    }
  }
}
"""
# viewer (3) + clients + terms pages (counting them too) + invoices pages (likewise) + the
# invoices' clients.
CLIENT_MONEY_TABLES = sorted(
    ["users", "partner_members", "client_users", "clients", "billing_terms", "invoices", "clients"]
)

PARTNER_MONEY = """
query PartnerMoney {
  viewer {
    memberships {
      partner {
        name
        invoices(first: 2) { totalCount nodes { id partner { name } } }
        commissions(first: 2, status: [PENDING, APPROVED]) { totalCount nodes { id } }
        commissionTerms(first: 10) { totalCount nodes { id } }
        payouts(first: 1) { totalCount pageInfo { hasNextPage } nodes { id } }
      }
    }
  }
}
"""


async def add_client_money(sessions: Sessions, world: World) -> None:
    """On every extra Northwind client: one version of billing terms, an issued and a draft
    invoice."""
    async with sessions.begin() as session:
        rows = await session.execute(
            select(Client.id, Client.partner_id).where(Client.business_name.startswith(EXTRA))
        )
        for n, (client_id, partner_id) in enumerate(rows.all()):
            session.add(
                BillingTerms(
                    partner_id=partner_id,
                    client_id=client_id,
                    effective_from=date(2026, 1, 1),
                    currency="USD",
                    implementation_fee_minor=0,
                    recurring_fee_minor=1000 + n,
                    cycle=BillingCycle.MONTHLY,
                    payment_terms_days=30,
                )
            )
            for status, number in ((InvoiceStatus.ISSUED, 50_000 + n), (InvoiceStatus.DRAFT, None)):
                session.add(
                    Invoice(
                        partner_id=partner_id,
                        client_id=client_id,
                        kind=InvoiceKind.MANUAL,
                        status=status,
                        number=number,
                        currency="USD",
                        payment_terms_days=30,
                        subtotal_minor=100,
                        total_minor=100,
                    )
                )


async def test_client_money_costs_the_same_for_5_and_100_clients(
    world: World, sessions: Sessions, gql: GraphQL, statements: list[str]
) -> None:
    await add_northwind_clients(sessions, world, 110)
    await add_client_money(sessions, world)
    small, few = await measure(statements, gql, OWNER, CLIENT_MONEY, first=5)
    large, many = await measure(statements, gql, OWNER, CLIENT_MONEY, first=100)

    assert len(small["clients"]["nodes"]) == 5
    nodes = large["clients"]["nodes"]
    assert len(nodes) == 100
    extras = [n for n in nodes if n["businessName"].startswith(EXTRA)]
    assert len(extras) >= 85
    for node in extras:
        assert node["billingTerms"]["totalCount"] == 1
        assert len(node["billingTerms"]["nodes"]) == 1
        invoices = node["invoices"]
        assert invoices["totalCount"] == 1
        assert invoices["pageInfo"]["hasNextPage"] is False
        assert [i["status"] for i in invoices["nodes"]] == ["ISSUED"]
        assert invoices["nodes"][0]["client"]["id"] == node["id"]

    assert len(few) == len(many), dump(many)
    assert sorted(main_table(s) for s in many) == CLIENT_MONEY_TABLES, dump(many)
    assert_viewer_load(many)


async def add_partner_money(sessions: Sessions, tag: str) -> None:
    """For each partner of the portfolio user `tag`: a payout and an issued invoice to its
    client; for its first partner, its own commission terms too."""
    async with sessions.begin() as session:
        rows = await session.execute(
            select(Partner.id, Client.id)
            .join(Client, Client.partner_id == Partner.id)
            .where(Partner.slug.startswith(f"{tag}-agency-"))
        )
        for n, (partner_id, client_id) in enumerate(rows.all()):
            if n == 0:
                session.add(
                    CommissionTerms(
                        partner_id=partner_id,
                        effective_from=date(2026, 2, 1),
                        rate_bp=2500,
                        duration_months=12,
                        hold_days=30,
                    )
                )
            session.add(
                Payout(
                    partner_id=partner_id,
                    currency="USD",
                    period_end=date(2026, 1, 31),
                    status=PayoutStatus.CARRIED_FORWARD,
                    amount_minor=100 + n,
                    minimum_minor=5000,
                    commission_count=0,
                )
            )
            session.add(
                Invoice(
                    partner_id=partner_id,
                    client_id=client_id,
                    kind=InvoiceKind.MANUAL,
                    status=InvoiceStatus.ISSUED,
                    number=1,
                    currency="USD",
                    payment_terms_days=30,
                    subtotal_minor=100,
                    total_minor=100,
                )
            )


async def test_partner_money_costs_the_same_for_1_and_12_partners(
    world: World, sessions: Sessions, http: httpx.AsyncClient, statements: list[str]
) -> None:
    async with sessions.begin() as session:
        session.add_all(
            CommissionTerms(
                is_program=True,
                tier="registered",
                effective_from=date(2025 + n, 1, 1),
                rate_bp=1000 + n,
                duration_months=12,
                hold_days=30,
            )
            for n in range(2)
        )
    one = await add_portfolio_user(sessions, "mono", 1)
    twelve = await add_portfolio_user(sessions, "dozen", 12)
    await add_partner_money(sessions, "mono")
    await add_partner_money(sessions, "dozen")
    async with sessions() as session:
        program_terms = (
            await session.execute(
                select(func.count())
                .select_from(CommissionTerms)
                .where(CommissionTerms.is_program.is_(True), CommissionTerms.tier == "registered")
            )
        ).scalar_one()

    statements.clear()
    small = await run_as(http, one, PARTNER_MONEY)
    few = list(statements)
    statements.clear()
    large = await run_as(http, twelve, PARTNER_MONEY)
    many = list(statements)

    assert len(small["viewer"]["memberships"]) == 1
    partners = [m["partner"] for m in large["viewer"]["memberships"]]
    assert len(partners) == 12
    overrides = 0
    for partner in partners:
        assert partner["payouts"]["totalCount"] == 1
        assert len(partner["payouts"]["nodes"]) == 1
        assert partner["invoices"]["totalCount"] == 1
        assert [i["partner"]["name"] for i in partner["invoices"]["nodes"]] == [partner["name"]]
        assert partner["commissions"] == {"totalCount": 0, "nodes": []}
        # Every partner of the tier gets the program's terms, and its own, in its own page.
        terms = partner["commissionTerms"]
        own = 1 if len(terms["nodes"]) > program_terms else 0
        overrides += own
        assert terms["totalCount"] == program_terms + own
        assert len(terms["nodes"]) == program_terms + own
    assert program_terms >= 2
    assert overrides == 1
    plain = next(p for p in partners if p["commissionTerms"]["totalCount"] == program_terms)
    program = [db_id(t["id"]) for t in plain["commissionTerms"]["nodes"]]
    assert all(
        set(program) <= {db_id(t["id"]) for t in p["commissionTerms"]["nodes"]} for p in partners
    )

    assert len(few) == len(many), dump(many)
    assert_viewer_load(many)
