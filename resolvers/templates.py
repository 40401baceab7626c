"""Workflow templates: a partner's repeatable task lists. Applying one copies its items into the
client's tasks; from then on each client's copy changes on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import TaskCategory
from db.models import Client, Partner, Task, WorkflowTemplate, WorkflowTemplateItem
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, FieldName, Problem, Refused, refuse
from resolvers.task_queries import today
from resolvers.validation import Checker

MAX_ITEMS = 100
MAX_OFFSET_DAYS = 365
TEMPLATE_FIELD = "template_id"


@dataclass(frozen=True, slots=True)
class TemplateItemData:
    title: str
    category: TaskCategory = TaskCategory.OTHER
    description: str | None = None
    due_offset_days: int | None = None
    client_visible: bool = False
    blocks_launch: bool = False


def _items(items: list[TemplateItemData], partner_id: int) -> list[WorkflowTemplateItem]:
    problems: list[Problem] = []
    if not items:
        problems.append(Problem.at("items", "Add at least one task.", ErrorCode.REQUIRED))
    if len(items) > MAX_ITEMS:
        problems.append(Problem.at("items", f"Use at most {MAX_ITEMS} tasks.", ErrorCode.TOO_LONG))
    rows = []
    for index, item in enumerate(items[:MAX_ITEMS]):
        check = Checker(within=("items", index))
        title = check.text("title", item.title, required=True, max_len=200)
        description = check.text("description", item.description, required=False, max_len=10_000)
        offset = item.due_offset_days
        if offset is not None and not 0 <= offset <= MAX_OFFSET_DAYS:
            check.add("due_offset_days", f"Use 0 to {MAX_OFFSET_DAYS} days.", ErrorCode.INVALID)
        problems += check.problems
        rows.append(
            WorkflowTemplateItem(
                partner_id=partner_id,
                title=title or "",
                description=description,
                category=item.category,
                due_offset_days=offset,
                client_visible=item.client_visible,
                blocks_launch=item.blocks_launch,
                position=index + 1,
            )
        )
    if problems:
        raise Refused(*problems)
    return rows


async def _name(
    session: AsyncSession, partner_id: int, name: str | None, template_id: int | None = None
) -> str:
    check = Checker()
    cleaned = check.text("name", name, required=True, max_len=200)
    if check.problems:
        raise Refused(*check.problems)
    assert cleaned is not None
    clash = select(WorkflowTemplate.id).where(
        WorkflowTemplate.partner_id == partner_id,
        func.lower(WorkflowTemplate.name) == cleaned.lower(),
    )
    if template_id is not None:
        clash = clash.where(WorkflowTemplate.id != template_id)
    if (await session.execute(clash)).first() is not None:
        raise refuse("name", "A workflow with that name exists.", ErrorCode.TAKEN)
    return cleaned


async def create_template(
    ctx: Context,
    partner_id: int | None,
    name: str,
    description: str | None,
    items: list[TemplateItemData],
) -> Outcome[WorkflowTemplate]:
    async def work(session: AsyncSession) -> WorkflowTemplate:
        partner = await target(
            session, ctx, Partner, partner_id, action="manage_templates", field="partner_id"
        )
        template = WorkflowTemplate(
            partner_id=partner.id,
            name=await _name(session, partner.id, name),
            description=(description or "").strip() or None,
        )
        rows = _items(items, partner.id)
        session.add(template)
        await session.flush()
        for row in rows:
            row.template_id = template.id
        session.add_all(rows)
        await session.flush()
        return template

    return await transact(ctx, work)


async def update_template(
    ctx: Context,
    template_id: int | None,
    version: int,
    name: str | None,
    description: str | None,
    items: list[TemplateItemData] | None,
) -> Outcome[WorkflowTemplate]:
    """Changes the template only: clients it was applied to keep their own tasks."""

    async def work(session: AsyncSession) -> WorkflowTemplate:
        template = await target(
            session, ctx, WorkflowTemplate, template_id, action="manage", field=TEMPLATE_FIELD
        )
        expect_version(template, version)
        if name is not None:
            template.name = await _name(session, template.partner_id, name, template.id)
        if description is not None:
            template.description = description.strip() or None
        if items is not None:
            rows = _items(items, template.partner_id)
            await session.execute(
                delete(WorkflowTemplateItem).where(WorkflowTemplateItem.template_id == template.id)
            )
            for row in rows:
                row.template_id = template.id
            session.add_all(rows)
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
