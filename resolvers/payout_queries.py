"""Reading payouts and payout minimums, every statement ANDed with the viewer's policy filter
(a partner's payouts: its owners and admins, and platform staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select

from db.payouts import Payout, PayoutStatus
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs

PAYOUT_ORDER = (Payout.period_end, Payout.id)


@dataclass(frozen=True, slots=True)
class PayoutFilter:
    statuses: tuple[PayoutStatus, ...] = ()
    currency: str | None = None
    period_from: date | None = None
    period_to: date | None = None


async def get_payout(ctx: Context, id_: int) -> Payout | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, Payout, id_)


def _payouts(ctx: Context, flt: PayoutFilter | None) -> Select[Payout]:
    stmt = ctx.authz.readable(ctx.viewer, Payout)
    if flt is None:
        return stmt
    if flt.statuses:
        stmt = stmt.where(Payout.status.in_(flt.statuses))
    if flt.currency is not None:
        stmt = stmt.where(Payout.currency == flt.currency)
    if flt.period_from is not None:
        stmt = stmt.where(Payout.period_end >= flt.period_from)
    if flt.period_to is not None:
        stmt = stmt.where(Payout.period_end <= flt.period_to)
    return stmt


async def partner_payouts_page(
    ctx: Context, partner_id: int, args: PageArgs, flt: PayoutFilter | None
) -> Page[Payout]:
    """The partner's payouts and carried-forward balances, oldest period first (batched per
    level: one statement for every partner of a page)."""
    return await ctx.loaders.pages.page(
        "Partner.payouts",
        _payouts(ctx, flt),
        Payout.partner_id,
        partner_id,
        PAYOUT_ORDER,
        args,
        flt,
    )
