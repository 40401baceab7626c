"""Earnings' data-separation matrix: for every demo user and every partner, the earnings report,
the balance, the dashboard's earnings and per-client profitability are exactly what the rules
below allow, and anyone else gets what a partner without any earnings gives (an empty list, an
empty report, a null dashboard figure) — never an error that tells them more. Without a token
the answer is the 401 every request without one gets.

The rules, in plain Python over the demo's declarations (tests/oracle.py):
- a partner's earnings, balance and the dashboard's earnings: its owners and admins, and
  platform staff (compared with what platform staff get);
- profitability rows: the partner's owners, admins and managers for the clients their partner
  serves (active access), platform staff for every client of the partner; commissions in them
  only for those who read the partner's earnings (null for managers); fees and minutes the same
  as platform staff see (the demo's accesses are of FULL scope);
- specialists, merchants, other partners' members, users without grants: nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import CLIENTS, USERS
from db.enums import MemberStatus, PartnerRole
from db.models import Partner, PartnerMember
from tests import oracle
from tests.conftest import GraphQL, World
from tests.helpers import gid

EMAILS = tuple(e for e in USERS if not oracle.is_refused(e))
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"
EARNERS = frozenset({PartnerRole.OWNER, PartnerRole.ADMIN})

QUERY = """
query($id: ID!) {
  partner(id: $id) {
    earnings(groupBy: [CLIENT, MONTH, KIND, STATUS]) {
      currencyCode month clientId kind status entries net { amount } earned { amount } }
    total: earnings { currencyCode net { amount } }
    balance { currencyCode pending { amount } approved { amount } inPayout { amount }
      carriedForward { amount } paid { amount } }
    dashboard { earnings { currencyCode thisMonth { amount } yearToDate { amount } } }
    profitability(first: 100, from: "2000-01-01", to: "2999-12-31", currency: "USD",
                  orderBy: { field: COMMISSIONS, direction: DESC }) {
      totalCount
      nodes { clientName commissions { amount } feesInvoiced { amount } feesPaid { amount }
        supportMinutes }
    }
  }
}"""
# What a viewer without earnings gets of a partner they may read.
NOTHING: dict[str, Any] = {
    "earnings": [],
    "total": [],
    "balance": [],
    "profitability": {"totalCount": 0, "nodes": []},
}


def reads_earnings(email: str, slug: str) -> bool:
    if oracle.is_platform_staff(email):
        return True
    found = oracle.membership(email)
    return found is not None and found[0] == slug and found[1] in EARNERS


def profitability_clients(email: str, slug: str) -> set[str] | None:
    """The clients whose profitability the user sees; None: all the partner's clients."""
    if oracle.is_platform_staff(email):
        return None
    found = oracle.membership(email)
    if found is None or found[0] != slug or found[1] not in oracle.MANAGING_ROLES:
        return set()
    return {c.name for c in CLIENTS if slug in oracle.active_partners(c)}


async def answer(gql: GraphQL, email: str, partner_id: int) -> dict[str, Any] | None:
    body = await gql(email, QUERY, id=gid("Partner", partner_id))
    assert "errors" not in body, body
    found: dict[str, Any] | None = body["data"]["partner"]
    return found


@pytest.mark.parametrize("email", EMAILS)
async def test_each_user_gets_exactly_the_earnings_they_may_see(
    gql: GraphQL, world: World, email: str
) -> None:
    for slug, partner_id in world.partners.items():
        everything = await answer(gql, PLATFORM, partner_id)
        assert everything is not None
        got = await answer(gql, email, partner_id)
        if not oracle.reads_partner(email, slug):
            assert got is None  # as for a partner id that was never issued
            continue
        assert got is not None
        if reads_earnings(email, slug):
            assert got["earnings"] == everything["earnings"]
            assert got["total"] == everything["total"] != []
            assert got["balance"] == everything["balance"] != []
            assert got["dashboard"] == everything["dashboard"]
        else:
            assert {k: got[k] for k in ("earnings", "total", "balance")} == {
                k: NOTHING[k] for k in ("earnings", "total", "balance")
            }
            # The dashboard itself is the team's; its earnings figure is null for the rest.
            expected = {"earnings": None} if oracle.reads_team(email, slug) else None
            assert got["dashboard"] == expected
        allowed = profitability_clients(email, slug)
        rows = got["profitability"]["nodes"]
        all_rows = {r["clientName"]: r for r in everything["profitability"]["nodes"]}
        if allowed == set():
            assert got["profitability"] == NOTHING["profitability"]
            continue
        names = set(all_rows) if allowed is None else allowed & set(all_rows)
        assert {r["clientName"] for r in rows} == names
        assert allowed is None or allowed <= set(all_rows)  # staff see every served client
        assert got["profitability"]["totalCount"] == len(names)
        for row in rows:
            theirs = all_rows[row["clientName"]]
            if reads_earnings(email, slug):
                assert row == theirs
            else:
                assert row == {**theirs, "commissions": None}


async def test_without_a_token_the_reports_answer_401(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await http.post(
        "/graphql",
        json={
            "query": QUERY,
            "variables": {"id": gid("Partner", world.partners["bluefin-studio"])},
        },
    )
    plain = await http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == plain.status_code == 401
    assert response.json() == plain.json()
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


OUTSIDERS = [
    "manager@northwind.test",
    "specialist@northwind.test",
    "merchant@lumen-candles.test",
    "staff@lumen-candles.test",
    "owner@bluefin.test",
]


async def test_outsiders_get_what_the_owner_of_a_partner_without_earnings_gets(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Northwind's reports as a user who may not read its earnings are, figure for figure, the
    reports of a new partner that has earned nothing, as its own owner reads them."""
    async with sessions.begin() as session:
        empty = Partner(name="Empty Partner", slug="empty-partner")
        session.add(empty)
        await session.flush()
        session.add(
            PartnerMember(
                partner_id=empty.id,
                user_id=world.users[NEWCOMER],
                role=PartnerRole.OWNER,
                status=MemberStatus.ACTIVE,
            )
        )
    baseline = await answer(gql, NEWCOMER, empty.id)
    assert baseline is not None
    assert baseline["dashboard"] == {"earnings": []}
    for email in OUTSIDERS:
        got = await answer(gql, email, world.partners["northwind-digital"])
        if got is None:
            assert not oracle.reads_partner(email, "northwind-digital")
            continue
        for key in ("earnings", "total", "balance"):
            assert got[key] == baseline[key], (email, key)
        found = oracle.membership(email)
        if found is None or found[1] not in oracle.MANAGING_ROLES:
            assert got["profitability"] == baseline["profitability"], email
