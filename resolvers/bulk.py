"""Bulk operations: one change for up to 1,000 clients or tasks. The request is validated as a
whole (ids well-formed and of the right type, at most 1,000 and each once, the template or
member visible, the change itself valid) and refused whole when anything is wrong; otherwise
it becomes a QUEUED `BulkOperation` that resolvers/bulk_jobs.py runs item by item, each item
through the single mutation's own service with the caller's permissions at that time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.bulk import MAX_ITEMS, BulkKind, BulkOperation, BulkResult, BulkStatus
from db.enums import AssignmentRole, MemberStatus, TaskStatus
from db.models import Client, PartnerMember, Task, WorkflowTemplate
from resolvers.changes import Changes, cleaned
from resolvers.client_filters import ClientFilter, filtered
from resolvers.context import Context
from resolvers.mutations import Outcome, transact
from resolvers.pagination import Page, PageArgs, paginate
from resolvers.problems import ErrorCode, FieldName, Problem, Refused, refuse

__all__ = [
    "RESULT_ORDER",
    "bulk_apply_template",
    "bulk_assign_member",
    "bulk_update_tasks",
    "get_bulk_operation",
    "operation_results_page",
    "task_changes",
    "task_changes_params",
    "viewer_bulk_operations_page",
]

# What a bulk task update may change (model attribute -> its field in the input).
TASK_FIELDS = {"status": "status", "assignee_member_id": "assignee_id", "due_date": "due_date"}
EDITABLE_STATUSES = frozenset({TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED})
RESULT_ORDER = (BulkResult.position, BulkResult.id)


def _subject_ids(ids: Sequence[int | None], field: str, noun: str) -> list[int]:
    """The ids as given, each once; every malformed one is reported at once."""
    if not ids:
        raise refuse(field, f"Name at least one {noun}.", ErrorCode.REQUIRED)
    if len(ids) > MAX_ITEMS:
        raise refuse(
            field,
            f"Name at most {MAX_ITEMS:,} {noun}s per operation ({len(ids):,} given); split the "
            "list.",
            ErrorCode.TOO_LONG,
        )
    problems: list[Problem] = []
    seen: set[int] = set()
    for index, id_ in enumerate(ids):
        if id_ is None:
            problems.append(Problem.at((field, index), f"Not a {noun} id.", ErrorCode.INVALID))
        elif id_ in seen:
            problems.append(
                Problem.at((field, index), f"That {noun} is named twice.", ErrorCode.INVALID)
            )
        else:
            seen.add(id_)
    if problems:
        raise Refused(*problems)
    return [i for i in ids if i is not None]


async def _filtered_clients(
    session: AsyncSession, ctx: Context, flt: ClientFilter, partner_id: int
) -> list[int]:
    """The clients of `partner_id` the caller sees now that match the filter, by name."""
    stmt = (
        filtered(ctx, ctx.authz.readable(ctx.viewer, Client), flt)
        .where(Client.partner_id == partner_id)
        .with_only_columns(Client.id)
        .order_by(Client.business_name, Client.id)
        .limit(MAX_ITEMS + 1)
    )
    found = list((await session.execute(stmt)).scalars().all())
    if not found:
        raise refuse("filter", "No client matches the filter.", ErrorCode.INVALID)
    if len(found) > MAX_ITEMS:
        raise refuse(
            "filter",
            f"More than {MAX_ITEMS:,} clients match; narrow the filter.",
            ErrorCode.TOO_LONG,
        )
    return found


async def _clients(
    session: AsyncSession,
    ctx: Context,
    client_ids: Sequence[int | None] | None,
    flt: ClientFilter | None,
    partner_id: int,
) -> list[int]:
    if client_ids is not None and flt is not None:
        raise refuse(None, "Give either clientIds or filter, not both.", ErrorCode.INVALID)
    if flt is not None:
        return await _filtered_clients(session, ctx, flt, partner_id)
    return _subject_ids(client_ids or [], "client_ids", "client")


def _queue(
    session: AsyncSession,
    ctx: Context,
    kind: BulkKind,
    subject_ids: list[int],
    params: dict[str, Any],
    partner_id: int | None,
) -> BulkOperation:
    assert ctx.viewer.user_id is not None  # services hold no viewer user: refused before
    operation = BulkOperation(
        kind=kind,
        status=BulkStatus.QUEUED,
        created_by_user_id=ctx.viewer.user_id,
        partner_id=partner_id,
        params=params,
        subject_ids=subject_ids,
        total=len(subject_ids),
        done=0,
        failed=0,
        request_id=ctx.request_id,
    )
    session.add(operation)
    return operation


def _signed_in(ctx: Context) -> None:
    if ctx.viewer.user_id is None:
        raise refuse(None, "A bulk operation needs a signed-in user.", ErrorCode.FORBIDDEN)


async def bulk_apply_template(
    ctx: Context,
    template_id: int | None,
    client_ids: Sequence[int | None] | None,
    flt: ClientFilter | None,
) -> Outcome[BulkOperation]:
    """applyWorkflowTemplate for each client (the ids, or the template's partner's clients
    matching `flt` now)."""

    async def work(session: AsyncSession) -> BulkOperation:
        _signed_in(ctx)
        template = await _visible(session, ctx, WorkflowTemplate, template_id, "template_id")
        ids = await _clients(session, ctx, client_ids, flt, template.partner_id)
        params = {"template_id": template.id}
        operation = _queue(
            session, ctx, BulkKind.APPLY_WORKFLOW_TEMPLATE, ids, params, template.partner_id
        )
        await session.flush()
        return operation

    return await transact(ctx, work)


async def bulk_assign_member(
    ctx: Context,
    member_id: int | None,
    client_ids: Sequence[int | None] | None,
    flt: ClientFilter | None,
    role: AssignmentRole,
) -> Outcome[BulkOperation]:
    """assignMember of one team member to each client (the ids, or the member's partner's
    clients matching `flt` now)."""

    async def work(session: AsyncSession) -> BulkOperation:
        _signed_in(ctx)
        member = await _active_member(session, ctx, member_id, "member_id")
        ids = await _clients(session, ctx, client_ids, flt, member.partner_id)
        params = {"member_id": member.id, "role": role.value}
        operation = _queue(session, ctx, BulkKind.ASSIGN_MEMBER, ids, params, member.partner_id)
        await session.flush()
        return operation

    return await transact(ctx, work)


async def bulk_update_tasks(
    ctx: Context, task_ids: Sequence[int | None], changes: Changes
) -> Outcome[BulkOperation]:
    """updateTask with the same `changes` (status, assignee, due date) for each task."""

    async def work(session: AsyncSession) -> BulkOperation:
        _signed_in(ctx)
        values = cleaned(Task, changes)
        if not values.values:
            raise refuse(None, "Give a change: status, assignee or due date.", ErrorCode.REQUIRED)
        status = values.get("status")
        if status is not None and status not in EDITABLE_STATUSES:
            raise refuse(
                "status",
                "Set TODO, IN_PROGRESS or BLOCKED here; complete tasks with completeTask.",
                ErrorCode.INVALID_TRANSITION,
            )
        partner_id = None
        if values.get("assignee_member_id") is not None:
            member = await _active_member(
                session, ctx, values.get("assignee_member_id"), "assignee_id"
            )
            partner_id = member.partner_id
        elif len({m.partner_id for m in ctx.viewer.memberships}) == 1:
            partner_id = ctx.viewer.memberships[0].partner_id
        ids = _subject_ids(task_ids, "task_ids", "task")
        params = {"changes": task_changes_params(values)}
        operation = _queue(session, ctx, BulkKind.UPDATE_TASKS, ids, params, partner_id)
        await session.flush()
        return operation

    return await transact(ctx, work)


async def _visible(
    session: AsyncSession, ctx: Context, model: type[Any], id_: int | None, field: FieldName
) -> Any:
    found = await ctx.authz.one(session, ctx.viewer, model, id_) if id_ else None
    if found is None:
        noun = "workflow template" if model is WorkflowTemplate else "team member"
        raise refuse(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
    return found


async def _active_member(
    session: AsyncSession, ctx: Context, member_id: int | None, field: FieldName
) -> PartnerMember:
    member: PartnerMember = await _visible(session, ctx, PartnerMember, member_id, field)
    if member.status != MemberStatus.ACTIVE:
        raise refuse(field, "No team member with that id.", ErrorCode.NOT_FOUND)
    return member


# --- The task change, stored and read back -----------------------------------------------------


def task_changes_params(values: Changes) -> dict[str, Any]:
    """The change as JSON: only the attributes given (None clears)."""
    found: dict[str, Any] = {}
    for name in TASK_FIELDS:
        if name in values:
            value = values.get(name)
            found[name] = value.isoformat() if isinstance(value, date) else value
    return found


def task_changes(params: dict[str, Any]) -> Changes:
    """The stored change as the `Changes` updateTask's service takes, with updateTask's paths."""
    values: dict[str, Any] = {}
    for name, value in params.items():
        if name == "status" and value is not None:
            values[name] = TaskStatus(value)
        elif name == "due_date" and value is not None:
            values[name] = date.fromisoformat(value)
        else:
            values[name] = value
    return Changes(values, {name: (field,) for name, field in TASK_FIELDS.items()})


# --- Reads --------------------------------------------------------------------------------------


async def get_bulk_operation(ctx: Context, id_: int) -> BulkOperation | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, BulkOperation, id_)


async def viewer_bulk_operations_page(ctx: Context, args: PageArgs) -> Page[BulkOperation]:
    """The viewer's own operations, newest first."""
    stmt = ctx.authz.readable(ctx.viewer, BulkOperation).where(
        BulkOperation.created_by_user_id == ctx.viewer.user_id
    )
    return await paginate(ctx.reading, stmt, (BulkOperation.id,), args, descending=True)


async def operation_results_page(
    ctx: Context, operation_id: int, args: PageArgs
) -> Page[BulkResult]:
    """The finished items of an operation, in the order they were given."""
    stmt = ctx.authz.readable(ctx.viewer, BulkResult)
    return await ctx.loaders.pages.page(
        "BulkOperation.results", stmt, BulkResult.operation_id, operation_id, RESULT_ORDER, args
    )
