"""Workflow templates: type and mutations, and applying one to a client."""

from __future__ import annotations

from datetime import datetime

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
    id: strawberry.ID
    title: str
    description: str | None
    category: TaskCategory
    due_offset_days: int | None = strawberry.field(description="Due this many days after applying.")
    client_visible: bool
    blocks_launch: bool
    position: int
    _row: strawberry.Private[models.WorkflowTemplateItem]


@node(queries.get_template)
@strawberry.type(description="A partner's repeatable workflow, applied to clients as tasks.")
class WorkflowTemplate(RowType, Node):
    id: strawberry.ID
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    _row: strawberry.Private[models.WorkflowTemplate]

    @strawberry.field(description="The template's tasks in order (at most 100).")
    async def items(self, info: Info) -> list[WorkflowTemplateItem]:
        rows = await info.context.loaders.template_items.load(self._row.id)
        ordered = sorted(rows, key=lambda r: (r.position, r.id))
        return [WorkflowTemplateItem.of(r) for r in ordered]


@strawberry.input
class WorkflowTemplateItemInput:
    title: str
    category: TaskCategory = TaskCategory.OTHER
    description: str | None = None
    due_offset_days: int | None = None
    client_visible: bool = False
    blocks_launch: bool = False


@strawberry.input
class CreateWorkflowTemplateInput:
    partner_id: strawberry.ID
    name: str
    description: str | None = None
    items: list[WorkflowTemplateItemInput]


@strawberry.input(description="Only the fields given change; `items` replaces all items.")
class UpdateWorkflowTemplateInput:
    template_id: strawberry.ID
    version: int
    name: str | None = None
    description: str | None = None
    items: list[WorkflowTemplateItemInput] | None = None


@strawberry.input
class DeleteWorkflowTemplateInput:
    template_id: strawberry.ID
    version: int


@strawberry.input
class ApplyWorkflowTemplateInput:
    client_id: strawberry.ID
    template_id: strawberry.ID


@strawberry.type
class WorkflowTemplatePayload:
    workflow_template: WorkflowTemplate | None
    user_errors: list[UserError]


@strawberry.type
class DeleteWorkflowTemplatePayload:
    deleted_workflow_template_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class ApplyWorkflowTemplatePayload:
    client: Client | None
    tasks: list[Task]
    user_errors: list[UserError]


def _payload(outcome: Outcome[models.WorkflowTemplate]) -> WorkflowTemplatePayload:
    return WorkflowTemplatePayload(
        workflow_template=WorkflowTemplate.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


def _items(items: list[WorkflowTemplateItemInput]) -> list[Changes]:
    return [changes_of(item, prefix=("items", n)) for n, item in enumerate(items)]


@strawberry.type
class TemplateMutation:
    @strawberry.mutation
    async def create_workflow_template(
        self, info: Info, input: CreateWorkflowTemplateInput
    ) -> WorkflowTemplatePayload:
        return _payload(
            await template_service.create_template(
                info.context,
                id_of(input.partner_id, "Partner"),
                changes_of(input, skip=["partner_id", "items"]),
                items=_items(input.items),
            )
        )

    @strawberry.mutation(description="Change the template; clients it was applied to keep theirs.")
    async def update_workflow_template(
        self, info: Info, input: UpdateWorkflowTemplateInput
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

    @strawberry.mutation
    async def delete_workflow_template(
        self, info: Info, input: DeleteWorkflowTemplateInput
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

    @strawberry.mutation(description="Copy a template's tasks into a client's checklist.")
    async def apply_workflow_template(
        self, info: Info, input: ApplyWorkflowTemplateInput
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
