"""Ordering and filtering task lists (`orderBy`, `filter` on `client.tasks` and the root `tasks`):
every order walks pages over many ties giving each visible task exactly once and in order, on
the batched nested path and at the root; the new filters narrow to what they say; and ordered,
filtered nested lists still cost one statement per level (5 vs 100 clients, 1 vs 12 partners)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import AccessStatus, AssignmentRole, ClientStatus, TaskCategory, TaskStatus
from db.models import Assignment, Client, PartnerAccess, Store, Task
from tests.conftest import GraphQL, World
from tests.helpers import db_id, gid
from tests.test_statement_counts import (
    add_northwind_clients,
    add_portfolio_user,
    assert_viewer_load,
    dump,
    measure,
    run_as,
)

Sessions = async_sessionmaker[AsyncSession]
NORTHWIND = "northwind-digital"
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIELDS = ("CHECKLIST", "TITLE", "CREATED_AT", "DUE_AT")

NESTED = """
query Nested($id: ID!, $first: Int!, $after: String, $filter: TaskFilterInput,
             $order: TaskOrderInput) {
  client(id: $id) {
    tasks(first: $first, after: $after, filter: $filter, orderBy: $order) {
      totalCount pageInfo { hasNextPage endCursor } nodes { id }
    }
  }
}
"""
ROOT = """
query Root($first: Int!, $after: String, $filter: TaskFilterInput, $order: TaskOrderInput) {
  tasks(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id }
  }
}
"""


@dataclass(frozen=True)
class Spec:
    title: str
    position: int
    created: datetime
    due: date | None
    assigned: bool = False


async def add_client_with_tasks(
    sessions: Sessions, world: World, tag: str, specs: list[Spec]
) -> tuple[int, list[int]]:
    """A Northwind client named `tag` (active access, store) with these open tasks."""
    partner_id = world.partners[NORTHWIND]
    async with sessions.begin() as session:
        client = Client(
            partner_id=partner_id,
            business_name=tag,
            contact_email=f"hello@{tag.replace(' ', '-')}.test",
            country="US",
            currency="USD",
            status=ClientStatus.IMPLEMENTATION,
        )
        session.add(client)
        await session.flush()
        session.add_all(
            [
                Store(client_id=client.id, name=tag, subdomain=tag.replace(" ", "-")),
                PartnerAccess(
                    partner_id=partner_id,
                    client_id=client.id,
                    status=AccessStatus.ACTIVE,
                    requested_at=BASE,
                    activated_at=BASE,
                ),
                Assignment(
                    partner_id=partner_id,
                    client_id=client.id,
                    member_id=world.members[SPECIALIST],
                    user_id=world.users[SPECIALIST],
                    role=AssignmentRole.LEAD,
                ),
            ]
        )
        tasks = [
            Task(
                partner_id=partner_id,
                client_id=client.id,
                title=spec.title,
                category=TaskCategory.OTHER,
                status=TaskStatus.TODO,
                due_date=spec.due,
                position=spec.position,
                created_at=spec.created,
                assignee_member_id=world.members[SPECIALIST] if spec.assigned else None,
            )
            for spec in specs
        ]
        session.add_all(tasks)
        await session.flush()
        return client.id, [t.id for t in tasks]


def value(spec: Spec, field: str) -> Any:
    return {
        "CHECKLIST": spec.position,
        "TITLE": spec.title,
        "CREATED_AT": spec.created,
        "DUE_AT": spec.due,
    }[field]


def expected_order(made: dict[int, Spec], field: str, direction: str) -> list[int]:
    valued = [(value(s, field), id_) for id_, s in made.items()]
    present = sorted((v, i) for v, i in valued if v is not None)
    missing = sorted(i for v, i in valued if v is None)
    if direction == "DESC":
        present.reverse()
        missing.reverse()
    return [i for _, i in present] + missing


async def walk(gql: GraphQL, email: str, query: str, first: int, **variables: Any) -> list[int]:
    ids: list[int] = []
    after: str | None = None
    for _ in range(100):
        body = await gql(email, query, first=first, after=after, **variables)
        assert "errors" not in body, body
        data = body["data"]
        connection = data["client"]["tasks"] if "client" in data else data["tasks"]
        ids.extend(db_id(n["id"]) for n in connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            return ids
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("the pages never end")


specs = st.builds(
    Spec,
    title=st.sampled_from(["a", "ab", "b"]),
    position=st.integers(min_value=1, max_value=3),
    created=st.sampled_from([BASE, BASE + timedelta(minutes=5)]),
    due=st.sampled_from([None, date(2026, 4, 1), date(2026, 4, 2)]),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(specs, min_size=1, max_size=9),
    field=st.sampled_from(FIELDS),
    direction=st.sampled_from(["ASC", "DESC"]),
    first=st.integers(min_value=1, max_value=4),
    root=st.booleans(),
)
async def test_walking_task_pages_gives_every_task_once_in_order(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    rows: list[Spec],
    field: str,
    direction: str,
    first: int,
    root: bool,
) -> None:
    tag = f"tasks {uuid.uuid4().hex[:10]}"
    client_id, ids = await add_client_with_tasks(sessions, world, tag, rows)
    order = {"field": field, "direction": direction}
    if root:
        flt = {"clientId": gid("Client", client_id)}
        got = await walk(gql, OWNER, ROOT, first, filter=flt, order=order)
    else:
        got = await walk(gql, OWNER, NESTED, first, id=gid("Client", client_id), order=order)
    assert got == expected_order(dict(zip(ids, rows, strict=True)), field, direction)


async def test_task_defaults_and_a_cursor_of_another_order(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"deflt {uuid.uuid4().hex[:10]}"
    rows = [
        Spec("b", 2, BASE, date(2026, 4, 1)),
        Spec("a", 1, BASE, None),
        Spec("c", 3, BASE, date(2026, 3, 1)),
    ]
    client_id, ids = await add_client_with_tasks(sessions, world, tag, rows)
    made = dict(zip(ids, rows, strict=True))
    client = gid("Client", client_id)
    assert await walk(gql, OWNER, NESTED, 2, id=client) == expected_order(made, "CHECKLIST", "ASC")
    flt = {"clientId": client}
    assert await walk(gql, OWNER, ROOT, 2, filter=flt) == expected_order(made, "DUE_AT", "ASC")
    body = await gql(OWNER, NESTED, id=client, first=1)
    cursor = body["data"]["client"]["tasks"]["pageInfo"]["endCursor"]
    refused = await gql(OWNER, NESTED, id=client, first=1, after=cursor, order={"field": "TITLE"})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "CHECKLIST" not in refused["errors"][0]["message"]
    assert "TITLE:ASC" in refused["errors"][0]["message"]


async def test_task_search_unassigned_and_created(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"tfilt {uuid.uuid4().hex[:10]}"
    rows = [
        Spec("Connect 100% of the DOMAIN", 1, BASE, None, assigned=True),
        Spec("Connect 1000 domains", 2, BASE + timedelta(days=1), None),
        Spec("Import_catalog", 3, BASE + timedelta(days=2), None),
    ]
    client_id, ids = await add_client_with_tasks(sessions, world, tag, rows)
    client = gid("Client", client_id)

    async def found(flt: dict[str, Any]) -> list[int]:
        body = await gql(OWNER, NESTED, id=client, first=10, filter=flt)
        assert "errors" not in body, body
        tasks = body["data"]["client"]["tasks"]
        assert tasks["totalCount"] == len(tasks["nodes"])
        return [db_id(n["id"]) for n in tasks["nodes"]]

    assert await found({"search": "100%"}) == [ids[0]]
    assert await found({"search": "the domain"}) == [ids[0]]
    assert await found({"search": "t_c"}) == [ids[2]]
    assert await found({"unassigned": True}) == ids[1:]
    assert await found({"unassigned": False}) == ids[:1]
    span = {"from": (BASE + timedelta(days=1)).isoformat()}
    assert await found({"created": span}) == ids[1:]
    assert await found({"created": {"before": span["from"]}}) == ids[:1]


TASKS_UNDER_CLIENTS = """
query Ordered($first: Int!) {
  clients(first: $first, orderBy: {field: NEXT_DUE_AT, direction: DESC},
          filter: {status: [IMPLEMENTATION, ONBOARDING]}) {
    totalCount
    nodes {
      businessName
      tasks(first: 2, orderBy: {field: DUE_AT, direction: DESC}, filter: {unassigned: false}) {
        totalCount nodes { id dueDate }
      }
    }
  }
}
"""


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_ordered_filtered_tasks_cost_the_same_for_5_and_100_clients(
    world: World, sessions: Sessions, gql: GraphQL, statements: list[str], email: str
) -> None:
    await add_northwind_clients(sessions, world, 110)
    async with sessions.begin() as session:
        extras = (
            await session.execute(
                select(Client.id).where(Client.business_name.startswith("Northwind Extra "))
            )
        ).scalars()
        for n, client_id in enumerate(extras):
            session.add_all(
                Task(
                    partner_id=world.partners[NORTHWIND],
                    client_id=client_id,
                    title=f"Work {k}",
                    category=TaskCategory.OTHER,
                    status=TaskStatus.TODO,
                    due_date=date(2026, 5, 1) + timedelta(days=(n + k) % 7),
                    position=k,
                    assignee_member_id=world.members[SPECIALIST] if k < 3 else None,
                )
                for k in range(1, 5)
            )
    small, few = await measure(statements, gql, email, TASKS_UNDER_CLIENTS, first=5)
    large, many = await measure(statements, gql, email, TASKS_UNDER_CLIENTS, first=100)
    assert len(small["clients"]["nodes"]) == 5
    nodes = large["clients"]["nodes"]
    assert len(nodes) == 100
    extras_seen = [n for n in nodes if n["businessName"].startswith("Northwind Extra ")]
    assert len(extras_seen) >= 85
    for node in extras_seen:
        tasks = node["tasks"]
        assert tasks["totalCount"] == 2  # the assigned ones
        dues = [t["dueDate"] for t in tasks["nodes"]]
        assert dues == sorted(dues, reverse=True)
    assert len(few) == len(many), dump(many)
    assert_viewer_load(many)


PARTNER_CLIENTS = """
query Portfolio {
  viewer {
    memberships {
      partner {
        name
        clients(first: 2, filter: {search: "shop", unassigned: true},
                orderBy: {field: LAUNCHED_AT, direction: DESC}) {
          totalCount nodes { businessName }
        }
      }
    }
  }
}
"""


async def test_ordered_filtered_partner_clients_cost_the_same_for_1_and_12_partners(
    world: World, sessions: Sessions, http: httpx.AsyncClient, statements: list[str]
) -> None:
    one = await add_portfolio_user(sessions, "uno", 1)
    twelve = await add_portfolio_user(sessions, "doce", 12)
    statements.clear()
    small = await run_as(http, one, PARTNER_CLIENTS)
    few = list(statements)
    statements.clear()
    large = await run_as(http, twelve, PARTNER_CLIENTS)
    many = list(statements)
    assert len(small["viewer"]["memberships"]) == 1
    partners = [m["partner"] for m in large["viewer"]["memberships"]]
    assert len(partners) == 12
    for partner in partners:
        index = partner["name"].rsplit(" ", 1)[1]
        assert partner["clients"]["totalCount"] == 1
        assert partner["clients"]["nodes"] == [{"businessName": f"doce shop {index}"}]
    assert len(few) == len(many), dump(many)
    assert_viewer_load(many)
