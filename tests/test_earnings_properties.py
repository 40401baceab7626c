"""A property over random streams of charges, refunds, approvals, payout runs and payments: the
earnings report (grouped every way), the balance and the profitability report always equal the
commission ledger exactly, and refunds never drive a balance wrong: what is pending, approved and
paid adds up to the ledger net of REVERSED entries, never below zero, and right after a run that
carried a balance forward the balance says exactly that amount.

Each stream runs against the API as its users send it; the expected figures are computed here,
in Python, from the stored rows. EARNINGS_EXAMPLES sets how many streams run (default 8)."""

from __future__ import annotations

import itertools
import os
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Client
from db.money import Commission, CommissionStatus, Invoice, InvoiceStatus, SubscriptionCharge
from db.payouts import Payout, PayoutItem, PayoutStatus
from db.relationship import TimeEntry
from resolvers.task_queries import today
from tests.conftest import GraphQL, World
from tests.helpers import gid

PLATFORM = "staff@shopiq.test"
OWNER = "owner@northwind.test"
NORTHWIND = "northwind-digital"
CLIENTS = ("Lumen Candles", "Aster Apparel")
START = today() - timedelta(days=30)  # inside every current access
EXAMPLES = int(os.environ.get("EARNINGS_EXAMPLES", "8"))
GROUPS = ("MONTH", "CLIENT", "KIND", "STATUS")
PERIOD = {"from": "2000-01-01", "to": "2999-12-31"}

RECORD = """
mutation($input: RecordSubscriptionChargesInput!) {
  recordSubscriptionCharges(input: $input) { userErrors { code } }
}"""
APPROVE = """
mutation($asOf: Date!) { approveDueCommissions(input: { asOf: $asOf }) { userErrors { code } } }
"""
RUN = """
mutation($periodEnd: Date!) {
  runPayouts(input: { periodEnd: $periodEnd }) {
    payouts { id version status amount { amount currencyCode } partner { slug } }
    userErrors { code }
  }
}"""
PAID = """
mutation($id: ID!, $version: Int!) {
  markPayoutPaid(input: { payoutId: $id, version: $version, reference: "PROP" }) {
    userErrors { code }
  }
}"""
ROW = (
    "currencyCode month clientId kind status entries earned { amount } reversed { amount } "
    "net { amount }"
)


def report_query() -> str:
    """Every combination of group keys as one aliased field, the balance and profitability."""
    fields = []
    for size in range(len(GROUPS) + 1):
        for combo in itertools.combinations(GROUPS, size):
            alias = "by_" + ("_".join(combo) or "currency")
            fields.append(f"{alias}: earnings(groupBy: [{', '.join(combo)}]) {{ {ROW} }}")
    return f"""
query($id: ID!, $from: Date!, $to: Date!) {{
  partner(id: $id) {{
    {" ".join(fields)}
    balance {{ currencyCode pending {{ amount }} approved {{ amount }} inPayout {{ amount }}
      carriedForward {{ amount }} paid {{ amount }} }}
    profitability(first: 100, from: $from, to: $to, currency: "USD") {{
      totalCount nodes {{ clientId commissions {{ amount }} feesInvoiced {{ amount }}
        feesPaid {{ amount }} supportMinutes }} }}
  }}
}}"""


REPORT = report_query()

# A step: ("charge", client, cents, days before today it was charged) | ("refund", an earlier
# charge, cents, days) | ("approve", -, -, days before today as of which) | ("run", -, -, days
# before today the period ends) | ("pay", -, -, -): the latest DUE payout is paid.
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("charge"), st.integers(0, 1), st.integers(1, 90_000), st.integers(0, 120)
        ),
        st.tuples(
            st.just("refund"), st.integers(0, 30), st.integers(1, 100_000), st.integers(0, 60)
        ),
        st.tuples(st.just("approve"), st.just(0), st.just(0), st.integers(-40, 90)),
        st.tuples(st.just("run"), st.just(0), st.just(0), st.integers(-40, 90)),
        st.tuples(st.just("pay"), st.just(0), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=14,
)


def minor(money: dict[str, str]) -> int:
    return int(Decimal(money["amount"]) * 100)  # the demo's ledger is in USD


def at(days_ago: int) -> str:
    return datetime.combine(today() - timedelta(days=days_ago), time(9), UTC).isoformat()


