"""Tasks: type, filters, the cross-client list and the task mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from db import enums, models
from resolvers import tasks as task_service
from resolvers.mutations import Outcome
from resolvers.task_queries import TaskFilter, today
from schema.enums import TaskCategory, TaskStatus
from schema.errors import UserError
from schema.relay import Node, id_of, to_global_id
from schema.types import Client, Info, PartnerMember


@strawberry.type(description="A launch-checklist item or a piece of pending work for a client.")
class Task(Node):
    id: strawberry.ID
    title: str
    description: str | None
    category: TaskCategory  # type: ignore[valid-type]
    status: TaskStatus  # type: ignore[valid-type]
    due_date: date | None
    client_visible: bool
    blocks_launch: bool
    position: int
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    _row: strawberry.Private[models.Task]

    @staticmethod
    def of(row: models.Task) -> Task:
        return Task(
            id=to_global_id("Task", row.id),
            title=row.title,
            description=row.description,
            category=row.category,
            status=row.status,
            due_date=row.due_date,
            client_visible=row.client_visible,
            blocks_launch=row.blocks_launch,
            position=row.position,
            completed_at=row.completed_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
            _row=row,
        )

    @strawberry.field(description="Open and past its due date.")
    def overdue(self) -> bool:
        row = self._row
        return (
            row.due_date is not None
            and row.due_date < today()
            and row.status != enums.TaskStatus.DONE
        )

    @strawberry.field
    async def client(self, info: Info) -> Client | None:
        row = await info.context.loaders.client.load(self._row.client_id)
        return Client.of(row) if row is not None else None

    @strawberry.field(description="Who works on it; null when unassigned or not visible to you.")
    async def assignee(self, info: Info) -> PartnerMember | None:
        if self._row.assignee_member_id is None:
            return None
        row = await info.context.loaders.member.load(self._row.assignee_member_id)
        return PartnerMember.of(row) if row is not None else None


@strawberry.input(description="Narrow a list of tasks; all given conditions apply.")
class TaskFilterInput:
    status: list[TaskStatus] | None = None  # type: ignore[valid-type]
    category: list[TaskCategory] | None = None  # type: ignore[valid-type]
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


# --- Mutations ---------------------------------------------------------------------------------


@strawberry.type
class TaskPayload:
    task: Task | None
    user_errors: list[UserError]


def _payload(outcome: Outcome[models.Task]) -> TaskPayload:
    return TaskPayload(
        task=Task.of(outcome.value) if outcome.value is not None else None,
        user_errors=[UserError.of(p) for p in outcome.problems],
    )


def _errors(outcome: Outcome[Any]) -> list[UserError]:
    return [UserError.of(p) for p in outcome.problems]


@strawberry.input
class CreateTaskInput:
    client_id: strawberry.ID
    title: str
    description: str | None = None
    category: TaskCategory | None = None  # type: ignore[valid-type]
    status: TaskStatus | None = None  # type: ignore[valid-type]
    assignee_id: strawberry.ID | None = None
    due_date: date | None = None
    client_visible: bool = False
    blocks_launch: bool = False


@strawberry.input(description="Only the fields given change; clear* fields empty a value.")
class UpdateTaskInput:
    task_id: strawberry.ID
    version: int
    title: str | None = None
    description: str | None = None
    category: TaskCategory | None = None  # type: ignore[valid-type]
    status: TaskStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="todo, in progress or blocked; use completeTask for done."
    )
    assignee_id: strawberry.ID | None = None
    clear_assignee: bool = False
    due_date: date | None = None
    clear_due_date: bool = False
    client_visible: bool | None = None
    blocks_launch: bool | None = None


@strawberry.input
class TaskVersionInput:
    task_id: strawberry.ID
    version: int


@strawberry.input
class ReorderTasksInput:
    client_id: strawberry.ID
    task_ids: list[strawberry.ID] = strawberry.field(
        description="Every task of the client that you may edit, in the new order."
    )


@strawberry.type
class DeleteTaskPayload:
    deleted_task_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class ReorderTasksPayload:
    client: Client | None
    user_errors: list[UserError]


def _assignee(raw: strawberry.ID | None) -> tuple[int | None, bool]:
    if raw is None:
        return None, False
    member_id = id_of(raw, "PartnerMember")
    return member_id, member_id is None


@strawberry.type
class TaskMutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        member_id, bad = _assignee(input.assignee_id)
        fields = task_service.TaskFields(
            title=input.title,
            description=input.description,
            category=input.category,
            status=input.status,
            assignee_member_id=member_id,
            unresolvable_assignee=bad,
            due_date=input.due_date,
            client_visible=input.client_visible,
            blocks_launch=input.blocks_launch,
        )
        return _payload(
            await task_service.create_task(info.context, id_of(input.client_id, "Client"), fields)
        )

    @strawberry.mutation
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskPayload:
        member_id, bad = _assignee(input.assignee_id)
        fields = task_service.TaskFields(
            title=input.title,
            description=input.description,
            category=input.category,
            status=input.status,
            assignee_member_id=member_id,
            unresolvable_assignee=bad,
            clear_assignee=input.clear_assignee,
            due_date=input.due_date,
            clear_due_date=input.clear_due_date,
            client_visible=input.client_visible,
            blocks_launch=input.blocks_launch,
        )
        return _payload(
            await task_service.update_task(
                info.context, id_of(input.task_id, "Task"), input.version, fields
            )
        )

    @strawberry.mutation(description="Mark done (merchants may tick off tasks shared with them).")
    async def complete_task(self, info: Info, input: TaskVersionInput) -> TaskPayload:
        return _payload(
            await task_service.complete_task(
                info.context, id_of(input.task_id, "Task"), input.version
            )
        )

    @strawberry.mutation(description="Set a done task back to todo.")
    async def reopen_task(self, info: Info, input: TaskVersionInput) -> TaskPayload:
        return _payload(
            await task_service.reopen_task(
                info.context, id_of(input.task_id, "Task"), input.version
            )
        )

    @strawberry.mutation
    async def delete_task(self, info: Info, input: TaskVersionInput) -> DeleteTaskPayload:
        outcome = await task_service.delete_task(
            info.context, id_of(input.task_id, "Task"), input.version
        )
        return DeleteTaskPayload(
            deleted_task_id=to_global_id("Task", outcome.value)
            if outcome.value is not None
            else None,
            user_errors=_errors(outcome),
        )

    @strawberry.mutation(description="Put the client's checklist in a new order.")
    async def reorder_tasks(self, info: Info, input: ReorderTasksInput) -> ReorderTasksPayload:
        outcome = await task_service.reorder_tasks(
            info.context,
            id_of(input.client_id, "Client"),
            [id_of(t, "Task") for t in input.task_ids],
        )
        return ReorderTasksPayload(
            client=Client.of(outcome.value) if outcome.value is not None else None,
            user_errors=_errors(outcome),
        )
