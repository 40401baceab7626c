"""Listing a partner's workflow templates."""

from __future__ import annotations

from db.models import WorkflowTemplate
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, paginate

TEMPLATE_ORDER = (WorkflowTemplate.name, WorkflowTemplate.id)


async def templates_page(ctx: Context, partner_id: int, args: PageArgs) -> Page[WorkflowTemplate]:
    stmt = ctx.authz.readable(ctx.viewer, WorkflowTemplate).where(
        WorkflowTemplate.partner_id == partner_id
    )
    return await paginate(ctx.reading, stmt, TEMPLATE_ORDER, args)