async def play(gql: GraphQL, world: World, stream: list[tuple[str, int, int, int]]) -> None:
    """Send the stream; after each run that carried Northwind's USD balance, check it."""
    tag = uuid.uuid4().hex[:12]
    charges: list[dict[str, Any]] = []
    due: list[dict[str, Any]] = []
    for n, (kind, pick, cents, days) in enumerate(stream):
        if kind == "charge" or (kind == "refund" and not charges):
            item = {
                "externalId": f"{tag}-{n}",
                "clientId": gid("Client", world.clients[CLIENTS[pick % 2]]),
                "amount": {"amount": str(Decimal(cents) / 100), "currencyCode": "USD"},
                "kind": "SUBSCRIPTION",
                "periodStart": START.isoformat(),
                "periodEnd": (START + timedelta(days=29)).isoformat(),
                "chargedAt": at(days),
            }
            charges.append(item)
            sent = await gql(PLATFORM, RECORD, input={"charges": [item]})
        elif kind == "refund":
            original = charges[pick % len(charges)]
            item = {**original, "externalId": f"{tag}-{n}", "kind": "REFUND"}
            item["amount"] = {"amount": str(Decimal(cents) / 100), "currencyCode": "USD"}
            item["refundsExternalId"] = original["externalId"]
            item["chargedAt"] = at(days)
            sent = await gql(PLATFORM, RECORD, input={"charges": [item]})
        elif kind == "approve":
            as_of = (today() - timedelta(days=days)).isoformat()
            sent = await gql(PLATFORM, APPROVE, asOf=as_of)
        elif kind == "run":
            period_end = (today() - timedelta(days=days)).isoformat()
            sent = await gql(PLATFORM, RUN, periodEnd=period_end)
            payouts = sent["data"]["runPayouts"]["payouts"]
            written = [p for p in payouts if p["partner"]["slug"] == NORTHWIND]
            due += [p for p in written if p["status"] == "DUE"]
            carried = [p for p in written if p["status"] == "CARRIED_FORWARD"]
            if carried:
                (usd,) = await balances(gql, world)
                assert minor(usd["carriedForward"]) == minor(carried[0]["amount"])
        elif due:
            payout = due.pop()
            sent = await gql(PLATFORM, PAID, id=payout["id"], version=payout["version"])
        else:
            continue
        assert "errors" not in sent, sent
        (payload,) = sent["data"].values()
        assert payload["userErrors"] == [], (kind, payload)


async def balances(gql: GraphQL, world: World) -> list[dict[str, Any]]:
    body = await gql(OWNER, REPORT, id=gid("Partner", world.partners[NORTHWIND]), **PERIOD)
    found: list[dict[str, Any]] = body["data"]["partner"]["balance"]
    return found


async def ledger(sessions: async_sessionmaker[AsyncSession], partner_id: int) -> dict[str, Any]:
    """The stored rows the reports sum, read directly."""
    async with sessions() as session:
        commissions = (
            await session.execute(
                select(Commission, SubscriptionCharge.kind, PayoutItem.payout_id, Payout.status)
                .join(SubscriptionCharge, SubscriptionCharge.id == Commission.charge_id)
                .outerjoin(PayoutItem, PayoutItem.commission_id == Commission.id)
                .outerjoin(Payout, Payout.id == PayoutItem.payout_id)
                .where(Commission.partner_id == partner_id)
            )
        ).all()
        last_runs = dict(
            (
                await session.execute(
                    select(Payout.currency, func.max(Payout.period_end))
                    .where(Payout.partner_id == partner_id)
                    .group_by(Payout.currency)
                )
            ).all()
        )
        clients = dict(
            (
                await session.execute(
                    select(Client.id, Client.business_name).where(Client.partner_id == partner_id)
                )
            ).all()
        )
        invoices = (
            await session.execute(select(Invoice).where(Invoice.partner_id == partner_id))
        ).scalars()
        invoiced: dict[int, int] = defaultdict(int)
        paid: dict[int, int] = defaultdict(int)
        for invoice in invoices:
            if invoice.currency != "USD":
                continue
            if invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
                invoiced[invoice.client_id] += invoice.total_minor
            if invoice.status == InvoiceStatus.PAID:
                paid[invoice.client_id] += invoice.total_minor
        minutes: dict[int, int] = defaultdict(int)
        for client_id, spent in (
            await session.execute(
                select(TimeEntry.client_id, TimeEntry.minutes).where(
                    TimeEntry.partner_id == partner_id
                )
            )
        ).all():
            minutes[client_id] += spent
    return {
        "commissions": commissions,
        "last_runs": last_runs,
        "clients": clients,
        "invoiced": invoiced,
        "paid": paid,
        "minutes": minutes,
    }


def month_of(day: date) -> str:
    return day.replace(day=1).isoformat()


