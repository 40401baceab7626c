"""Task lists: a client's checklist (in its order) and "my pending work" across clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Date, Select, func, literal, select

from db.enums import TaskCategory, TaskStatus
from db.models import PartnerMember, Task
from resolvers.client_filters import MAX_SEARCH_LENGTH, OrderDirection, TimeRange, aware
from resolvers.context import Context
from resolvers.pagination import Order, OrderName, Page, PageArgs, SortKey, paginate
from resolvers.problems import InputError

FAR_FUTURE = date(9999, 12, 31)
FAR_PAST = date(1, 1, 1)

# Soonest due first; tasks without a due date last. Cursors carry the date as ISO text.
DUE_SORT = SortKey(
    expression=func.coalesce(Task.due_date, literal(FAR_FUTURE, Date)),
    value_of=lambda task: (task.due_date or FAR_FUTURE).isoformat(),
    parse=lambda value: date.fromisoformat(str(value)),
)
# Latest first, tasks without a due date still last.
DUE_SORT_DESC = SortKey(
    expression=func.coalesce(Task.due_date, literal(FAR_PAST, Date)),
    value_of=lambda task: (task.due_date or FAR_PAST).isoformat(),
    parse=lambda value: date.fromisoformat(str(value)),
)
CREATED_SORT = SortKey(
    expression=Task.created_at.expression,
    value_of=lambda task: task.created_at.isoformat(),
    parse=aware,
)


class TaskOrderField(StrEnum):
    CHECKLIST = "checklist"
    TITLE = "title"
    CREATED_AT = "created_at"
    DUE_AT = "due_at"


@dataclass(frozen=True, slots=True)
class TaskOrder:
    field: TaskOrderField
    direction: OrderDirection = OrderDirection.ASC

    @property
    def descending(self) -> bool:
        return self.direction == OrderDirection.DESC

    def keys(self) -> Order:
        """The keyset: the order's name (in every cursor), its value, the id for ties."""
        name = OrderName(f"{self.field.name}:{self.direction.name}")
        match self.field:
            case TaskOrderField.CHECKLIST:
                return (name, Task.position, Task.id)
            case TaskOrderField.TITLE:
                return (name, Task.title, Task.id)
            case TaskOrderField.CREATED_AT:
                return (name, CREATED_SORT, Task.id)
            case TaskOrderField.DUE_AT:
                return (name, DUE_SORT_DESC if self.descending else DUE_SORT, Task.id)


CHECKLIST = TaskOrder(TaskOrderField.CHECKLIST)
SOONEST_DUE = TaskOrder(TaskOrderField.DUE_AT)


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
    search: str | None = None
    # True: only tasks nobody is assigned to; False: only assigned ones.
    unassigned: bool | None = None
    created: TimeRange | None = None


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
    term = (flt.search or "").replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]
    if term:
        stmt = stmt.where(Task.title.icontains(term, autoescape=True))
    if flt.unassigned is not None:
        none = Task.assignee_member_id.is_(None)
        stmt = stmt.where(none if flt.unassigned else ~none)
    if flt.created is not None:
        stmt = stmt.where(flt.created.where(Task.created_at))
    return stmt


# The name of `client.tasks` among the nested lists (resolvers/nested_pages.py).
TASKS = "Client.tasks"


async def client_tasks_page(
    ctx: Context,
    client_id: int,
    args: PageArgs,
    flt: TaskFilter | None,
    order: TaskOrder = CHECKLIST,
) -> Page[Task]:
    return await ctx.loaders.pages.page(
        TASKS,
        lambda: _tasks_stmt(ctx, flt),
        Task.client_id,
        client_id,
        order.keys(),
        args,
        (flt, order),
        descending=order.descending,
    )


async def prime_client_tasks_pages(ctx: Context, client_ids: list[int], args: PageArgs) -> None:
    """Loads `client_tasks_page` (no filter, checklist order) for these clients in one batch."""
    await ctx.loaders.pages.prime(
        TASKS,
        lambda: _tasks_stmt(ctx, None),
        Task.client_id,
        client_ids,
        CHECKLIST.keys(),
        args,
        (None, CHECKLIST),
        descending=CHECKLIST.descending,
    )


async def tasks_page(
    ctx: Context, args: PageArgs, flt: TaskFilter | None, order: TaskOrder = SOONEST_DUE
) -> Page[Task]:
    return await paginate(
        ctx.reading, _tasks_stmt(ctx, flt), order.keys(), args, descending=order.descending
    )
