"""Payouts: a run pays each partner's approved, unpaid commissions net of reversals when they
reach the currency's minimum and carries the balance forward (visibly) below it; re-runs write
nothing; a payout marked paid makes its commissions PAID; only platform staff (and the payout
operator's command) run and settle payouts; only the partner's owners and admins see them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.payouts import PayoutItem, PayoutStatus
from resolvers.payouts import decide
from resolvers.task_queries import today
from server.cli import main
from tests.conftest import GraphQL, World, token_for
from tests.helpers import codes, gid
from tests.test_commissions import (
    ADMIN,
    APPROVE,
    BLUEFIN_OWNER,
    MANAGER,
    MERCHANT,
    NEWCOMER,
    NORTHWIND,
    OWNER,
    PLATFORM,
    SPECIALIST,
    START,
    charge,
    gold_terms,
    record,
)
from tests.test_migrations import cli_db  # noqa: F401  (the CLI's own database)

RUN = """
mutation($periodEnd: Date!) {
  runPayouts(input: { periodEnd: $periodEnd }) {
    payouts { id version status periodEnd commissionCount amount { amount currencyCode }
      minimum { amount } partner { slug } }
    userErrors { field code }
  }
}"""
PAID = """
mutation($id: ID!, $version: Int!, $reference: String!) {
  markPayoutPaid(input: { payoutId: $id, version: $version, reference: $reference }) {
    payout { id status reference paidAt version }
    userErrors { field code }
  }
}"""
MINIMUM = """
mutation($amount: Decimal!, $currency: CurrencyCode!) {
  setPayoutMinimum(input: { minimum: { amount: $amount, currencyCode: $currency } }) {
    payoutMinimum { minimum { amount currencyCode } }
    userErrors { field code }
  }
}"""
PAYOUTS = """
query($id: ID!, $filter: PayoutFilterInput) {
  partner(id: $id) {
    payouts(first: 50, filter: $filter) {
      totalCount nodes { id status commissionCount amount { amount currencyCode } }
    }
  }
}"""
APPROVED = """
query($id: ID!) {
  partner(id: $id) {
    commissions(first: 100, status: [APPROVED]) {
      totalCount nodes { id earnedOn isReversal amount { amount currencyCode } }
    }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Commission { status } } }"

Payload = dict[str, Any]


async def _approved_usd(gql: GraphQL, world: World) -> tuple[Decimal, list[str], bool]:
    """Northwind's approved commissions in USD as its owner lists them: their exact sum, ids,
    and whether a reversal is among them (the independent view the run must agree with)."""
    body = await gql(OWNER, APPROVED, id=gid("Partner", world.partners[NORTHWIND]))
    nodes = body["data"]["partner"]["commissions"]["nodes"]
    usd = [n for n in nodes if n["amount"]["currencyCode"] == "USD"]
    total = sum((Decimal(n["amount"]["amount"]) for n in usd), Decimal(0))
    return total, [n["id"] for n in usd], any(n["isReversal"] for n in usd)


async def _run(gql: GraphQL, day: Any) -> list[Payload]:
    body = await gql(PLATFORM, RUN, periodEnd=day.isoformat())
    payload = body["data"]["runPayouts"]
    assert payload["userErrors"] == []
    payouts: list[Payload] = payload["payouts"]
    return payouts


def _northwind_usd(payouts: list[Payload]) -> Payload:
    (mine,) = [
        p
        for p in payouts
        if p["partner"]["slug"] == NORTHWIND and p["amount"]["currencyCode"] == "USD"
    ]
    return mine


async def _earn_and_refund(gql: GraphQL, world: World) -> None:
    """20 % of 100.00 earned and half of it refunded (a -10.00 reversal), all approved."""
    await gold_terms(gql)
    earned = await record(gql, PLATFORM, charge(world, "ch-pay", "Lumen Candles", "100.00"))
    assert earned["results"][0]["commission"]["amount"]["amount"] == "20.00"
    refund_at = datetime.combine(START + timedelta(days=2), datetime.min.time(), UTC)
    refunded = await record(
        gql,
        PLATFORM,
        charge(
            world,
            "ch-pay-refund",
            "Lumen Candles",
            "50.00",
            kind="REFUND",
            refundsExternalId="ch-pay",
            chargedAt=refund_at.isoformat(),
        ),
    )
    assert refunded["results"][0]["commission"]["amount"]["amount"] == "-10.00"
    approved = await gql(PLATFORM, APPROVE, asOf=(today() + timedelta(days=60)).isoformat())
    assert approved["data"]["approveDueCommissions"]["userErrors"] == []


@pytest.mark.parametrize(
    ("balance", "minimum", "status"),
    [
        (5000, 5000, PayoutStatus.DUE),
        (5001, 5000, PayoutStatus.DUE),
        (4999, 5000, PayoutStatus.CARRIED_FORWARD),
        (1, 0, PayoutStatus.DUE),
        (0, 0, PayoutStatus.CARRIED_FORWARD),
        (-300, 0, PayoutStatus.CARRIED_FORWARD),
    ],
)
def test_a_balance_is_paid_at_or_over_the_minimum(
    balance: int, minimum: int, status: PayoutStatus
) -> None:
    assert decide(balance, minimum) == status


