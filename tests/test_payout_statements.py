"""Payouts' N+1 budget: a page of 5 and of 100 payouts (with their partner) cost the same
statements, and every statement that reads payouts carries the viewer's policy filter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.payouts import Payout, PayoutStatus
from policies import Authorizer, load_viewer
from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_billing_statements import measure
from tests.test_statement_counts import assert_filtered, dump, policy_sql, read_tables

PAYOUTS = """
query($id: ID!, $first: Int!) {
  partner(id: $id) {
    payouts(first: $first, filter: { currencyCode: "USD", periodTo: "2020-12-31" }) {
      totalCount nodes { id status periodEnd amount { amount currencyCode } minimum { amount }
        partner { slug } } }
  }
}"""


@pytest.fixture
async def many_payouts(world: World, sessions: async_sessionmaker[AsyncSession]) -> World:
    """Northwind has more than a page of payout runs behind it."""
    async with sessions.begin() as session:
        session.add_all(
            Payout(
                partner_id=world.partners["northwind-digital"],
                currency="USD",
                period_end=date(2020, 1, 1) + timedelta(days=n),
                status=PayoutStatus.CARRIED_FORWARD if n % 3 else PayoutStatus.PAID,
                amount_minor=1000 + n,
                minimum_minor=5000,
                commission_count=0,
            )
            for n in range(110)
        )
    return world


@pytest.mark.parametrize("email", ["owner@northwind.test", "staff@shopiq.test"])
async def test_payouts_cost_the_same_for_5_and_100(
    many_payouts: World,
    gql: GraphQL,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    engine: AsyncEngine,
    email: str,
) -> None:
    world = many_payouts
    id_ = gid("Partner", world.partners["northwind-digital"])
    small, few = await measure(statements, gql, email, PAYOUTS, id=id_, first=5)
    large, many = await measure(statements, gql, email, PAYOUTS, id=id_, first=100)
    assert len(small["partner"]["payouts"]["nodes"]) == 5
    assert len(large["partner"]["payouts"]["nodes"]) == 100
    assert large["partner"]["payouts"]["totalCount"] == 110
    assert len(few) == len(many), dump(many)
    async with sessions() as session:
        viewer = await load_viewer(session, world.users[email])
    assert viewer is not None
    reads = [s for s in many if "payouts" in read_tables(s)]
    assert reads
    for statement in reads:
        assert_filtered(statement, Payout, policy_sql(authz, viewer, Payout, engine))
