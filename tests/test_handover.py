"""handOverClient: the merchant owner of a live client takes it over from its partner; in the
same transaction the client becomes HANDED_OVER and the partner's access ends or narrows to
support; the answer lists the shared documents still to acknowledge. Refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import ClientStatus
from db.models import Client, PartnerAccess
from tests.conftest import GraphQL, World
from tests.helpers import codes, gid

Sessions = async_sessionmaker[AsyncSession]

TIDAL = "Tidal Threads"  # live, Bluefin's, merchant owner below
TIDAL_OWNER = "merchant@tidal-threads.test"
HARBOR = "Harbor Coffee"  # Bluefin's, store not live
HARBOR_OWNER = "merchant@harbor-coffee.test"
LUMEN = "Lumen Candles"
LUMEN_OWNER = "merchant@lumen-candles.test"
LUMEN_STAFF = "staff@lumen-candles.test"
BLUEFIN_OWNER = "owner@bluefin.test"
NORTHWIND_OWNER = "owner@northwind.test"
PLATFORM = "staff@shopiq.test"

HAND_OVER = """
mutation HandOver($input: HandOverClientInput!) {
  handOverClient(input: $input) {
    client { id status }
    pendingDocuments { id title }
    userErrors { field message code }
  }
}
"""
ADD_DOCUMENT = """
mutation Add($input: AddClientDocumentInput!) {
  addClientDocument(input: $input) { document { id version } userErrors { code } }
}
"""
ACK = """
mutation Ack($id: ID!) {
  acknowledgeDocument(input: { documentId: $id, version: 1 }) { userErrors { code } }
}
"""
CLIENT = "query($id: ID!) { client(id: $id) { id status } }"


async def hand_over(
    gql: GraphQL, email: str, world: World, name: str, keep: str = "NONE"
) -> dict[str, Any]:
    body = await gql(
        email, HAND_OVER, input={"clientId": gid("Client", world.clients[name]), "keepAccess": keep}
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["handOverClient"]
    return payload


async def document(gql: GraphQL, world: World, title: str, visibility: str) -> str:
    body = await gql(
        BLUEFIN_OWNER,
        ADD_DOCUMENT,
        input={
            "clientId": gid("Client", world.clients[TIDAL]),
            "title": title,
            "url": f"https://docs.example.com/{title.lower().replace(' ', '-')}",
            "kind": "HANDOVER",
            "visibility": visibility,
        },
    )
    payload = body["data"]["addClientDocument"]
    assert payload["userErrors"] == [], payload
    return str(payload["document"]["id"])


async def accesses(sessions: Sessions, world: World, name: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(PartnerAccess.status, PartnerAccess.scope)
            .where(PartnerAccess.client_id == world.clients[name])
            .order_by(PartnerAccess.id)
        )
        return [(str(status), scope) for status, scope in rows.all()]


async def status(sessions: Sessions, world: World, name: str) -> ClientStatus:
    async with sessions() as session:
        client = await session.get(Client, world.clients[name])
        assert client is not None
        return client.status


async def test_handing_over_ends_the_access_and_lists_documents_to_acknowledge(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    guide = await document(gql, world, "Run your store", "SHARED")
    read = await document(gql, world, "Payment set-up", "SHARED")
    await document(gql, world, "Internal notes", "INTERNAL")
    assert (await gql(TIDAL_OWNER, ACK, id=read))["data"]["acknowledgeDocument"]["userErrors"] == []
    tidal = gid("Client", world.clients[TIDAL])
    assert (await gql(BLUEFIN_OWNER, CLIENT, id=tidal))["data"]["client"] is not None

    payload = await hand_over(gql, TIDAL_OWNER, world, TIDAL)
    assert payload["userErrors"] == []
    assert payload["client"] == {"id": tidal, "status": "HANDED_OVER"}
    assert payload["pendingDocuments"] == [{"id": guide, "title": "Run your store"}]
    assert ("ended", "full") in await accesses(sessions, world, TIDAL)
    assert ("active", "full") not in await accesses(sessions, world, TIDAL)
    # On the next request the partner's staff see nothing of the client.
    assert (await gql(BLUEFIN_OWNER, CLIENT, id=tidal))["data"]["client"] is None
    merchant = await gql(TIDAL_OWNER, CLIENT, id=tidal)
    assert merchant["data"]["client"]["status"] == "HANDED_OVER"


async def test_handing_over_can_keep_the_partner_for_support(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    payload = await hand_over(gql, TIDAL_OWNER, world, TIDAL, keep="SUPPORT")
    assert payload["userErrors"] == []
    assert ("active", "support") in await accesses(sessions, world, TIDAL)
    tidal = gid("Client", world.clients[TIDAL])
    assert (await gql(BLUEFIN_OWNER, CLIENT, id=tidal))["data"]["client"] is not None
    # Support work goes on: the partner still writes to the client's log.
    posted = await gql(
        BLUEFIN_OWNER,
        """mutation($id: ID!) { postCommunication(input: { clientId: $id, body: "Still here" })
           { userErrors { code } } }""",
        id=tidal,
    )
    assert posted["data"]["postCommunication"]["userErrors"] == []
    again = await hand_over(gql, TIDAL_OWNER, world, TIDAL)
    assert codes(again) == [(["input", "clientId"], "INVALID_TRANSITION")]
    assert ("active", "support") in await accesses(sessions, world, TIDAL)


@pytest.mark.parametrize(
    ("email", "name", "code"),
    [
        (HARBOR_OWNER, HARBOR, "NOT_READY"),  # the store is not live
        (LUMEN_OWNER, LUMEN, "NOT_READY"),
        (LUMEN_STAFF, LUMEN, "FORBIDDEN"),  # merchant staff read, the owner decides
        (BLUEFIN_OWNER, TIDAL, "FORBIDDEN"),  # the partner cannot hand itself over
        (PLATFORM, TIDAL, "FORBIDDEN"),
        (NORTHWIND_OWNER, TIDAL, "NOT_FOUND"),  # its earlier partner: no longer visible
        (LUMEN_OWNER, TIDAL, "NOT_FOUND"),  # another merchant's client
    ],
)
async def test_refusals_change_nothing(
    gql: GraphQL, world: World, sessions: Sessions, email: str, name: str, code: str
) -> None:
    before = (await accesses(sessions, world, name), await status(sessions, world, name))
    payload = await hand_over(gql, email, world, name)
    assert codes(payload) == [(["input", "clientId"], code)]
    assert payload["client"] is None
    assert payload["pendingDocuments"] == []
    assert (await accesses(sessions, world, name), await status(sessions, world, name)) == before


async def test_a_foreign_client_answers_like_a_never_issued_id(gql: GraphQL, world: World) -> None:
    foreign = await hand_over(gql, LUMEN_OWNER, world, TIDAL)
    never = await gql(
        LUMEN_OWNER,
        HAND_OVER,
        input={"clientId": gid("Client", 987_654), "keepAccess": "NONE"},
    )
    assert foreign == never["data"]["handOverClient"]
