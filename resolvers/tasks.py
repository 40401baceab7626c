"""Tasks: the launch checklist and pending work of each client."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import MemberStatus, TaskCategory, TaskStatus, UserStatus
from db.models import Client, PartnerMember, Task, User
from resolvers import transitions
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.lifecycle import progress
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, refuse

TASK_FIELD = "task_id"
ASSIGNEE_FIELD = "assignee_id"
MAX_TASKS_PER_CLIENT = 500


async def _assignee(session: AsyncSession, partner_id: int, changes: Changes) -> int | None:
    """The member id to assign: an active member of the task's partner, else NOT_FOUND."""
    member_id = changes.get("assignee_member_id")
    if member_id is None:
        return None
    member = await session.get(PartnerMember, member_id)
    user = await session.get(User, member.user_id) if member is not None else None
    if (
        member is None
        or member.partner_id != partner_id
        or member.status != MemberStatus.ACTIVE
        or user is None
        or user.status == UserStatus.REMOVED
    ):
        raise refuse(
            changes.path("assignee_member_id"), "No team member with that id.", ErrorCode.NOT_FOUND
        )
    return int(member.id)


async def create_task(ctx: Context, client_id: int | None, changes: Changes) -> Outcome[Task]:
    """A new task at the end of the client's checklist; `changes` sets any of its fields."""

    async def work(session: AsyncSession) -> Task:
        client = await target(
            session, ctx, Client, client_id, action="manage_tasks", field="client_id"
        )
        assert client.partner_id is not None  # manage_tasks needs an active partner access
        values = cleaned(Task, changes)
        status = transitions.start_task(values.get("status") or TaskStatus.TODO, "status")
        count, last = (
            await session.execute(
                select(func.count(Task.id), func.max(Task.position)).where(
                    Task.client_id == client.id
                )
            )
        ).one()
        if count >= MAX_TASKS_PER_CLIENT:
            raise refuse(
                "client_id",
                f"A client can have at most {MAX_TASKS_PER_CLIENT} tasks.",
                ErrorCode.INVALID,
            )
        task = Task(
            partner_id=client.partner_id,
            client_id=client.id,
            category=TaskCategory.OTHER,
            client_visible=False,
            blocks_launch=False,
            position=(last or 0) + 1,
        )
        apply(task, values.replace(status=status))
        task.assignee_member_id = await _assignee(session, client.partner_id, values)
        session.add(task)
        await session.flush()
        return task

    return await transact(ctx, work)


async def update_task(
    ctx: Context, task_id: int | None, version: int, changes: Changes
) -> Outcome[Task]:
    """Only the fields in `changes` change; the status moves by the task's table."""

    async def work(session: AsyncSession) -> Task:
        task = await target(session, ctx, Task, task_id, action="update", field=TASK_FIELD)
        expect_version(task, version)
        values = cleaned(Task, changes)
        status = values.get("status")
        if status is not None and status != task.status:
            task.status = transitions.TASK_EDIT.move(task.status, status, "status")
            if task.status == TaskStatus.IN_PROGRESS:
                await progress(session, task.client_id)
        if values.get("assignee_member_id") is not None:
            values = values.replace(
                assignee_member_id=await _assignee(session, task.partner_id, values)
            )
        apply(task, values.without("status"))
        return task

    return await transact(ctx, work)


async def complete_task(ctx: Context, task_id: int | None, version: int) -> Outcome[Task]:
    async def work(session: AsyncSession) -> Task:
        task = await target(session, ctx, Task, task_id, action="complete", field=TASK_FIELD)
        expect_version(task, version)
        task.status = transitions.TASK_COMPLETE.move(task.status, TaskStatus.DONE, TASK_FIELD)
        task.completed_at = utcnow()
        task.completed_by_user_id = ctx.viewer.user_id
        await progress(session, task.client_id)
        return task

    return await transact(ctx, work)


async def reopen_task(ctx: Context, task_id: int | None, version: int) -> Outcome[Task]:
    async def work(session: AsyncSession) -> Task:
        task = await target(session, ctx, Task, task_id, action="update", field=TASK_FIELD)
        expect_version(task, version)
        task.status = transitions.TASK_REOPEN.move(task.status, TaskStatus.TODO, TASK_FIELD)
        task.completed_at = None
        task.completed_by_user_id = None
        return task

    return await transact(ctx, work)


async def delete_task(ctx: Context, task_id: int | None, version: int) -> Outcome[int]:
    async def work(session: AsyncSession) -> int:
        task = await target(session, ctx, Task, task_id, action="delete", field=TASK_FIELD)
        expect_version(task, version)
        deleted = task.id
        await session.delete(task)  # versioned: a concurrent edit makes this a CONFLICT
        await session.flush()
        return deleted

    return await transact(ctx, work)


async def reorder_tasks(
    ctx: Context, client_id: int | None, task_ids: list[int | None]
) -> Outcome[Client]:
    """Put the client's tasks (all that the viewer may edit) in the given order."""

    async def work(session: AsyncSession) -> Client:
        client = await target(
            session, ctx, Client, client_id, action="manage_tasks", field="client_id"
        )
        tasks = (
            (
                await session.execute(
                    select(Task).where(
                        Task.client_id == client.id, ctx.authz.filter(ctx.viewer, "update", Task)
                    )
                )
            )
            .scalars()
            .all()
        )
        by_id = {t.id: t for t in tasks}
        if None in task_ids or len(set(task_ids)) != len(task_ids) or set(task_ids) != set(by_id):
            raise refuse(
                "task_ids",
                "List every task of this client exactly once.",
                ErrorCode.INVALID,
            )
        for position, id_ in enumerate(task_ids, start=1):
            assert id_ is not None
            if by_id[id_].position != position:
                by_id[id_].position = position
        return client

    return await transact(ctx, work)
