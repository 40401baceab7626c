"""Earnings reports: months are UTC months of the charge on both databases; the period and
currency filters; the balance around a payout run; per-client profitability's sorting, keyset
paging (forwards and backwards, the same rows in the same order) and its one statement per page;
the dashboard's earnings to date."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.money import Commission
from resolvers.earnings import year_and_month_start
from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_commissions import MANAGER, NORTHWIND, OWNER, PLATFORM, charge, record
from tests.test_statement_counts import add_northwind_clients

EARNINGS = """
query($id: ID!, $groupBy: [EarningsGroup!], $from: Date, $to: Date, $currency: CurrencyCode) {
  partner(id: $id) {
    earnings(groupBy: $groupBy, from: $from, to: $to, currency: $currency) {
      currencyCode month kind status entries clientId client { businessName }
      earned { amount } reversed { amount } net { amount currencyCode }
    }
  }
}"""
PROFITABILITY = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
      $order: ProfitabilityOrder, $from: Date!, $to: Date!) {
  partner(id: $id) {
    profitability(first: $first, after: $after, last: $last, before: $before, from: $from,
                  to: $to, currency: "USD", orderBy: $order) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { clientId clientName supportMinutes commissions { amount }
        feesInvoiced { amount } feesPaid { amount } } }
    }
  }
}"""
PAGE_ONLY = """
query($id: ID!, $first: Int!) {
  partner(id: $id) {
    profitability(first: $first, from: "2000-01-01", to: "2999-12-31", currency: "USD",
                  orderBy: { field: COMMISSIONS, direction: DESC }) {
      nodes { clientName commissions { amount } feesInvoiced { amount } feesPaid { amount }
        supportMinutes }
    }
  }
}"""
DASHBOARD = """
query($id: ID!) {
  partner(id: $id) { dashboard { earnings { currencyCode thisMonth { amount }
    yearToDate { amount } } } }
}"""
ALL_TIME = {"from": "2000-01-01", "to": "2999-12-31"}


def northwind(world: World) -> str:
    return gid("Partner", world.partners[NORTHWIND])


def minor(money: dict[str, str] | None) -> int:
    assert money is not None
    return int(Decimal(money["amount"]) * 100)


async def earnings(gql: GraphQL, world: World, email: str = OWNER, **args: Any) -> Any:
    body = await gql(email, EARNINGS, id=northwind(world), **args)
    assert "errors" not in body, body
    return body["data"]["partner"]["earnings"]


async def test_months_are_the_utc_months_of_the_charge(gql: GraphQL, world: World) -> None:
    made = await record(
        gql,
        PLATFORM,
        charge(world, "m-1", "Lumen Candles", "100.00", chargedAt="2031-01-31T23:59:59Z"),
        # 00:30 in Paris on 1 February is still 31 January in UTC.
        charge(world, "m-2", "Lumen Candles", "50.00", chargedAt="2031-02-01T00:30:00+01:00"),
        charge(world, "m-3", "Aster Apparel", "10.00", chargedAt="2031-02-01T00:00:00Z"),
    )
    assert made["userErrors"] == []
    rows = await earnings(
        gql, world, groupBy=["MONTH"], **{"from": "2031-01-01", "to": "2031-12-31"}
    )
    assert [(r["month"], r["entries"], minor(r["net"])) for r in rows] == [
        ("2031-01-01", 2, 3000),  # 20 % of 150.00
        ("2031-02-01", 1, 200),
    ]
    assert all(r["client"] is None and r["kind"] is None and r["status"] is None for r in rows)


async def test_the_period_and_currency_filters_and_the_keys(gql: GraphQL, world: World) -> None:
    await record(
        gql,
        PLATFORM,
        charge(world, "p-1", "Lumen Candles", "100.00", chargedAt="2031-03-01T00:00:00Z"),
        charge(world, "p-2", "Lumen Candles", "100.00", chargedAt="2031-03-31T12:00:00Z"),
        charge(world, "p-3", "Aster Apparel", "100.00", chargedAt="2031-04-01T00:00:00Z"),
        charge(
            world,
            "p-4",
            "Lumen Candles",
            "40.00",
            kind="REFUND",
            refundsExternalId="p-1",
            chargedAt="2031-03-15T00:00:00Z",
        ),
    )
    march = {"from": "2031-03-01", "to": "2031-03-31"}
    (total,) = await earnings(gql, world, **march)
    # Both ends are included; the refund's reversal is 40 % of the first commission.
    assert (minor(total["earned"]), minor(total["reversed"]), minor(total["net"])) == (
        4000,
        -800,
        3200,
    )
    assert total["net"]["currencyCode"] == "USD"
    assert total["month"] is None
    assert await earnings(gql, world, currency="EUR", **march) == []
    by_kind = await earnings(gql, world, groupBy=["KIND", "CLIENT", "STATUS"], **march)
    assert [
        (r["kind"], r["client"]["businessName"], r["status"], r["entries"]) for r in by_kind
    ] == [
        ("REFUND", "Lumen Candles", "PENDING", 1),
        ("SUBSCRIPTION", "Lumen Candles", "PENDING", 2),
    ]
    assert by_kind[0]["clientId"] == gid("Client", world.clients["Lumen Candles"])
    april = await earnings(
        gql, world, groupBy=["CLIENT"], **{"from": "2031-04-01", "to": "2031-04-01"}
    )
    assert [(r["client"]["businessName"], minor(r["net"])) for r in april] == [
        ("Aster Apparel", 2000)
    ]


