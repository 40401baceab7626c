"""Data separation of the client relationship, through the API: for every kind of viewer (each
role of the partner, a specialist not assigned, another partner, a partner whose access ended
or was revoked, merchant owner and staff, another merchant, platform staff, a user with no
grants), exactly the communication entries, time entries, documents and plans that a small
independent rule below allows appear on every read path (the client's connections and their
counts, search, node(id:), nested revisions), INTERNAL items never reach a merchant, and every
mutation by id answers a foreign id exactly like a never-issued one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.demo import CLIENTS, PARTNERS, USERS
from db.enums import CommunicationKind, DocumentKind, PartnerRole, Visibility
from db.models import Partner, PartnerMember
from db.relationship import (
    ClientDocument,
    Communication,
    CommunicationRevision,
    SupportPlan,
    TimeEntry,
)
from tests.conftest import GraphQL, World
from tests.helpers import gid

Sessions = async_sessionmaker[AsyncSession]

NORTHWIND, BLUEFIN = "northwind-digital", "bluefin-studio"
LUMEN = "Lumen Candles"  # Northwind's; specialist and designer assigned; merchant owner and staff
COPPERLEAF = "Copperleaf Tea"  # Northwind's; the designer only
OLD_MILL = "Old Mill Bakery"  # Northwind's access revoked, specialist still assigned
HARBOR = "Harbor Coffee"  # Bluefin's, with a merchant owner
TIDAL = "Tidal Threads"  # moved from Northwind (ended) to Bluefin; merchant owner
CLIENT_NAMES = (LUMEN, COPPERLEAF, OLD_MILL, HARBOR, TIDAL)

VIEWERS = (
    "owner@northwind.test",
    "manager@northwind.test",
    "specialist@northwind.test",
    "designer@northwind.test",
    "owner@bluefin.test",
    "specialist@bluefin.test",
    "merchant@lumen-candles.test",
    "staff@lumen-candles.test",
    "merchant@harbor-coffee.test",
    "merchant@tidal-threads.test",
    "staff@shopiq.test",
    "newcomer@shopiq.test",
)
NEVER = 987_654


@dataclass(frozen=True)
class Item:
    kind: str  # GraphQL type
    client: str
    partner: str
    visibility: Visibility
    author: str  # email of the author / member


# Per client, each partner that wrote there writes an internal and a shared item of each kind.
WRITERS = {
    LUMEN: [(NORTHWIND, "specialist@northwind.test")],
    COPPERLEAF: [(NORTHWIND, "designer@northwind.test")],
    OLD_MILL: [(NORTHWIND, "specialist@northwind.test")],
    HARBOR: [(BLUEFIN, "owner@bluefin.test")],
    TIDAL: [(NORTHWIND, "owner@northwind.test"), (BLUEFIN, "owner@bluefin.test")],
}
KINDS = ("Communication", "TimeEntry", "ClientDocument")


def _spec(name: str) -> Any:
    return next(c for c in CLIENTS if c.name == name)


def _role(email: str) -> tuple[str, PartnerRole] | None:
    for partner in PARTNERS:
        for member, role in partner.members:
            if member == email:
                return partner.slug, role
    return None


def works_on(email: str, client: str) -> bool:
    """The oracle's own reading of the permission model: active access, and a specialist only
    where assigned."""
    found = _role(email)
    spec = _spec(client)
    if found is None or spec.partner != found[0] or str(spec.access) != "active":
        return False
    return found[1] != PartnerRole.SPECIALIST or any(e == email for e, _ in spec.assigned)


def merchant_of(email: str, client: str) -> bool:
    return any(e == email for e, _ in _spec(client).merchants)


def may_read(email: str, item: Item) -> bool:
    if USERS[email][2]:  # platform staff
        return True
    if merchant_of(email, item.client):
        return item.visibility == Visibility.SHARED
    if works_on(email, item.client):
        found = _role(email)
        return item.visibility == Visibility.SHARED or (
            found is not None and found[0] == item.partner
        )
    return False


def may_read_plan(email: str, client: str) -> bool:
    return USERS[email][2] or merchant_of(email, client) or works_on(email, client)


async def seed_items(sessions: Sessions, world: World) -> dict[str, Item]:
    """Writes the items straight to the database (an earlier partner cannot post any more) and
    returns them by global id."""
    items: dict[str, Item] = {}
    now = utcnow()
    async with sessions.begin() as session:
        partners: dict[str, int] = dict(
            (await session.execute(select(Partner.slug, Partner.id))).all()
        )
        members = {
            (p, u): m
            for m, p, u in (
                await session.execute(
                    select(PartnerMember.id, PartnerMember.partner_id, PartnerMember.user_id)
                )
            ).all()
        }
        for client_name, writers in WRITERS.items():
            client_id = world.clients[client_name]
            for slug, email in writers:
                partner_id, user_id = partners[slug], world.users[email]
                for visibility in Visibility:
                    text = f"{slug} {visibility.value} note about {client_name}"
                    entry = Communication(
                        client_id=client_id,
                        partner_id=partner_id,
                        kind=CommunicationKind.NOTE,
                        body=text,
                        author_user_id=user_id,
                        occurred_at=now,
                        visibility=visibility,
                    )
                    time = TimeEntry(
                        client_id=client_id,
                        partner_id=partner_id,
                        member_id=members[(partner_id, user_id)],
                        user_id=user_id,
                        work_date=now.date() - timedelta(days=1),
                        minutes=30,
                        description=text,
                        billable=True,
                        visibility=visibility,
                    )
                    document = ClientDocument(
                        client_id=client_id,
                        partner_id=partner_id,
                        title=text[:200],
                        kind=DocumentKind.GUIDE,
                        url="https://docs.example.com/guide",
                        visibility=visibility,
                        author_user_id=user_id,
                    )
                    session.add_all([entry, time, document])
                    await session.flush()
                    session.add(
                        CommunicationRevision(
                            communication_id=entry.id,
                            client_id=client_id,
                            partner_id=partner_id,
                            version=1,
                            body=f"earlier {text}",
                            visibility=visibility,
                            edited_by_user_id=user_id,
                            edited_at=now,
                        )
                    )
                    entry.version = 2
                    for kind, row in zip(KINDS, (entry, time, document), strict=True):
                        items[gid(kind, row.id)] = Item(kind, client_name, slug, visibility, email)
            current = select(SupportPlan.id).where(
                SupportPlan.client_id == client_id, SupportPlan.superseded_at.is_(None)
            )
            if (await session.execute(current)).first() is not None:
                continue  # the demo's own plan
            session.add(
                SupportPlan(
                    client_id=client_id,
                    partner_id=partners[writers[-1][0]],
                    in_scope="Questions",
                    included_minutes=60,
                    first_response_hours=24,
                    channel_email=True,
                    channel_phone=False,
                    channel_chat=False,
                    starts_on=now.date() - timedelta(days=40),
                    set_by_user_id=world.users[writers[-1][1]],
                )
            )
    return items


LISTS = """
query Lists($id: ID!, $month: Date!) {
  client(id: $id) {
    unreadSharedCount
    supportPlan { id }
    supportUsage(month: $month) { usedMinutes }
    communications(first: 100) { totalCount nodes { id body visibility revisions { body } } }
    search: communications(first: 100, filter: { search: "internal" }) { totalCount nodes { id } }
    timeEntries(first: 100) { totalCount nodes { id description visibility } }
    documents(first: 100) { totalCount nodes { id title visibility } }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


@pytest.mark.parametrize("email", VIEWERS)
async def test_each_viewer_reads_exactly_what_the_rules_allow(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    items = await seed_items(sessions, world)
    month = utcnow().date().isoformat()
    for client in CLIENT_NAMES:
        body = await gql(email, LISTS, id=gid("Client", world.clients[client]), month=month)
        assert "errors" not in body, body
        data = body["data"]["client"]
        mine = {i for i, item in items.items() if item.client == client and may_read(email, item)}
        if data is None:
            # The client itself is invisible: then so is everything on it.
            assert not mine, (email, client)
            continue
        seen: set[str] = set()
        for field in ("communications", "timeEntries", "documents"):
            connection = data[field]
            ids = {n["id"] for n in connection["nodes"]}
            assert connection["totalCount"] == len(ids)
            seen |= ids
            if any(merchant_of(email, c) for c in CLIENT_NAMES):
                # Demo rows included: a merchant never gets an internal item.
                assert {n["visibility"] for n in connection["nodes"]} <= {"SHARED"}
        # The demo's own relationship rows come on top of these; they are checked below.
        assert seen & set(items) == mine, (email, client)
        searched = {n["id"] for n in data["search"]["nodes"]}
        assert data["search"]["totalCount"] == len(searched)
        assert all(items[i].visibility == Visibility.INTERNAL for i in searched)
        # Revisions follow their entry's visibility; every text shown is one the viewer may read.
        texts = [n["body"] for n in data["communications"]["nodes"]]
        texts += [r["body"] for n in data["communications"]["nodes"] for r in n["revisions"]]
        texts += [n["description"] for n in data["timeEntries"]["nodes"]]
        texts += [n["title"] for n in data["documents"]["nodes"]]
        if any(merchant_of(email, c) for c in CLIENT_NAMES) or not may_read_plan(email, client):
            assert not [t for t in texts if " internal " in t], (email, client)
        assert (data["supportPlan"] is not None) == may_read_plan(email, client)
        assert (data["supportUsage"] is not None) == may_read_plan(email, client)
        unread = sum(
            1
            for item in items.values()
            if item.kind == "Communication"
            and item.client == client
            and item.visibility == Visibility.SHARED
            and item.author != email
            and may_read(email, item)
        )
        assert data["unreadSharedCount"] >= unread  # the demo log may add shared entries
    for global_id, item in items.items():
        node = await gql(email, NODE, id=global_id)
        expected = {"id": global_id} if may_read(email, item) else None
        assert node["data"]["node"] == expected, (email, item)


async def test_the_rule_above_is_not_vacuous() -> None:
    """Each way of seeing and of not seeing occurs for some viewer and item."""
    item = Item("Communication", TIDAL, NORTHWIND, Visibility.INTERNAL, "owner@northwind.test")
    shared = Item("Communication", TIDAL, NORTHWIND, Visibility.SHARED, "owner@northwind.test")
    assert not may_read("owner@northwind.test", item)  # the earlier partner
    assert may_read("owner@bluefin.test", shared)  # the next partner reads shared history
    assert not may_read("owner@bluefin.test", item)
    assert may_read("merchant@tidal-threads.test", shared)
    assert not may_read("merchant@tidal-threads.test", item)
    lumen = Item("TimeEntry", LUMEN, NORTHWIND, Visibility.INTERNAL, "specialist@northwind.test")
    assert may_read("specialist@northwind.test", lumen)
    copper = Item(
        "TimeEntry", COPPERLEAF, NORTHWIND, Visibility.INTERNAL, "designer@northwind.test"
    )
    assert not may_read("specialist@northwind.test", copper)  # not assigned
    old = Item(
        "ClientDocument", OLD_MILL, NORTHWIND, Visibility.SHARED, "specialist@northwind.test"
    )
    assert not may_read("specialist@northwind.test", old)  # access revoked
    assert may_read("staff@shopiq.test", old)


MUTATIONS_BY_ID = (
    (
        "updateCommunication",
        "UpdateCommunicationInput",
        "Communication",
        "communicationId",
        {"version": 2, "body": "x"},
        "communication { id }",
    ),
    (
        "updateTimeEntry",
        "UpdateTimeEntryInput",
        "TimeEntry",
        "timeEntryId",
        {"version": 1, "minutes": 5},
        "timeEntry { id }",
    ),
    (
        "deleteTimeEntry",
        "TimeEntryVersionInput",
        "TimeEntry",
        "timeEntryId",
        {"version": 1},
        "deletedTimeEntryId",
    ),
    (
        "updateClientDocument",
        "UpdateClientDocumentInput",
        "ClientDocument",
        "documentId",
        {"version": 1, "title": "x"},
        "document { id }",
    ),
    (
        "acknowledgeDocument",
        "AcknowledgeDocumentInput",
        "ClientDocument",
        "documentId",
        {"version": 1},
        "document { id }",
    ),
)
MUTATIONS_BY_CLIENT = (
    ("postCommunication", "PostCommunicationInput", {"body": "x"}, "communication { id }"),
    ("logTime", "LogTimeInput", {"minutes": 5}, "timeEntry { id }"),
    (
        "setSupportPlan",
        "SetSupportPlanInput",
        {"inScope": "x", "includedMinutes": 1, "firstResponseHours": 1, "channels": ["EMAIL"]},
        "supportPlan { id }",
    ),
    (
        "addClientDocument",
        "AddClientDocumentInput",
        {"title": "x", "url": "https://docs.example.com/x"},
        "document { id }",
    ),
    ("markCommunicationsRead", "MarkCommunicationsReadInput", {}, "client { id }"),
    ("handOverClient", "HandOverClientInput", {"keepAccess": "NONE"}, "client { id }"),
)


def _document(mutation: str, input_type: str, selection: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) "
        f"{{ {selection} userErrors {{ field message code }} }} }}"
    )


@pytest.mark.parametrize("email", VIEWERS)
async def test_mutations_answer_a_foreign_id_like_a_never_issued_one(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    items = await seed_items(sessions, world)
    for mutation, input_type, kind, field, extra, selection in MUTATIONS_BY_ID:
        document = _document(mutation, input_type, selection)
        never = await gql(email, document, input={**extra, field: gid(kind, NEVER)})
        assert never["data"][mutation]["userErrors"][0]["code"] == "NOT_FOUND"
        for global_id, item in items.items():
            if item.kind != kind or may_read(email, item):
                continue
            answer = await gql(email, document, input={**extra, field: global_id})
            assert answer == never, (mutation, email, item)
    for mutation, input_type, extra, selection in MUTATIONS_BY_CLIENT:
        document = _document(mutation, input_type, selection)
        never = await gql(email, document, input={**extra, "clientId": gid("Client", NEVER)})
        assert never["data"][mutation]["userErrors"][0]["code"] == "NOT_FOUND"
        for client in CLIENT_NAMES:
            if may_read_plan(email, client):
                continue
            answer = await gql(
                email, document, input={**extra, "clientId": gid("Client", world.clients[client])}
            )
            assert answer == never, (mutation, email, client)
