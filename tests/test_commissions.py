"""Commission terms and charge ingestion: who may set terms and ingest charges (platform staff,
the billing service token), the rate by tier or override, effective dates, the duration cut-off,
the recorded reason when nothing is earned, idempotency by external id, partial batches, refunds
and their reversals, and who sees commissions."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from resolvers.task_queries import today
from server.cli import main
from server.tokens import InvalidTokenError, issue_service_token, read_service_token, read_token
from tests.conftest import TEST_SECRET, GraphQL, World, token_for
from tests.helpers import codes, gid
from tests.test_migrations import cli_db, dev_secret  # noqa: F401  (the CLI's own database)

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"
NORTHWIND, BLUEFIN = "northwind-digital", "bluefin-studio"

SET_TERMS = """
mutation($input: SetCommissionTermsInput!) {
  setCommissionTerms(input: $input) {
    commissionTerms { id isProgram tier rate durationMonths holdDays effectiveFrom }
    userErrors { field message code }
  }
}"""
RECORD = """
mutation($input: RecordSubscriptionChargesInput!) {
  recordSubscriptionCharges(input: $input) {
    results { index externalId outcome
      charge { id amount { amount currencyCode } noCommissionReason }
      commission { id status rate isReversal holdUntil base { amount }
        amount { amount currencyCode } } }
    userErrors { field message code }
  }
}"""
COMMISSIONS = """
query($id: ID!) {
  partner(id: $id) {
    commissions(first: 100) { totalCount nodes { id status amount { amount currencyCode } } }
    commissionTerms(first: 20) { totalCount nodes { id rate } }
  }
}"""

Payload = dict[str, Any]
START = today() - timedelta(days=30)  # inside every current access (activated 59 days ago)


def terms(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "tier": "GOLD",
        "effectiveFrom": "2021-01-01",  # after the demo's program terms
        "rate": "0.2",
        "durationMonths": 24,
        "holdDays": 30,
    }
    values.update(over)
    return values


def charge(world: World, external_id: str, client: str, amount: str, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "externalId": external_id,
        "clientId": gid("Client", world.clients[client]),
        "amount": {"amount": amount, "currencyCode": "USD"},
        "kind": "SUBSCRIPTION",
        "periodStart": START.isoformat(),
        "periodEnd": (START + timedelta(days=29)).isoformat(),
        "chargedAt": datetime.combine(START, datetime.min.time(), UTC).isoformat(),
    }
    values.update(over)
    return values


async def record(gql: GraphQL, email: str, *charges: dict[str, Any]) -> Payload:
    body = await gql(email, RECORD, input={"charges": list(charges)})
    payload: Payload = body["data"]["recordSubscriptionCharges"]
    return payload


async def gold_terms(gql: GraphQL) -> None:
    made = await gql(PLATFORM, SET_TERMS, input=terms())
    assert made["data"]["setCommissionTerms"]["userErrors"] == []


# --- Terms ----------------------------------------------------------------------------------


async def test_platform_staff_set_terms_for_a_tier_or_a_partner(gql: GraphQL, world: World) -> None:
    program = (await gql(PLATFORM, SET_TERMS, input=terms()))["data"]["setCommissionTerms"]
    assert program["commissionTerms"]["isProgram"] is True
    assert (program["commissionTerms"]["tier"], program["commissionTerms"]["rate"]) == (
        "GOLD",
        "0.2",
    )
    override = await gql(
        PLATFORM,
        SET_TERMS,
        input=terms(tier=None, partnerId=gid("Partner", world.partners[BLUEFIN]), rate="0.25"),
    )
    made = override["data"]["setCommissionTerms"]["commissionTerms"]
    assert (made["isProgram"], made["tier"], made["rate"]) == (False, None, "0.25")
    earlier = await gql(PLATFORM, SET_TERMS, input=terms(effectiveFrom="2020-12-31"))
    assert codes(earlier["data"]["setCommissionTerms"]) == [(["input", "effectiveFrom"], "INVALID")]
    both = await gql(
        PLATFORM, SET_TERMS, input=terms(partnerId=gid("Partner", world.partners[BLUEFIN]))
    )
    assert codes(both["data"]["setCommissionTerms"]) == [(["input", "tier"], "INVALID")]
    bad = await gql(PLATFORM, SET_TERMS, input=terms(tier="SILVER", rate="1.5", holdDays=-1))
    assert codes(bad["data"]["setCommissionTerms"]) == [
        (["input", "rate"], "INVALID"),
        (["input", "holdDays"], "INVALID"),
    ]


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER, MERCHANT, NEWCOMER])
async def test_nobody_else_sets_terms(gql: GraphQL, email: str) -> None:
    refused = await gql(email, SET_TERMS, input=terms())
    assert codes(refused["data"]["setCommissionTerms"]) == [(None, "FORBIDDEN")]


async def test_owners_and_admins_read_their_terms(gql: GraphQL, world: World) -> None:
    await gold_terms(gql)
    northwind = gid("Partner", world.partners[NORTHWIND])
    # The demo's GOLD program terms and the new ones; no Northwind override.
    for email, seen in ((OWNER, 2), (ADMIN, 2), (MANAGER, 0), (SPECIALIST, 0), (PLATFORM, 2)):
        partner = (await gql(email, COMMISSIONS, id=northwind))["data"]["partner"]
        assert partner["commissionTerms"]["totalCount"] == seen, email


# --- Ingestion ------------------------------------------------------------------------------


async def test_charges_earn_by_tier_or_override(gql: GraphQL, world: World) -> None:
    await gold_terms(gql)
    await gql(
        PLATFORM,
        SET_TERMS,
        input=terms(tier=None, partnerId=gid("Partner", world.partners[BLUEFIN]), rate="0.25"),
    )
    made = await record(
        gql,
        PLATFORM,
        charge(world, "ch-lumen-1", "Lumen Candles", "49.99"),
        charge(world, "ch-harbor-1", "Harbor Coffee", "49.99"),
    )
    assert made["userErrors"] == []
    lumen, harbor = (r["commission"] for r in made["results"])
    # 49.99 x 0.2 = 9.998 -> 10.00; 49.99 x 0.25 = 12.4975 -> 12.50
    assert (lumen["rate"], lumen["amount"]["amount"], lumen["status"]) == (
        "0.2",
        "10.00",
        "PENDING",
    )
    assert (harbor["rate"], harbor["amount"]["amount"]) == ("0.25", "12.50")
    assert lumen["holdUntil"] == (START + timedelta(days=30)).isoformat()


async def test_why_a_charge_earned_nothing(gql: GraphQL, world: World) -> None:
    await gold_terms(gql)
    await gql(
        PLATFORM,
        SET_TERMS,
        input=terms(tier=None, partnerId=gid("Partner", world.partners[BLUEFIN]), durationMonths=1),
    )
    long_ago = date(2020, 1, 1).isoformat()
    made = await record(
        gql,
        PLATFORM,
        charge(world, "ch-solo", "Solo Soaps", "10"),
        charge(world, "ch-pine", "Pine & Pixel Prints", "10"),
        # Over a month after the access began: outside the override's one month.
        charge(
            world,
            "ch-harbor",
            "Harbor Coffee",
            "10",
            periodStart=(today() - timedelta(days=5)).isoformat(),
        ),
        charge(world, "ch-lumen-old", "Lumen Candles", "10", periodStart=long_ago),
    )
    reasons = [(r["charge"]["noCommissionReason"], r["commission"]) for r in made["results"]]
    assert reasons == [
        ("NO_PARTNER", None),
        ("ACCESS_NOT_ACTIVE", None),
        ("OUTSIDE_DURATION", None),
        ("ACCESS_NOT_ACTIVE", None),
    ]


async def count(gql: GraphQL, world: World) -> int:
    northwind = gid("Partner", world.partners[NORTHWIND])
    listed = (await gql(OWNER, COMMISSIONS, id=northwind))["data"]["partner"]["commissions"]
    total: int = listed["totalCount"]
    return total


async def test_a_charge_is_recorded_once(gql: GraphQL, world: World) -> None:
    await gold_terms(gql)
    before = await count(gql, world)
    first = await record(gql, PLATFORM, charge(world, "ch-1", "Lumen Candles", "100"))
    again = await record(gql, PLATFORM, charge(world, "ch-1", "Lumen Candles", "100.00"))
    assert again["results"][0]["outcome"] == "DUPLICATE"
    assert again["results"][0]["commission"] == first["results"][0]["commission"]
    other = await record(gql, PLATFORM, charge(world, "ch-1", "Lumen Candles", "101"))
    assert codes(other) == [(["input", "charges", "0", "externalId"], "CONFLICT")]
    assert other["results"][0]["outcome"] == "REFUSED"
    assert await count(gql, world) == before + 1


async def test_a_batch_keeps_the_valid_charges_and_reports_each_invalid_one(
    gql: GraphQL, world: World
) -> None:
    await gold_terms(gql)
    made = await record(
        gql,
        PLATFORM,
        charge(world, "ok-1", "Lumen Candles", "10"),
        charge(world, "bad-1", "Lumen Candles", "10.001"),
        charge(world, "ok-2", "Aster Apparel", "20"),
        charge(world, "bad-2", "Lumen Candles", "10", clientId=gid("Client", 999_999)),
        charge(world, "bad-3", "Lumen Candles", "10", kind="REFUND", refundsExternalId="nope"),
    )
    assert [r["outcome"] for r in made["results"]] == [
        "CREATED",
        "REFUSED",
        "CREATED",
        "REFUSED",
        "REFUSED",
    ]
    assert codes(made) == [
        (["input", "charges", "1", "amount"], "INVALID"),
        (["input", "charges", "3", "clientId"], "NOT_FOUND"),
        (["input", "charges", "4", "refundsExternalId"], "NOT_FOUND"),
    ]
    kept = [r["commission"]["amount"]["amount"] for r in made["results"] if r["commission"]]
    assert kept == ["2.00", "4.00"]


async def test_more_than_500_charges_are_refused(gql: GraphQL, world: World) -> None:
    many = [charge(world, f"ch-{n}", "Lumen Candles", "1") for n in range(501)]
    refused = await record(gql, PLATFORM, *many)
    assert codes(refused) == [(["input", "charges"], "TOO_LONG")]


async def test_refunds_reverse_their_share_and_never_more(gql: GraphQL, world: World) -> None:
    await gold_terms(gql)
    made = await record(gql, PLATFORM, charge(world, "ch-r", "Lumen Candles", "100"))
    original = made["results"][0]["commission"]
    assert original["amount"]["amount"] == "20.00"

    def refund(external_id: str, amount: str) -> dict[str, Any]:
        return charge(
            world, external_id, "Lumen Candles", amount, kind="REFUND", refundsExternalId="ch-r"
        )

    part = (await record(gql, PLATFORM, refund("rf-1", "25")))["results"][0]
    assert part["charge"]["amount"]["amount"] == "-25.00"
    assert (part["commission"]["amount"]["amount"], part["commission"]["isReversal"]) == (
        "-5.00",
        True,
    )
    rest = (await record(gql, PLATFORM, refund("rf-2", "-80")))["results"][0]
    assert rest["commission"]["amount"]["amount"] == "-15.00"  # only what was left
    assert rest["commission"]["status"] == "REVERSED"
    over = (await record(gql, PLATFORM, refund("rf-3", "10")))["results"][0]
    assert (over["commission"], over["charge"]["noCommissionReason"]) == (
        None,
        "NOTHING_TO_REVERSE",
    )
    node = "query($id: ID!) { node(id: $id) { ... on Commission { status amount { amount } } } }"
    entries = [original["id"], part["commission"]["id"], rest["commission"]["id"]]
    seen = [(await gql(OWNER, node, id=e))["data"]["node"] for e in entries]
    assert {n["status"] for n in seen} == {"REVERSED"}
    assert sum(Decimal(n["amount"]["amount"]) for n in seen) == 0


# --- Who ingests and who sees ---------------------------------------------------------------


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER, MERCHANT, NEWCOMER])
async def test_only_platform_staff_and_the_billing_service_ingest(
    gql: GraphQL, world: World, email: str
) -> None:
    refused = await record(gql, email, charge(world, "ch-x", "Lumen Candles", "10"))
    assert codes(refused) == [(None, "FORBIDDEN")]
    assert refused["results"] == []


async def test_the_billing_service_token_ingests_and_reads_nothing(
    http: httpx.AsyncClient, gql: GraphQL, world: World
) -> None:
    await gold_terms(gql)
    token = issue_service_token(TEST_SECRET, "billing", 600)
    headers = {"Authorization": f"Bearer {token}"}
    variables = {"input": {"charges": [charge(world, "svc-1", "Lumen Candles", "50")]}}
    body = (
        await http.post("/graphql", json={"query": RECORD, "variables": variables}, headers=headers)
    ).json()
    result = body["data"]["recordSubscriptionCharges"]
    assert result["userErrors"] == []
    assert result["results"][0]["outcome"] == "CREATED"
    # The service sees no tenant data, not even what it just recorded.
    assert result["results"][0]["charge"] is None
    assert result["results"][0]["commission"] is None
    read = "query($id: ID!) { client(id: $id) { id } partner(id: $id) { id } }"
    seen = await http.post(
        "/graphql",
        json={"query": read, "variables": {"id": gid("Client", world.clients["Lumen Candles"])}},
        headers=headers,
    )
    assert seen.json()["data"] == {"client": None, "partner": None}
    # Nor is it anyone: `viewer` is refused with a code, never an internal error.
    who = await http.post("/graphql", json={"query": "{ viewer { user { id } } }"}, headers=headers)
    assert who.status_code == 200
    assert [e["extensions"]["code"] for e in who.json()["errors"]] == ["FORBIDDEN"]


def test_service_tokens_and_user_tokens_are_not_interchangeable() -> None:
    service = issue_service_token(TEST_SECRET, "billing", 600)
    assert read_service_token(TEST_SECRET, service) == "billing"
    with pytest.raises(InvalidTokenError):
        read_token(TEST_SECRET, service)
    with pytest.raises(InvalidTokenError):
        read_service_token("another-secret-" + "y" * 40, service)
    with pytest.raises(ValueError, match="unknown service"):
        issue_service_token(TEST_SECRET, "payroll", 600)


def test_the_command_prints_a_service_token(
    cli_db: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["token", "--service", "billing", "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    assert read_service_token(dev_secret(cli_db), token) == "billing"


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
async def test_commissions_are_for_owners_admins_and_platform_staff(
    gql: GraphQL, world: World, email: str, sees: bool
) -> None:
    await gold_terms(gql)
    made = await record(gql, PLATFORM, charge(world, "ch-v", "Lumen Candles", "10"))
    commission_id = made["results"][0]["commission"]["id"]
    charge_id = made["results"][0]["charge"]["id"]
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert ((await gql(email, node, id=commission_id))["data"]["node"] is not None) is sees
    never = await gql(email, node, id=gid("Commission", 999_999))
    assert never["data"]["node"] is None
    charge_seen = (await gql(email, node, id=charge_id))["data"]["node"] is not None
    assert charge_seen is (email == PLATFORM)
    northwind = gid("Partner", world.partners[NORTHWIND])
    partner = (await gql(email, COMMISSIONS, id=northwind))["data"]["partner"]
    if partner is not None:
        assert (partner["commissions"]["totalCount"] > 0) is sees


async def test_the_same_charge_sent_concurrently_is_stored_once(
    committed_world: World,
    http: httpx.AsyncClient,
    backend: str,
) -> None:
    """Platform billing retrying in parallel: every call answers, one records, the others see a
    duplicate, and one commission exists."""
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite has one writer at a time)")
    world = committed_world
    token = issue_service_token(TEST_SECRET, "billing", 600)
    headers = {"Authorization": f"Bearer {token}"}
    variables = {"input": {"charges": [charge(world, "ch-race", "Lumen Candles", "30")]}}

    async def send() -> Payload:
        response = await http.post(
            "/graphql", json={"query": RECORD, "variables": variables}, headers=headers
        )
        body: Payload = response.json()["data"]["recordSubscriptionCharges"]
        return body

    answers = await asyncio.gather(*(send() for _ in range(6)))
    assert all(a["userErrors"] == [] for a in answers)
    outcomes = sorted(a["results"][0]["outcome"] for a in answers)
    assert outcomes == ["CREATED"] + ["DUPLICATE"] * 5
    staff = {"Authorization": f"Bearer {token_for(world.users[PLATFORM], PLATFORM)}"}
    listed = await http.post(
        "/graphql",
        json={
            "query": COMMISSIONS,
            "variables": {"id": gid("Partner", world.partners[NORTHWIND])},
        },
        headers=staff,
    )
    before = listed.json()["data"]["partner"]["commissions"]["totalCount"]
    again = await send()
    assert again["results"][0]["outcome"] == "DUPLICATE"
    listed = await http.post(
        "/graphql",
        json={
            "query": COMMISSIONS,
            "variables": {"id": gid("Partner", world.partners[NORTHWIND])},
        },
        headers=staff,
    )
    assert listed.json()["data"]["partner"]["commissions"]["totalCount"] == before


APPROVE = """
mutation($asOf: Date!) {
  approveDueCommissions(input: { asOf: $asOf }) { approvedCount userErrors { field code } }
}"""


async def test_commissions_are_approved_after_their_hold_once(gql: GraphQL, world: World) -> None:
    await gold_terms(gql)  # 30 days' hold
    # Approve what the demo has due first, so that only this test's commission is left.
    await gql(PLATFORM, APPROVE, asOf=today().isoformat())
    made = await record(gql, PLATFORM, charge(world, "ch-hold", "Lumen Candles", "10"))
    commission = made["results"][0]["commission"]
    hold_until = date.fromisoformat(commission["holdUntil"])
    node = "query($id: ID!) { node(id: $id) { ... on Commission { status } } }"

    async def approve(day: date) -> int:
        body = await gql(PLATFORM, APPROVE, asOf=day.isoformat())
        payload = body["data"]["approveDueCommissions"]
        assert payload["userErrors"] == []
        count: int = payload["approvedCount"]
        return count

    assert await approve(hold_until) == 0  # the hold's last day has not passed
    status = (await gql(OWNER, node, id=commission["id"]))["data"]["node"]["status"]
    assert status == "PENDING"
    assert await approve(hold_until + timedelta(days=1)) >= 1
    status = (await gql(OWNER, node, id=commission["id"]))["data"]["node"]["status"]
    assert status == "APPROVED"
    assert await approve(hold_until + timedelta(days=1)) == 0  # a re-run approves nothing new


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER, MERCHANT, NEWCOMER])
async def test_only_platform_staff_approve(gql: GraphQL, email: str) -> None:
    refused = await gql(email, APPROVE, asOf=today().isoformat())
    payload = refused["data"]["approveDueCommissions"]
    assert (payload["approvedCount"], codes(payload)) == (0, [(None, "FORBIDDEN")])
