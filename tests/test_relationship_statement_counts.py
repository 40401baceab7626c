"""N+1 budgets of the client relationship: a page of 5 and a page of 100 communication entries,
time entries or documents (with their authors, parents, revisions and members) cost the same
number of SQL statements, and so does a dashboard of 5 or 100 clients asking for each one's
support usage, current plan and unread count. Each budget is pinned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import CommunicationKind, DocumentKind, Visibility
from db.models import Client, Partner, PartnerMember
from db.relationship import (
    ClientDocument,
    Communication,
    CommunicationRevision,
    SupportPlan,
    TimeEntry,
)
from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_statement_counts import add_northwind_clients, dump, measure

Sessions = async_sessionmaker[AsyncSession]
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
LUMEN = "Lumen Candles"
ITEMS = 110
AUTHORS = (OWNER, SPECIALIST, DESIGNER)

# viewer (3) + the client + page + each loader reached once: users, parents, revisions (the
# entries' `client` is the client already loaded).
COMMUNICATIONS_BUDGET = 8
# viewer (3) + the client + page + users + members.
TIME_ENTRIES_BUDGET = 7
# viewer (3) + the client + page + users (authors and acknowledgers in one batch).
DOCUMENTS_BUDGET = 6
# viewer (3) + clients page + usage + current plans + unread counts.
USAGE_BUDGET = 7

COMMUNICATIONS = """
query Log($id: ID!, $first: Int!) {
  client(id: $id) {
    communications(first: $first) {
      nodes { id body author { name } parent { id author { name } }
        revisions { body editedBy { name } } client { id } }
    }
  }
}
"""
TIME_ENTRIES = """
query Time($id: ID!, $first: Int!) {
  client(id: $id) {
    timeEntries(first: $first) { nodes { id minutes user { name } member { role } } }
  }
}
"""
DOCUMENTS = """
query Docs($id: ID!, $first: Int!) {
  client(id: $id) {
    documents(first: $first) { nodes { id title author { name } acknowledgedBy { name } } }
  }
}
"""
USAGE = """
query Usage($first: Int!, $month: Date!) {
  clients(first: $first) {
    nodes { id unreadSharedCount supportPlan { id }
      supportUsage(month: $month) { usedMinutes overageMinutes } }
  }
}
"""


async def add_relationship_rows(sessions: Sessions, world: World) -> None:
    """Many shared entries of each kind on Lumen, written by three members; every entry after
    the first replies to the one before and has an earlier revision; half the documents are
    acknowledged by the merchant."""
    now = utcnow()
    async with sessions.begin() as session:
        northwind = (
            await session.execute(select(Partner.id).where(Partner.slug == "northwind-digital"))
        ).scalar_one()
        member_of = dict(
            (
                await session.execute(
                    select(PartnerMember.user_id, PartnerMember.id).where(
                        PartnerMember.partner_id == northwind
                    )
                )
            ).all()
        )
        client_id = world.clients[LUMEN]
        parent: Communication | None = None
        for i in range(ITEMS):
            user_id = world.users[AUTHORS[i % len(AUTHORS)]]
            entry = Communication(
                client_id=client_id,
                partner_id=northwind,
                kind=CommunicationKind.EMAIL,
                body=f"entry {i}",
                author_user_id=user_id,
                occurred_at=now - timedelta(minutes=i),
                visibility=Visibility.SHARED,
                parent_id=parent.id if parent else None,
            )
            session.add(entry)
            await session.flush()
            session.add(
                CommunicationRevision(
                    communication_id=entry.id,
                    client_id=client_id,
                    partner_id=northwind,
                    version=1,
                    body=f"draft {i}",
                    visibility=Visibility.SHARED,
                    edited_by_user_id=user_id,
                    edited_at=now,
                )
            )
            session.add(
                TimeEntry(
                    client_id=client_id,
                    partner_id=northwind,
                    member_id=member_of[user_id],
                    user_id=user_id,
                    work_date=now.date() - timedelta(days=i % 20),
                    minutes=15,
                    billable=True,
                    visibility=Visibility.SHARED,
                )
            )
            session.add(
                ClientDocument(
                    client_id=client_id,
                    partner_id=northwind,
                    title=f"Guide {i}",
                    kind=DocumentKind.GUIDE,
                    url="https://docs.example.com/guide",
                    visibility=Visibility.SHARED,
                    author_user_id=user_id,
                    acknowledged_at=now if i % 2 else None,
                    acknowledged_by_user_id=world.users[MERCHANT] if i % 2 else None,
                )
            )
            parent = entry


@pytest.fixture
async def relationship(world: World, sessions: Sessions) -> World:
    await add_relationship_rows(sessions, world)
    return world


@pytest.fixture
async def many_clients(world: World, sessions: Sessions) -> World:
    """The demo world plus 100 more Northwind clients; each Northwind client has a support plan
    (the demo's own, or a new one) and time this month."""
    await add_northwind_clients(sessions, world, 100)
    now = utcnow()
    async with sessions.begin() as session:
        northwind = (
            await session.execute(select(Partner.id).where(Partner.slug == "northwind-digital"))
        ).scalar_one()
        owner_member = (
            await session.execute(
                select(PartnerMember.id).where(PartnerMember.user_id == world.users[OWNER])
            )
        ).scalar_one()
        planned = select(SupportPlan.client_id).where(SupportPlan.superseded_at.is_(None))
        ids = (
            await session.execute(
                select(Client.id).where(Client.partner_id == northwind, Client.id.not_in(planned))
            )
        ).scalars()
        for client_id in ids:
            session.add(
                SupportPlan(
                    client_id=client_id,
                    partner_id=northwind,
                    in_scope="Questions",
                    included_minutes=30,
                    first_response_hours=24,
                    channel_email=True,
                    channel_phone=False,
                    channel_chat=False,
                    starts_on=now.date() - timedelta(days=60),
                    set_by_user_id=world.users[OWNER],
                )
            )
            session.add(
                TimeEntry(
                    client_id=client_id,
                    partner_id=northwind,
                    member_id=owner_member,
                    user_id=world.users[OWNER],
                    work_date=now.date(),
                    minutes=1,
                    billable=True,
                    visibility=Visibility.INTERNAL,
                )
            )
    return world


async def small_and_large(
    statements: list[str], gql: GraphQL, email: str, query: str, **variables: Any
) -> tuple[dict[str, Any], list[str], dict[str, Any], list[str]]:
    small, few = await measure(statements, gql, email, query, first=5, **variables)
    large, many = await measure(statements, gql, email, query, first=100, **variables)
    return small, few, large, many


@pytest.mark.parametrize("email", [OWNER, MERCHANT])
async def test_communications_cost_the_same_for_5_and_100_entries(
    relationship: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    lumen = gid("Client", relationship.clients[LUMEN])
    small, few, large, many = await small_and_large(
        statements, gql, email, COMMUNICATIONS, id=lumen
    )
    nodes = large["client"]["communications"]["nodes"]
    assert len(small["client"]["communications"]["nodes"]) == 5
    assert len(nodes) == 100
    assert all(n["revisions"] and n["author"]["name"] for n in nodes)
    assert sum(n["parent"] is not None for n in nodes) >= 99
    assert len(few) == len(many), dump(many)
    assert len(many) == COMMUNICATIONS_BUDGET, dump(many)


@pytest.mark.parametrize("email", [OWNER, MERCHANT])
async def test_time_entries_cost_the_same_for_5_and_100_entries(
    relationship: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    lumen = gid("Client", relationship.clients[LUMEN])
    small, few, large, many = await small_and_large(statements, gql, email, TIME_ENTRIES, id=lumen)
    assert len(small["client"]["timeEntries"]["nodes"]) == 5
    nodes = large["client"]["timeEntries"]["nodes"]
    assert len(nodes) == 100
    # Merchants see who logged the time, not the partner's team records.
    assert all((n["member"] is None) == (email == MERCHANT) for n in nodes)
    assert len(few) == len(many), dump(many)
    assert len(many) == TIME_ENTRIES_BUDGET, dump(many)


@pytest.mark.parametrize("email", [OWNER, MERCHANT])
async def test_documents_cost_the_same_for_5_and_100_documents(
    relationship: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    lumen = gid("Client", relationship.clients[LUMEN])
    small, few, large, many = await small_and_large(statements, gql, email, DOCUMENTS, id=lumen)
    assert len(small["client"]["documents"]["nodes"]) == 5
    nodes = large["client"]["documents"]["nodes"]
    assert len(nodes) == 100
    assert sum(n["acknowledgedBy"] is not None for n in nodes) == 50
    assert len(few) == len(many), dump(many)
    assert len(many) == DOCUMENTS_BUDGET, dump(many)


async def test_usage_costs_the_same_for_5_and_100_clients(
    many_clients: World, gql: GraphQL, statements: list[str]
) -> None:
    month = utcnow().date().isoformat()
    small, few, large, many = await small_and_large(statements, gql, OWNER, USAGE, month=month)
    assert len(small["clients"]["nodes"]) == 5
    nodes = large["clients"]["nodes"]
    assert len(nodes) == 100
    assert all(n["supportPlan"] is not None for n in nodes)
    assert all(n["supportUsage"]["usedMinutes"] >= 1 for n in nodes)
    assert len(few) == len(many), dump(many)
    assert len(many) == USAGE_BUDGET, dump(many)
