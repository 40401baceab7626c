"""Tasks: the type and the filter of task lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers import queries
from resolvers.task_queries import TaskFilter, today
from schema.enums import TaskCategory, TaskStatus
from schema.info import Info
from schema.relay import LazyNode, Node, RowType, id_of, node
from schema.users import PartnerMember

if TYPE_CHECKING:
    from schema.clients import Client

CLIENT: LazyNode[Client] = LazyNode("Client")


@node(queries.get_task)
@strawberry.type(description="A launch-checklist item or a piece of pending work for a client.")
class Task(RowType, Node):
    id: strawberry.ID
    title: str
    description: str | None
    category: TaskCategory
    status: TaskStatus
    due_date: date | None
    client_visible: bool
    blocks_launch: bool
    position: int
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    _row: strawberry.Private[models.Task]

    @strawberry.field(description="Open and past its due date.")
    def overdue(self) -> bool:
        row = self._row
        return row.due_date is not None and row.due_date < today() and row.status != TaskStatus.DONE

    @strawberry.field
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(description="Who works on it; null when unassigned or not visible to you.")
    async def assignee(self, info: Info) -> PartnerMember | None:
        if self._row.assignee_member_id is None:
            return None
        return PartnerMember.maybe(
            await info.context.loaders.member.load(self._row.assignee_member_id)
        )


@strawberry.input(description="Narrow a list of tasks; all given conditions apply.")
class TaskFilterInput:
    status: list[TaskStatus] | None = None
    category: list[TaskCategory] | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="A PartnerMember id."
    )
    assigned_to_me: bool = False
    overdue: bool | None = None
    due_before: date | None = None
    client_id: strawberry.ID | None = None

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
        )
