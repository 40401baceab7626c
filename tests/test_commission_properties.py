"""A property over random streams of charges, refunds and re-sent charges: whatever the order
and sizes, the ledger stays exact. Each commission is base x rate rounded once half to even;
reversals never take back more than was earned; re-sending changes nothing; the partner's
commission list adds up to the ledger's rows; balances never go negative under refunds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.money import Commission, CommissionStatus, SubscriptionCharge
from resolvers.task_queries import today
from tests.conftest import GraphQL, World
from tests.helpers import gid

PLATFORM = "staff@shopiq.test"
OWNER = "owner@northwind.test"
CLIENTS = ("Lumen Candles", "Aster Apparel")
RATE = Decimal("0.175")
START = today() - timedelta(days=30)

RECORD = """
mutation($input: RecordSubscriptionChargesInput!) {
  recordSubscriptionCharges(input: $input) { results { outcome } userErrors { code } }
}"""
TERMS = """
mutation { setCommissionTerms(input: { tier: GOLD, effectiveFrom: "2021-01-01", rate: "0.175",
  durationMonths: 24, holdDays: 10 }) { userErrors { code } } }"""
LIST = """
query($id: ID!, $after: String) {
  partner(id: $id) { commissions(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { amount { amount } } } }
}"""

# A step: ("charge", client index, cents) | ("refund", index of an earlier charge, cents) |
# ("again", index of an earlier step to send once more).
steps = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.integers(0, 1), st.integers(1, 500_000)),
        st.tuples(st.just("refund"), st.integers(0, 30), st.integers(1, 600_000)),
        st.tuples(st.just("again"), st.integers(0, 30), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


def half_even(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def build(world: World, stream: list[tuple[str, int, int]], tag: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    at = datetime.combine(START, datetime.min.time(), UTC).isoformat()
    for n, (kind, pick, cents) in enumerate(stream):
        if kind == "again" and sent:
            sent.append(sent[pick % len(sent)])
            continue
        if kind == "refund" and charges:
            original = charges[pick % len(charges)]
            item = {**original, "externalId": f"{tag}-{n}", "kind": "REFUND"}
            item["amount"] = {"amount": str(Decimal(cents) / 100), "currencyCode": "USD"}
            item["refundsExternalId"] = original["externalId"]
            sent.append(item)
            continue
        item = {
            "externalId": f"{tag}-{n}",
            "clientId": gid("Client", world.clients[CLIENTS[pick % 2]]),
            "amount": {"amount": str(Decimal(max(cents, 1)) / 100), "currencyCode": "USD"},
            "kind": "SUBSCRIPTION",
            "periodStart": START.isoformat(),
            "periodEnd": (START + timedelta(days=29)).isoformat(),
            "chargedAt": at,
        }
        charges.append(item)
        sent.append(item)
    return sent


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=steps)
async def test_the_ledger_stays_exact_under_any_stream(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], stream: Any
) -> None:
    await gql(PLATFORM, TERMS)  # refused as INVALID after the first example: same date
    tag = uuid.uuid4().hex[:12]
    sent = build(world, stream, tag)
    first = await gql(PLATFORM, RECORD, input={"charges": sent})
    assert first["data"]["recordSubscriptionCharges"]["userErrors"] == []
    again = await gql(PLATFORM, RECORD, input={"charges": sent})
    outcomes = {r["outcome"] for r in again["data"]["recordSubscriptionCharges"]["results"]}
    assert outcomes == {"DUPLICATE"}  # re-sending the whole stream changes nothing

    async with sessions() as session:
        rows = (
            await session.execute(
                select(SubscriptionCharge, Commission)
                .outerjoin(Commission, Commission.charge_id == SubscriptionCharge.id)
                .where(SubscriptionCharge.external_id.like(f"{tag}-%"))
            )
        ).all()
    earned = {c.id: c for _, c in rows if c is not None and c.reverses_commission_id is None}
    reversals = [c for _, c in rows if c is not None and c.reverses_commission_id is not None]
    assert len({s.external_id for s, _ in rows}) == len(rows)  # each charge stored once
    for commission in earned.values():
        assert commission.amount_minor == half_even(Decimal(commission.base_minor) * RATE)
        taken = sum(r.amount_minor for r in reversals if r.reverses_commission_id == commission.id)
        assert -commission.amount_minor <= taken <= 0  # never more than was earned
        whole = taken == -commission.amount_minor and commission.amount_minor > 0
        assert (commission.status == CommissionStatus.REVERSED) == whole
    for reversal in reversals:
        assert reversal.amount_minor < 0
        assert reversal.reverses_commission_id in earned
    # The partner's list (as its owner reads it) adds up to the ledger's rows of this stream.
    ledger = sum(c.amount_minor for _, c in rows if c is not None)
    assert ledger >= 0
    listed = await listed_total(gql, world)
    async with sessions() as session:
        everything = (
            await session.execute(
                select(Commission.amount_minor).where(
                    Commission.partner_id == world.partners["northwind-digital"]
                )
            )
        ).scalars()
        assert listed == sum(everything)


async def listed_total(gql: GraphQL, world: World) -> int:
    total, after = 0, None
    while True:
        body = await gql(
            OWNER, LIST, id=gid("Partner", world.partners["northwind-digital"]), after=after
        )
        page = body["data"]["partner"]["commissions"]
        total += sum(int(Decimal(n["amount"]["amount"]) * 100) for n in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return total
        after = page["pageInfo"]["endCursor"]
