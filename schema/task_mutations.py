"""Task mutations: create, update, complete, reopen, delete and reorder a client's tasks."""

from __future__ import annotations

from datetime import date

import strawberry

from db import models
from resolvers import tasks as task_service
from resolvers.mutations import Outcome
from schema.clients import Client
from schema.enums import TaskCategory, TaskStatus
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, clears, node_id
from schema.relay import id_of, to_global_id
from schema.tasks import Task


@strawberry.type
class TaskPayload:
    task: Task | None
    user_errors: list[UserError]


def _payload(outcome: Outcome[models.Task]) -> TaskPayload:
    return TaskPayload(
        task=Task.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


@strawberry.input
class CreateTaskInput:
    client_id: strawberry.ID
    title: str
    description: str | None = None
    category: TaskCategory | None = None
    status: TaskStatus | None = None
    assignee_id: strawberry.ID | None = node_id("PartnerMember", sets="assignee_member_id")
    due_date: date | None = None
    client_visible: bool = False
    blocks_launch: bool = False


@strawberry.input(description="Only the fields given change; clear* fields empty a value.")
class UpdateTaskInput:
    task_id: strawberry.ID
    version: int
    title: str | None = None
    description: str | None = None
    category: TaskCategory | None = None
    status: TaskStatus | None = strawberry.field(
        default=None, description="todo, in progress or blocked; use completeTask for done."
    )
    assignee_id: strawberry.ID | None = node_id("PartnerMember", sets="assignee_member_id")
    clear_assignee: bool = clears("assignee_member_id")
    due_date: date | None = None
    clear_due_date: bool = clears("due_date")
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


@strawberry.type
class TaskMutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        changes = changes_of(input, skip=["client_id"])
        client_id = id_of(input.client_id, "Client")
        return _payload(await task_service.create_task(info.context, client_id, changes))

    @strawberry.mutation
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskPayload:
        changes = changes_of(input, skip=["task_id", "version"])
        task_id = id_of(input.task_id, "Task")
        return _payload(
            await task_service.update_task(info.context, task_id, input.version, changes)
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
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(description="Put the client's checklist in a new order.")
    async def reorder_tasks(self, info: Info, input: ReorderTasksInput) -> ReorderTasksPayload:
        outcome = await task_service.reorder_tasks(
            info.context,
            id_of(input.client_id, "Client"),
            [id_of(t, "Task") for t in input.task_ids],
        )
        return ReorderTasksPayload(
            client=Client.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )
