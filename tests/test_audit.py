"""The audit trail as its readers see it: what an event records, who reads which events (and
whose values), filters, newest-first pages, bulk statements, and the statement budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent, AuditOperation
from db.enums import TaskStatus
from db.models import Task
from tests.conftest import GraphQL, World
from tests.helpers import codes, db_id, gid

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
MERCHANT_STAFF = "staff@lumen-candles.test"
OTHER_MERCHANT = "merchant@harbor-coffee.test"
OUTSIDER = "owner@bluefin.test"
PLATFORM = "staff@shopiq.test"
LUMEN = "Lumen Candles"

EVENT_FIELDS = """
  id action operation targetType targetId internal valuesHidden requestId occurredAt
  actor { name } client { businessName } changes { field before after }
"""
CLIENT_TRAIL = f"""
query Trail($id: ID!, $first: Int, $after: String, $filter: AuditEventFilterInput) {{
  client(id: $id) {{
    auditEvents(first: $first, after: $after, filter: $filter) {{
      totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {EVENT_FIELDS} }}
    }}
  }}
}}"""
PARTNER_TRAIL = f"""
query Trail($id: ID!, $filter: AuditEventFilterInput) {{
  partner(id: $id) {{
    auditEvents(first: 100, filter: $filter) {{ totalCount nodes {{ {EVENT_FIELDS} }} }}
  }}
}}"""
NODE = """query Node($id: ID!) { node(id: $id) { id ... on AuditEvent { action } } }"""
CREATE_TASK = """
mutation Create($clientId: ID!, $title: String!, $shared: Boolean!) {
  createTask(input: { clientId: $clientId, title: $title, description: "the plan",
                      clientVisible: $shared }) {
    task { id version } userErrors { field code }
  }
}"""
UPDATE_TASK = """
mutation Update($taskId: ID!, $version: Int!, $title: String, $shared: Boolean) {
  updateTask(input: { taskId: $taskId, version: $version, title: $title,
                      clientVisible: $shared }) {
    task { id version } userErrors { field code }
  }
}"""


def lumen(world: World) -> str:
    return gid("Client", world.clients[LUMEN])


async def trail(gql: GraphQL, email: str, world: World, **variables: Any) -> dict[str, Any]:
    body = await gql(email, CLIENT_TRAIL, id=lumen(world), first=100, **variables)
    assert "errors" not in body, body
    client = body["data"]["client"]
    return client["auditEvents"] if client else {}


async def create_task(gql: GraphQL, world: World, title: str, *, shared: bool) -> dict[str, Any]:
    body = await gql(OWNER, CREATE_TASK, clientId=lumen(world), title=title, shared=shared)
    assert body["data"]["createTask"]["userErrors"] == [], body
    task: dict[str, Any] = body["data"]["createTask"]["task"]
    return task


def of_target(events: list[dict[str, Any]], target_id: str) -> list[dict[str, Any]]:
    return [e for e in events if e["targetId"] == target_id]


def changes(event: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["before"], c["after"]) for c in event["changes"]}


async def test_an_update_records_who_changed_which_fields_from_what_to_what(
    gql: GraphQL, world: World
) -> None:
    task = await create_task(gql, world, "Write the about page", shared=True)
    body = await gql(OWNER, UPDATE_TASK, taskId=task["id"], version=task["version"], title="New")
    assert body["data"]["updateTask"]["userErrors"] == []

    events = of_target((await trail(gql, OWNER, world))["nodes"], task["id"])
    assert [(e["action"], e["operation"]) for e in events] == [
        ("updateTask", "UPDATE"),  # newest first
        ("createTask", "CREATE"),
    ]
    updated, created = events
    # Only the title: the version and the timestamps are bookkeeping, not changes.
    assert changes(updated) == {"title": ("Write the about page", "New")}
    assert changes(created)["title"] == (None, "Write the about page")
    assert changes(created)["clientVisible"] == (None, True)
    assert "id" not in changes(created)
    for event in events:
        assert event["actor"] == {"name": "Nora Owens"}
        assert event["client"] == {"businessName": LUMEN}
        assert event["targetType"] == "Task"
        assert not event["internal"]
        assert not event["valuesHidden"]
        assert len(event["requestId"]) >= 8
    assert updated["requestId"] != created["requestId"]
    assert updated["occurredAt"] >= created["occurredAt"]


async def test_the_merchant_owner_sees_internal_work_happen_but_never_its_values(
    gql: GraphQL, world: World
) -> None:
    internal = await create_task(gql, world, "Chase the supplier", shared=False)
    shared = await create_task(gql, world, "Send us your logo", shared=True)

    events = (await trail(gql, MERCHANT, world))["nodes"]
    (hidden,) = of_target(events, internal["id"])
    assert hidden["internal"]
    assert hidden["valuesHidden"]
    assert hidden["actor"] == {"name": "Nora Owens"}  # partner staff named
    assert {c["field"] for c in hidden["changes"]} >= {"title", "description"}
    assert all(c["before"] is None and c["after"] is None for c in hidden["changes"])
    (seen,) = of_target(events, shared["id"])
    assert not seen["internal"]
    assert not seen["valuesHidden"]
    assert changes(seen)["title"] == (None, "Send us your logo")

    # The partner's owner sees the internal values.
    (full,) = of_target((await trail(gql, OWNER, world))["nodes"], internal["id"])
    assert full["internal"]
    assert not full["valuesHidden"]
    assert changes(full)["description"] == (None, "the plan")


async def test_sharing_an_internal_item_keeps_its_change_internal(
    gql: GraphQL, world: World
) -> None:
    task = await create_task(gql, world, "Draft", shared=False)
    body = await gql(OWNER, UPDATE_TASK, taskId=task["id"], version=task["version"], shared=True)
    assert body["data"]["updateTask"]["userErrors"] == []
    events = of_target((await trail(gql, MERCHANT, world))["nodes"], task["id"])
    assert [(e["action"], e["valuesHidden"]) for e in events] == [
        ("updateTask", True),
        ("createTask", True),
    ]


@pytest.mark.parametrize("email", [MANAGER, SPECIALIST, MERCHANT_STAFF])
async def test_lesser_roles_of_the_client_read_no_trail(
    gql: GraphQL, world: World, email: str
) -> None:
    await create_task(gql, world, "Anything", shared=True)
    assert await trail(gql, email, world) == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [],
    }


@pytest.mark.parametrize("email", [OUTSIDER, OTHER_MERCHANT, "newcomer@shopiq.test"])
async def test_outsiders_cannot_reach_the_trail_at_all(
    gql: GraphQL, world: World, email: str
) -> None:
    task = await create_task(gql, world, "Anything", shared=True)
    (event,) = of_target((await trail(gql, OWNER, world))["nodes"], task["id"])
    assert await trail(gql, email, world) == {}  # the client itself is not there
    missing = gid("AuditEvent", 2**31 - 1)
    for node_id in (event["id"], missing):
        assert (await gql(email, NODE, id=node_id))["data"] == {"node": None}
    northwind = gid("Partner", world.partners["northwind-digital"])
    partner = (await gql(email, PARTNER_TRAIL, id=northwind))["data"]["partner"]
    assert partner is None


@pytest.mark.parametrize(("email", "sees"), [(OWNER, True), (ADMIN, True), (PLATFORM, True)])
async def test_owners_admins_and_platform_staff_read_the_partner_trail(
    gql: GraphQL, world: World, email: str, sees: bool
) -> None:
    task = await create_task(gql, world, "Partner-wide", shared=False)
    northwind = gid("Partner", world.partners["northwind-digital"])
    body = await gql(email, PARTNER_TRAIL, id=northwind)
    (event,) = of_target(body["data"]["partner"]["auditEvents"]["nodes"], task["id"])
    assert not event["valuesHidden"]
    assert (await gql(email, NODE, id=event["id"]))["data"]["node"]["action"] == "createTask"


@pytest.mark.parametrize("email", [MANAGER, SPECIALIST])
async def test_other_team_members_read_none_of_the_partner_trail(
    gql: GraphQL, world: World, email: str
) -> None:
    await create_task(gql, world, "Partner-wide", shared=True)
    northwind = gid("Partner", world.partners["northwind-digital"])
    body = await gql(email, PARTNER_TRAIL, id=northwind)
    assert body["data"]["partner"]["auditEvents"] == {"totalCount": 0, "nodes": []}


async def test_the_merchant_reads_only_their_own_business_in_the_partner_trail(
    gql: GraphQL, world: World
) -> None:
    onboarded = await gql(
        OWNER,
        'mutation($p: ID!) { onboardClient(input: { partnerId: $p, businessName: "Other Co", '
        'contactEmail: "other@example.test" }) { userErrors { code } } }',
        p=gid("Partner", world.partners["northwind-digital"]),
    )
    assert onboarded["data"]["onboardClient"]["userErrors"] == []
    northwind = gid("Partner", world.partners["northwind-digital"])
    owner_view = (await gql(OWNER, PARTNER_TRAIL, id=northwind))["data"]["partner"]
    assert "Other Co" in {e["client"]["businessName"] for e in owner_view["auditEvents"]["nodes"]}
    body = await gql(MERCHANT, PARTNER_TRAIL, id=northwind)
    events = body["data"]["partner"]["auditEvents"]["nodes"]
    assert events
    assert {e["client"]["businessName"] for e in events} == {LUMEN}


async def count_events(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(AuditEvent.id)))).scalar_one())


async def test_refused_and_conflicting_mutations_write_nothing(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task = await create_task(gql, world, "Versioned", shared=True)
    before = await count_events(sessions)
    blank = await gql(OWNER, CREATE_TASK, clientId=lumen(world), title=" ", shared=True)
    assert codes(blank["data"]["createTask"]) == [(["input", "title"], "REQUIRED")]
    stale = await gql(OWNER, UPDATE_TASK, taskId=task["id"], version=task["version"] + 5, title="X")
    assert [c for _, c in codes(stale["data"]["updateTask"])] == ["CONFLICT"]
    same = await gql(OWNER, UPDATE_TASK, taskId=task["id"], version=task["version"])
    assert same["data"]["updateTask"]["userErrors"] == []  # nothing to change, nothing recorded
    assert await count_events(sessions) == before


async def test_bulk_statements_are_captured_row_by_row(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Removing a member deletes their assignments and unassigns their tasks in bulk."""
    member_id = world.members[SPECIALIST]
    async with sessions() as session:
        assigned = set(
            (await session.execute(select(Task.id).where(Task.assignee_member_id == member_id)))
            .scalars()
            .all()
        )
    assert assigned
    body = await gql(
        OWNER,
        "mutation($m: ID!) { removeMember(input: { memberId: $m, version: 1 }) "
        "{ userErrors { code } } }",
        m=gid("PartnerMember", member_id),
    )
    assert body["data"]["removeMember"]["userErrors"] == []
    async with sessions() as session:
        rows = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "removeMember"))
        ).scalars()
        events = [(e.target_type, e.operation, e.target_id, e.changes) for e in rows]
    kinds = {(t, op) for t, op, _, _ in events}
    assert kinds >= {
        ("PartnerMember", AuditOperation.DELETE),
        ("Assignment", AuditOperation.DELETE),
        ("Task", AuditOperation.UPDATE),
    }
    unassigned = {i for t, _, i, _ in events if t == "Task"}
    assert unassigned == assigned
    for target_type, _, _, diff in events:
        if target_type == "Task":
            assert diff == {"assignee_member_id": {"before": member_id, "after": None}}


