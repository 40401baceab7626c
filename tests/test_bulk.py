"""Bulk operations: validated up front and refused whole, then run item by item in the
background through the single mutations, each item checked by the policy as if its creator did
it alone then; results and progress to follow; only the creator (and platform staff) sees an
operation. (Concurrent runners: tests/test_bulk_runners.py.)"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.bulk import MAX_ITEMS, BulkOperation, BulkResult
from db.enums import PartnerRole, TaskStatus
from db.events import OutboxEvent
from db.models import Assignment, Client, PartnerMember, Task, WorkflowTemplate
from policies import Authorizer
from resolvers import bulk_jobs
from resolvers.bulk import bulk_apply_template
from resolvers.bulk_jobs import LEASE, run_bulk_operations
from resolvers.context import Context
from tests.conftest import GraphQL, World
from tests.helpers import codes, db_id, gid

Sessions = async_sessionmaker[AsyncSession]

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
PLATFORM = "staff@shopiq.test"

LUMEN = "Lumen Candles"  # assigned to the specialist
ASTER = "Aster Apparel"  # assigned to the specialist
COPPERLEAF = "Copperleaf Tea"  # Northwind's, not assigned to the specialist
HARBOR = "Harbor Coffee"  # Bluefin's
OLD_MILL = "Old Mill Bakery"  # Northwind's access revoked

OPERATION = """
  bulkOperation { id kind status progress { done failed total } }
  userErrors { field code message }
