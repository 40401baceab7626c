"""Workflow templates: type and mutations, and applying one to a client."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from resolvers import queries
from resolvers import templates as template_service
from resolvers.changes import Changes
from resolvers.mutations import Outcome
from schema.clients import Client
from schema.enums import TaskCategory
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of
from schema.relay import Node, RowType, id_of, node, to_global_id
from schema.tasks import Task


@strawberry.type(description="One task of a workflow template.")
class WorkflowTemplateItem(RowType):
    id: strawberry.ID = strawberry.field(
        description="Opaque id (not for `node(id:)`); new whenever the items are replaced."
    )
    title: str = strawberry.field(description="The task's title (at most 200 characters).")
    description: str | None = strawberry.field(
        description="The task's details (at most 10,000 characters); null when none."
    )
    category: TaskCategory = strawberry.field(description="The task's category.")
    due_offset_days: int | None = strawberry.field(
        description="Due this many days (0-365) after the template is applied; null: no due date."
    )
    client_visible: bool = strawberry.field(description="The task is shared with the merchant.")
    blocks_launch: bool = strawberry.field(description="The task blocks the launch while open.")
    position: int = strawberry.field(description="Place in the template, from 1.")
    _row: strawberry.Private[models.WorkflowTemplateItem]


@node(queries.get_template)
@strawberry.type(description="A partner's repeatable workflow, applied to clients as tasks.")
class WorkflowTemplate(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; template mutations take it as `templateId`."
    )
    name: str = strawberry.field(
        description="Unique within the partner, ignoring case (at most 200 characters)."
    )
    description: str | None = strawberry.field(
        description="What the workflow is for; null when none."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it or its items last changed (UTC).")
    version: int = strawberry.field(
        description="Increases with every change of the template or its items."
    )
    _row: strawberry.Private[models.WorkflowTemplate]

    @strawberry.field(description="The template's tasks in order (at most 100).")
    async def items(self, info: Info) -> list[WorkflowTemplateItem]:
        rows = await info.context.loaders.template_items.load(self._row.id)
        ordered = sorted(rows, key=lambda r: (r.position, r.id))
        return [WorkflowTemplateItem.of(r) for r in ordered]


@strawberry.input(description="One task of a workflow template.")
class WorkflowTemplateItemInput:
    title: str = strawberry.field(description="Required; at most 200 characters, trimmed.")
    category: TaskCategory = strawberry.field(
        default=TaskCategory.OTHER, description="The task's category."
    )
    description: str | None = strawberry.field(
        default=None, description="The task's details; at most 10,000 characters."
    )
    due_offset_days: int | None = strawberry.field(
        default=None,
        description="Due this many days (0-365) after the template is applied; null: no due date.",
    )
    client_visible: bool = strawberry.field(
        default=False, description="Share the task with the merchant."
    )
    blocks_launch: bool = strawberry.field(
        default=False, description="The task blocks the launch while open."
    )


@strawberry.input(description="A new workflow template of a partner.")
class CreateWorkflowTemplateInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner it belongs to.")
    name: str = strawberry.field(
        description="Required; unique within the partner, ignoring case; at most 200 characters."
    )
    description: str | None = strawberry.field(
        default=None, description="What the workflow is for."
    )
    items: list[WorkflowTemplateItemInput] = strawberry.field(
        description="Its tasks in order: 1 to 100."
    )


@strawberry.input(description="Only the fields given change; `items` replaces all items.")
class UpdateWorkflowTemplateInput:
    template_id: strawberry.ID = strawberry.field(description="The WorkflowTemplate to change.")
    version: int = strawberry.field(
        description="The template's current `version`; a stale one is a CONFLICT."
    )
    name: str | None = strawberry.field(
        default=None, description="Unique within the partner, ignoring case; cannot be blank."
    )
    description: str | None = strawberry.field(
        default=None, description="What the workflow is for; blank empties it."
    )
    items: list[WorkflowTemplateItemInput] | None = strawberry.field(
        default=None, description="All its tasks in the new order (1 to 100); null keeps them."
    )


@strawberry.input(description="A workflow template to delete.")
class DeleteWorkflowTemplateInput:
    template_id: strawberry.ID = strawberry.field(description="The WorkflowTemplate to delete.")
    version: int = strawberry.field(
        description="The template's current `version`; a stale one is a CONFLICT."
    )


@strawberry.input(description="A workflow template to copy into a client's checklist.")
class ApplyWorkflowTemplateInput:
    client_id: strawberry.ID = strawberry.field(description="The Client whose checklist grows.")
    template_id: strawberry.ID = strawberry.field(
        description="A WorkflowTemplate of the client's current partner."
    )


@strawberry.type(description="The result of creating or updating a workflow template.")
class WorkflowTemplatePayload:
    workflow_template: WorkflowTemplate | None = strawberry.field(
        description="The template as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of deleteWorkflowTemplate.")
class DeleteWorkflowTemplatePayload:
    deleted_workflow_template_id: strawberry.ID | None = strawberry.field(
        description="The id of the template deleted; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of applyWorkflowTemplate.")
class ApplyWorkflowTemplatePayload:
    client: Client | None = strawberry.field(
        description="The client; null when the mutation was refused."
    )
    tasks: list[Task] = strawberry.field(
        description="The tasks created, in checklist order; empty when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _payload(outcome: Outcome[models.WorkflowTemplate]) -> WorkflowTemplatePayload:
    return WorkflowTemplatePayload(
        workflow_template=WorkflowTemplate.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


def _items(items: list[WorkflowTemplateItemInput]) -> list[Changes]:
    return [changes_of(item, prefix=("items", n)) for n, item in enumerate(items)]


@strawberry.type
class TemplateMutation:
    @strawberry.mutation(
        description="Create a workflow template of a partner (owners, admins, managers). "
        "Refused: a name the partner already uses (TAKEN), no items (REQUIRED), more than 100 "
        "(TOO_LONG), an offset outside 0-365 (INVALID); every problem is reported at once."
    )
    async def create_workflow_template(
        self,
        info: Info,
        input: Annotated[
            CreateWorkflowTemplateInput,
            strawberry.argument(description="The partner, name and tasks."),
        ],
    ) -> WorkflowTemplatePayload:
        return _payload(
            await template_service.create_template(
                info.context,
                id_of(input.partner_id, "Partner"),
                changes_of(input, skip=["partner_id", "items"]),
                items=_items(input.items),
            )
        )

    @strawberry.mutation(
        description="Change a template; only the fields given change, and `items` replaces all "
        "items. Clients it was applied to keep their tasks as they are."
    )
    async def update_workflow_template(
        self,
        info: Info,
        input: Annotated[
            UpdateWorkflowTemplateInput,
            strawberry.argument(description="The template and the fields to change."),
        ],
    ) -> WorkflowTemplatePayload:
        return _payload(
            await template_service.update_template(
                info.context,
                id_of(input.template_id, "WorkflowTemplate"),
                input.version,
                changes_of(input, skip=["template_id", "version", "items"]),
                items=_items(input.items) if input.items is not None else None,
            )
        )

    @strawberry.mutation(
        description="Delete a template and its items. Tasks already copied into clients stay."
    )
    async def delete_workflow_template(
        self,
        info: Info,
        input: Annotated[
            DeleteWorkflowTemplateInput,
            strawberry.argument(description="The template to delete."),
        ],
    ) -> DeleteWorkflowTemplatePayload:
        outcome = await template_service.delete_template(
            info.context, id_of(input.template_id, "WorkflowTemplate"), input.version
        )
        return DeleteWorkflowTemplatePayload(
            deleted_workflow_template_id=to_global_id("WorkflowTemplate", outcome.value)
            if outcome.value is not None
            else None,
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Copy a template's tasks to the end of a client's checklist, due dates "
        "counted from today (UTC). Refused (NOT_FOUND) for a template not of the client's "
        "current partner."
    )
    async def apply_workflow_template(
        self,
        info: Info,
        input: Annotated[
            ApplyWorkflowTemplateInput,
            strawberry.argument(description="The client and the template."),
        ],
    ) -> ApplyWorkflowTemplatePayload:
        outcome = await template_service.apply_template(
            info.context,
            id_of(input.client_id, "Client"),
            id_of(input.template_id, "WorkflowTemplate"),
        )
        client, tasks = outcome.value if outcome.value is not None else (None, [])
        return ApplyWorkflowTemplatePayload(
            client=Client.maybe(client),
            tasks=[Task.of(t) for t in tasks],
            user_errors=user_errors(outcome.problems),
        )
