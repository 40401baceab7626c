"""Workflow templates: a partner's repeatable task lists. Applying one copies its items into the
client's tasks; from then on each client's copy changes on its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Client, Partner, Task, WorkflowTemplate, WorkflowTemplateItem
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, FieldName, Problem, Refused, refuse
from resolvers.task_queries import today

MAX_ITEMS = 100
MAX_OFFSET_DAYS = 365
TEMPLATE_FIELD = "template_id"


def _items(items: Sequence[Changes], partner_id: int) -> list[WorkflowTemplateItem]:
    """The template's items in order; every problem of every item is reported at once."""
    problems: list[Problem] = []
    if not items:
        problems.append(Problem.at("items", "Add at least one task.", ErrorCode.REQUIRED))
    if len(items) > MAX_ITEMS:
        problems.append(Problem.at("items", f"Use at most {MAX_ITEMS} tasks.", ErrorCode.TOO_LONG))
    rows = []
    for position, item in enumerate(items[:MAX_ITEMS], start=1):
        offset = item.get("due_offset_days")
        if offset is not None and not 0 <= offset <= MAX_OFFSET_DAYS:
            problems.append(
                Problem.at(
                    item.path("due_offset_days"),
                    f"Use 0 to {MAX_OFFSET_DAYS} days.",
                    ErrorCode.INVALID,
                )
            )
        try:
            values = cleaned(WorkflowTemplateItem, item)
        except Refused as refusal:
            problems += refusal.problems
            continue
        row = WorkflowTemplateItem(partner_id=partner_id, position=position)
        apply(row, values)
        rows.append(row)
    if problems:
        raise Refused(*problems)
    return rows


async def _unique_name(
    session: AsyncSession, partner_id: int, name: str, template_id: int | None = None
) -> str:
    clash = select(WorkflowTemplate.id).where(
        WorkflowTemplate.partner_id == partner_id,
        func.lower(WorkflowTemplate.name) == name.lower(),
    )
    if template_id is not None:
        clash = clash.where(WorkflowTemplate.id != template_id)
    if (await session.execute(clash)).first() is not None:
        raise refuse("name", "A workflow with that name exists.", ErrorCode.TAKEN)
    return name


async def _replace_items(
    session: AsyncSession, template: WorkflowTemplate, rows: list[WorkflowTemplateItem]
) -> None:
    await session.execute(
        delete(WorkflowTemplateItem).where(WorkflowTemplateItem.template_id == template.id)
    )
    for row in rows:
        row.template_id = template.id
    session.add_all(rows)


async def create_template(
    ctx: Context, partner_id: int | None, changes: Changes, *, items: Sequence[Changes]
) -> Outcome[WorkflowTemplate]:
    """A new workflow of the partner: `changes` names it, `items` are its tasks in order."""

    async def work(session: AsyncSession) -> WorkflowTemplate:
        partner = await target(
            session, ctx, Partner, partner_id, action="manage_templates", field="partner_id"
        )
        values = cleaned(WorkflowTemplate, changes)
        template = WorkflowTemplate(partner_id=partner.id)
        apply(template, values)
        template.name = await _unique_name(session, partner.id, values.get("name"))
        rows = _items(items, partner.id)
        session.add(template)
        await session.flush()
        await _replace_items(session, template, rows)
        await session.flush()
        return template

    return await transact(ctx, work)


async def update_template(
    ctx: Context,
    template_id: int | None,
    version: int,
    changes: Changes,
    *,
    items: Sequence[Changes] | None,
) -> Outcome[WorkflowTemplate]:
    """Changes the template only: clients it was applied to keep their own tasks. `items`, when
    given, replaces every item."""

    async def work(session: AsyncSession) -> WorkflowTemplate:
        template = await target(
            session, ctx, WorkflowTemplate, template_id, action="manage", field=TEMPLATE_FIELD
        )
        expect_version(template, version)
        values = cleaned(WorkflowTemplate, changes)
        if "name" in values:
            await _unique_name(session, template.partner_id, values.get("name"), template.id)
        apply(template, values)
        if items is not None:
            await _replace_items(session, template, _items(items, template.partner_id))
        template.updated_at = utcnow()  # bumps the version even when only the items changed
        await session.flush()
        return template

    return await transact(ctx, work)


async def delete_template(ctx: Context, template_id: int | None, version: int) -> Outcome[int]:
    async def work(session: AsyncSession) -> int:
        template = await target(
            session, ctx, WorkflowTemplate, template_id, action="manage", field=TEMPLATE_FIELD
        )
        expect_version(template, version)
        deleted = template.id
        await session.execute(
            delete(WorkflowTemplateItem).where(WorkflowTemplateItem.template_id == template.id)
        )
        await session.delete(template)
        await session.flush()
        return deleted

    return await transact(ctx, work)


async def copy_template_into(
    session: AsyncSession,
    ctx: Context,
    client: Client,
    template_id: int | None,
    *,
    field: FieldName = TEMPLATE_FIELD,
) -> list[Task]:
    """Append the template's items to the client's tasks (due dates counted from today).
    The template must be one of the client's partner's, and readable by the viewer."""
    if template_id is None:
        raise refuse(field, "No workflow template with that id.", ErrorCode.NOT_FOUND)
    template = await ctx.authz.one(session, ctx.viewer, WorkflowTemplate, template_id)
    if template is None or template.partner_id != client.partner_id:
        raise refuse(field, "No workflow template with that id.", ErrorCode.NOT_FOUND)
    items = (
        (
            await session.execute(
                select(WorkflowTemplateItem)
                .where(WorkflowTemplateItem.template_id == template.id)
                .order_by(WorkflowTemplateItem.position, WorkflowTemplateItem.id)
            )
        )
        .scalars()
        .all()
    )
    last = (
        await session.execute(select(func.max(Task.position)).where(Task.client_id == client.id))
    ).scalar_one()
    start = today()
    tasks = [
        Task(
            partner_id=template.partner_id,
            client_id=client.id,
            title=item.title,
            description=item.description,
            category=item.category,
            due_date=start + timedelta(days=item.due_offset_days)
            if item.due_offset_days is not None
            else None,
            client_visible=item.client_visible,
            blocks_launch=item.blocks_launch,
            position=(last or 0) + index,
        )
        for index, item in enumerate(items, start=1)
    ]
    session.add_all(tasks)
    await session.flush()
    return tasks


async def apply_template(
    ctx: Context, client_id: int | None, template_id: int | None
) -> Outcome[tuple[Client, list[Task]]]:
    async def work(session: AsyncSession) -> tuple[Client, list[Task]]:
        client = await target(
            session, ctx, Client, client_id, action="manage_tasks", field="client_id"
        )
        return client, await copy_template_into(session, ctx, client, template_id)

    return await transact(ctx, work)
