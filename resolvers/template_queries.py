"""Listing a partner's workflow templates."""

from __future__ import annotations

from db.models import WorkflowTemplate
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs

TEMPLATE_ORDER = (WorkflowTemplate.name, WorkflowTemplate.id)


async def templates_page(ctx: Context, partner_id: int, args: PageArgs) -> Page[WorkflowTemplate]:
    return await ctx.loaders.pages.page(
        "Partner.workflowTemplates",
        ctx.authz.readable(ctx.viewer, WorkflowTemplate),
        WorkflowTemplate.partner_id,
        partner_id,
        TEMPLATE_ORDER,
        args,
    )
