"""Tasks: the launch checklist and pending work of each client.

Creating, editing, completing, reopening, deleting and reordering tasks; the client's checklist,
its open count and next due task; the cross-client task list with its filters, order and paging;
and who may see or change which task (partner staff of the partner that owns the task while it
works on the client, merchants only for tasks shared with them, platform staff read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import TaskCategory, TaskStatus
from db.models import Task
from schema.relay import to_global_id
from tests.conftest import GraphQL, World
from tests.helpers import codes, db_id, gid

Sessions = async_sessionmaker[AsyncSession]
Payload = dict[str, Any]

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
INVITEE = "invitee@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
MERCHANT_STAFF = "staff@lumen-candles.test"
PLATFORM = "staff@shopiq.test"

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"
LUMEN = "Lumen Candles"
COPPERLEAF = "Copperleaf Tea"  # Northwind's, not assigned to the specialist
OLD_MILL = "Old Mill Bakery"  # Northwind's access revoked, specialist still assigned
TIDAL = "Tidal Threads"  # moved from Northwind to Bluefin
HARBOR = "Harbor Coffee"  # Bluefin's

# Lumen Candles' seeded checklist, in order: 1-6 done, 7 in progress, 8-10 to do, all of 7-10
# past their due date. Tasks 1, 2, 7 and 9 are shared with the merchant.
KICKOFF = "Kick-off call with the merchant"
PHOTOS = "Send product photos and descriptions"
APPROVE_DESIGN = "Approve the store design"
POLICIES = "Write refund, shipping, privacy and terms policies"
DNS = "Point the domain's DNS at ShopIQ"
REHEARSAL = "Launch rehearsal and go-live checklist"
LUMEN_SHARED = [KICKOFF, PHOTOS, APPROVE_DESIGN, DNS]

UNKNOWN_TASK = str(to_global_id("Task", 987_654_321))
UNKNOWN_CLIENT = str(to_global_id("Client", 987_654_321))

ERRORS = "userErrors { field message code }"
TASK_FIELDS = """
fragment TaskFields on Task {
  id title description category status dueDate clientVisible blocksLaunch position
  completedAt version overdue
  assignee { id role user { email } }
  client { id businessName }
}
"""
MUTATIONS = {
    "createTask": "CreateTaskInput",
    "updateTask": "UpdateTaskInput",
    "completeTask": "TaskVersionInput",
    "reopenTask": "TaskVersionInput",
}


def today() -> date:
    return datetime.now(UTC).date()


def as_utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


async def mutate(gql: GraphQL, email: str, name: str, input: dict[str, Any]) -> Payload:
    """Run one task mutation as `email` and return its payload."""
    if name in MUTATIONS:
        doc = (
            f"mutation($input: {MUTATIONS[name]}!) {{ {name}(input: $input) "
            f"{{ task {{ ...TaskFields }} {ERRORS} }} }}" + TASK_FIELDS
        )
    elif name == "deleteTask":
        doc = (
            "mutation($input: TaskVersionInput!) { deleteTask(input: $input) "
            f"{{ deletedTaskId {ERRORS} }} }}"
        )
    else:
        assert name == "reorderTasks"
        doc = (
            "mutation($input: ReorderTasksInput!) { reorderTasks(input: $input) "
            f"{{ client {{ id tasks(first: 100) {{ nodes {{ title position }} }} }} {ERRORS} }} }}"
        )
    body = await gql(email, doc, input=input)
    assert "errors" not in body, body
    payload: Payload = body["data"][name]
    return payload


async def checklist(sessions: Sessions, world: World, client: str) -> list[Task]:
    """The client's tasks as stored, in checklist order."""
    async with sessions() as session:
        rows = await session.execute(
            select(Task)
            .where(Task.client_id == world.clients[client])
            .order_by(Task.position, Task.id)
        )
        return list(rows.scalars().all())


async def task_row(sessions: Sessions, task_id: int) -> Task | None:
    async with sessions() as session:
        return await session.get(Task, task_id)


async def lumen_task(sessions: Sessions, world: World, title: str) -> Task:
    return next(t for t in await checklist(sessions, world, LUMEN) if t.title == title)


async def task_count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(Task.id)))).scalar_one())


def snapshot(task: Task | None) -> tuple[Any, ...] | None:
    if task is None:
        return None
    return (
        task.title,
        task.description,
        task.category,
        task.status,
        task.assignee_member_id,
        task.due_date,
        task.client_visible,
        task.blocks_launch,
        task.position,
        task.completed_at,
        task.version,
    )


