"""Tasks: the launch checklist and pending work of each client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import MemberStatus, TaskCategory, TaskStatus, UserStatus
from db.models import Client, PartnerMember, Task, User
from resolvers import transitions
from resolvers.context import Context
from resolvers.lifecycle import progress
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, Refused, refuse
from resolvers.validation import Checker

TASK_FIELD = "task_id"
ASSIGNEE_FIELD = "assignee_id"
MAX_TASKS_PER_CLIENT = 500


@dataclass(frozen=True, slots=True)
class TaskFields:
    """Editable fields; None means "leave as it is" (or "none" when creating)."""

    title: str | None = None
    description: str | None = None
    category: TaskCategory | None = None
    status: TaskStatus | None = None
    assignee_member_id: int | None = None
    clear_assignee: bool = False
    due_date: date | None = None
    clear_due_date: bool = False
    client_visible: bool | None = None
    blocks_launch: bool | None = None
    unresolvable_assignee: bool = field(default=False)  # an id that is not a member id at all


def _checked_text(
    check: Checker, fields: TaskFields, creating: bool
) -> tuple[str | None, str | None]:
    title = (
        check.text("title", fields.title, required=True, max_len=200)
        if (creating or fields.title is not None)
        else None
    )
    description = check.text("description", fields.description, required=False, max_len=10_000)
    return title, description


async def _assignee(session: AsyncSession, partner_id: int, fields: TaskFields) -> int | None:
    """The member id to assign: an active member of the task's partner, else NOT_FOUND."""
    if fields.unresolvable_assignee:
        raise refuse(ASSIGNEE_FIELD, "No team member with that id.", ErrorCode.NOT_FOUND)
    if fields.assignee_member_id is None:
        return None
    member = await session.get(PartnerMember, fields.assignee_member_id)
    user = await session.get(User, member.user_id) if member is not None else None
    if (
        member is None
        or member.partner_id != partner_id
        or member.status != MemberStatus.ACTIVE
        or user is None
        or user.status == UserStatus.REMOVED
    ):
        raise refuse(ASSIGNEE_FIELD, "No team member with that id.", ErrorCode.NOT_FOUND)
    return member.id


async def create_task(ctx: Context, client_id: int | None, fields: TaskFields) -> Outcome[Task]:
    async def work(session: AsyncSession) -> Task:
        client = await target(
            session, ctx, Client, client_id, action="manage_tasks", field="client_id"
        )
        assert client.partner_id is not None  # manage_tasks needs an active partner access
        check = Checker()
        title, description = _checked_text(check, fields, creating=True)
        if check.problems:
            raise Refused(*check.problems)
        status = transitions.start_task(fields.status or TaskStatus.TODO, "status")
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
            title=title,
            description=description,
            category=fields.category or TaskCategory.OTHER,
            status=status,
            assignee_member_id=await _assignee(session, client.partner_id, fields),
            due_date=fields.due_date,
            client_visible=bool(fields.client_visible),
            blocks_launch=bool(fields.blocks_launch),
            position=(last or 0) + 1,
        )
        session.add(task)
        await session.flush()
        return task

    return await transact(ctx, work)


async def update_task(
    ctx: Context, task_id: int | None, version: int, fields: TaskFields
) -> Outcome[Task]:
    async def work(session: AsyncSession) -> Task:
        task = await target(session, ctx, Task, task_id, action="update", field=TASK_FIELD)
        expect_version(task, version)
        check = Checker()
        title, description = _checked_text(check, fields, creating=False)
        if check.problems:
            raise Refused(*check.problems)
        if fields.status is not None and fields.status != task.status:
            task.status = transitions.TASK_EDIT.move(task.status, fields.status, "status")
            if task.status == TaskStatus.IN_PROGRESS:
                await progress(session, task.client_id)
        if title is not None:
            task.title = title
        if fields.description is not None:
            task.description = description
        if fields.category is not None:
            task.category = fields.category
        if fields.clear_assignee:
            task.assignee_member_id = None
        elif fields.assignee_member_id is not None or fields.unresolvable_assignee:
            task.assignee_member_id = await _assignee(session, task.partner_id, fields)
        if fields.clear_due_date:
            task.due_date = None
        elif fields.due_date is not None:
            task.due_date = fields.due_date
        if fields.client_visible is not None:
            task.client_visible = fields.client_visible
        if fields.blocks_launch is not None:
            task.blocks_launch = fields.blocks_launch
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