async def test_the_report_sums_the_whole_ledger_of_the_demo(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        rows = (
            (
                await session.execute(
                    select(Commission).where(Commission.partner_id == world.partners[NORTHWIND])
                )
            )
            .scalars()
            .all()
        )
    per_month: dict[str, int] = defaultdict(int)
    for row in rows:
        per_month[row.earned_on.replace(day=1).isoformat()] += row.amount_minor
    reported = await earnings(gql, world, groupBy=["MONTH"])
    assert len(reported) >= 12  # the demo's history
    assert {r["month"]: minor(r["net"]) for r in reported} == per_month


BALANCE = """
query($id: ID!) { partner(id: $id) { balance { currencyCode pending { amount }
  approved { amount } inPayout { amount } carriedForward { amount } paid { amount } } } }"""
RUN = """
mutation($periodEnd: Date!) { runPayouts(input: { periodEnd: $periodEnd }) {
  payouts { status amount { amount } partner { slug } } userErrors { code } } }"""


async def test_the_balance_follows_a_payout_run(gql: GraphQL, world: World) -> None:
    async def balance() -> dict[str, Any]:
        body = await gql(OWNER, BALANCE, id=northwind(world))
        (usd,) = body["data"]["partner"]["balance"]
        return {k: minor(v) for k, v in usd.items() if k != "currencyCode"}

    before = await balance()
    assert before["carriedForward"] > 0  # the demo's run carried its first month forward
    assert before["approved"] >= before["carriedForward"]
    ran = await gql(PLATFORM, RUN, periodEnd=(date.today() + timedelta(days=1)).isoformat())
    (mine,) = [p for p in ran["data"]["runPayouts"]["payouts"] if p["partner"]["slug"] == NORTHWIND]
    after = await balance()
    if mine["status"] == "DUE":
        assert after["inPayout"] == after["approved"] == minor(mine["amount"])
        assert after["carriedForward"] == 0
    else:
        assert after["carriedForward"] == minor(mine["amount"]) == after["approved"]
    assert after["pending"] == before["pending"]
    assert after["paid"] == before["paid"]


# --- Profitability ------------------------------------------------------------------------


async def profitability(gql: GraphQL, world: World, email: str = OWNER, **args: Any) -> Any:
    body = await gql(email, PROFITABILITY, id=northwind(world), **ALL_TIME, **args)
    assert "errors" not in body, body
    return body["data"]["partner"]["profitability"]


FIELDS = {
    "NAME": None,
    "COMMISSIONS": "commissions",
    "FEES_INVOICED": "feesInvoiced",
    "FEES_PAID": "feesPaid",
    "SUPPORT_MINUTES": "supportMinutes",
}


def sort_key(node: dict[str, Any], field: str, descending: bool) -> tuple[Any, ...]:
    name = FIELDS[field]
    if name is None:
        value: Any = node["clientName"]
        return (value, node["clientId"])  # names are unique in the demo
    raw = node[name]
    value = raw if isinstance(raw, int) else minor(raw)
    return (-value if descending else value, node["clientName"])


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_profitability_sorts_and_pages_both_ways(
    gql: GraphQL, world: World, field: str, direction: str
) -> None:
    order = {"field": field, "direction": direction}
    whole = await profitability(gql, world, first=100, order=order)
    nodes = [e["node"] for e in whole["edges"]]
    assert whole["totalCount"] == len(nodes) >= 10
    if field != "NAME":
        assert nodes == sorted(nodes, key=lambda n: sort_key(n, field, direction == "DESC"))
    elif direction == "DESC":
        assert [n["clientName"] for n in nodes] == sorted(
            (n["clientName"] for n in nodes), reverse=True
        )
    else:
        assert [n["clientName"] for n in nodes] == sorted(n["clientName"] for n in nodes)
    # Forwards three at a time, then backwards from the end: the same rows in the same order.
    forwards: list[dict[str, Any]] = []
    after = None
    while True:
        page = await profitability(gql, world, first=3, after=after, order=order)
        forwards += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert forwards == nodes
    backwards: list[dict[str, Any]] = []
    before = None
    while True:
        page = await profitability(gql, world, last=4, before=before, order=order)
        backwards = [e["node"] for e in page["edges"]] + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backwards == nodes


async def test_a_manager_sees_fees_and_minutes_but_no_commissions(
    gql: GraphQL, world: World
) -> None:
    owner = await profitability(gql, world, first=100)
    manager = await profitability(gql, world, MANAGER, first=100)
    assert [e["node"]["clientId"] for e in manager["edges"]] == [
        e["node"]["clientId"] for e in owner["edges"]
    ]
    assert any(e["node"]["commissions"] is not None for e in owner["edges"])
    for mine, theirs in zip(manager["edges"], owner["edges"], strict=True):
        assert mine["node"]["commissions"] is None
        assert {k: v for k, v in mine["node"].items() if k != "commissions"} == {
            k: v for k, v in theirs["node"].items() if k != "commissions"
        }
    # Sorting a manager's report by commissions leaks no order: it is the order by name.
    by_commissions = await profitability(
        gql, world, MANAGER, first=100, order={"field": "COMMISSIONS", "direction": "DESC"}
    )
    assert [e["node"]["clientName"] for e in by_commissions["edges"]] == sorted(
        e["node"]["clientName"] for e in owner["edges"]
    )


async def test_profitability_refuses_a_bad_cursor_and_period(gql: GraphQL, world: World) -> None:
    bad = await gql(OWNER, PROFITABILITY, id=northwind(world), first=5, after="WzFd", **ALL_TIME)
    assert bad["errors"][0]["message"] == "that cursor is not valid for this list"
    name_cursor = (await profitability(gql, world, first=1))["pageInfo"]["endCursor"]
    mixed = await gql(
        OWNER,
        PROFITABILITY,
        id=northwind(world),
        first=5,
        after=name_cursor,  # a cursor of the order by name, used for an order by fees
        order={"field": "FEES_PAID"},
        **ALL_TIME,
    )
    assert mixed["errors"][0]["message"] == "that cursor is not valid for this list"
    backwards = await gql(
        OWNER,
        PROFITABILITY,
        id=northwind(world),
        first=5,
        **{"from": "2031-01-02", "to": "2031-01-01"},
    )
    assert backwards["errors"][0]["message"] == "`to` must be on or after `from`"
    widest = await gql(
        OWNER,
        PROFITABILITY,
        id=northwind(world),
        first=5,
        **{"from": "0001-01-01", "to": "9999-12-31"},
    )
    assert "errors" not in widest, widest
    assert widest["data"]["partner"]["profitability"]["edges"]


async def test_profitability_costs_one_statement_per_page_whatever_its_size(
    gql: GraphQL,
    world: World,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_northwind_clients(sessions, world, 100)
    counts = []
    for first in (5, 100):
        statements.clear()
        body = await gql(OWNER, PAGE_ONLY, id=northwind(world), first=first)
        assert len(body["data"]["partner"]["profitability"]["nodes"]) == first
        counts.append(len(statements))
        assert sum("commissions_earned" in s for s in statements) == 1
    # viewer (3) + the partner + the page.
    assert counts == [5, 5], statements


async def test_earnings_cost_one_statement_and_one_batch_of_clients(
    gql: GraphQL, world: World, statements: list[str]
) -> None:
    statements.clear()
    rows = await earnings(gql, world, groupBy=["CLIENT", "MONTH"])
    assert len(rows) > 10
    # viewer (3) + the partner + the report + one batch of the rows' clients.
    assert len(statements) == 6, statements


# --- Dashboard ----------------------------------------------------------------------------


async def test_the_dashboard_shows_earnings_to_date_to_owners_only(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    year_start, month_start = year_and_month_start(datetime.now(UTC))
    today = datetime.now(UTC).date()
    async with sessions() as session:
        rows = (
            (
                await session.execute(
                    select(Commission).where(
                        Commission.partner_id == world.partners[NORTHWIND],
                        Commission.earned_on >= year_start,
                        Commission.earned_on <= today,
                    )
                )
            )
            .scalars()
            .all()
        )
    expected_year = sum(r.amount_minor for r in rows)
    expected_month = sum(r.amount_minor for r in rows if r.earned_on >= month_start)
    for email in (OWNER, "admin@northwind.test", PLATFORM):
        body = await gql(email, DASHBOARD, id=northwind(world))
        (usd,) = body["data"]["partner"]["dashboard"]["earnings"]
        assert (minor(usd["thisMonth"]), minor(usd["yearToDate"])) == (
            expected_month,
            expected_year,
        )
    for email in (MANAGER, "specialist@northwind.test"):
        body = await gql(email, DASHBOARD, id=northwind(world))
        assert body["data"]["partner"]["dashboard"] == {"earnings": None}