async def test_filters_and_newest_first_pages(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tasks = [await create_task(gql, world, f"Step {i}", shared=True) for i in range(3)]
    done = await gql(
        MERCHANT,
        "mutation($t: ID!, $v: Int!) { completeTask(input: { taskId: $t, version: $v }) "
        "{ userErrors { code } } }",
        t=tasks[0]["id"],
        v=tasks[0]["version"],
    )
    assert done["data"]["completeTask"]["userErrors"] == []

    everything = (await trail(gql, OWNER, world))["nodes"]
    ids = [db_id(e["id"]) for e in everything]
    assert ids == sorted(ids, reverse=True)

    merchant = gid("User", world.users[MERCHANT])
    by_actor = await trail(gql, OWNER, world, filter={"actorId": merchant})
    assert {(e["action"], e["actor"]["name"]) for e in by_actor["nodes"]} >= {
        ("completeTask", "Lena Marsh")
    }
    assert all(e["actor"]["name"] == "Lena Marsh" for e in by_actor["nodes"])
    by_action = await trail(gql, OWNER, world, filter={"action": "createTask"})
    assert {e["action"] for e in by_action["nodes"]} == {"createTask"}
    by_target = await trail(gql, OWNER, world, filter={"targetId": tasks[0]["id"]})
    assert [e["action"] for e in by_target["nodes"]] == ["completeTask", "createTask"]
    by_type = await trail(gql, OWNER, world, filter={"targetType": "Store"})
    assert {e["targetType"] for e in by_type["nodes"]} == {"Store"}
    unknown = await trail(gql, OWNER, world, filter={"targetId": "bm9wZQ==", "actorId": "x"})
    assert unknown["nodes"] == []

    newest = everything[0]["occurredAt"]
    since = await trail(gql, OWNER, world, filter={"since": newest})
    assert since["nodes"]
    assert all(e["occurredAt"] >= newest for e in since["nodes"])
    until = await trail(gql, OWNER, world, filter={"until": newest})
    assert all(e["occurredAt"] < newest for e in until["nodes"])
    assert len(since["nodes"]) + len(until["nodes"]) == len(everything)

    seen: list[str] = []
    after = None
    while True:
        body = await gql(OWNER, CLIENT_TRAIL, id=lumen(world), first=2, after=after)
        page = body["data"]["client"]["auditEvents"]
        seen += [e["id"] for e in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["id"] for e in everything]


async def test_a_tampered_cursor_is_an_input_error(gql: GraphQL, world: World) -> None:
    for cursor in ("WzEwMDAwMDAwMDAwMF0", "WyJ4Il0", "WzVd"):  # [100000000000], ["x"], [5]
        body = await gql(OWNER, CLIENT_TRAIL, id=lumen(world), first=2, after=cursor)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


# --- Statement budget ------------------------------------------------------------------------


async def add_events(sessions: async_sessionmaker[AsyncSession], world: World, count: int) -> None:
    """`count` events on Lumen by different actors, every third one internal."""
    actors = [world.users[e] for e in (OWNER, SPECIALIST, MERCHANT, ADMIN)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "occurred_at": start + timedelta(minutes=i),
            "actor_user_id": actors[i % len(actors)],
            "partner_id": world.partners["northwind-digital"],
            "client_id": world.clients[LUMEN],
            "action": "updateTask",
            "operation": AuditOperation.UPDATE,
            "target_type": "Task",
            "target_id": i + 1,
            "changes": {"title": {"before": f"t{i}", "after": f"t{i + 1}"}},
            "internal": i % 3 == 0,
            "request_id": f"budget{i}",
        }
        for i in range(count)
    ]
    async with sessions.begin() as session:
        await session.execute(insert(AuditEvent), rows)


