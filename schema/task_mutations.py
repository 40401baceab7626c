"""Task mutations: create, update, complete, reopen, delete and reorder a client's tasks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

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


@strawberry.type(description="The result of a task mutation.")
class TaskPayload:
    task: Task | None = strawberry.field(
        description="The task as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _payload(outcome: Outcome[models.Task]) -> TaskPayload:
    return TaskPayload(
        task=Task.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


@strawberry.input(description="A new task, added at the end of the client's checklist.")
class CreateTaskInput:
    client_id: strawberry.ID = strawberry.field(description="The Client the task is for.")
    title: str = strawberry.field(description="Required; at most 200 characters, trimmed.")
    description: str | None = strawberry.field(
        default=None, description="Details, plain text; at most 10,000 characters."
    )
    category: TaskCategory | None = strawberry.field(default=None, description="Defaults to OTHER.")
    status: TaskStatus | None = strawberry.field(
        default=None, description="TODO (the default), IN_PROGRESS or BLOCKED; never DONE."
    )
    assignee_id: strawberry.ID | None = node_id(
        "PartnerMember",
        sets="assignee_member_id",
        description="An active member of the client's partner; null leaves it unassigned.",
    )
    due_date: date | None = strawberry.field(default=None, description="Day it is due.")
    client_visible: bool = strawberry.field(
        default=False, description="Share with the merchant's users, who may then complete it."
    )
    blocks_launch: bool = strawberry.field(
        default=False, description="The store cannot launch while this task is open."
    )


@strawberry.input(description="Only the fields given change; clear* fields empty a value.")
class UpdateTaskInput:
    task_id: strawberry.ID = strawberry.field(description="The Task to change.")
    version: int = strawberry.field(
        description="The task's current `version`; a stale one is a CONFLICT."
    )
    title: str | None = strawberry.field(
        default=None, description="At most 200 characters; cannot be blank."
    )
    description: str | None = strawberry.field(
        default=None, description="At most 10,000 characters; blank empties it."
    )
    category: TaskCategory | None = strawberry.field(default=None, description="New category.")
    status: TaskStatus | None = strawberry.field(
        default=None, description="todo, in progress or blocked; use completeTask for done."
    )
    assignee_id: strawberry.ID | None = node_id(
        "PartnerMember",
        sets="assignee_member_id",
        description="Assign to this active member of the task's partner.",
    )
    clear_assignee: bool = clears("assignee_member_id", description="True unassigns the task.")
    due_date: date | None = strawberry.field(default=None, description="New due day.")
    clear_due_date: bool = clears("due_date", description="True removes the due date.")
    client_visible: bool | None = strawberry.field(
        default=None, description="Share with the merchant's users, or stop sharing."
    )
    blocks_launch: bool | None = strawberry.field(
        default=None, description="Whether the open task blocks the launch."
    )


@strawberry.input(description="A task at the version the caller last saw.")
class TaskVersionInput:
    task_id: strawberry.ID = strawberry.field(description="The Task's id.")
    version: int = strawberry.field(
        description="The task's current `version`; a stale one is a CONFLICT."
    )


@strawberry.input(description="A client's checklist in a new order.")
class ReorderTasksInput:
    client_id: strawberry.ID = strawberry.field(description="The Client whose tasks to reorder.")
    task_ids: list[strawberry.ID] = strawberry.field(
        description="Every task of the client that you may edit, each exactly once, in the new "
        "order."
    )


@strawberry.type(description="The result of deleteTask.")
class DeleteTaskPayload:
    deleted_task_id: strawberry.ID | None = strawberry.field(
        description="The id of the task deleted; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success."
    )


@strawberry.type(description="The result of reorderTasks.")
class ReorderTasksPayload:
    client: Client | None = strawberry.field(
        description="The client, whose `tasks` come in the new order; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type
class TaskMutation:
    @strawberry.mutation(
        description="Add a task at the end of a client's checklist. Refused: more than 500 "
        "tasks on the client (INVALID), an assignee not on the partner's active team "
        "(NOT_FOUND), status DONE (INVALID_TRANSITION)."
    )
    async def create_task(
        self,
        info: Info,
        input: Annotated[CreateTaskInput, strawberry.argument(description="The new task.")],
    ) -> TaskPayload:
        changes = changes_of(input, skip=["client_id"])
        client_id = id_of(input.client_id, "Client")
        return _payload(await task_service.create_task(info.context, client_id, changes))

    @strawberry.mutation(
        description="Change a task; only the fields given change. Status moves among TODO, "
        "IN_PROGRESS and BLOCKED only (INVALID_TRANSITION otherwise: use completeTask and "
        "reopenTask)."
    )
    async def update_task(
        self,
        info: Info,
        input: Annotated[
            UpdateTaskInput, strawberry.argument(description="The task and the fields to change.")
        ],
    ) -> TaskPayload:
        changes = changes_of(input, skip=["task_id", "version"])
        task_id = id_of(input.task_id, "Task")
        return _payload(
            await task_service.update_task(info.context, task_id, input.version, changes)
        )

    @strawberry.mutation(
        description="Mark an open task DONE (merchants may tick off tasks shared with them). "
        "Refused (INVALID_TRANSITION) if it is already done."
    )
    async def complete_task(
        self,
        info: Info,
        input: Annotated[
            TaskVersionInput, strawberry.argument(description="The open task to complete.")
        ],
    ) -> TaskPayload:
        return _payload(
            await task_service.complete_task(
                info.context, id_of(input.task_id, "Task"), input.version
            )
        )

    @strawberry.mutation(
        description="Set a done task back to TODO and clear `completedAt`. Refused "
        "(INVALID_TRANSITION) if it is open."
    )
    async def reopen_task(
        self,
        info: Info,
        input: Annotated[
            TaskVersionInput, strawberry.argument(description="The done task to reopen.")
        ],
    ) -> TaskPayload:
        return _payload(
            await task_service.reopen_task(
                info.context, id_of(input.task_id, "Task"), input.version
            )
        )

    @strawberry.mutation(description="Delete a task for good.")
    async def delete_task(
        self,
        info: Info,
        input: Annotated[TaskVersionInput, strawberry.argument(description="The task to delete.")],
    ) -> DeleteTaskPayload:
        outcome = await task_service.delete_task(
            info.context, id_of(input.task_id, "Task"), input.version
        )
        return DeleteTaskPayload(
            deleted_task_id=to_global_id("Task", outcome.value)
            if outcome.value is not None
            else None,
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Put the client's checklist in a new order. Refused (INVALID) unless "
        "`taskIds` lists every task of the client that the viewer may edit, each once."
    )
    async def reorder_tasks(
        self,
        info: Info,
        input: Annotated[
            ReorderTasksInput, strawberry.argument(description="The client and the new order.")
        ],
    ) -> ReorderTasksPayload:
        outcome = await task_service.reorder_tasks(
            info.context,
            id_of(input.client_id, "Client"),
            [id_of(t, "Task") for t in input.task_ids],
        )
        return ReorderTasksPayload(
            client=Client.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )
