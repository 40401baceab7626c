"""Every nested connection of the consent, relationship and audit features costs one statement
per list level however many parents the level has (5 vs 100 clients, 1 vs many partners), and a
batched page never mixes parents: each parent's page is exactly the page of its own rows that
the viewer may read, in the list's order, whatever the other parents hold."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent, AuditOperation
from db.base import utcnow
from db.enums import (
    AccessStatus,
    ClientStatus,
    CommunicationKind,
    DocumentKind,
    MerchantRole,
    Visibility,
)
from db.models import Client, ClientUser, PartnerAccess, PartnerMember
from db.relationship import ClientDocument, Communication, SupportPlan, TimeEntry
from tests.conftest import GraphQL, World, token_for
from tests.helpers import db_id
from tests.test_statement_counts import (
    add_northwind_clients,
    add_portfolio_user,
    assert_viewer_load,
    dump,
    main_table,
    measure,
)

Sessions = async_sessionmaker[AsyncSession]
NORTHWIND = "northwind-digital"
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
BLUEFIN_OWNER = "owner@bluefin.test"
PLATFORM = "staff@shopiq.test"
MERCHANT_BUSINESSES = 12

EVERY_CLIENT_LIST = """
query EveryList($first: Int!) {
  clients(first: $first) {
    nodes {
      id
      partnerAccesses(first: 3) { totalCount nodes { id status } }
      merchantUsers(first: 3) { totalCount nodes { id } }
      communications(first: 3, filter: {kind: [EMAIL, CALL]}) {
        totalCount pageInfo { hasNextPage } nodes { id }
      }
      timeEntries(first: 3, filter: {billable: true}) { totalCount nodes { id } }
      documents(first: 3) { totalCount nodes { id } }
      supportPlans { id }
      auditEvents(first: 3) { totalCount nodes { id } }
    }
  }
}
"""

# viewer (3) + the clients + per list one page, which counts its lists as well (6 connections)
# + the plans.
EVERY_CLIENT_LIST_BUDGET = 11
EVERY_CLIENT_LIST_TABLES = [
    "audit_events",
    "client_documents",
    "client_users",
    "clients",
    "communications",
    "partner_accesses",
    "support_plans",
    "time_entries",
]

PARTNER_LISTS = """
query PartnerLists($first: Int!) {
  clients(first: $first) {
    nodes { partner { id auditEvents(first: 2) { totalCount nodes { id } } } }
  }
}
"""

# viewer (3) + the clients + their partners (one batch) + the partners' audit pages (which
# count them too).
PARTNER_LISTS_BUDGET = 6


async def add_relationship_rows(sessions: Sessions, tag: str) -> None:
    """On every client whose name starts with `tag`: two communications (an email and a
    note), two time entries (one billable), a document, a support plan and two audit events;
    and two audit events of each partner of those clients."""
    now = utcnow()
    async with sessions.begin() as session:
        clients = (
            await session.execute(select(Client).where(Client.business_name.startswith(tag)))
        ).scalars()
        partners: set[int] = set()
        for client in clients:
            assert client.partner_id is not None
            partner_id = client.partner_id
            partners.add(partner_id)
            author = (
                await session.execute(
                    select(PartnerMember).where(PartnerMember.partner_id == partner_id).limit(1)
                )
            ).scalar_one()
            for kind in (CommunicationKind.EMAIL, CommunicationKind.NOTE):
                session.add(
                    Communication(
                        client_id=client.id,
                        partner_id=partner_id,
                        kind=kind,
                        body=f"{kind} for {client.business_name}",
                        author_user_id=author.user_id,
                        occurred_at=now,
                        visibility=Visibility.SHARED,
                    )
                )
            for billable in (True, False):
                session.add(
                    TimeEntry(
                        client_id=client.id,
                        partner_id=partner_id,
                        member_id=author.id,
                        user_id=author.user_id,
                        work_date=now.date(),
                        minutes=10,
                        billable=billable,
                        visibility=Visibility.SHARED,
                    )
                )
            session.add(
                ClientDocument(
                    client_id=client.id,
                    partner_id=partner_id,
                    title="Guide",
                    kind=DocumentKind.GUIDE,
                    url="https://docs.example.com/guide",
                    visibility=Visibility.SHARED,
                    author_user_id=author.user_id,
                )
            )
            session.add(
                SupportPlan(
                    client_id=client.id,
                    partner_id=partner_id,
                    in_scope="Questions",
                    included_minutes=30,
                    first_response_hours=24,
                    channel_email=True,
                    channel_phone=False,
                    channel_chat=False,
                    starts_on=now.date() - timedelta(days=30),
                    set_by_user_id=author.user_id,
                )
            )
            for _ in range(2):
                session.add(audit_event(author.user_id, partner_id, client.id, tag))
        for partner_id in partners:
            for _ in range(2):
                session.add(audit_event(None, partner_id, None, tag))


def audit_event(user_id: int | None, partner_id: int, client_id: int | None, tag: str) -> Any:
    return AuditEvent(
        actor_user_id=user_id,
        partner_id=partner_id,
        client_id=client_id,
        action="updateClient",
        operation=AuditOperation.UPDATE,
        target_type="Client" if client_id else "Partner",
        target_id=client_id or partner_id,
        changes={},
        request_id=tag,
    )


def assert_every_list_filled(node: dict[str, Any], *, merchant: bool) -> None:
    assert node["partnerAccesses"]["totalCount"] >= 1, node
    assert node["communications"]["totalCount"] == 1, node  # the email, not the note
    assert node["timeEntries"]["totalCount"] == 1, node  # the billable one
    assert node["documents"]["totalCount"] == 1, node
    assert len(node["supportPlans"]) == 1, node
    if merchant:
        assert node["merchantUsers"]["totalCount"] == 1, node
    else:
        assert node["merchantUsers"]["totalCount"] == 0, node  # merchants only
        assert node["auditEvents"]["totalCount"] == 2, node


async def run_as(http: httpx.AsyncClient, user_id: int, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token_for(user_id)}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def check_budget(few: list[str], many: list[str], budget: int, tables: list[str]) -> None:
    assert len(few) == len(many), dump(many)
    assert len(many) == budget, dump(many)
    assert sorted(main_table(s) for s in many[3:]) == tables, dump(many)
    assert_viewer_load(many)


async def test_every_client_list_costs_the_same_for_5_and_100_clients(
    world: World, sessions: Sessions, gql: GraphQL, statements: list[str]
) -> None:
    await add_northwind_clients(sessions, world, 100)
    await add_relationship_rows(sessions, "Northwind Extra ")
    small, few = await measure(statements, gql, OWNER, EVERY_CLIENT_LIST, first=5)
    large, many = await measure(statements, gql, OWNER, EVERY_CLIENT_LIST, first=100)

    assert len(small["clients"]["nodes"]) == 5
    nodes = large["clients"]["nodes"]
    assert len(nodes) == 100
    by_id = {n["id"]: n for n in nodes}
    names = await client_names(sessions, [db_id(n["id"]) for n in nodes])
    extras = [by_id[gid] for gid, name in names.items() if name.startswith("Northwind Extra ")]
    assert len(extras) >= 85
    for node in extras:
        assert_every_list_filled(node, merchant=False)
    check_budget(few, many, EVERY_CLIENT_LIST_BUDGET, EVERY_CLIENT_LIST_TABLES)


async def test_every_client_list_of_a_merchant_costs_the_same_for_5_and_12_clients(
    world: World, sessions: Sessions, http: httpx.AsyncClient, statements: list[str]
) -> None:
    """A merchant of 12 businesses (each served by its own partner, so 12 grants: the policy
    filter of a user with many more grants is slow to build) reads every list, merchant users
    included, for 5 and for all 12 clients."""
    user = await add_portfolio_user(sessions, "wide", MERCHANT_BUSINESSES)
    await add_relationship_rows(sessions, "wide shop ")
    statements.clear()
    small = await run_as(http, user, EVERY_CLIENT_LIST, first=5)
    few = list(statements)
    statements.clear()
    large = await run_as(http, user, EVERY_CLIENT_LIST, first=100)
    many = list(statements)

    assert len(small["clients"]["nodes"]) == 5
    assert len(large["clients"]["nodes"]) == MERCHANT_BUSINESSES
    for node in large["clients"]["nodes"]:
        assert_every_list_filled(node, merchant=True)
    check_budget(few, many, EVERY_CLIENT_LIST_BUDGET, EVERY_CLIENT_LIST_TABLES)


async def test_partner_lists_cost_the_same_for_5_and_100_partners(
    world: World, sessions: Sessions, gql: GraphQL, statements: list[str]
) -> None:
    """Platform staff read the audit trail of the partner of each of 5 or 100 clients (100
    distinct partners)."""
    await add_portfolio_user(sessions, "aa", 100)  # sorts before the demo's clients
    await add_relationship_rows(sessions, "aa shop ")
    small, few = await measure(statements, gql, PLATFORM, PARTNER_LISTS, first=5)
    large, many = await measure(statements, gql, PLATFORM, PARTNER_LISTS, first=100)

    assert len(small["clients"]["nodes"]) == 5
    partners = {n["partner"]["id"]: n["partner"] for n in large["clients"]["nodes"] if n["partner"]}
    assert len(partners) >= 50
    async with sessions() as session:
        for gid_, partner in partners.items():
            # Platform staff read every event of the partner: its own and its clients'.
            events = (
                await session.execute(
                    select(AuditEvent.id)
                    .where(AuditEvent.partner_id == db_id(gid_))
                    .order_by(AuditEvent.id.desc())
                )
            ).scalars()
            expected = list(events)
            assert partner["auditEvents"]["totalCount"] == len(expected), partner
            ids = [db_id(e["id"]) for e in partner["auditEvents"]["nodes"]]
            assert ids == expected[:2], partner
    assert len(few) == len(many), dump(many)
    assert len(many) == PARTNER_LISTS_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many[3:]) == ["audit_events", "clients", "partners"]
    assert_viewer_load(many)


async def client_names(sessions: Sessions, ids: list[int]) -> dict[str, str]:
    from schema.relay import to_global_id

    async with sessions() as session:
        rows = await session.execute(
            select(Client.id, Client.business_name).where(Client.id.in_(ids))
        )
        return {to_global_id("Client", id_): name for id_, name in rows}


# --- Isolation: a batched page holds its parent's rows only ----------------------------------

LOG = """
query Log($search: String!, $first: Int!) {
  clients(first: 10, filter: {search: $search}) {
    nodes {
      id
      communications(first: $first) {
        totalCount pageInfo { hasNextPage } nodes { id client { id } }
      }
      timeEntries(first: $first) { totalCount pageInfo { hasNextPage } nodes { id } }
      documents(first: $first) { totalCount nodes { id } }
      supportPlans { id }
    }
  }
}
"""

# Per client: its entries, each (visibility shared?, minutes before now: few values, so ties).
entries = st.lists(st.tuples(st.booleans(), st.integers(0, 2)), max_size=6)


async def add_tagged_clients(
    sessions: Sessions, world: World, tag: str, logs: list[list[tuple[bool, int]]]
) -> dict[int, list[tuple[int, bool, datetime]]]:
    """One Northwind client per log (Lumen's merchant is its owner), holding that log's
    communications, time entries, documents and plans; returns each client's communications
    as (id, shared, occurred_at)."""
    now = utcnow().replace(microsecond=0)
    partner_id = world.partners[NORTHWIND]
    author = world.users[OWNER]
    made: dict[int, list[tuple[int, bool, datetime]]] = {}
    async with sessions.begin() as session:
        member = (
            await session.execute(
                select(PartnerMember.id).where(
                    PartnerMember.partner_id == partner_id, PartnerMember.user_id == author
                )
            )
        ).scalar_one()
        for i, log in enumerate(logs):
            client = Client(
                partner_id=partner_id,
                business_name=f"{tag} {i}",
                contact_email=f"{tag}-{i}@example.test",
                country="US",
                currency="USD",
                status=ClientStatus.IMPLEMENTATION,
            )
            session.add(client)
            await session.flush()
            session.add_all(
                [
                    PartnerAccess(
                        partner_id=partner_id,
                        client_id=client.id,
                        status=AccessStatus.ACTIVE,
                        requested_at=now,
                        activated_at=now,
                    ),
                    ClientUser(
                        client_id=client.id,
                        user_id=world.users[MERCHANT],
                        role=MerchantRole.MERCHANT_OWNER,
                    ),
                ]
            )
            made[client.id] = []
            for shared, minutes in log:
                visibility = Visibility.SHARED if shared else Visibility.INTERNAL
                at = now - timedelta(minutes=minutes)
                entry = Communication(
                    client_id=client.id,
                    partner_id=partner_id,
                    kind=CommunicationKind.NOTE,
                    body="note",
                    author_user_id=author,
                    occurred_at=at,
                    visibility=visibility,
                )
                session.add_all(
                    [
                        entry,
                        TimeEntry(
                            client_id=client.id,
                            partner_id=partner_id,
                            member_id=member,
                            user_id=author,
                            work_date=at.date() - timedelta(days=minutes),
                            minutes=5,
                            billable=True,
                            visibility=visibility,
                        ),
                        ClientDocument(
                            client_id=client.id,
                            partner_id=partner_id,
                            title="Doc",
                            kind=DocumentKind.GUIDE,
                            url="https://docs.example.com/doc",
                            visibility=visibility,
                            author_user_id=author,
                        ),
                    ]
                )
                await session.flush()
                made[client.id].append((entry.id, shared, at))
            for days in range(len(log) % 3):
                session.add(
                    SupportPlan(
                        client_id=client.id,
                        partner_id=partner_id,
                        in_scope="Questions",
                        included_minutes=30,
                        first_response_hours=24,
                        channel_email=True,
                        channel_phone=False,
                        channel_chat=False,
                        starts_on=now.date() - timedelta(days=10 * days),
                        superseded_at=now if days else None,
                        set_by_user_id=author,
                    )
                )
    return made


async def rows_of(sessions: Sessions, model: Any, client_id: int, shared_only: bool) -> list[Any]:
    """The client's rows of `model`, straight from the table (what the policy lets the owner,
    or a merchant, read: everything, or the shared rows)."""
    stmt = select(model).where(model.client_id == client_id)
    if shared_only:
        stmt = stmt.where(model.visibility == Visibility.SHARED)
    async with sessions() as session:
        return list((await session.execute(stmt)).scalars())


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    logs=st.lists(entries, min_size=1, max_size=4),
    first=st.integers(min_value=0, max_value=4),
    email=st.sampled_from([OWNER, MERCHANT, SPECIALIST, BLUEFIN_OWNER]),
)
async def test_a_batched_page_holds_only_its_parents_rows(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    logs: list[list[tuple[bool, int]]],
    first: int,
    email: str,
) -> None:
    tag = f"batch {uuid.uuid4().hex[:10]}"
    made = await add_tagged_clients(sessions, world, tag, logs)
    body = await gql(email, LOG, search=tag, first=first)
    assert "errors" not in body, body
    nodes = body["data"]["clients"]["nodes"]
    if email in (SPECIALIST, BLUEFIN_OWNER):
        # Not assigned to these clients / another partner: nothing at all.
        assert nodes == []
        return
    assert sorted(db_id(n["id"]) for n in nodes) == sorted(made)
    shared_only = email == MERCHANT
    for node in nodes:
        client_id = db_id(node["id"])
        # Communications: newest first by occurredAt, ties newest written first.
        visible = sorted(
            ((at, id_) for id_, shared, at in made[client_id] if shared or not shared_only),
            reverse=True,
        )
        log = node["communications"]
        assert [db_id(n["id"]) for n in log["nodes"]] == [id_ for _, id_ in visible[:first]]
        assert all(n["client"]["id"] == node["id"] for n in log["nodes"])
        assert log["totalCount"] == len(visible)
        assert log["pageInfo"]["hasNextPage"] == (len(visible) > first)

        times = await rows_of(sessions, TimeEntry, client_id, shared_only)
        expected = [t.id for t in sorted(times, key=lambda t: (t.work_date, t.id), reverse=True)]
        page = node["timeEntries"]
        assert [db_id(n["id"]) for n in page["nodes"]] == expected[:first]
        assert page["totalCount"] == len(expected)
        assert page["pageInfo"]["hasNextPage"] == (len(expected) > first)

        documents = await rows_of(sessions, ClientDocument, client_id, shared_only)
        expected = sorted((d.id for d in documents), reverse=True)
        assert [db_id(n["id"]) for n in node["documents"]["nodes"]] == expected[:first]
        assert node["documents"]["totalCount"] == len(expected)

        async with sessions() as session:
            plans = (
                await session.execute(
                    select(SupportPlan)
                    .where(SupportPlan.client_id == client_id)
                    .order_by(SupportPlan.starts_on.desc(), SupportPlan.id.desc())
                )
            ).scalars()
            assert [db_id(p["id"]) for p in node["supportPlans"]] == [p.id for p in plans]


async def test_pages_after_a_cursor_stay_with_their_parent(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    """Walking each client's log page by page (each parent with its own cursor) visits its own
    entries once, newest first, however the pages of the level are batched."""
    tag = f"walk {uuid.uuid4().hex[:10]}"
    made = await add_tagged_clients(
        sessions, world, tag, [[(True, m % 3) for m in range(n)] for n in (5, 0, 7)]
    )
    walk = """
    query Walk($search: String!, $after: String) {
      clients(first: 10, filter: {search: $search}) {
        nodes { id communications(first: 2, after: $after) {
          pageInfo { hasNextPage endCursor } nodes { id } } }
      }
    }
    """
    for client_id, log in made.items():
        seen: list[int] = []
        after = None
        while True:
            body = await gql(OWNER, walk, search=tag, after=after)
            node = next(n for n in body["data"]["clients"]["nodes"] if db_id(n["id"]) == client_id)
            page = node["communications"]
            seen += [db_id(n["id"]) for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == [id_ for _, id_ in sorted(((at, i) for i, _, at in log), reverse=True)]


@pytest.mark.parametrize("email", [OWNER, MERCHANT])
async def test_a_client_alone_and_in_a_batch_read_the_same_page(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    """The same client's lists read alone (`client(id)`) and among a page of clients agree."""
    tag = f"alone {uuid.uuid4().hex[:10]}"
    made = await add_tagged_clients(
        sessions, world, tag, [[(i % 2 == 0, i % 3) for i in range(n)] for n in (4, 6, 1)]
    )
    together = await gql(email, LOG, search=tag, first=3)
    one = """
    query One($id: ID!) { client(id: $id) {
      id communications(first: 3) { totalCount pageInfo { hasNextPage } nodes { id client { id } } }
      timeEntries(first: 3) { totalCount pageInfo { hasNextPage } nodes { id } }
      documents(first: 3) { totalCount nodes { id } } supportPlans { id } } }
    """
    nodes = together["data"]["clients"]["nodes"]
    assert len(nodes) == len(made)
    for node in nodes:
        alone = await gql(email, one, id=node["id"])
        assert alone["data"]["client"] == node


async def test_a_nested_lists_total_is_the_whole_list_on_every_page(gql: GraphQL) -> None:
    """Without a cursor the page's window counts each list; after one, the count loader does:
    both give the whole list's size."""
    query = """query($after: String) { clients(first: 50) { nodes { id
      tasks(first: 2, after: $after) { totalCount pageInfo { endCursor } } } } }"""
    first = await gql("owner@northwind.test", query)
    nodes = first["data"]["clients"]["nodes"]
    totals = {n["id"]: n["tasks"]["totalCount"] for n in nodes}
    assert any(t > 2 for t in totals.values()), "some demo client has more than one page"
    # Task cursors hold the checklist position and id, so one client's cursor pages every list.
    cursor = next(n["tasks"]["pageInfo"]["endCursor"] for n in nodes if totals[n["id"]] > 2)
    later = await gql("owner@northwind.test", query, after=cursor)
    assert {n["id"]: n["tasks"]["totalCount"] for n in later["data"]["clients"]["nodes"]} == totals
