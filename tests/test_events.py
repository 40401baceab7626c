"""The outbox as a mutation writes it: one event per (type, object), with the tenant keys and the
request id, and nothing for a mutation that failed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.enums import TaskStatus
from db.models import Task
from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_events_walk import last_outbox_id, outbox_after

OWNER = "owner@northwind.test"
COMPLETE_TASK = """
mutation Complete($taskId: ID!, $version: Int!) {
  completeTask(input: { taskId: $taskId, version: $version }) { userErrors { field code } }
}"""
UPDATE_TASK = """
mutation Update($taskId: ID!, $version: Int!, $status: TaskStatus) {
  updateTask(input: { taskId: $taskId, version: $version, status: $status }) {
    task { id version } userErrors { field code }
  }
}"""


async def open_task(sessions: async_sessionmaker[AsyncSession], world: World) -> Task:
    async with sessions() as session:
        task = await session.scalar(
            select(Task)
            .where(
                Task.client_id == world.clients["Lumen Candles"],
                Task.status != TaskStatus.DONE,
            )
            .order_by(Task.id)
            .limit(1)
        )
        assert task is not None
        return task


async def test_a_completed_task_is_recorded_once_with_its_tenants_and_request(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task = await open_task(sessions, world)
    before = await last_outbox_id(sessions)
    done = await gql(OWNER, COMPLETE_TASK, taskId=gid("Task", task.id), version=task.version)
    assert done["data"]["completeTask"]["userErrors"] == []
    recorded = await outbox_after(sessions, before)
    # Named by the mutation and by the new status: recorded once.
    assert [e.event_type for e in recorded] == ["task.completed"]
    completed = recorded[0]
    assert (completed.partner_id, completed.client_id) == (task.partner_id, task.client_id)
    assert completed.payload["fields"]["status"] == "done"
    assert completed.payload["object"] == {"type": "Task", "id": task.id}
    async with sessions() as session:
        audit = await session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "completeTask")
            .order_by(AuditEvent.id.desc())
        )
    assert audit is not None
    assert audit.request_id == completed.request_id


async def test_a_stale_update_records_no_event(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task = await open_task(sessions, world)
    before = await last_outbox_id(sessions)
    stale = await gql(
        OWNER, UPDATE_TASK, taskId=gid("Task", task.id), version=task.version + 5, status="DONE"
    )
    assert [e["code"] for e in stale["data"]["updateTask"]["userErrors"]] == ["CONFLICT"]
    assert await outbox_after(sessions, before) == []