PARTNER_PAGE = f"""
query Trail($id: ID!, $first: Int!) {{
  partner(id: $id) {{ auditEvents(first: $first) {{ totalCount nodes {{ {EVENT_FIELDS} }} }} }}
}}"""


@pytest.mark.parametrize(
    ("email", "path"), [(OWNER, "client"), (MERCHANT, "client"), (OWNER, "partner")]
)
async def test_a_trail_page_costs_the_same_for_5_and_100_events(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    statements: list[str],
    email: str,
    path: str,
) -> None:
    await add_events(sessions, world, 120)
    query, id_ = (
        (CLIENT_TRAIL, lumen(world))
        if path == "client"
        else (PARTNER_PAGE, gid("Partner", world.partners["northwind-digital"]))
    )
    counts = []
    for first in (5, 100):
        statements.clear()
        body = await gql(email, query, id=id_, first=first)
        assert "errors" not in body, body
        page = body["data"][path]["auditEvents"]
        assert len(page["nodes"]) == first
        assert page["totalCount"] >= 120
        assert len({e["actor"]["name"] for e in page["nodes"]}) >= min(first, 4)
        hidden = [e["valuesHidden"] for e in page["nodes"]]
        assert any(hidden) == (email == MERCHANT)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_done_tasks_exist_in_the_demo_trail(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The demo seeds a trail: Lumen's onboarding, tasks, set-up and a merchant's tick."""
    events = (await trail(gql, MERCHANT, world))["nodes"]
    actions = {e["action"] for e in events}
    assert {"onboardClient", "createTask", "completeTask", "updateStorePayments"} <= actions
    async with sessions() as session:
        done = (
            await session.execute(
                select(func.count()).where(
                    Task.client_id == world.clients[LUMEN], Task.status == TaskStatus.DONE
                )
            )
        ).scalar_one()
    assert done