async def root_tasks(
    gql: GraphQL, email: str, filter: dict[str, Any] | None = None, page_size: int = 100
) -> list[Payload]:
    """Every task of the cross-client list, following the cursors to the end."""
    doc = (
        "query($first: Int!, $after: String, $filter: TaskFilterInput) {"
        " tasks(first: $first, after: $after, filter: $filter) {"
        " totalCount pageInfo { hasNextPage endCursor } nodes { ...TaskFields } } }" + TASK_FIELDS
    )
    nodes: list[Payload] = []
    after: str | None = None
    total: int | None = None
    while True:
        body = await gql(email, doc, first=page_size, after=after, filter=filter)
        assert "errors" not in body, body
        conn = body["data"]["tasks"]
        total = conn["totalCount"] if total is None else total
        assert conn["totalCount"] == total
        nodes.extend(conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(nodes) == total
    return nodes


async def client_view(gql: GraphQL, email: str, client_id: int) -> Payload | None:
    doc = (
        "query($id: ID!) { client(id: $id) { businessName openTaskCount"
        " nextDueTask { ...TaskFields }"
        " tasks(first: 100) { totalCount nodes { ...TaskFields } } } }" + TASK_FIELDS
    )
    body = await gql(email, doc, id=gid("Client", client_id))
    assert "errors" not in body, body
    client: Payload | None = body["data"]["client"]
    return client


async def node(gql: GraphQL, email: str, global_id: str) -> Payload | None:
    body = await gql(
        email, "query($id: ID!) { node(id: $id) { ... on Task { id title } } }", id=global_id
    )
    assert "errors" not in body, body
    found: Payload | None = body["data"]["node"]
    return found


def titles(nodes: Sequence[Payload]) -> list[str]:
    return [n["title"] for n in nodes]


async def create(gql: GraphQL, email: str, client_id: int, **fields: Any) -> Payload:
    payload = await mutate(
        gql, email, "createTask", {"clientId": gid("Client", client_id), **fields}
    )
    assert payload["userErrors"] == [], payload
    task: Payload = payload["task"]
    return task


# --- Creating ------------------------------------------------------------------------------


async def test_create_task_defaults(gql: GraphQL, world: World, sessions: Sessions) -> None:
    task = await create(gql, OWNER, world.clients[LUMEN], title="  Order gift boxes  ")
    assert task["title"] == "Order gift boxes"
    assert task["status"] == "TODO"
    assert task["category"] == "OTHER"
    assert task["position"] == 11  # appended after the ten seeded tasks
    assert task["clientVisible"] is False
    assert task["blocksLaunch"] is False
    assert task["dueDate"] is None
    assert task["description"] is None
    assert task["completedAt"] is None
    assert task["assignee"] is None
    assert task["overdue"] is False
    assert task["version"] == 1
    assert task["client"] == {"id": gid("Client", world.clients[LUMEN]), "businessName": LUMEN}
    row = await task_row(sessions, db_id(task["id"]))
    assert row is not None
    assert row.partner_id == world.partners[NORTHWIND]
    assert row.client_id == world.clients[LUMEN]

    second = await create(gql, OWNER, world.clients[LUMEN], title="Order ribbons")
    assert second["position"] == 12


async def test_create_task_with_every_field(gql: GraphQL, world: World) -> None:
    due = (today() + timedelta(days=3)).isoformat()
    task = await create(
        gql,
        SPECIALIST,
        world.clients[LUMEN],
        title="Shoot the hero banner",
        description="Golden hour, three candles.",
        category="DESIGN",
        status="IN_PROGRESS",
        assigneeId=gid("PartnerMember", world.members[DESIGNER]),
        dueDate=due,
        clientVisible=True,
        blocksLaunch=True,
    )
    assert task["description"] == "Golden hour, three candles."
    assert task["category"] == "DESIGN"
    assert task["status"] == "IN_PROGRESS"
    assert task["dueDate"] == due
    assert task["clientVisible"] is True
    assert task["blocksLaunch"] is True
    assert task["overdue"] is False
    assert task["assignee"]["id"] == gid("PartnerMember", world.members[DESIGNER])
    assert task["assignee"]["user"]["email"] == DESIGNER


@pytest.mark.parametrize(
    ("title", "code"),
    [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 201, "TOO_LONG")],
    ids=["empty", "blank", "too-long"],
)
async def test_create_task_rejects_bad_titles(
    gql: GraphQL, world: World, sessions: Sessions, title: str, code: str
) -> None:
    before = await task_count(sessions)
    payload = await mutate(
        gql, OWNER, "createTask", {"clientId": gid("Client", world.clients[LUMEN]), "title": title}
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", "title"], code)]
    assert await task_count(sessions) == before


async def test_create_task_with_title_of_200_characters(gql: GraphQL, world: World) -> None:
    task = await create(gql, OWNER, world.clients[LUMEN], title="y" * 200)
    assert task["title"] == "y" * 200


async def test_create_task_as_done_is_an_invalid_transition(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    before = await task_count(sessions)
    payload = await mutate(
        gql,
        OWNER,
        "createTask",
        {
            "clientId": gid("Client", world.clients[LUMEN]),
            "title": "Already done",
            "status": "DONE",
        },
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", "status"], "INVALID_TRANSITION")]
    assert await task_count(sessions) == before


@pytest.mark.parametrize(
    "assignee",
    ["other-partner", "invited-member", "garbage", "wrong-type", "never-issued"],
)
async def test_create_task_with_an_assignee_outside_the_team_is_not_found(
    gql: GraphQL, world: World, sessions: Sessions, assignee: str
) -> None:
    assignee_id = {
        "other-partner": gid("PartnerMember", world.members[BLUEFIN_OWNER]),
        "invited-member": gid("PartnerMember", world.members[INVITEE]),
        "garbage": "not-an-id",
        "wrong-type": gid("Client", world.clients[LUMEN]),
        "never-issued": gid("PartnerMember", 987_654_321),
    }[assignee]
    before = await task_count(sessions)
    payload = await mutate(
        gql,
        OWNER,
        "createTask",
        {
            "clientId": gid("Client", world.clients[LUMEN]),
            "title": "Call the printer",
            "assigneeId": assignee_id,
        },
    )
    assert payload["task"] is None
    assert payload["userErrors"] == [
        {
            "field": ["input", "assigneeId"],
            "message": "No team member with that id.",
            "code": "NOT_FOUND",
        }
    ]
    assert await task_count(sessions) == before


@pytest.mark.parametrize(
    ("email", "client"),
    [
        (SPECIALIST, COPPERLEAF),  # not assigned
        (SPECIALIST, OLD_MILL),  # assigned, but the access was revoked
        (OWNER, TIDAL),  # the access ended
        (OWNER, HARBOR),  # another partner's client
        (BLUEFIN_OWNER, LUMEN),
        ("newcomer@shopiq.test", LUMEN),
    ],
)
async def test_create_task_on_a_client_out_of_reach_is_not_found(
    gql: GraphQL, world: World, sessions: Sessions, email: str, client: str
) -> None:
    before = await task_count(sessions)
    foreign = await mutate(
        gql, email, "createTask", {"clientId": gid("Client", world.clients[client]), "title": "Hi"}
    )
    unknown = await mutate(gql, email, "createTask", {"clientId": UNKNOWN_CLIENT, "title": "Hi"})
    assert foreign == unknown
    assert codes(foreign) == [(["input", "clientId"], "NOT_FOUND")]
    assert await task_count(sessions) == before


@pytest.mark.parametrize("email", [MERCHANT, MERCHANT_STAFF, PLATFORM])
async def test_create_task_by_readers_of_the_client_is_forbidden(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    before = await task_count(sessions)
    payload = await mutate(
        gql,
        email,
        "createTask",
        {"clientId": gid("Client", world.clients[LUMEN]), "title": "Please call me"},
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", "clientId"], "FORBIDDEN")]
    assert await task_count(sessions) == before


# --- Editing and status rules ---------------------------------------------------------------


async def test_update_task_changes_only_the_given_fields(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    task = await lumen_task(sessions, world, POLICIES)
    assert task.assignee_member_id == world.members[SPECIALIST]
    payload = await mutate(
        gql,
        MANAGER,
        "updateTask",
        {
            "taskId": gid("Task", task.id),
            "version": task.version,
            "title": "Write the four store policies",
            "status": "BLOCKED",
            "clearDueDate": True,
            "clearAssignee": True,
            "clientVisible": True,
        },
    )
    assert payload["userErrors"] == []
    updated = payload["task"]
    assert updated["title"] == "Write the four store policies"
    assert updated["status"] == "BLOCKED"
    assert updated["dueDate"] is None
    assert updated["assignee"] is None
    assert updated["clientVisible"] is True
    assert updated["overdue"] is False
    # Untouched fields keep their values.
    assert updated["category"] == "CONTENT"
    assert updated["blocksLaunch"] is True
    assert updated["position"] == task.position
    assert updated["version"] == task.version + 1

    again = await mutate(
        gql,
        MANAGER,
        "updateTask",
        {
            "taskId": updated["id"],
            "version": updated["version"],
            "assigneeId": gid("PartnerMember", world.members[DESIGNER]),
            "dueDate": "2031-05-01",
        },
    )
    assert again["userErrors"] == []
    assert again["task"]["assignee"]["user"]["email"] == DESIGNER
    assert again["task"]["dueDate"] == "2031-05-01"
    assert again["task"]["title"] == "Write the four store policies"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("title", "  ", "REQUIRED"), ("title", "z" * 201, "TOO_LONG")],
)
async def test_update_task_validates_the_title(
    gql: GraphQL, world: World, sessions: Sessions, field: str, value: str, code: str
) -> None:
    task = await lumen_task(sessions, world, DNS)
    payload = await mutate(
        gql,
        OWNER,
        "updateTask",
        {
            "taskId": gid("Task", task.id),
            "version": task.version,
            field: value,
            "status": "BLOCKED",
        },
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", field], code)]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


@pytest.mark.parametrize("assignee", ["other-partner", "invited-member", "garbage"])
async def test_update_task_with_an_assignee_outside_the_team_is_not_found(
    gql: GraphQL, world: World, sessions: Sessions, assignee: str
) -> None:
    assignee_id = {
        "other-partner": gid("PartnerMember", world.members["specialist@bluefin.test"]),
        "invited-member": gid("PartnerMember", world.members[INVITEE]),
        "garbage": "garbage",
    }[assignee]
    task = await lumen_task(sessions, world, DNS)
    payload = await mutate(
        gql,
        MANAGER,
        "updateTask",
        {
            "taskId": gid("Task", task.id),
            "version": task.version,
            "title": "Point the DNS",
            "assigneeId": assignee_id,
        },
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", "assigneeId"], "NOT_FOUND")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


async def test_update_task_cannot_set_done(gql: GraphQL, world: World, sessions: Sessions) -> None:
    task = await lumen_task(sessions, world, DNS)
    payload = await mutate(
        gql,
        OWNER,
        "updateTask",
        {"taskId": gid("Task", task.id), "version": task.version, "status": "DONE", "title": "Dns"},
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", "status"], "INVALID_TRANSITION")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


@pytest.mark.parametrize("status", ["TODO", "IN_PROGRESS", "BLOCKED"])
async def test_update_task_cannot_change_the_status_of_a_done_task(
    gql: GraphQL, world: World, sessions: Sessions, status: str
) -> None:
    task = await lumen_task(sessions, world, KICKOFF)
    assert task.status == TaskStatus.DONE
    payload = await mutate(
        gql,
        OWNER,
        "updateTask",
        {
            "taskId": gid("Task", task.id),
            "version": task.version,
            "status": status,
            "title": "Kick-off, again",
        },
    )
    assert payload["task"] is None
    assert codes(payload) == [(["input", "status"], "INVALID_TRANSITION")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


async def test_complete_task_records_when_and_who(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    task = await lumen_task(sessions, world, REHEARSAL)
    started = datetime.now(UTC) - timedelta(seconds=1)
    payload = await mutate(
        gql, SPECIALIST, "completeTask", {"taskId": gid("Task", task.id), "version": task.version}
    )
    finished = datetime.now(UTC) + timedelta(seconds=1)
    assert payload["userErrors"] == []
    done = payload["task"]
    assert done["status"] == "DONE"
    assert done["overdue"] is False  # past its due date, but done
    assert done["version"] == task.version + 1
    assert started <= as_utc(done["completedAt"]) <= finished
    row = await task_row(sessions, task.id)
    assert row is not None
    assert row.status == TaskStatus.DONE
    assert row.completed_at is not None
    assert row.completed_by_user_id == world.users[SPECIALIST]

    view = await client_view(gql, OWNER, world.clients[LUMEN])
    assert view is not None
    stored = next(n for n in view["tasks"]["nodes"] if n["id"] == done["id"])
    assert stored["status"] == "DONE"
    assert as_utc(stored["completedAt"]) == as_utc(done["completedAt"])
    assert view["openTaskCount"] == 3

    again = await mutate(
        gql, SPECIALIST, "completeTask", {"taskId": done["id"], "version": done["version"]}
    )
    assert again["task"] is None
    assert codes(again) == [(["input", "taskId"], "INVALID_TRANSITION")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(row)


async def test_reopen_only_done_tasks(gql: GraphQL, world: World, sessions: Sessions) -> None:
    open_task = await lumen_task(sessions, world, APPROVE_DESIGN)
    refused = await mutate(
        gql,
        OWNER,
        "reopenTask",
        {"taskId": gid("Task", open_task.id), "version": open_task.version},
    )
    assert refused["task"] is None
    assert codes(refused) == [(["input", "taskId"], "INVALID_TRANSITION")]
    assert snapshot(await task_row(sessions, open_task.id)) == snapshot(open_task)

    done = await lumen_task(sessions, world, PHOTOS)
    reopened = await mutate(
        gql, OWNER, "reopenTask", {"taskId": gid("Task", done.id), "version": done.version}
    )
    assert reopened["userErrors"] == []
    assert reopened["task"]["status"] == "TODO"
    assert reopened["task"]["completedAt"] is None
    assert reopened["task"]["overdue"] is True  # open again and past its due date
    assert reopened["task"]["version"] == done.version + 1
    row = await task_row(sessions, done.id)
    assert row is not None
    assert row.status == TaskStatus.TODO
    assert row.completed_at is None
    assert row.completed_by_user_id is None


@pytest.mark.parametrize("mutation", ["updateTask", "completeTask", "reopenTask", "deleteTask"])
async def test_stale_version_is_a_conflict_and_changes_nothing(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str
) -> None:
    task = await lumen_task(sessions, world, PHOTOS if mutation == "reopenTask" else DNS)
    # Someone else edits the task first.
    first = await mutate(
        gql,
        MANAGER,
        "updateTask",
        {"taskId": gid("Task", task.id), "version": task.version, "description": "Edited"},
    )
    assert first["userErrors"] == []
    current = await task_row(sessions, task.id)
    assert current is not None
    assert current.version == task.version + 1

    fields: dict[str, Any] = {"taskId": gid("Task", task.id), "version": task.version}
    if mutation == "updateTask":
        fields |= {"title": "Stale edit", "status": "BLOCKED"}
    payload = await mutate(gql, OWNER, mutation, fields)
    assert codes(payload) == [(["input", "version"], "CONFLICT")]
    if mutation == "deleteTask":
        assert payload["deletedTaskId"] is None
    else:
        assert payload["task"] is None
    assert snapshot(await task_row(sessions, task.id)) == snapshot(current)


async def test_delete_task(gql: GraphQL, world: World, sessions: Sessions) -> None:
    task = await lumen_task(sessions, world, REHEARSAL)
    payload = await mutate(
        gql, SPECIALIST, "deleteTask", {"taskId": gid("Task", task.id), "version": task.version}
    )
    assert payload == {"deletedTaskId": gid("Task", task.id), "userErrors": []}
    assert await task_row(sessions, task.id) is None
    assert await node(gql, SPECIALIST, gid("Task", task.id)) is None
    view = await client_view(gql, SPECIALIST, world.clients[LUMEN])
    assert view is not None
    assert REHEARSAL not in titles(view["tasks"]["nodes"])
    assert view["tasks"]["totalCount"] == 9

    again = await mutate(
        gql, SPECIALIST, "deleteTask", {"taskId": gid("Task", task.id), "version": task.version}
    )
    unknown = await mutate(
        gql, SPECIALIST, "deleteTask", {"taskId": UNKNOWN_TASK, "version": task.version}
    )
    assert again == unknown
    assert codes(again) == [(["input", "taskId"], "NOT_FOUND")]


# --- Reordering -----------------------------------------------------------------------------


async def test_reorder_tasks_puts_the_checklist_in_the_new_order(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tasks = await checklist(sessions, world, LUMEN)
    new_order = list(reversed(tasks))
    new_order[0], new_order[1] = new_order[1], new_order[0]
    payload = await mutate(
        gql,
        SPECIALIST,
        "reorderTasks",
        {
            "clientId": gid("Client", world.clients[LUMEN]),
            "taskIds": [gid("Task", t.id) for t in new_order],
        },
    )
    assert payload["userErrors"] == []
    expected = [t.title for t in new_order]
    assert titles(payload["client"]["tasks"]["nodes"]) == expected
    assert [n["position"] for n in payload["client"]["tasks"]["nodes"]] == list(range(1, 11))

    view = await client_view(gql, OWNER, world.clients[LUMEN])
    assert view is not None
    assert titles(view["tasks"]["nodes"]) == expected
    # The merchant's shared tasks follow the same order.
    merchant_view = await client_view(gql, MERCHANT, world.clients[LUMEN])
    assert merchant_view is not None
    assert titles(merchant_view["tasks"]["nodes"]) == [t for t in expected if t in LUMEN_SHARED]

    # A task created afterwards goes to the end.
    task = await create(gql, OWNER, world.clients[LUMEN], title="Afterthought")
    assert task["position"] == 11


@pytest.mark.parametrize(
    "case", ["missing", "duplicate", "foreign", "extra-foreign", "garbage", "never-issued", "empty"]
)
async def test_reorder_tasks_must_list_every_task_exactly_once(
    gql: GraphQL, world: World, sessions: Sessions, case: str
) -> None:
    tasks = await checklist(sessions, world, LUMEN)
    ids = [gid("Task", t.id) for t in reversed(tasks)]
    other = (await checklist(sessions, world, COPPERLEAF))[0]
    task_ids = {
        "missing": ids[:-1],
        "duplicate": [*ids[:-1], ids[0]],
        "foreign": [*ids[:-1], gid("Task", other.id)],
        "extra-foreign": [*ids, gid("Task", other.id)],
        "garbage": [*ids[:-1], "garbage"],
        "never-issued": [*ids[:-1], UNKNOWN_TASK],
        "empty": [],
    }[case]
    payload = await mutate(
        gql,
        OWNER,
        "reorderTasks",
        {"clientId": gid("Client", world.clients[LUMEN]), "taskIds": task_ids},
    )
    assert payload["client"] is None
    assert codes(payload) == [(["input", "taskIds"], "INVALID")]
    after = await checklist(sessions, world, LUMEN)
    assert [(t.id, t.position, t.version) for t in after] == [
        (t.id, t.position, t.version) for t in tasks
    ]
    copperleaf = await checklist(sessions, world, COPPERLEAF)
    assert snapshot(copperleaf[0]) == snapshot(other)


@pytest.mark.parametrize(
    ("email", "client", "code"),
    [
        (MERCHANT, LUMEN, "FORBIDDEN"),
        (PLATFORM, LUMEN, "FORBIDDEN"),
        (BLUEFIN_OWNER, LUMEN, "NOT_FOUND"),
        (DESIGNER, "Aster Apparel", "NOT_FOUND"),  # works on Lumen Candles, not on Aster
    ],
)
async def test_reorder_tasks_permissions(
    gql: GraphQL, world: World, sessions: Sessions, email: str, client: str, code: str
) -> None:
    tasks = await checklist(sessions, world, client)
    input = {
        "clientId": gid("Client", world.clients[client]),
        "taskIds": [gid("Task", t.id) for t in reversed(tasks)],
    }
    payload = await mutate(gql, email, "reorderTasks", input)
    assert payload["client"] is None
    if code == "FORBIDDEN":
        assert codes(payload) == [(["input", "clientId"], "FORBIDDEN")]
    else:
        unknown = await mutate(gql, email, "reorderTasks", {**input, "clientId": UNKNOWN_CLIENT})
        assert payload == unknown
        assert codes(payload) == [(["input", "clientId"], "NOT_FOUND")]
    after = await checklist(sessions, world, client)
    assert [t.id for t in after] == [t.id for t in tasks]


# --- Merchants ------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [MERCHANT, MERCHANT_STAFF])
async def test_merchant_sees_only_the_tasks_shared_with_them(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    lumen = world.clients[LUMEN]
    # An internal task due long ago, and a shared one due later than everything else.
    internal = await create(
        gql, OWNER, lumen, title="Chase the overdue invoice", dueDate="2001-01-01"
    )
    shared = await create(gql, OWNER, lumen, title="Pick a launch date", clientVisible=True)

    view = await client_view(gql, email, lumen)
    assert view is not None
    assert titles(view["tasks"]["nodes"]) == [*LUMEN_SHARED, "Pick a launch date"]
    assert view["tasks"]["totalCount"] == 5
    assert all(n["clientVisible"] for n in view["tasks"]["nodes"])
    assert view["openTaskCount"] == 3  # approve design, DNS, launch date
    assert view["nextDueTask"]["title"] == APPROVE_DESIGN

    partner_view = await client_view(gql, OWNER, lumen)
    assert partner_view is not None
    assert partner_view["openTaskCount"] == 6
    assert partner_view["nextDueTask"]["id"] == internal["id"]

    everything = await root_tasks(gql, email)
    assert sorted(titles(everything)) == sorted([*LUMEN_SHARED, "Pick a launch date"])
    assert {n["client"]["businessName"] for n in everything} == {LUMEN}
    filtered = await root_tasks(gql, email, {"clientId": gid("Client", lumen), "overdue": True})
    assert titles(filtered) == [APPROVE_DESIGN, DNS]

    assert await node(gql, email, internal["id"]) is None
    assert await node(gql, email, shared["id"]) == {
        "id": shared["id"],
        "title": "Pick a launch date",
    }
    for task in await checklist(sessions, world, LUMEN):
        found = await node(gql, email, gid("Task", task.id))
        assert (found is not None) == task.client_visible, task.title


async def test_merchant_sees_no_internal_task_when_the_only_open_ones_are_internal(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    for title in (APPROVE_DESIGN, DNS):
        task = await lumen_task(sessions, world, title)
        done = await mutate(
            gql, OWNER, "completeTask", {"taskId": gid("Task", task.id), "version": task.version}
        )
        assert done["userErrors"] == []
    view = await client_view(gql, MERCHANT, world.clients[LUMEN])
    assert view is not None
    assert view["openTaskCount"] == 0
    assert view["nextDueTask"] is None
    partner_view = await client_view(gql, OWNER, world.clients[LUMEN])
    assert partner_view is not None
    assert partner_view["openTaskCount"] == 2
    assert partner_view["nextDueTask"]["title"] == POLICIES


async def test_sharing_a_task_shows_it_to_the_merchant_and_unsharing_hides_it(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    task = await lumen_task(sessions, world, POLICIES)
    task_gid = gid("Task", task.id)
    shared = await mutate(
        gql,
        OWNER,
        "updateTask",
        {"taskId": task_gid, "version": task.version, "clientVisible": True},
    )
    assert shared["userErrors"] == []
    assert await node(gql, MERCHANT, task_gid) == {"id": task_gid, "title": POLICIES}
    view = await client_view(gql, MERCHANT, world.clients[LUMEN])
    assert view is not None
    assert view["openTaskCount"] == 3
    assert view["nextDueTask"]["title"] == APPROVE_DESIGN  # same day, created first

    hidden = await mutate(
        gql,
        OWNER,
        "updateTask",
        {"taskId": task_gid, "version": shared["task"]["version"], "clientVisible": False},
    )
    assert hidden["userErrors"] == []
    assert await node(gql, MERCHANT, task_gid) is None
    view = await client_view(gql, MERCHANT, world.clients[LUMEN])
    assert view is not None
    assert view["openTaskCount"] == 2
    assert POLICIES not in titles(view["tasks"]["nodes"])


async def test_merchant_does_not_see_who_is_assigned(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    task = await lumen_task(sessions, world, DNS)
    payload = await mutate(
        gql,
        OWNER,
        "updateTask",
        {
            "taskId": gid("Task", task.id),
            "version": task.version,
            "assigneeId": gid("PartnerMember", world.members[SPECIALIST]),
        },
    )
    assert payload["task"]["assignee"]["user"]["email"] == SPECIALIST
    merchant_view = await client_view(gql, MERCHANT, world.clients[LUMEN])
    assert merchant_view is not None
    dns = next(n for n in merchant_view["tasks"]["nodes"] if n["title"] == DNS)
    assert dns["assignee"] is None
    assert dns["client"]["businessName"] == LUMEN


@pytest.mark.parametrize("email", [MERCHANT, MERCHANT_STAFF])
async def test_merchant_completes_a_shared_task(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    task = await lumen_task(sessions, world, DNS)
    payload = await mutate(
        gql, email, "completeTask", {"taskId": gid("Task", task.id), "version": task.version}
    )
    assert payload["userErrors"] == []
    assert payload["task"]["status"] == "DONE"
    assert payload["task"]["completedAt"] is not None
    row = await task_row(sessions, task.id)
    assert row is not None
    assert row.status == TaskStatus.DONE
    assert row.completed_by_user_id == world.users[email]
    view = await client_view(gql, email, world.clients[LUMEN])
    assert view is not None
    assert view["openTaskCount"] == 1


@pytest.mark.parametrize("mutation", ["updateTask", "reopenTask", "deleteTask"])
async def test_merchant_may_not_change_a_shared_task(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str
) -> None:
    task = await lumen_task(sessions, world, KICKOFF if mutation == "reopenTask" else DNS)
    fields: dict[str, Any] = {"taskId": gid("Task", task.id), "version": task.version}
    if mutation == "updateTask":
        fields["title"] = "Point the DNS (done soon)"
    payload = await mutate(gql, MERCHANT, mutation, fields)
    assert codes(payload) == [(["input", "taskId"], "FORBIDDEN")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


@pytest.mark.parametrize("mutation", ["updateTask", "completeTask", "reopenTask", "deleteTask"])
@pytest.mark.parametrize("title", [POLICIES, REHEARSAL, "Import the catalog"])
async def test_merchant_gets_not_found_for_internal_tasks(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str, title: str
) -> None:
    task = await lumen_task(sessions, world, title)
    assert not task.client_visible
    fields: dict[str, Any] = {"version": task.version}
    if mutation == "updateTask":
        fields["title"] = "Peek"
    internal = await mutate(gql, MERCHANT, mutation, {"taskId": gid("Task", task.id), **fields})
    unknown = await mutate(gql, MERCHANT, mutation, {"taskId": UNKNOWN_TASK, **fields})
    assert internal == unknown
    assert codes(internal) == [(["input", "taskId"], "NOT_FOUND")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


async def test_merchant_sees_no_tasks_of_other_clients(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    harbor = await checklist(sessions, world, HARBOR)
    assert harbor
    for task in harbor[:3]:
        assert await node(gql, MERCHANT, gid("Task", task.id)) is None
    filtered = await root_tasks(gql, MERCHANT, {"clientId": gid("Client", world.clients[HARBOR])})
    assert filtered == []
    shared = next(t for t in harbor if t.client_visible)
    payload = await mutate(
        gql, MERCHANT, "completeTask", {"taskId": gid("Task", shared.id), "version": shared.version}
    )
    assert codes(payload) == [(["input", "taskId"], "NOT_FOUND")]


# --- Partner staff --------------------------------------------------------------------------


async def test_specialist_manages_tasks_of_assigned_clients(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    task = await create(gql, SPECIALIST, world.clients[LUMEN], title="Test the checkout")
    updated = await mutate(
        gql,
        SPECIALIST,
        "updateTask",
        {"taskId": task["id"], "version": task["version"], "status": "IN_PROGRESS"},
    )
    assert updated["userErrors"] == []
    done = await mutate(
        gql,
        SPECIALIST,
        "completeTask",
        {"taskId": task["id"], "version": updated["task"]["version"]},
    )
    assert done["userErrors"] == []
    reopened = await mutate(
        gql, SPECIALIST, "reopenTask", {"taskId": task["id"], "version": done["task"]["version"]}
    )
    assert reopened["userErrors"] == []
    assert reopened["task"]["status"] == "TODO"
    deleted = await mutate(
        gql,
        SPECIALIST,
        "deleteTask",
        {"taskId": task["id"], "version": reopened["task"]["version"]},
    )
    assert deleted == {"deletedTaskId": task["id"], "userErrors": []}

    visible = {n["client"]["businessName"] for n in await root_tasks(gql, SPECIALIST)}
    assert visible == {LUMEN, "Aster Apparel", "Birch & Bloom Florists"}


@pytest.mark.parametrize("mutation", ["updateTask", "completeTask", "reopenTask", "deleteTask"])
@pytest.mark.parametrize(
    ("email", "client"), [(SPECIALIST, COPPERLEAF), (DESIGNER, "Aster Apparel")]
)
async def test_specialist_gets_not_found_for_tasks_of_unassigned_clients(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str, email: str, client: str
) -> None:
    tasks = await checklist(sessions, world, client)
    task = tasks[-1] if mutation != "reopenTask" else tasks[0]
    fields: dict[str, Any] = {"version": task.version}
    if mutation == "updateTask":
        fields["title"] = "Peek"
    foreign = await mutate(gql, email, mutation, {"taskId": gid("Task", task.id), **fields})
    unknown = await mutate(gql, email, mutation, {"taskId": UNKNOWN_TASK, **fields})
    assert foreign == unknown
    assert codes(foreign) == [(["input", "taskId"], "NOT_FOUND")]
    assert await node(gql, email, gid("Task", task.id)) is None
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


async def test_other_partner_gets_not_found_for_every_northwind_task(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    async with sessions() as session:
        rows = await session.execute(
            select(Task).where(Task.partner_id == world.partners[NORTHWIND]).order_by(Task.id)
        )
        tasks = list(rows.scalars().all())
    assert len(tasks) > 100

    # node(id:) for every id: null, like an id that was never issued.
    ids = [UNKNOWN_TASK, *(gid("Task", t.id) for t in tasks)]
    for start in range(0, len(ids), 30):
        chunk = ids[start : start + 30]
        doc = (
            "query {"
            + " ".join(f'n{i}: node(id: "{id_}") {{ id }}' for i, id_ in enumerate(chunk))
            + "}"
        )
        body = await gql(BLUEFIN_OWNER, doc)
        assert "errors" not in body, body
        assert set(body["data"].values()) == {None}

    # Every change: the same NOT_FOUND as an id that was never issued.
    kinds = {
        "u": ("updateTask", ', title: "Hijacked"'),
        "c": ("completeTask", ""),
        "r": ("reopenTask", ""),
        "d": ("deleteTask", ""),
    }
    selection = "{ userErrors { field message code } }"
    pairs = [(UNKNOWN_TASK, 1), *((gid("Task", t.id), t.version) for t in tasks)]

    def call(alias: str, kind: str, task_id: str, version: int) -> str:
        name, extra = kinds[kind]
        return (
            f'{alias}: {name}(input: {{taskId: "{task_id}", version: {version}{extra}}}) '
            + selection
        )

    answers: dict[str, list[Any]] = {k: [] for k in kinds}
    for start in range(0, len(pairs), 7):
        parts = [
            call(f"{kind}{i}", kind, task_id, version)
            for i, (task_id, version) in enumerate(pairs[start : start + 7])
            for kind in kinds
        ]
        body = await gql(BLUEFIN_OWNER, "mutation {" + " ".join(parts) + "}")
        assert "errors" not in body, body
        for alias, value in body["data"].items():
            answers[alias[0]].append(value["userErrors"])
    for kind, found in answers.items():
        assert len(found) == len(pairs)
        assert found[0] == [
            {"field": ["input", "taskId"], "message": "No task with that id.", "code": "NOT_FOUND"}
        ], kind
        assert all(f == found[0] for f in found), kind

    assert {n["client"]["businessName"] for n in await root_tasks(gql, BLUEFIN_OWNER)}.isdisjoint(
        {LUMEN, COPPERLEAF, "Aster Apparel"}
    )
    async with sessions() as session:
        after = await session.execute(
            select(Task).where(Task.partner_id == world.partners[NORTHWIND]).order_by(Task.id)
        )
        assert [snapshot(t) for t in after.scalars().all()] == [snapshot(t) for t in tasks]


@pytest.mark.parametrize("mutation", ["updateTask", "completeTask", "reopenTask", "deleteTask"])
async def test_platform_staff_read_tasks_but_may_not_change_them(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str
) -> None:
    task = await lumen_task(sessions, world, KICKOFF if mutation == "reopenTask" else POLICIES)
    assert await node(gql, PLATFORM, gid("Task", task.id)) == {
        "id": gid("Task", task.id),
        "title": task.title,
    }
    fields: dict[str, Any] = {"taskId": gid("Task", task.id), "version": task.version}
    if mutation == "updateTask":
        fields["title"] = "Support was here"
    payload = await mutate(gql, PLATFORM, mutation, fields)
    assert codes(payload) == [(["input", "taskId"], "FORBIDDEN")]
    assert snapshot(await task_row(sessions, task.id)) == snapshot(task)


async def test_platform_staff_see_every_task(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    body = await gql(PLATFORM, "{ tasks(first: 1) { totalCount } }")
    assert "errors" not in body, body
    assert body["data"]["tasks"]["totalCount"] == await task_count(sessions)
    view = await client_view(gql, PLATFORM, world.clients[LUMEN])
    assert view is not None
    assert view["tasks"]["totalCount"] == 10
    assert view["openTaskCount"] == 4


async def test_tasks_of_a_previous_partner_stay_with_that_partner(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tidal = world.clients[TIDAL]
    bluefin_tasks = await checklist(sessions, world, TIDAL)
    assert bluefin_tasks
    assert {t.partner_id for t in bluefin_tasks} == {world.partners[BLUEFIN]}
    async with sessions.begin() as session:
        old = Task(
            partner_id=world.partners[NORTHWIND],
            client_id=tidal,
            title="Northwind's notes on the old theme",
            category=TaskCategory.DESIGN,
            status=TaskStatus.TODO,
            due_date=today() - timedelta(days=400),
            client_visible=False,
            blocks_launch=True,
            position=1,
        )
        session.add(old)
        await session.flush()
        old_id = old.id
    old_gid = gid("Task", old_id)

    for email in (BLUEFIN_OWNER, OWNER, ADMIN):
        assert await node(gql, email, old_gid) is None
        assert old_gid not in {n["id"] for n in await root_tasks(gql, email)}
        for mutation in ("updateTask", "completeTask", "deleteTask"):
            fields: dict[str, Any] = {"version": 1}
            if mutation == "updateTask":
                fields["title"] = "Mine now"
            found = await mutate(gql, email, mutation, {"taskId": old_gid, **fields})
            unknown = await mutate(gql, email, mutation, {"taskId": UNKNOWN_TASK, **fields})
            assert found == unknown
            assert codes(found) == [(["input", "taskId"], "NOT_FOUND")]

    view = await client_view(gql, BLUEFIN_OWNER, tidal)
    assert view is not None
    assert old_gid not in {n["id"] for n in view["tasks"]["nodes"]}
    assert view["tasks"]["totalCount"] == len(bluefin_tasks)
    assert view["openTaskCount"] == sum(t.status != TaskStatus.DONE for t in bluefin_tasks)
    assert view["nextDueTask"] is None or view["nextDueTask"]["id"] != old_gid
    assert await client_view(gql, OWNER, tidal) is None

    # Bluefin's checklist is complete without the old partner's task.
    reordered = await mutate(
        gql,
        BLUEFIN_OWNER,
        "reorderTasks",
        {
            "clientId": gid("Client", tidal),
            "taskIds": [gid("Task", t.id) for t in reversed(bluefin_tasks)],
        },
    )
    assert reordered["userErrors"] == []
    assert titles(reordered["client"]["tasks"]["nodes"]) == [
        t.title for t in reversed(bluefin_tasks)
    ]
    with_old = await mutate(
        gql,
        BLUEFIN_OWNER,
        "reorderTasks",
        {
            "clientId": gid("Client", tidal),
            "taskIds": [old_gid, *(gid("Task", t.id) for t in bluefin_tasks)],
        },
    )
    assert codes(with_old) == [(["input", "taskIds"], "INVALID")]
    row = await task_row(sessions, old_id)
    assert row is not None
    assert (row.title, row.status, row.version, row.position) == (
        "Northwind's notes on the old theme",
        TaskStatus.TODO,
        1,
        1,
    )


async def test_tasks_of_a_client_whose_access_was_revoked_are_hidden(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    async with sessions.begin() as session:
        old = Task(
            partner_id=world.partners[NORTHWIND],
            client_id=world.clients[OLD_MILL],
            title="Finish the bakery menu",
            category=TaskCategory.CONTENT,
            status=TaskStatus.IN_PROGRESS,
            assignee_member_id=world.members[SPECIALIST],
            due_date=today() - timedelta(days=3),
            position=1,
        )
        session.add(old)
        await session.flush()
        old_gid = gid("Task", old.id)

    for email in (OWNER, SPECIALIST):
        assert await node(gql, email, old_gid) is None
        assert old_gid not in {t["id"] for t in await root_tasks(gql, email)}
        assert old_gid not in {
            t["id"] for t in await root_tasks(gql, email, {"assignedToMe": True})
        }
        found = await mutate(gql, email, "completeTask", {"taskId": old_gid, "version": 1})
        unknown = await mutate(gql, email, "completeTask", {"taskId": UNKNOWN_TASK, "version": 1})
        assert found == unknown
    assert await node(gql, PLATFORM, old_gid) == {"id": old_gid, "title": "Finish the bakery menu"}


# --- Filters, order and paging --------------------------------------------------------------


def is_overdue(task: Payload) -> bool:
    return (
        task["dueDate"] is not None
        and date.fromisoformat(task["dueDate"]) < today()
        and task["status"] != "DONE"
    )


async def test_overdue_means_open_and_past_due(gql: GraphQL, world: World) -> None:
    lumen = world.clients[LUMEN]
    await create(gql, OWNER, lumen, title="Due today", dueDate=today().isoformat())
    await create(
        gql, OWNER, lumen, title="Due yesterday", dueDate=(today() - timedelta(days=1)).isoformat()
    )
    await create(gql, OWNER, lumen, title="No due date")

    everything = await root_tasks(gql, OWNER)
    for task in everything:
        assert task["overdue"] == is_overdue(task), task
    by_title = {t["title"]: t for t in everything if t["client"]["businessName"] == LUMEN}
    assert by_title["Due today"]["overdue"] is False
    assert by_title["Due yesterday"]["overdue"] is True
    assert by_title["No due date"]["overdue"] is False
    assert by_title[KICKOFF]["overdue"] is False  # done long ago

    overdue = await root_tasks(gql, OWNER, {"overdue": True})
    assert {t["id"] for t in overdue} == {t["id"] for t in everything if is_overdue(t)}
    assert overdue
    not_overdue = await root_tasks(gql, OWNER, {"overdue": False})
    assert {t["id"] for t in not_overdue} == {t["id"] for t in everything if not is_overdue(t)}

    lumen_overdue = await root_tasks(
        gql, OWNER, {"overdue": True, "clientId": gid("Client", lumen)}
    )
    assert sorted(titles(lumen_overdue)) == sorted(
        [APPROVE_DESIGN, POLICIES, DNS, REHEARSAL, "Due yesterday"]
    )


async def test_assigned_to_me_is_the_specialists_own_pending_work(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    mine = await root_tasks(gql, SPECIALIST, {"assignedToMe": True})
    assert titles(mine) == [POLICIES, REHEARSAL]
    assert {t["assignee"]["user"]["email"] for t in mine} == {SPECIALIST}

    dns = await lumen_task(sessions, world, DNS)
    payload = await mutate(
        gql,
        OWNER,
        "updateTask",
        {
            "taskId": gid("Task", dns.id),
            "version": dns.version,
            "assigneeId": gid("PartnerMember", world.members[SPECIALIST]),
        },
    )
    assert payload["userErrors"] == []
    mine = await root_tasks(gql, SPECIALIST, {"assignedToMe": True})
    assert titles(mine) == [POLICIES, DNS, REHEARSAL]  # soonest due first

    assert await root_tasks(gql, OWNER, {"assignedToMe": True}) == []
    assert await root_tasks(gql, MERCHANT, {"assignedToMe": True}) == []
    # The owner finds the same work by the specialist's member id.
    by_member = await root_tasks(
        gql, OWNER, {"assigneeId": gid("PartnerMember", world.members[SPECIALIST])}
    )
    assert titles(by_member) == [POLICIES, DNS, REHEARSAL]


async def test_due_before_filter(gql: GraphQL, world: World) -> None:
    cutoff = today() - timedelta(days=5)
    everything = await root_tasks(gql, OWNER)
    due = await root_tasks(gql, OWNER, {"dueBefore": cutoff.isoformat()})
    expected = {
        t["id"]
        for t in everything
        if t["dueDate"] is not None and date.fromisoformat(t["dueDate"]) < cutoff
    }
    assert {t["id"] for t in due} == expected
    assert 0 < len(expected) < len(everything)


async def test_status_and_category_filters(gql: GraphQL, world: World) -> None:
    everything = await root_tasks(gql, OWNER)
    flt = {"status": ["IN_PROGRESS", "BLOCKED"], "category": ["DESIGN", "CONTENT", "CATALOG"]}
    found = await root_tasks(gql, OWNER, flt)
    expected = {
        t["id"]
        for t in everything
        if t["status"] in flt["status"] and t["category"] in flt["category"]
    }
    assert {t["id"] for t in found} == expected
    assert expected

    done_domain = await root_tasks(gql, OWNER, {"status": ["DONE"], "category": ["DOMAIN"]})
    assert {t["id"] for t in done_domain} == {
        t["id"] for t in everything if t["status"] == "DONE" and t["category"] == "DOMAIN"
    }

    view_doc = (
        "query($id: ID!) { client(id: $id) { tasks(first: 100, filter: {status: [TODO]})"
        " { nodes { title } } } }"
    )
    body = await gql(OWNER, view_doc, id=gid("Client", world.clients[LUMEN]))
    assert "errors" not in body, body
    assert titles(body["data"]["client"]["tasks"]["nodes"]) == [POLICIES, DNS, REHEARSAL]


async def test_client_id_filter(gql: GraphQL, world: World, sessions: Sessions) -> None:
    lumen = await root_tasks(gql, OWNER, {"clientId": gid("Client", world.clients[LUMEN])})
    assert sorted(t["id"] for t in lumen) == sorted(
        gid("Task", t.id) for t in await checklist(sessions, world, LUMEN)
    )
    # A client the viewer cannot see gives an empty list, not an error.
    for email, client in ((SPECIALIST, COPPERLEAF), (OWNER, HARBOR), (BLUEFIN_OWNER, LUMEN)):
        assert (
            await root_tasks(gql, email, {"clientId": gid("Client", world.clients[client])}) == []
        )


async def test_root_tasks_soonest_due_first_and_paging_covers_everything_once(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    for name in (LUMEN, COPPERLEAF):
        await create(gql, OWNER, world.clients[name], title=f"Someday at {name}")
    async with sessions() as session:
        expected = set(
            (
                await session.execute(
                    select(Task.id).where(Task.partner_id == world.partners[NORTHWIND])
                )
            ).scalars()
        )

    whole = await root_tasks(gql, OWNER, page_size=100)
    for page_size in (7, 50):
        paged = await root_tasks(gql, OWNER, page_size=page_size)
        assert [t["id"] for t in paged] == [t["id"] for t in whole]
    ids = [db_id(t["id"]) for t in whole]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected

    keys = [(t["dueDate"] or "9999-12-31", db_id(t["id"])) for t in whole]
    assert keys == sorted(keys)
    assert [t["title"] for t in whole[-2:]] == [f"Someday at {LUMEN}", f"Someday at {COPPERLEAF}"]
    assert all(t["dueDate"] is not None for t in whole[:-2])

    # A filtered list pages the same way.
    todo = await root_tasks(gql, OWNER, {"status": ["TODO"]}, page_size=100)
    assert [t["id"] for t in todo] == [t["id"] for t in whole if t["status"] == "TODO"]
    assert [t["id"] for t in await root_tasks(gql, OWNER, {"status": ["TODO"]}, page_size=6)] == [
        t["id"] for t in todo
    ]

    # Backwards from the end, the same list.
    doc = (
        "query($before: String) { tasks(last: 9, before: $before)"
        " { pageInfo { hasPreviousPage startCursor } nodes { id } } }"
    )
    backwards: list[str] = []
    before: str | None = None
    while True:
        body = await gql(OWNER, doc, before=before)
        assert "errors" not in body, body
        conn = body["data"]["tasks"]
        backwards = [n["id"] for n in conn["nodes"]] + backwards
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    assert backwards == [t["id"] for t in whole]


async def test_client_tasks_paging_follows_the_checklist(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    doc = (
        "query($id: ID!, $after: String) { client(id: $id) { tasks(first: 3, after: $after)"
        " { totalCount pageInfo { hasNextPage endCursor }"
        " edges { cursor node { title position } } } } }"
    )
    seen: list[str] = []
    positions: list[int] = []
    after: str | None = None
    pages = 0
    while True:
        body = await gql(OWNER, doc, id=gid("Client", world.clients[LUMEN]), after=after)
        assert "errors" not in body, body
        conn = body["data"]["client"]["tasks"]
        assert conn["totalCount"] == 10
        seen.extend(e["node"]["title"] for e in conn["edges"])
        positions.extend(e["node"]["position"] for e in conn["edges"])
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    assert pages == 4
    assert seen == [t.title for t in await checklist(sessions, world, LUMEN)]
    assert positions == list(range(1, 11))


@pytest.mark.parametrize(
    "arguments",
    [
        "",
        "first: 101",
        "first: -1",
        "last: 101",
        "first: 5, last: 5",
        'first: 5, after: "not a cursor"',
        'first: 5, after: "WyJ4Il0"',
        'first: 5, filter: {clientId: "garbage"}',
    ],
)
async def test_invalid_page_arguments_are_graphql_errors(
    gql: GraphQL, world: World, arguments: str
) -> None:
    root_args = f"({arguments})" if arguments else ""
    body = await gql(OWNER, f"{{ tasks{root_args} {{ totalCount nodes {{ id }} }} }}")
    assert body.get("errors"), body
    assert body["data"] is None
    message = body["errors"][0]["message"]
    assert message != "Unexpected error."

    doc = f"query($id: ID!) {{ client(id: $id) {{ tasks{root_args} {{ nodes {{ id }} }} }} }}"
    body = await gql(OWNER, doc, id=gid("Client", world.clients[LUMEN]))
    assert body.get("errors"), body
    assert body["errors"][0]["message"] != "Unexpected error."


async def test_a_merchant_cannot_filter_their_tasks_by_a_team_member_they_cannot_see(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    """Who works on a shared task is the team's business: filtering by an assignee the merchant
    may not read finds nothing, as if no task were assigned to them."""
    specialist = world.members[SPECIALIST]
    async with sessions.begin() as session:
        shared = Task(
            partner_id=world.partners["northwind-digital"],
            client_id=world.clients[LUMEN],
            title="Send the brand guidelines",
            category=TaskCategory.DESIGN,
            client_visible=True,
            assignee_member_id=specialist,
            position=50,
        )
        session.add(shared)
    query = "query($who: ID!) { tasks(first: 100, filter: { assigneeId: $who }) { nodes { id } } }"
    who = to_global_id("PartnerMember", specialist)
    seen_by_owner = (await gql(OWNER, query, who=who))["data"]["tasks"]["nodes"]
    assert {"id": to_global_id("Task", shared.id)} in seen_by_owner
    assert (await gql(MERCHANT, query, who=who))["data"]["tasks"]["nodes"] == []