async def test_a_run_pays_approved_commissions_net_of_reversals_once(
    gql: GraphQL, world: World
) -> None:
    await _earn_and_refund(gql, world)
    expected, ids, has_reversal = await _approved_usd(gql, world)
    assert has_reversal
    assert expected > 0
    day = today() + timedelta(days=1)

    payout = _northwind_usd(await _run(gql, day))
    assert payout["status"] == "DUE"
    assert Decimal(payout["amount"]["amount"]) == expected
    assert payout["commissionCount"] == len(ids)
    assert await _run(gql, day) == []  # the same period again writes nothing
    assert await _run(gql, day - timedelta(days=1)) == []  # nor does an earlier one

    # Linked, not yet paid: the commissions stay APPROVED until the money moved.
    statuses = {(await gql(OWNER, NODE, id=i))["data"]["node"]["status"] for i in ids}
    assert statuses == {"APPROVED"}
    stale = await gql(PLATFORM, PAID, id=payout["id"], version=payout["version"] + 1, reference="x")
    assert codes(stale["data"]["markPayoutPaid"]) == [(["input", "version"], "CONFLICT")]
    blank = await gql(PLATFORM, PAID, id=payout["id"], version=payout["version"], reference=" ")
    assert codes(blank["data"]["markPayoutPaid"]) == [(["input", "reference"], "INVALID")]
    done = await gql(
        PLATFORM, PAID, id=payout["id"], version=payout["version"], reference="SEPA-2031-001"
    )
    paid = done["data"]["markPayoutPaid"]
    assert paid["userErrors"] == []
    assert (paid["payout"]["status"], paid["payout"]["reference"]) == ("PAID", "SEPA-2031-001")
    assert paid["payout"]["paidAt"] is not None
    statuses = {(await gql(OWNER, NODE, id=i))["data"]["node"]["status"] for i in ids}
    assert statuses == {"PAID"}
    assert (await _approved_usd(gql, world))[1] == []
    again = await gql(
        PLATFORM, PAID, id=payout["id"], version=paid["payout"]["version"], reference="again"
    )
    assert codes(again["data"]["markPayoutPaid"]) == [(["input", "payoutId"], "INVALID_TRANSITION")]
    # Paid commissions are never counted again.
    later = [
        p for p in await _run(gql, day + timedelta(days=1)) if p["partner"]["slug"] == NORTHWIND
    ]
    assert later == []


async def test_below_the_minimum_the_balance_is_carried_forward_visibly(
    gql: GraphQL, world: World
) -> None:
    await _earn_and_refund(gql, world)
    expected, ids, _ = await _approved_usd(gql, world)
    set_high = await gql(PLATFORM, MINIMUM, amount="1000000.00", currency="USD")
    assert set_high["data"]["setPayoutMinimum"]["payoutMinimum"]["minimum"] == {
        "amount": "1000000.00",
        "currencyCode": "USD",
    }
    day = today() + timedelta(days=1)
    carried = _northwind_usd(await _run(gql, day))
    assert carried["status"] == "CARRIED_FORWARD"
    assert Decimal(carried["amount"]["amount"]) == expected
    assert (carried["commissionCount"], carried["minimum"]["amount"]) == (0, "1000000.00")

    northwind = gid("Partner", world.partners[NORTHWIND])
    mine = {"status": ["CARRIED_FORWARD"], "periodFrom": day.isoformat()}
    seen = await gql(OWNER, PAYOUTS, id=northwind, filter=mine)
    nodes = seen["data"]["partner"]["payouts"]["nodes"]
    assert [(n["id"], Decimal(n["amount"]["amount"])) for n in nodes] == [(carried["id"], expected)]
    statuses = {(await gql(OWNER, NODE, id=i))["data"]["node"]["status"] for i in ids}
    assert statuses == {"APPROVED"}
    not_paid = await gql(PLATFORM, PAID, id=carried["id"], version=1, reference="x")
    assert codes(not_paid["data"]["markPayoutPaid"]) == [
        (["input", "payoutId"], "INVALID_TRANSITION")
    ]

    # Once the minimum is reached (here: lowered), the carried balance is paid in full.
    assert (await gql(PLATFORM, MINIMUM, amount="10", currency="USD"))["data"]["setPayoutMinimum"][
        "userErrors"
    ] == []
    due = _northwind_usd(await _run(gql, day + timedelta(days=1)))
    assert (due["status"], Decimal(due["amount"]["amount"])) == ("DUE", expected)
    assert due["commissionCount"] == len(ids)
    runs = {"currencyCode": "USD", "periodFrom": day.isoformat()}
    listed = await gql(OWNER, PAYOUTS, id=northwind, filter=runs)
    assert [n["status"] for n in listed["data"]["partner"]["payouts"]["nodes"]] == [
        "CARRIED_FORWARD",
        "DUE",
    ]
    period = {"periodFrom": (day + timedelta(days=1)).isoformat(), "status": ["DUE"]}
    only_due = await gql(OWNER, PAYOUTS, id=northwind, filter=period)
    assert only_due["data"]["partner"]["payouts"]["totalCount"] == 1


