"""Reading commission terms, charges and commissions, every statement ANDed with the viewer's
policy filter (a partner's earnings: its owners and admins, and platform staff)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_

from db.models import Partner
from db.money import Commission, CommissionStatus, CommissionTerms, SubscriptionCharge
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, paginate

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
    stmt = ctx.authz.readable(ctx.viewer, Commission).where(Commission.partner_id == partner_id)
    if statuses:
        stmt = stmt.where(Commission.status.in_(statuses))
    return await paginate(ctx.reading, stmt, COMMISSION_ORDER, args)


async def partner_commission_terms_page(
    ctx: Context, partner: Partner, args: PageArgs
) -> Page[CommissionTerms]:
    """The partner's own overrides and the program's terms for its tier, oldest first. Program
    terms are the same for every partner of a tier: any partner's owners and admins read them."""
    stmt = ctx.authz.readable(ctx.viewer, CommissionTerms).where(
        or_(
            CommissionTerms.partner_id == partner.id,
            CommissionTerms.is_program.is_(True) & (CommissionTerms.tier == str(partner.tier)),
        )
    )
    return await paginate(ctx.reading, stmt, TERMS_ORDER, args)