def expected_groups(rows: list[Any], combo: tuple[str, ...]) -> dict[tuple[Any, ...], list[int]]:
    found: dict[tuple[Any, ...], list[int]] = {}
    for commission, kind, _, _ in rows:
        key: tuple[Any, ...] = (commission.currency,)
        if "MONTH" in combo:
            key += (month_of(commission.earned_on),)
        if "CLIENT" in combo:
            key += (gid("Client", commission.client_id),)
        if "KIND" in combo:
            key += (kind.name,)
        if "STATUS" in combo:
            key += (commission.status.name,)
        totals = found.setdefault(key, [0, 0, 0, 0])
        reversal = commission.reverses_commission_id is not None
        totals[0] += 0 if reversal else commission.amount_minor
        totals[1] += commission.amount_minor if reversal else 0
        totals[2] += commission.amount_minor
        totals[3] += 1
    return found


def reported_groups(
    rows: list[dict[str, Any]], combo: tuple[str, ...]
) -> dict[tuple[Any, ...], list[int]]:
    found: dict[tuple[Any, ...], list[int]] = {}
    names = {"MONTH": "month", "CLIENT": "clientId", "KIND": "kind", "STATUS": "status"}
    for row in rows:
        key = (row["currencyCode"], *(row[names[g]] for g in combo))
        for g in GROUPS:
            if g not in combo:
                assert row[names[g]] is None  # a key the report is not grouped by is null
        assert key not in found  # one row per group
        found[key] = [
            minor(row["earned"]),
            minor(row["reversed"]),
            minor(row["net"]),
            row["entries"],
        ]
    return found


def expected_balance(rows: list[Any], last_runs: dict[str, date]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for commission, _, payout_id, payout_status in rows:
        totals = found.setdefault(commission.currency, [0, 0, 0, 0, 0])
        amount = commission.amount_minor
        if commission.status == CommissionStatus.PENDING:
            totals[0] += amount
        elif commission.status == CommissionStatus.APPROVED:
            totals[1] += amount
            if payout_status == PayoutStatus.DUE:
                totals[2] += amount
            last = last_runs.get(commission.currency)
            if payout_id is None and last is not None and commission.earned_on <= last:
                totals[3] += amount
        elif commission.status == CommissionStatus.PAID:
            totals[4] += amount
    return found


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=steps)
async def test_the_reports_equal_the_ledger_under_any_stream(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], stream: Any
) -> None:
    await play(gql, world, stream)
    partner_id = world.partners[NORTHWIND]
    body = await gql(OWNER, REPORT, id=gid("Partner", partner_id), **PERIOD)
    assert "errors" not in body, body
    report = body["data"]["partner"]
    stored = await ledger(sessions, partner_id)
    rows = stored["commissions"]

    for size in range(len(GROUPS) + 1):
        for combo in itertools.combinations(GROUPS, size):
            alias = "by_" + ("_".join(combo) or "currency")
            assert reported_groups(report[alias], combo) == expected_groups(rows, combo), combo

    balance = {b["currencyCode"]: b for b in report["balance"]}
    expected = expected_balance(rows, stored["last_runs"])
    assert set(balance) == set(expected)
    for currency, (pending, approved, in_payout, carried, paid) in expected.items():
        got = balance[currency]
        assert minor(got["pending"]) == pending
        assert minor(got["approved"]) == approved
        assert minor(got["inPayout"]) == in_payout
        assert minor(got["carriedForward"]) == carried
        assert minor(got["paid"]) == paid
        # Refunds never take back more than was earned: the partner's standing is never
        # negative, and it is the ledger net of what was reversed outright.
        standing = sum(
            c.amount_minor
            for c, *_ in rows
            if c.currency == currency and c.status != CommissionStatus.REVERSED
        )
        assert pending + approved + paid == standing >= 0
        # A DUE payout holds a positive amount; what is approved beside it may be negative: the
        # approved reversal of a commission already paid waits to net in the next payout.
        assert in_payout >= 0

    profitability = report["profitability"]
    assert profitability["totalCount"] == len(profitability["nodes"]) > 0
    per_client: dict[int, int] = defaultdict(int)
    for commission, *_ in rows:
        if commission.currency == "USD":
            per_client[commission.client_id] += commission.amount_minor
    for node in profitability["nodes"]:
        client_id = next(k for k in stored["clients"] if gid("Client", k) == node["clientId"])
        assert minor(node["commissions"]) == per_client.get(client_id, 0)
        assert minor(node["feesInvoiced"]) == stored["invoiced"].get(client_id, 0)
        assert minor(node["feesPaid"]) == stored["paid"].get(client_id, 0)
        assert node["supportMinutes"] == stored["minutes"].get(client_id, 0)
