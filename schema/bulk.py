"""Bulk operations: one change for many clients or tasks, run in the background item by item.
The operation type, its results, the three mutations, `bulkOperation(id)` and
`viewer.bulkOperations`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import strawberry

from db import bulk as tables
from db.bulk import MAX_ITEMS, BulkKind, BulkStatus
from resolvers import bulk as service
from resolvers.mutations import Outcome
from resolvers.pagination import PageArgs
from resolvers.problems import ErrorCode, Problem
from schema.client_filters import ClientFilterInput
from schema.connections import Connection, connection, to_connection
from schema.enums import AssignmentRole, TaskStatus, register_enums
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, clears, node_id
from schema.relay import Node, RowType, id_of, node, to_global_id

ENUMS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    BulkKind: (
        "The single mutation a bulk operation runs for each of its items.",
        {
            BulkKind.APPLY_WORKFLOW_TEMPLATE: "applyWorkflowTemplate, for each client.",
            BulkKind.ASSIGN_MEMBER: "assignMember, for each client.",
            BulkKind.UPDATE_TASKS: "updateTask, for each task.",
        },
    ),
    BulkStatus: (
        "Where a bulk operation is.",
        {
            BulkStatus.QUEUED: "Accepted; waiting for a background runner.",
            BulkStatus.RUNNING: "Its items are being run (see `progress`).",
            BulkStatus.SUCCEEDED: "Every item was done.",
            BulkStatus.PARTIAL: "Some items were done, others refused (see `results`).",
            BulkStatus.FAILED: "Every item was refused (see `results`).",
        },
    ),
}

register_enums(ENUMS)

# The type of the ids an operation's items name.
SUBJECT_TYPE = {
    BulkKind.APPLY_WORKFLOW_TEMPLATE: "Client",
    BulkKind.ASSIGN_MEMBER: "Client",
    BulkKind.UPDATE_TASKS: "Task",
}


@strawberry.type(description="How far a bulk operation has got.")
class BulkProgress:
    done: int = strawberry.field(description="Items finished, done or refused.")
    failed: int = strawberry.field(description="Items refused (their `userErrors` say why).")
    total: int = strawberry.field(description="Items named by the operation.")


@strawberry.type(description="The outcome of one item of a bulk operation.")
class BulkOperationResult:
    id: strawberry.ID = strawberry.field(description="The client's or task's global id.")
    succeeded: bool = strawberry.field(description="The item's change was saved.")
    user_errors: list[UserError] = strawberry.field(
        description="What the single mutation answered for this item (its `field` paths name "
        "that mutation's input); empty when it succeeded."
    )
    finished_at: datetime = strawberry.field(description="When the item was run (UTC).")

    @staticmethod
    def of(row: tables.BulkResult, type_name: str) -> BulkOperationResult:
        return BulkOperationResult(
            id=to_global_id(type_name, row.subject_id),
            succeeded=row.succeeded,
            user_errors=user_errors(_problem(e) for e in row.errors),
            finished_at=row.finished_at,
        )


def _problem(stored: dict[str, Any]) -> Problem:
    field = stored.get("field")
    return Problem(tuple(field) if field else None, stored["message"], ErrorCode(stored["code"]))


@node(service.get_bulk_operation)
@strawberry.type(
    description="One change asked for many clients or tasks, run in the background: each item "
    "in its own transaction, through the single mutation, with its creator's permissions at "
    "the time. Visible to its creator (and platform staff) only."
)
class BulkOperation(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    kind: BulkKind = strawberry.field(description="The single mutation run for each item.")
    status: BulkStatus = strawberry.field(description="Where the operation is.")
    created_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    started_at: datetime | None = strawberry.field(
        description="When a runner first took it up (UTC); null while queued."
    )
    finished_at: datetime | None = strawberry.field(
        description="When its last item finished (UTC); null until then."
    )
    _row: strawberry.Private[tables.BulkOperation]

    @strawberry.field(description="Items finished and in total.")
    def progress(self) -> BulkProgress:
        row = self._row
        return BulkProgress(done=row.done, failed=row.failed, total=row.total)

    @connection("The finished items, in the order the ids were given.")
    async def results(self, info: Info, page: PageArgs) -> Connection[BulkOperationResult]:
        rows = await service.operation_results_page(info.context, self._row.id, page)
        type_name = SUBJECT_TYPE[BulkKind(self._row.kind)]
        return to_connection(rows, lambda r: BulkOperationResult.of(r, type_name))


CLIENT_IDS = (
    f"The Clients (1 to {MAX_ITEMS:,}, each once); or give `filter` instead. An id you may not "
    "work on fails as its item, as it would alone."
)
FILTER = (
    f"Instead of `clientIds`: the clients matching this (at most {MAX_ITEMS:,}), among those "
    "you see now of the {partner}'s partner; chosen when the operation is created."
)


@strawberry.input(description="A workflow template to apply to many clients.")
class BulkApplyWorkflowTemplateInput:
    template_id: strawberry.ID = strawberry.field(description="The WorkflowTemplate to apply.")
    client_ids: list[strawberry.ID] | None = strawberry.field(default=None, description=CLIENT_IDS)
    filter: ClientFilterInput | None = strawberry.field(
        default=None, description=FILTER.format(partner="template")
    )


@strawberry.input(description="A team member to assign to many clients.")
class BulkAssignMemberInput:
    member_id: strawberry.ID = strawberry.field(
        description="An active PartnerMember, assigned to each client."
    )
    client_ids: list[strawberry.ID] | None = strawberry.field(default=None, description=CLIENT_IDS)
    filter: ClientFilterInput | None = strawberry.field(
        default=None, description=FILTER.format(partner="member")
    )
    role: AssignmentRole = strawberry.field(
        default=AssignmentRole.CONTRIBUTOR, description="Lead or contributor."
    )


@strawberry.input(description="One change for many tasks; only the fields given change.")
class BulkUpdateTasksInput:
    task_ids: list[strawberry.ID] = strawberry.field(
        description=f"The Tasks (1 to {MAX_ITEMS:,}, each once). A task you may not edit fails "
        "as its item, as it would alone."
    )
    status: TaskStatus | None = strawberry.field(
        default=None, description="TODO, IN_PROGRESS or BLOCKED (complete with completeTask)."
    )
    assignee_id: strawberry.ID | None = node_id(
        "PartnerMember",
        sets="assignee_member_id",
        description="Assign to this active member (of each task's partner).",
    )
    clear_assignee: bool = clears("assignee_member_id", description="True unassigns the tasks.")
    due_date: date | None = strawberry.field(default=None, description="New due day.")
    clear_due_date: bool = clears("due_date", description="True removes the due dates.")


@strawberry.type(description="The result of a bulk mutation.")
class BulkOperationPayload:
    bulk_operation: BulkOperation | None = strawberry.field(
        description="The operation, QUEUED; null when the request was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was queued (the request is refused whole); empty on success."
    )


def _payload(outcome: Outcome[tables.BulkOperation]) -> BulkOperationPayload:
    return BulkOperationPayload(
        bulk_operation=BulkOperation.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


def _ids(ids: list[strawberry.ID] | None, type_name: str) -> list[int | None] | None:
    return None if ids is None else [id_of(i, type_name) for i in ids]


REFUSED = (
    f"Refused whole when the input is wrong: no ids or more than {MAX_ITEMS:,} (REQUIRED, "
    "TOO_LONG), an id malformed, of another type or named twice (INVALID)"
)


@strawberry.type
class BulkMutation:
    @strawberry.mutation(
        description="Queue applyWorkflowTemplate for many clients; follow it with "
        f"`bulkOperation(id)`. {REFUSED}, a template you cannot see (NOT_FOUND)."
    )
    async def bulk_apply_workflow_template(
        self,
        info: Info,
        input: Annotated[
            BulkApplyWorkflowTemplateInput,
            strawberry.argument(description="The template and the clients."),
        ],
    ) -> BulkOperationPayload:
        return _payload(
            await service.bulk_apply_template(
                info.context,
                id_of(input.template_id, "WorkflowTemplate"),
                _ids(input.client_ids, "Client"),
                input.filter.to_filter() if input.filter is not None else None,
            )
        )

    @strawberry.mutation(
        description="Queue assignMember of one member to many clients; follow it with "
        f"`bulkOperation(id)`. {REFUSED}, a member you cannot see or not active (NOT_FOUND)."
    )
    async def bulk_assign_member(
        self,
        info: Info,
        input: Annotated[
            BulkAssignMemberInput,
            strawberry.argument(description="The member, the clients and the role."),
        ],
    ) -> BulkOperationPayload:
        return _payload(
            await service.bulk_assign_member(
                info.context,
                id_of(input.member_id, "PartnerMember"),
                _ids(input.client_ids, "Client"),
                input.filter.to_filter() if input.filter is not None else None,
                input.role,
            )
        )

    @strawberry.mutation(
        description="Queue updateTask (status, assignee, due date) for many tasks, each at its "
        f"version when it runs; follow it with `bulkOperation(id)`. {REFUSED}, no change "
        "(REQUIRED), DONE as status (INVALID_TRANSITION), an assignee you cannot see or not "
        "active (NOT_FOUND)."
    )
    async def bulk_update_tasks(
        self,
        info: Info,
        input: Annotated[
            BulkUpdateTasksInput,
            strawberry.argument(description="The tasks and the change."),
        ],
    ) -> BulkOperationPayload:
        return _payload(
            await service.bulk_update_tasks(
                info.context,
                _ids(input.task_ids, "Task") or [],
                changes_of(input, skip=["task_ids"]),
            )
        )


@strawberry.type
class BulkQuery:
    @strawberry.field(
        description="A bulk operation you created (platform staff: any); null otherwise, as "
        "for an id that does not exist."
    )
    async def bulk_operation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The BulkOperation.")],
    ) -> BulkOperation | None:
        operation_id = id_of(id, "BulkOperation")
        if operation_id is None:
            return None
        return BulkOperation.maybe(await service.get_bulk_operation(info.context, operation_id))


@strawberry.type
class BulkViewer:
    @connection("The bulk operations you created, newest first.")
    async def bulk_operations(self, info: Info, page: PageArgs) -> Connection[BulkOperation]:
        rows = await service.viewer_bulk_operations_page(info.context, page)
        return to_connection(rows, BulkOperation.of)