"""
FOLLOW = """
query Follow($id: ID!, $after: String) {
  bulkOperation(id: $id) {
    id kind status createdAt startedAt finishedAt
    progress { done failed total }
    results(first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id succeeded userErrors { field code message } }
    }
  }
}
"""
APPLY = f"""
mutation Apply($input: BulkApplyWorkflowTemplateInput!) {{
  bulkApplyWorkflowTemplate(input: $input) {{ {OPERATION} }}
}}
"""
ASSIGN = f"""
mutation Assign($input: BulkAssignMemberInput!) {{
  bulkAssignMember(input: $input) {{ {OPERATION} }}
}}
"""
UPDATE = f"""
mutation Update($input: BulkUpdateTasksInput!) {{
  bulkUpdateTasks(input: $input) {{ {OPERATION} }}
}}
"""


async def template_id(sessions: Sessions, name: str = "Standard launch") -> str:
    async with sessions() as session:
        found = await session.execute(
            select(WorkflowTemplate.id).where(WorkflowTemplate.name == name)
        )
        return gid("WorkflowTemplate", found.scalar_one())


async def task_ids(sessions: Sessions, world: World, client: str) -> list[int]:
    async with sessions() as session:
        found = await session.execute(
            select(Task.id)
            .join(Client, Client.id == Task.client_id)
            .where(Client.business_name == client, Task.partner_id == Client.partner_id)
            .where(Task.status != TaskStatus.DONE)
            .order_by(Task.id)
        )
        return list(found.scalars().all())


async def task_count(sessions: Sessions, client_id: int) -> int:
    async with sessions() as session:
        found = await session.execute(
            select(func.count(Task.id)).where(Task.client_id == client_id)
        )
        return int(found.scalar_one())


async def operation_count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(BulkOperation.id)))).scalar_one())


def queued(body: dict[str, Any], name: str) -> str:
    assert "errors" not in body, body
    payload = body["data"][name]
    assert payload["userErrors"] == [], payload
    assert payload["bulkOperation"]["status"] == "QUEUED"
    return str(payload["bulkOperation"]["id"])


async def follow(gql: GraphQL, email: str, id_: str) -> dict[str, Any]:
    body = await gql(email, FOLLOW, id=id_)
    assert "errors" not in body, body
    operation: dict[str, Any] = body["data"]["bulkOperation"]
    return operation


def outcome(operation: dict[str, Any]) -> dict[str, list[tuple[list[str] | None, str]]]:
    """Result id -> (field, code) of its userErrors (empty: it succeeded)."""
    return {r["id"]: codes(r) for r in operation["results"]["nodes"]}


# --- Partial failure, events and audit per item ------------------------------------------------


async def test_apply_template_runs_each_client_and_reports_the_ones_refused(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    template = await template_id(sessions)
    names = [LUMEN, HARBOR, ASTER, OLD_MILL]
    ids = [gid("Client", world.clients[n]) for n in names]
    before = {n: await task_count(sessions, world.clients[n]) for n in names}
    op = queued(
        await gql(OWNER, APPLY, input={"templateId": template, "clientIds": ids}),
        "bulkApplyWorkflowTemplate",
    )
    waiting = await follow(gql, OWNER, op)
    assert waiting["status"] == "QUEUED"
    assert waiting["progress"] == {"done": 0, "failed": 0, "total": 4}
    assert waiting["results"]["nodes"] == []
    assert waiting["startedAt"] is None

    assert await run_bulk_operations(sessions, authz=authz) == 4
    done = await follow(gql, OWNER, op)
    assert done["status"] == "PARTIAL"
    assert done["progress"] == {"done": 4, "failed": 2, "total": 4}
    assert done["finishedAt"] is not None
    not_found = [(["input", "clientId"], "NOT_FOUND")]
    # In the order given; the foreign and the revoked client answer as they would alone.
    assert [r["id"] for r in done["results"]["nodes"]] == ids
    assert outcome(done) == {ids[0]: [], ids[1]: not_found, ids[2]: [], ids[3]: not_found}
    refused = [r for r in done["results"]["nodes"] if not r["succeeded"]]
    assert {r["userErrors"][0]["message"] for r in refused} == {"No client with that id."}

    added = {n: await task_count(sessions, world.clients[n]) - before[n] for n in names}
    assert added[LUMEN] == added[ASTER] > 0
    assert added[HARBOR] == added[OLD_MILL] == 0

    # Each item was applyWorkflowTemplate by the owner, audited and announced in its own
    # transaction, under the request that queued the operation.
    async with sessions() as session:
        request_id = (
            await session.execute(
                select(BulkOperation.request_id).where(BulkOperation.id == db_id(op))
            )
        ).scalar_one()
        audited = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.client_id, AuditEvent.actor_user_id).where(
                    AuditEvent.request_id == request_id, AuditEvent.target_type == "Task"
                )
            )
        ).all()
        announced = (
            await session.execute(
                select(OutboxEvent.event_type, OutboxEvent.client_id, OutboxEvent.action).where(
                    OutboxEvent.request_id == request_id
                )
            )
        ).all()
    lumen, aster = world.clients[LUMEN], world.clients[ASTER]
    owner = world.users[OWNER]
    assert sorted(set(audited)) == sorted(
        {("applyWorkflowTemplate", lumen, owner), ("applyWorkflowTemplate", aster, owner)}
    )
    assert len(audited) == added[LUMEN] + added[ASTER]
    assert sorted(set(announced)) == sorted(
        {
            ("task.created", lumen, "applyWorkflowTemplate"),
            ("task.created", aster, "applyWorkflowTemplate"),
        }
    )
    assert len(announced) == added[LUMEN] + added[ASTER]


async def test_a_specialist_updates_only_the_tasks_of_clients_assigned_to_them(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    mine = (await task_ids(sessions, world, LUMEN))[:2]
    theirs = (await task_ids(sessions, world, COPPERLEAF))[:1]
    ids = [gid("Task", i) for i in [*mine, *theirs]]
    due = (date.today() + timedelta(days=9)).isoformat()
    op = queued(
        await gql(
            SPECIALIST,
            UPDATE,
            input={
                "taskIds": ids,
                "status": "BLOCKED",
                "assigneeId": gid("PartnerMember", world.members[SPECIALIST]),
                "dueDate": due,
            },
        ),
        "bulkUpdateTasks",
    )
    await run_bulk_operations(sessions, authz=authz)
    done = await follow(gql, SPECIALIST, op)
    assert done["status"] == "PARTIAL"
    assert outcome(done) == {
        ids[0]: [],
        ids[1]: [],
        ids[2]: [(["input", "taskId"], "NOT_FOUND")],
    }
    async with sessions() as session:
        rows = {
            t.id: t
            for t in (
                await session.execute(select(Task).where(Task.id.in_([*mine, *theirs])))
            ).scalars()
        }
    for id_ in mine:
        assert rows[id_].status == TaskStatus.BLOCKED
        assert rows[id_].assignee_member_id == world.members[SPECIALIST]
        assert rows[id_].due_date.isoformat() == due  # type: ignore[union-attr]
    assert rows[theirs[0]].status != TaskStatus.BLOCKED


async def test_clearing_fields_and_a_refused_change_per_item(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    ids = await task_ids(sessions, world, LUMEN)
    op = queued(
        await gql(
            OWNER,
            UPDATE,
            input={"taskIds": [gid("Task", i) for i in ids[:3]], "clearDueDate": True},
        ),
        "bulkUpdateTasks",
    )
    await run_bulk_operations(sessions, authz=authz)
    assert (await follow(gql, OWNER, op))["status"] == "SUCCEEDED"
    async with sessions() as session:
        dues = (await session.execute(select(Task.due_date).where(Task.id.in_(ids[:3])))).all()
    assert {d for (d,) in dues} == {None}

    # An assignee of another partner is refused up front (Bluefin's member is not visible).
    body = await gql(
        OWNER,
        UPDATE,
        input={
            "taskIds": [gid("Task", ids[0])],
            "assigneeId": gid("PartnerMember", world.members["specialist@bluefin.test"]),
        },
    )
    assert codes(body["data"]["bulkUpdateTasks"]) == [(["input", "assigneeId"], "NOT_FOUND")]


async def test_assign_member_by_filter_takes_the_matching_clients_of_the_members_partner(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    specialist = gid("PartnerMember", world.members[SPECIALIST])
    op = queued(
        await gql(
            MANAGER,
            ASSIGN,
            input={"memberId": specialist, "filter": {"status": ["ONBOARDING"]}, "role": "LEAD"},
        ),
        "bulkAssignMember",
    )
    async with sessions() as session:
        onboarding = (
            await session.execute(
                select(Client.id, Client.business_name)
                .where(
                    Client.partner_id == world.partners["northwind-digital"],
                    Client.status == "onboarding",
                )
                .order_by(Client.business_name)
            )
        ).all()
    await run_bulk_operations(sessions, authz=authz)
    done = await follow(gql, MANAGER, op)
    # Birch & Bloom already has the specialist: TAKEN, as assignMember answers; the rest done.
    expected = {
        gid("Client", id_): [(["input", "memberId"], "TAKEN")]
        if name == "Birch & Bloom Florists"
        else []
        for id_, name in onboarding
    }
    assert outcome(done) == expected
    assert done["status"] == "PARTIAL"
    async with sessions() as session:
        seats = (
            await session.execute(
                select(Assignment.client_id).where(
                    Assignment.member_id == world.members[SPECIALIST]
                )
            )
        ).scalars()
        assert {i for i, _ in onboarding} <= set(seats)


# --- Up-front validation and the limit ---------------------------------------------------------


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        ({"clientIds": []}, [(["input", "clientIds"], "REQUIRED")]),
        ({"clientIds": ["not-an-id"]}, [(["input", "clientIds", "0"], "INVALID")]),
        ({"clientIds": ["$task"]}, [(["input", "clientIds", "0"], "INVALID")]),
        ({"clientIds": ["$lumen", "$lumen"]}, [(["input", "clientIds", "1"], "INVALID")]),
        ({"clientIds": ["$lumen"], "filter": {"status": ["LIVE"]}}, [(None, "INVALID")]),
        ({"filter": {"search": "no such business"}}, [(["input", "filter"], "INVALID")]),
        ({"clientIds": ["$lumen"], "templateId": "$bluefin_template"}, "NOT_FOUND"),
    ],
)
async def test_an_invalid_request_is_refused_whole_and_queues_nothing(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    input: dict[str, Any],
    expected: Any,
) -> None:
    refs = {
        "$task": gid("Task", (await task_ids(sessions, world, LUMEN))[0]),
        "$lumen": gid("Client", world.clients[LUMEN]),
        "$bluefin_template": await template_id(sessions, "Bluefin express launch"),
    }

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(v) for v in value]
        return refs.get(value, value) if isinstance(value, str) else value

    given = {"templateId": await template_id(sessions)} | {k: fill(v) for k, v in input.items()}
    body = await gql(OWNER, APPLY, input=given)
    payload = body["data"]["bulkApplyWorkflowTemplate"]
    assert payload["bulkOperation"] is None
    if expected == "NOT_FOUND":
        assert codes(payload) == [(["input", "templateId"], "NOT_FOUND")]
    else:
        assert codes(payload) == expected
    assert await operation_count(sessions) == 0


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        ({}, [(None, "REQUIRED")]),
        ({"status": "DONE"}, [(["input", "status"], "INVALID_TRANSITION")]),
        ({"assigneeId": "bm90LWEtbWVtYmVy"}, [(["input", "assigneeId"], "NOT_FOUND")]),
    ],
)
async def test_a_task_change_that_is_no_change_or_invalid_is_refused(
    gql: GraphQL, world: World, sessions: Sessions, input: dict[str, Any], expected: Any
) -> None:
    ids = [gid("Task", i) for i in (await task_ids(sessions, world, LUMEN))[:2]]
    body = await gql(OWNER, UPDATE, input={"taskIds": ids, **input})
    assert codes(body["data"]["bulkUpdateTasks"]) == expected
    assert await operation_count(sessions) == 0


async def test_at_most_a_thousand_ids(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    template = await template_id(sessions)
    too_many = [gid("Client", i) for i in range(1, MAX_ITEMS + 2)]
    # Over the API, a list that long is refused at the edge, naming the field.
    body = await gql(OWNER, APPLY, input={"templateId": template, "clientIds": too_many})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": ["input", "clientIds"]}
    assert "At most 1000 items" in error["message"]
    # The service refuses it too, whoever calls it.
    async with sessions() as session:
        from policies import load_viewer

        viewer = await load_viewer(session, world.users[OWNER])
    assert viewer is not None
    ctx = Context(viewer, authz, sessions)
    refused = await bulk_apply_template(ctx, db_id(template), list(range(1, MAX_ITEMS + 2)), None)
    assert [(p.field, p.code) for p in refused.problems] == [(("input", "clientIds"), "too_long")]
    assert "at most 1,000" in refused.problems[0].message
    assert await operation_count(sessions) == 0
    # A thousand is fine (unknown ids fail as their items, later).
    body = await gql(OWNER, APPLY, input={"templateId": template, "clientIds": too_many[:-1]})
    op = queued(body, "bulkApplyWorkflowTemplate")
    assert (await follow(gql, OWNER, op))["progress"]["total"] == MAX_ITEMS


# --- Permissions as they are when each item runs -----------------------------------------------


async def test_a_creator_who_lost_their_role_gets_failures_not_writes(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    template = await template_id(sessions)
    names = [COPPERLEAF, LUMEN]
    before = {n: await task_count(sessions, world.clients[n]) for n in names}
    op = queued(
        await gql(
            MANAGER,
            APPLY,
            input={
                "templateId": template,
                "clientIds": [gid("Client", world.clients[n]) for n in names],
            },
        ),
        "bulkApplyWorkflowTemplate",
    )
    # Demoted to specialist (assigned to no client) before the job runs.
    async with sessions.begin() as session:
        await session.execute(
            update(PartnerMember)
            .where(PartnerMember.id == world.members[MANAGER])
            .values(role=PartnerRole.SPECIALIST)
        )
    await run_bulk_operations(sessions, authz=authz)
    done = await follow(gql, MANAGER, op)
    assert done["status"] == "FAILED"
    assert {c for errors in outcome(done).values() for _, c in errors} == {"NOT_FOUND"}
    assert {n: await task_count(sessions, world.clients[n]) for n in names} == before


async def test_a_removed_creator_gets_failures_not_writes(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    ids = await task_ids(sessions, world, LUMEN)
    op = queued(
        await gql(
            ADMIN, UPDATE, input={"taskIds": [gid("Task", i) for i in ids[:2]], "status": "BLOCKED"}
        ),
        "bulkUpdateTasks",
    )
    body = await gql(
        OWNER,
        "mutation($id: ID!) { removeMember(input: { memberId: $id, version: 1 }) "
        "{ userErrors { code } } }",
        id=gid("PartnerMember", world.members[ADMIN]),
    )
    assert body["data"]["removeMember"]["userErrors"] == []
    async with sessions.begin() as session:
        # The admin's user goes too (as removing a user does), after the operation was queued.
        from db.models import User

        await session.execute(
            update(User)
            .where(User.id == world.users[ADMIN])
            .values(status="removed", removed_at=func.now())
        )
    await run_bulk_operations(sessions, authz=authz)
    async with sessions() as session:
        operation = await session.get(BulkOperation, db_id(op))
        assert operation is not None
        assert (operation.status, operation.done, operation.failed) == ("failed", 2, 2)
        statuses = (await session.execute(select(Task.status).where(Task.id.in_(ids[:2])))).all()
    assert TaskStatus.BLOCKED not in {s for (s,) in statuses}


# --- Running: idempotent, resumable ------------------------------------------------------------


async def test_a_second_round_redoes_nothing(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    template = await template_id(sessions)
    ids = [gid("Client", world.clients[n]) for n in (LUMEN, ASTER)]
    op = queued(
        await gql(OWNER, APPLY, input={"templateId": template, "clientIds": ids}),
        "bulkApplyWorkflowTemplate",
    )
    assert await run_bulk_operations(sessions, authz=authz) == 2
    counts = [await task_count(sessions, world.clients[n]) for n in (LUMEN, ASTER)]
    assert await run_bulk_operations(sessions, authz=authz) == 0
    # Even an operation put back to RUNNING with its lease gone redoes no item.
    async with sessions.begin() as session:
        await session.execute(
            update(BulkOperation)
            .where(BulkOperation.id == db_id(op))
            .values(status="running", lease_until=func.now())
        )
    later = bulk_jobs.utcnow() + LEASE
    assert await run_bulk_operations(sessions, later, authz=authz) == 0
    assert [await task_count(sessions, world.clients[n]) for n in (LUMEN, ASTER)] == counts
    assert (await follow(gql, OWNER, op))["status"] == "SUCCEEDED"


class CrashError(Exception):
    pass


async def test_a_runner_that_dies_midway_is_taken_over_after_its_lease(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    authz: Authorizer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = await template_id(sessions)
    names = [LUMEN, ASTER, COPPERLEAF]
    op = queued(
        await gql(
            OWNER,
            APPLY,
            input={
                "templateId": template,
                "clientIds": [gid("Client", world.clients[n]) for n in names],
            },
        ),
        "bulkApplyWorkflowTemplate",
    )
    before = {n: await task_count(sessions, world.clients[n]) for n in names}
    real = bulk_jobs._run_item
    calls = 0

    async def dies_on_the_second_item(*args: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise CrashError
        return await real(*args)

    monkeypatch.setattr(bulk_jobs, "_run_item", dies_on_the_second_item)
    now = bulk_jobs.utcnow()
    with pytest.raises(CrashError):
        await run_bulk_operations(sessions, now, authz=authz)
    monkeypatch.setattr(bulk_jobs, "_run_item", real)
    midway = await follow(gql, OWNER, op)
    assert midway["status"] == "RUNNING"
    assert midway["progress"] == {"done": 1, "failed": 0, "total": 3}

    # Still leased: another runner leaves it alone; once the lease is over, it finishes it.
    assert await run_bulk_operations(sessions, now, authz=authz) == 0
    assert await run_bulk_operations(sessions, now + LEASE + timedelta(seconds=1), authz=authz) == 2
    done = await follow(gql, OWNER, op)
    assert done["status"] == "SUCCEEDED"
    added = {n: await task_count(sessions, world.clients[n]) - before[n] for n in names}
    assert len(set(added.values())) == 1
    assert added[LUMEN] > 0


# --- Following an operation ----------------------------------------------------------------------


async def test_results_are_paginated_in_the_order_given(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    open_tasks = [
        i
        for name in (LUMEN, COPPERLEAF, "Ember Ceramics")
        for i in await task_ids(sessions, world, name)
    ]
    ids = [gid("Task", i) for i in open_tasks[:5]]
    assert len(ids) == 5
    op = queued(
        await gql(OWNER, UPDATE, input={"taskIds": ids, "status": "IN_PROGRESS"}),
        "bulkUpdateTasks",
    )
    await run_bulk_operations(sessions, authz=authz)
    page_query = """
    query Page($id: ID!, $after: String) {
      bulkOperation(id: $id) {
        results(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } nodes { id succeeded }
        }
      }
    }
    """
    seen: list[str] = []
    after = None
    for _ in range(3):
        body = await gql(OWNER, page_query, id=op, after=after)
        results = body["data"]["bulkOperation"]["results"]
        assert results["totalCount"] == 5
        seen += [r["id"] for r in results["nodes"]]
        assert all(r["succeeded"] for r in results["nodes"])
        after = results["pageInfo"]["endCursor"]
        if not results["pageInfo"]["hasNextPage"]:
            break
    assert seen == ids


async def test_only_the_creator_and_platform_staff_see_an_operation(
    gql: GraphQL, world: World, sessions: Sessions, authz: Authorizer
) -> None:
    template = await template_id(sessions)
    op = queued(
        await gql(
            OWNER,
            APPLY,
            input={"templateId": template, "clientIds": [gid("Client", world.clients[LUMEN])]},
        ),
        "bulkApplyWorkflowTemplate",
    )
    await run_bulk_operations(sessions, authz=authz)
    never_issued = gid("BulkOperation", db_id(op) + 1000)
    by_node = "query($id: ID!) { node(id: $id) { id ... on BulkOperation { status } } }"
    listed = "query { viewer { bulkOperations(first: 10) { totalCount nodes { id } } } }"
    for email in (OWNER, PLATFORM):
        assert (await follow(gql, email, op))["id"] == op
        assert (await gql(email, by_node, id=op))["data"]["node"]["status"] == "SUCCEEDED"
    # Another member of the same partner, a specialist, another partner, the merchant: as for
    # an id never issued.
    for email in (ADMIN, SPECIALIST, BLUEFIN_OWNER, MERCHANT):
        for id_ in (op, never_issued):
            assert (await gql(email, FOLLOW, id=id_))["data"] == {"bulkOperation": None}
            assert (await gql(email, by_node, id=id_))["data"] == {"node": None}
        body = await gql(email, listed)
        assert body["data"]["viewer"]["bulkOperations"] == {"totalCount": 0, "nodes": []}
    owner_list = (await gql(OWNER, listed))["data"]["viewer"]["bulkOperations"]
    assert owner_list["nodes"] == [{"id": op}]
    # Platform staff follow it, but it is not theirs to list.
    assert (await gql(PLATFORM, listed))["data"]["viewer"]["bulkOperations"]["totalCount"] == 0
    # The results of an operation are read through the same policy.
    async with sessions() as session:
        from policies import load_viewer

        viewer = await load_viewer(session, world.users[ADMIN])
        assert viewer is not None
        stmt = authz.readable(viewer, BulkResult).where(BulkResult.operation_id == db_id(op))
        assert (await session.execute(stmt)).first() is None


async def test_the_viewers_operations_newest_first(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    ids = [gid("Task", i) for i in (await task_ids(sessions, world, LUMEN))[:1]]
    made = [
        queued(await gql(OWNER, UPDATE, input={"taskIds": ids, "status": s}), "bulkUpdateTasks")
        for s in ("BLOCKED", "TODO", "IN_PROGRESS")
    ]
    body = await gql(
        OWNER, "query { viewer { bulkOperations(first: 2) { nodes { id kind status } } } }"
    )
    nodes = body["data"]["viewer"]["bulkOperations"]["nodes"]
    assert [n["id"] for n in nodes] == made[::-1][:2]
    assert {(n["kind"], n["status"]) for n in nodes} == {("UPDATE_TASKS", "QUEUED")}


async def test_a_service_token_cannot_queue_operations(world: World, sessions: Sessions) -> None:
    # Bulk operations run with a user's permissions: a service (no user) has none to lend.
    from policies.viewer import service_viewer
    from resolvers.bulk import bulk_update_tasks
    from resolvers.changes import Changes
    from resolvers.context import Context

    ctx = Context(service_viewer("billing"), bulk_jobs._default_authorizer(), sessions)
    outcome = await bulk_update_tasks(ctx, [1], Changes({"status": TaskStatus.BLOCKED}))
    assert [p.code for p in outcome.problems] == ["forbidden"]
    assert await operation_count(sessions) == 0


async def test_following_many_operations_costs_the_same_for_5_and_100(
    gql: GraphQL, world: World, sessions: Sessions, statements: list[str]
) -> None:
    """viewer.bulkOperations with each operation's results: one statement per level. More
    operations than either page holds, so both pages count the list (a page holding the whole
    list counts itself: resolvers/pagination.py)."""
    async with sessions.begin() as session:
        for n in range(120):
            operation = BulkOperation(
                kind="update_tasks",
                status="partial",
                created_by_user_id=world.users[OWNER],
                params={"changes": {"status": "blocked"}},
                subject_ids=[n + 1, n + 2],
                total=2,
                done=2,
                failed=1,
                request_id=f"r{n}",
            )
            session.add(operation)
            await session.flush()
            session.add_all(
                [
                    BulkResult(
                        operation_id=operation.id, position=0, subject_id=n + 1, succeeded=True
                    ),
                    BulkResult(
                        operation_id=operation.id,
                        position=1,
                        subject_id=n + 2,
                        succeeded=False,
                        errors=[
                            {"field": ["input", "taskId"], "message": "No.", "code": "not_found"}
                        ],
                    ),
                ]
            )
    query = """
    query($n: Int!) {
      viewer { bulkOperations(first: $n) { totalCount nodes {
        id status progress { done failed total }
        results(first: 10) { totalCount nodes { id succeeded userErrors { field code } } }
      } } }
    }
    """
    counts = []
    for n in (5, 100):
        statements.clear()
        body = await gql(OWNER, query, n=n)
        assert "errors" not in body, body
        nodes = body["data"]["viewer"]["bulkOperations"]["nodes"]
        assert len(nodes) == n
        assert nodes[0]["results"]["totalCount"] == 2
        assert nodes[0]["results"]["nodes"][1]["userErrors"] == [
            {"field": ["input", "taskId"], "code": "NOT_FOUND"}
        ]
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
