"""Tasks: the type and the filter of task lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers import queries
from resolvers.client_filters import OrderDirection
from resolvers.task_queries import TaskFilter, TaskOrder, TaskOrderField, today
from schema.client_filters import TimeRangeInput
from schema.enums import TaskCategory, TaskStatus
from schema.info import Info
from schema.relay import LazyNode, Node, RowType, id_of, node
from schema.users import PartnerMember

if TYPE_CHECKING:
    from schema.clients import Client
    from schema.partners import Partner

CLIENT: LazyNode[Client] = LazyNode("Client")
PARTNER: LazyNode[Partner] = LazyNode("Partner")


@node(queries.get_task)
@strawberry.type(description="A launch-checklist item or a piece of pending work for a client.")
class Task(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; task mutations take it as `taskId`."
    )
    title: str = strawberry.field(description="Short name of the work (at most 200 characters).")
    description: str | None = strawberry.field(
        description="Details, plain text (at most 10,000 characters); null when none."
    )
    category: TaskCategory = strawberry.field(description="Area of the set-up it belongs to.")
    status: TaskStatus = strawberry.field(description="Open (TODO, IN_PROGRESS, BLOCKED) or DONE.")
    due_date: date | None = strawberry.field(
        description="Day it is due (no time of day); null when it has no deadline."
    )
    client_visible: bool = strawberry.field(
        description="Shared with the merchant: their users see it and may complete it. "
        "Otherwise internal to the partner."
    )
    blocks_launch: bool = strawberry.field(
        description="While open, the store cannot launch (BLOCKING_TASKS_OPEN)."
    )
    position: int = strawberry.field(
        description="Place in the client's checklist, from 1; reorderTasks changes it."
    )
    completed_at: datetime | None = strawberry.field(
        description="When it was marked done (UTC); null while open."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(
        description="Increases with every change of the task; task mutations take it and "
        "refuse a stale one (CONFLICT)."
    )
    _row: strawberry.Private[models.Task]

    @strawberry.field(description="Open and due before today (UTC).")
    def overdue(self) -> bool:
        row = self._row
        return row.due_date is not None and row.due_date < today() and row.status != TaskStatus.DONE

    @strawberry.field(description="The client the task is for; null if not visible.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(
        description="The partner whose task it is: for a merchant, the label of the history an "
        "earlier partner shared (its tasks are then read-only); null if not visible."
    )
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))

    @strawberry.field(description="Who works on it; null when unassigned or not visible to you.")
    async def assignee(self, info: Info) -> PartnerMember | None:
        if self._row.assignee_member_id is None:
            return None
        return PartnerMember.maybe(
            await info.context.loaders.member.load(self._row.assignee_member_id)
        )


@strawberry.input(description="Narrow a list of tasks; all given conditions apply.")
class TaskFilterInput:
    status: list[TaskStatus] | None = strawberry.field(
        default=None, description="Only tasks in one of these statuses."
    )
    category: list[TaskCategory] | None = strawberry.field(
        default=None, description="Only tasks in one of these categories."
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only tasks assigned to this PartnerMember (none if the viewer may not see "
        "that member). An id that is not a PartnerMember id is an error.",
    )
    assigned_to_me: bool = strawberry.field(
        default=False, description="Only tasks assigned to the viewer (in any of their teams)."
    )
    overdue: bool | None = strawberry.field(
        default=None,
        description="True: only open tasks due before today (UTC). False: only those that are "
        "not (including tasks without a due date). Null: both.",
    )
    due_before: date | None = strawberry.field(
        default=None, description="Only tasks due before this day (tasks without a date excluded)."
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only this Client's tasks. An id that is not a Client id is an error.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive match on the title (% and _ match themselves).",
    )
    unassigned: bool | None = strawberry.field(
        default=None,
        description="True: only tasks nobody is assigned to; false: only assigned ones. Null: "
        "both.",
    )
    created: TimeRangeInput | None = strawberry.field(
        default=None, description="Only tasks created in this span."
    )

    def to_filter(self) -> TaskFilter:
        assignee = id_of(self.assignee_id, "PartnerMember") if self.assignee_id else None
        client = id_of(self.client_id, "Client") if self.client_id else None
        return TaskFilter(
            statuses=tuple(self.status or ()),
            categories=tuple(self.category or ()),
            assignee_member_id=assignee,
            unresolvable_assignee=self.assignee_id is not None and assignee is None,
            assigned_to_me=self.assigned_to_me,
            overdue=self.overdue,
            due_before=self.due_before,
            client_id=client,
            unresolvable_client=self.client_id is not None and client is None,
            search=self.search,
            unassigned=self.unassigned,
            created=self.created.to_range() if self.created else None,
        )


strawberry.enum(
    TaskOrderField, description="What a task list is ordered by; tasks with the same value by id."
)
for _value in TaskOrderField.__strawberry_definition__.values:  # type: ignore[attr-defined]  # set by strawberry.enum
    _value.description = {
        TaskOrderField.CHECKLIST: "The checklist position (a client's tasks by default).",
        TaskOrderField.TITLE: "The title.",
        TaskOrderField.CREATED_AT: "When the task was created.",
        TaskOrderField.DUE_AT: "The due date (the task lists across clients by default); tasks "
        "without one come last in either direction.",
    }[_value.value]


@strawberry.input(description="The order of a task list; pages continue in the same order.")
class TaskOrderInput:
    field: TaskOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Which way."
    )

    def to_order(self) -> TaskOrder:
        return TaskOrder(field=self.field, direction=self.direction)
