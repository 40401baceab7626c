"""Client documents: https links only, internal versus shared, edits that ask the merchant to
acknowledge again, and the merchant's acknowledgement (who, when, at which version)."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.client_documents import url_fault
from tests.conftest import GraphQL, World
from tests.helpers import codes, gid

OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
MERCHANT_STAFF = "staff@lumen-candles.test"
LUMEN = "Lumen Candles"
LINK = "https://docs.example.com/lumen/handover"

ADD = """
mutation Add($input: AddClientDocumentInput!) {
  addClientDocument(input: $input) {
    document { id title kind url visibility version author { email } acknowledgedAt }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateClientDocumentInput!) {
  updateClientDocument(input: $input) {
    document { id title url visibility version acknowledgedAt }
    userErrors { field message code }
  }
}
"""
ACK = """
mutation Ack($input: AcknowledgeDocumentInput!) {
  acknowledgeDocument(input: $input) {
    document { id version acknowledgedAt acknowledgedBy { email } }
    userErrors { field message code }
  }
}
"""
DOCUMENTS = """
query Docs($id: ID!, $filter: DocumentFilterInput) {
  client(id: $id) {
    documents(first: 50, filter: $filter) { totalCount nodes { id title visibility } }
  }
}
"""


def lumen(world: World) -> str:
    return gid("Client", world.clients[LUMEN])


async def add(gql: GraphQL, email: str, world: World, **fields: Any) -> dict[str, Any]:
    fields = {"clientId": lumen(world), "title": "Handover notes", "url": LINK, **fields}
    body = await gql(email, ADD, input=fields)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["addClientDocument"]
    return payload


async def added(gql: GraphQL, email: str, world: World, **fields: Any) -> dict[str, Any]:
    payload = await add(gql, email, world, **fields)
    assert payload["userErrors"] == [], payload
    document: dict[str, Any] = payload["document"]
    return document


async def docs(gql: GraphQL, email: str, world: World, **flt: Any) -> Any:
    body = await gql(email, DOCUMENTS, id=lumen(world), filter=flt or None)
    assert "errors" not in body, body
    return body["data"]["client"]


@pytest.mark.parametrize(
    "url",
    [
        "http://docs.example.com/x",
        "ftp://docs.example.com/x",
        "javascript:alert(1)",
        "https://user:secret@docs.example.com/",
        "https://127.0.0.1/notes",
        "https://localhost/notes",
        "https://docs.example.com/a b",
        "https://docs.example.com:70000/",
        "docs.example.com/handover",
        "https://" + "a" * 2050 + ".com/",
    ],
)
async def test_only_https_links_to_host_names_are_taken(
    gql: GraphQL, world: World, url: str
) -> None:
    assert url_fault(url) is not None
    payload = await add(gql, OWNER, world, url=url)
    assert payload["document"] is None
    code = "TOO_LONG" if len(url) > 2048 else "INVALID"
    assert codes(payload) == [(["input", "url"], code)]


def test_good_links_pass() -> None:
    for url in (
        LINK,
        "https://drive.example.co.uk/file?id=1#page=2",
        "https://xn--e1afmkfd.xn--p1ai/",
    ):
        assert url_fault(url) is None, url


async def test_internal_documents_never_reach_the_merchant(gql: GraphQL, world: World) -> None:
    internal = await added(gql, OWNER, world, title="Pricing rationale", kind="CONTRACT")
    assert (internal["visibility"], internal["kind"]) == ("INTERNAL", "CONTRACT")
    shared = await added(gql, SPECIALIST, world, kind="HANDOVER", visibility="SHARED")
    for email in (MERCHANT, MERCHANT_STAFF):
        seen = await docs(gql, email, world)
        ids = [n["id"] for n in seen["documents"]["nodes"]]
        assert shared["id"] in ids
        assert internal["id"] not in ids
        assert seen["documents"]["totalCount"] == len(ids)
        node = await gql(email, "query($id: ID!) { node(id: $id) { id } }", id=internal["id"])
        assert node["data"]["node"] is None
        ack = await gql(email, ACK, input={"documentId": internal["id"], "version": 1})
        never = await gql(
            email, ACK, input={"documentId": gid("ClientDocument", 99_999), "version": 1}
        )
        assert ack == never
    team = await docs(gql, OWNER, world, visibility="INTERNAL")
    assert internal["id"] in [n["id"] for n in team["documents"]["nodes"]]
    assert (await gql(BLUEFIN_OWNER, DOCUMENTS, id=lumen(world)))["data"]["client"] is None


async def test_merchants_acknowledge_shared_documents_once_per_version(
    gql: GraphQL, world: World
) -> None:
    document = await added(gql, OWNER, world, kind="GUIDE", visibility="SHARED")
    staff = await gql(MERCHANT_STAFF, ACK, input={"documentId": document["id"], "version": 1})
    acknowledged = staff["data"]["acknowledgeDocument"]["document"]
    assert acknowledged["acknowledgedBy"] == {"email": MERCHANT_STAFF}
    assert acknowledged["acknowledgedAt"] is not None
    again = await gql(
        MERCHANT, ACK, input={"documentId": document["id"], "version": acknowledged["version"]}
    )
    assert codes(again["data"]["acknowledgeDocument"]) == [
        (["input", "documentId"], "INVALID_TRANSITION")
    ]
    # A new link asks for a new acknowledgement, at the new version.
    moved = await gql(
        OWNER,
        UPDATE,
        input={
            "documentId": document["id"],
            "version": acknowledged["version"],
            "url": LINK + "-v2",
        },
    )
    relinked = moved["data"]["updateClientDocument"]["document"]
    assert relinked["acknowledgedAt"] is None
    stale = await gql(
        MERCHANT, ACK, input={"documentId": document["id"], "version": acknowledged["version"]}
    )
    assert codes(stale["data"]["acknowledgeDocument"]) == [(["input", "version"], "CONFLICT")]
    fresh = await gql(
        MERCHANT, ACK, input={"documentId": document["id"], "version": relinked["version"]}
    )
    assert fresh["data"]["acknowledgeDocument"]["userErrors"] == []
    partner = await gql(OWNER, ACK, input={"documentId": document["id"], "version": 4})
    assert codes(partner["data"]["acknowledgeDocument"]) == [(["input", "documentId"], "FORBIDDEN")]


async def test_documents_are_the_partners_to_change_and_stay_shared(
    gql: GraphQL, world: World
) -> None:
    document = await added(gql, OWNER, world, visibility="SHARED")
    merchant = await gql(
        MERCHANT, UPDATE, input={"documentId": document["id"], "version": 1, "title": "Mine"}
    )
    assert codes(merchant["data"]["updateClientDocument"]) == [
        (["input", "documentId"], "FORBIDDEN")
    ]
    unshare = await gql(
        OWNER, UPDATE, input={"documentId": document["id"], "version": 1, "visibility": "INTERNAL"}
    )
    assert codes(unshare["data"]["updateClientDocument"]) == [
        (["input", "visibility"], "INVALID_TRANSITION")
    ]
    bad = await gql(
        OWNER, UPDATE, input={"documentId": document["id"], "version": 1, "url": "http://x.com"}
    )
    assert codes(bad["data"]["updateClientDocument"]) == [(["input", "url"], "INVALID")]
    for email in (MERCHANT, BLUEFIN_OWNER):
        payload = await add(gql, email, world)
        code = "FORBIDDEN" if email == MERCHANT else "NOT_FOUND"
        assert codes(payload) == [(["input", "clientId"], code)]


async def test_filters_by_kind_and_acknowledgement(gql: GraphQL, world: World) -> None:
    handover = await added(gql, OWNER, world, kind="HANDOVER", visibility="SHARED")
    await added(gql, OWNER, world, kind="TRAINING", visibility="SHARED", title="Training")
    await gql(MERCHANT, ACK, input={"documentId": handover["id"], "version": 1})
    done = await docs(gql, MERCHANT, world, acknowledged=True, kind=["HANDOVER"])
    assert [n["id"] for n in done["documents"]["nodes"]] == [handover["id"]]
    open_training = await docs(gql, MERCHANT, world, acknowledged=False, kind=["TRAINING"])
    assert [n["title"] for n in open_training["documents"]["nodes"]] == ["Training"]