async def test_a_minimum_has_the_currencys_digits(gql: GraphQL) -> None:
    too_fine = await gql(PLATFORM, MINIMUM, amount="10.001", currency="USD")
    assert codes(too_fine["data"]["setPayoutMinimum"]) == [(["input", "minimum"], "INVALID")]
    negative = await gql(PLATFORM, MINIMUM, amount="-1", currency="JPY")
    assert codes(negative["data"]["setPayoutMinimum"]) == [(["input", "minimum"], "INVALID")]
    yen = await gql(PLATFORM, MINIMUM, amount="5000", currency="JPY")
    assert yen["data"]["setPayoutMinimum"]["payoutMinimum"]["minimum"]["amount"] == "5000"


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER, SPECIALIST, MERCHANT, NEWCOMER])
async def test_only_platform_staff_run_settle_and_set_minimums(
    gql: GraphQL, world: World, email: str
) -> None:
    await _earn_and_refund(gql, world)
    refused = await gql(email, RUN, periodEnd=today().isoformat())
    assert refused["data"]["runPayouts"] == {
        "payouts": [],
        "userErrors": [{"field": None, "code": "FORBIDDEN"}],
    }
    minimum = await gql(email, MINIMUM, amount="1", currency="USD")
    assert codes(minimum["data"]["setPayoutMinimum"]) == [(None, "FORBIDDEN")]
    payout = _northwind_usd(await _run(gql, today()))
    paid = await gql(email, PAID, id=payout["id"], version=payout["version"], reference="x")
    # Owners and admins see the payout (FORBIDDEN); everyone else cannot tell it exists.
    code = "FORBIDDEN" if email in (OWNER, ADMIN) else "NOT_FOUND"
    assert codes(paid["data"]["markPayoutPaid"]) == [(["input", "payoutId"], code)]


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        (OWNER, True),
        (ADMIN, True),
        (PLATFORM, True),
        (MANAGER, False),
        (SPECIALIST, False),
        (MERCHANT, False),
        (BLUEFIN_OWNER, False),
        (NEWCOMER, False),
    ],
)
async def test_payouts_are_for_owners_admins_and_platform_staff(
    gql: GraphQL, world: World, email: str, sees: bool
) -> None:
    await _earn_and_refund(gql, world)
    payout = _northwind_usd(await _run(gql, today()))
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert ((await gql(email, node, id=payout["id"]))["data"]["node"] is not None) is sees
    assert (await gql(email, node, id=gid("Payout", 999_999)))["data"]["node"] is None
    partner = (await gql(email, PAYOUTS, id=gid("Partner", world.partners[NORTHWIND])))["data"][
        "partner"
    ]
    if partner is not None:  # managers, specialists and merchants see the partner, not its payouts
        assert (partner["payouts"]["totalCount"] > 0) is sees
    # Marking another's payout paid reads as a payout that does not exist.
    missing = await gql(email, PAID, id=gid("Payout", 999_999), version=1, reference="x")
    foreign = await gql(email, PAID, id=payout["id"], version=1, reference="x")
    if not sees:
        assert codes(foreign["data"]["markPayoutPaid"]) == codes(missing["data"]["markPayoutPaid"])


def test_the_command_runs_payouts_once_per_period(
    cli_db: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    day = today().isoformat()
    assert main(["payouts", "run", "--period-end", day]) == 0
    first = capsys.readouterr()
    assert f"running payouts for the period ending {day}" in first.err
    assert "balances" in first.err
    assert " s)" in first.err
    written = [line for line in first.out.splitlines() if line.startswith("partner ")]
    assert written  # the demo has approved commissions
    assert main(["payouts", "run", "--period-end", day]) == 0
    second = capsys.readouterr()
    assert second.out == ""
    assert "0 payout(s) due, 0 balance(s) carried forward" in second.err


async def test_concurrent_runs_of_a_period_pay_each_commission_once(
    committed_world: World,
    http: httpx.AsyncClient,
    backend: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Two operators starting the same run at once: one writes the payouts, the other writes
    nothing (it meets the unique run and is told to retry, or finds the period run)."""
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite has one writer at a time)")
    world = committed_world
    headers = {"Authorization": f"Bearer {token_for(world.users[PLATFORM], PLATFORM)}"}
    variables = {"periodEnd": (today() + timedelta(days=1)).isoformat()}

    async def send() -> Payload:
        response = await http.post(
            "/graphql", json={"query": RUN, "variables": variables}, headers=headers
        )
        body: Payload = response.json()["data"]["runPayouts"]
        return body

    answers = await asyncio.gather(*(send() for _ in range(4)))
    written = [a for a in answers if a["payouts"]]
    assert len(written) == 1
    assert {e["code"] for a in answers for e in a["userErrors"]} <= {"CONFLICT"}
    async with sessions() as session:
        linked = (
            await session.execute(
                select(PayoutItem.commission_id, func.count()).group_by(PayoutItem.commission_id)
            )
        ).all()
    assert linked
    assert {n for _, n in linked} == {1}
