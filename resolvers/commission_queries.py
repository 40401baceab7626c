"""Reading commission terms, charges and commissions, every statement ANDed with the viewer's
policy filter (a partner's earnings: its owners and admins, and platform staff)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_

from db.models import Partner
from db.money import Commission, CommissionStatus, CommissionTerms, SubscriptionCharge
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs

COMMISSION_ORDER = (Commission.id,)
TERMS_ORDER = (CommissionTerms.effective_from, CommissionTerms.id)


async def get_commission(ctx: Context, id_: int) -> Commission | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, Commission, id_)


async def get_charge(ctx: Context, id_: int) -> SubscriptionCharge | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, SubscriptionCharge, id_)


async def get_commission_terms(ctx: Context, id_: int) -> CommissionTerms | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, CommissionTerms, id_)


async def partner_commissions_page(
    ctx: Context, partner_id: int, args: PageArgs, statuses: Sequence[CommissionStatus] = ()
) -> Page[Commission]:
    """Batched per level: one statement for every partner of a page."""
    stmt = ctx.authz.readable(ctx.viewer, Commission)
    if statuses:
        stmt = stmt.where(Commission.status.in_(statuses))
    return await ctx.loaders.pages.page(
        "Partner.commissions",
        stmt,
        Commission.partner_id,
        partner_id,
        COMMISSION_ORDER,
        args,
        tuple(statuses),
    )


async def partner_commission_terms_page(
    ctx: Context, partner_id: int, args: PageArgs
) -> Page[CommissionTerms]:
    """The partner's own overrides and the program's terms for its tier, oldest first. Program
    terms are the same for every partner of a tier: any partner's owners and admins read them.
    Batched per level: the terms are joined to the partners they apply to (a program's row
    to every partner of its tier), and each partner numbers its own."""
    stmt = ctx.authz.readable(ctx.viewer, CommissionTerms).join(
        Partner,
        or_(
            CommissionTerms.partner_id == Partner.id,
            CommissionTerms.is_program.is_(True) & (CommissionTerms.tier == Partner.tier),
        ),
    )
    return await ctx.loaders.pages.page(
        "Partner.commissionTerms", stmt, Partner.id, partner_id, TERMS_ORDER, args
    )
