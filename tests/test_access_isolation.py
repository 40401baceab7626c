"""Consent reads and writes against the independent oracle: every demo user gets exactly the
partner accesses and merchant users the oracle allows, by node(id:) and by the client's
connections; anything else answers like an id that was never issued, and a refused write
changes nothing. Statement budgets of the new connections: the same for 5 and 100 items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.demo import USERS
from db.enums import AccessStatus
from db.models import Client, ClientUser, Partner, PartnerAccess, User
from tests import oracle
from tests.conftest import GraphQL, World
from tests.helpers import gid

Sessions = async_sessionmaker[AsyncSession]
ALL_EMAILS = tuple(e for e in USERS if not oracle.is_refused(e))
NEVER = 999_999
CHUNK = 30


async def access_ids(sessions: Sessions) -> dict[tuple[str, str, AccessStatus], int]:
    async with sessions() as session:
        rows = await session.execute(
            select(Client.business_name, Partner.slug, PartnerAccess.status, PartnerAccess.id)
            .join(Client, Client.id == PartnerAccess.client_id)
            .join(Partner, Partner.id == PartnerAccess.partner_id)
        )
        found = {(name, slug, status): id_ for name, slug, status, id_ in rows.all()}
    assert len(found) == len(oracle.ACCESS_KEYS)  # the keys tell every access apart
    return found


async def merchant_user_ids(sessions: Sessions) -> dict[tuple[str, str], int]:
    async with sessions() as session:
        rows = await session.execute(
            select(Client.business_name, User.email, ClientUser.id)
            .join(Client, Client.id == ClientUser.client_id)
            .join(User, User.id == ClientUser.user_id)
        )
        return {(name, email): id_ for name, email, id_ in rows.all()}


async def visible_nodes(gql: GraphQL, email: str, ids: list[str]) -> set[str]:
    seen: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        params = ", ".join(f"$v{i}: ID!" for i in range(len(part)))
        fields = " ".join(f"a{i}: node(id: $v{i}) {{ id }}" for i in range(len(part)))
        body = await gql(
            email, f"query({params}) {{ {fields} }}", **{f"v{i}": v for i, v in enumerate(part)}
        )
        assert "errors" not in body, body
        seen |= {v["id"] for v in body["data"].values() if v is not None}
    return seen


async def test_the_demo_world_has_the_accesses_the_oracle_knows(
    sessions: Sessions, world: World
) -> None:
    assert set(await access_ids(sessions)) == set(oracle.ACCESS_KEYS)
    assert set(await merchant_user_ids(sessions)) == set(oracle.MERCHANT_KEYS)


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_partner_accesses_by_node(
    gql: GraphQL, sessions: Sessions, world: World, email: str
) -> None:
    ids = await access_ids(sessions)
    expected = {gid("PartnerAccess", i) for k, i in ids.items() if oracle.reads_access(email, k)}
    assert await visible_nodes(gql, email, [gid("PartnerAccess", i) for i in ids.values()]) == (
        expected
    )
    members = await merchant_user_ids(sessions)
    expected_members = {
        gid("MerchantUser", i) for k, i in members.items() if oracle.reads_merchant_user(email, k)
    }
    got = await visible_nodes(gql, email, [gid("MerchantUser", i) for i in members.values()])
    assert got == expected_members


CLIENT_ACCESSES = """
query {
  clients(first: 100) {
    nodes {
      businessName
      partnerAccesses(first: 100) { totalCount nodes { id } }
      merchantUsers(first: 100) { totalCount nodes { id } }
    }
  }
}
"""


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_a_clients_accesses_and_merchant_users(
    gql: GraphQL, sessions: Sessions, world: World, email: str
) -> None:
    ids = await access_ids(sessions)
    members = await merchant_user_ids(sessions)
    body = await gql(email, CLIENT_ACCESSES)
    assert "errors" not in body, body
    for node in body["data"]["clients"]["nodes"]:
        name = node["businessName"]
        expected = {
            gid("PartnerAccess", i)
            for k, i in ids.items()
            if k[0] == name and oracle.reads_access(email, k)
        }
        assert {n["id"] for n in node["partnerAccesses"]["nodes"]} == expected, name
        assert node["partnerAccesses"]["totalCount"] == len(expected)
        expected_members = {
            gid("MerchantUser", i)
            for k, i in members.items()
            if k[0] == name and oracle.reads_merchant_user(email, k)
        }
        assert {n["id"] for n in node["merchantUsers"]["nodes"]} == expected_members, name


REVOKE = """
mutation Revoke($id: ID!) {
  revokePartnerAccess(input: { accessId: $id, version: 1 }) {
    access { id }
    userErrors { field message code }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!) {
  approveAccessRequest(input: { accessId: $id, version: 1 }) {
    access { id }
    userErrors { field message code }
  }
}
"""


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_unreadable_accesses_cannot_be_acted_on(
    gql: GraphQL, sessions: Sessions, world: World, email: str
) -> None:
    ids = await access_ids(sessions)
    hidden = [i for k, i in ids.items() if not oracle.reads_access(email, k)]
    never = {}
    for name, query in (("revokePartnerAccess", REVOKE), ("approveAccessRequest", APPROVE)):
        body = await gql(email, query, id=gid("PartnerAccess", NEVER))
        never[name] = body["data"][name]
        assert never[name]["userErrors"][0]["code"] == "NOT_FOUND"
    before = await _statuses(sessions)
    for access_id in hidden[:6]:
        for name, query in (("revokePartnerAccess", REVOKE), ("approveAccessRequest", APPROVE)):
            body = await gql(email, query, id=gid("PartnerAccess", access_id))
            assert body["data"][name] == never[name]
    assert await _statuses(sessions) == before


async def _statuses(sessions: Sessions) -> dict[int, Any]:
    async with sessions() as session:
        rows = await session.execute(select(PartnerAccess.id, PartnerAccess.status))
        return {i: s for i, s in rows.all()}


# --- Statement budgets ------------------------------------------------------------------------

REQUESTS_PAGE = """
query($n: Int!) {
  viewer {
    accessRequests(first: $n) {
      totalCount
      nodes { id status scope partner { name } client { businessName } }
    }
  }
}
"""
CLIENT_PAGE = """
query($id: ID!, $n: Int!) {
  client(id: $id) {
    partnerAccesses(first: $n) { totalCount nodes { id status partner { name } client { id } } }
  }
}
"""


async def _many_requests(sessions: Sessions, world: World, count: int) -> None:
    now = utcnow()
    async with sessions.begin() as session:
        partners = [Partner(name=f"Agency {i}", slug=f"agency-{i}") for i in range(count)]
        session.add_all(partners)
        await session.flush()
        session.add_all(
            PartnerAccess(
                partner_id=p.id,
                client_id=world.clients["Lumen Candles"],
                status=AccessStatus.REQUESTED,
                requested_at=now - timedelta(minutes=1),
                message="Hello",
            )
            for p in partners
        )


async def measure(
    statements: list[str], gql: GraphQL, email: str, query: str, **variables: Any
) -> tuple[dict[str, Any], int]:
    statements.clear()
    body = await gql(email, query, **variables)
    assert "errors" not in body, body
    return body["data"], len(statements)


async def test_access_requests_cost_the_same_for_5_and_100(
    gql: GraphQL, sessions: Sessions, world: World, statements: list[str]
) -> None:
    await _many_requests(sessions, world, 110)
    small, few = await measure(statements, gql, "merchant@lumen-candles.test", REQUESTS_PAGE, n=5)
    large, many = await measure(
        statements, gql, "merchant@lumen-candles.test", REQUESTS_PAGE, n=100
    )
    assert len(small["viewer"]["accessRequests"]["nodes"]) == 5
    nodes = large["viewer"]["accessRequests"]["nodes"]
    assert len(nodes) == 100
    assert all(n["partner"]["name"].startswith("Agency") for n in nodes)
    assert all(n["client"]["businessName"] == "Lumen Candles" for n in nodes)
    assert few == many


async def test_client_accesses_cost_the_same_for_5_and_100(
    gql: GraphQL, sessions: Sessions, world: World, statements: list[str]
) -> None:
    await _many_requests(sessions, world, 110)
    client_id = gid("Client", world.clients["Lumen Candles"])
    small, few = await measure(
        statements, gql, "merchant@lumen-candles.test", CLIENT_PAGE, id=client_id, n=5
    )
    large, many = await measure(
        statements, gql, "merchant@lumen-candles.test", CLIENT_PAGE, id=client_id, n=100
    )
    assert len(small["client"]["partnerAccesses"]["nodes"]) == 5
    assert len(large["client"]["partnerAccesses"]["nodes"]) == 100
    assert few == many
