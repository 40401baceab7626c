"""Task lists: a client's checklist (in its order) and "my pending work" across clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Date, Select, func, literal, select

from db.enums import TaskCategory, TaskStatus
from db.models import PartnerMember, Task
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, SortKey, paginate
from resolvers.problems import InputError

FAR_FUTURE = date(9999, 12, 31)

# Soonest due first; tasks without a due date last. Cursors carry the date as ISO text.
DUE_SORT = SortKey(
    expression=func.coalesce(Task.due_date, literal(FAR_FUTURE, Date)),
    value_of=lambda task: (task.due_date or FAR_FUTURE).isoformat(),
    parse=lambda value: date.fromisoformat(str(value)),
)
CHECKLIST_ORDER = (Task.position, Task.id)
DUE_ORDER = (DUE_SORT, Task.id)


def today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class TaskFilter:
    statuses: tuple[TaskStatus, ...] = ()
    categories: tuple[TaskCategory, ...] = ()
    assignee_member_id: int | None = None
    unresolvable_assignee: bool = False
    assigned_to_me: bool = False
    overdue: bool | None = None
    due_before: date | None = None
    client_id: int | None = None
    unresolvable_client: bool = False


def _tasks_stmt(ctx: Context, flt: TaskFilter | None) -> Select[Task]:
    stmt = ctx.authz.readable(ctx.viewer, Task)
    if flt is None:
        return stmt
    if flt.unresolvable_assignee or flt.unresolvable_client:
        raise InputError("that id does not name a team member or client")
    if flt.statuses:
        stmt = stmt.where(Task.status.in_(flt.statuses))
    if flt.categories:
        stmt = stmt.where(Task.category.in_(flt.categories))
    if flt.assignee_member_id is not None:
        # Only by a member the viewer may see: a merchant must not learn who works on what.
        readable = select(PartnerMember.id).where(
            PartnerMember.id == flt.assignee_member_id,
            ctx.authz.filter(ctx.viewer, "read", PartnerMember),
        )
        stmt = stmt.where(Task.assignee_member_id.in_(readable))
    if flt.assigned_to_me:
        mine = [m.member_id for m in ctx.viewer.memberships]
        stmt = stmt.where(Task.assignee_member_id.in_(mine))
    if flt.overdue is not None:
        overdue = (Task.due_date < today()) & (Task.status != TaskStatus.DONE)
        stmt = stmt.where(overdue if flt.overdue else ~overdue | Task.due_date.is_(None))
    if flt.due_before is not None:
        stmt = stmt.where(Task.due_date < flt.due_before)
    if flt.client_id is not None:
        stmt = stmt.where(Task.client_id == flt.client_id)
    return stmt


async def client_tasks_page(
    ctx: Context, client_id: int, args: PageArgs, flt: TaskFilter | None
) -> Page[Task]:
    return await ctx.loaders.pages.page(
        "Client.tasks",
        lambda: _tasks_stmt(ctx, flt),
        Task.client_id,
        client_id,
        CHECKLIST_ORDER,
        args,
        flt,
    )


async def tasks_page(ctx: Context, args: PageArgs, flt: TaskFilter | None) -> Page[Task]:
    return await paginate(ctx.reading, _tasks_stmt(ctx, flt), DUE_ORDER, args)
