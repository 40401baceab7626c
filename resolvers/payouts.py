"""Payout runs: per partner and currency, the approved commissions not yet in a payout, net of
reversals, are paid out together when they reach the currency's minimum, or carried forward
(visibly: a CARRIED_FORWARD row) until a later run. Commissions become PAID when their payout
is marked paid, the day money moved, not when the payout is drafted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.money import Commission, CommissionStatus
from db.payouts import Payout, PayoutItem, PayoutMinimum, PayoutStatus
from resolvers.billing import Amount, money_at
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, refuse
from resolvers.transitions import Machine

PAYOUT: Machine[PayoutStatus] = Machine(
    "The payout",
    {
        PayoutStatus.DUE: frozenset({PayoutStatus.PAID}),
        PayoutStatus.PAID: frozenset(),
        PayoutStatus.CARRIED_FORWARD: frozenset(),
    },
    stay_allowed=False,
)
MAX_REFERENCE = 200


@dataclass(frozen=True, slots=True)
class Balance:
    """One partner's approved, unpaid net balance in one currency at a period's end."""

    partner_id: int
    currency: str
    amount_minor: int
    commission_count: int


@dataclass(slots=True)
class PayoutRun:
    """What a run wrote: the payouts due and the balances carried forward (both empty on a
    re-run for the same period)."""

    period_end: date
    payouts: list[Payout] = field(default_factory=list)
    skipped: int = 0  # partner-currency balances already run for this period (or a later one)


def decide(balance_minor: int, minimum_minor: int) -> PayoutStatus:
    """Paid out when the net balance is positive and reaches the minimum; else carried."""
    if balance_minor > 0 and balance_minor >= minimum_minor:
        return PayoutStatus.DUE
    return PayoutStatus.CARRIED_FORWARD


def _unpaid(period_end: date) -> list[ColumnElement[bool]]:
    """Approved commissions (and reversals) earned by the period's end and in no payout."""
    return [
        Commission.status == CommissionStatus.APPROVED,
        Commission.earned_on <= period_end,
        ~select(PayoutItem.commission_id).where(PayoutItem.commission_id == Commission.id).exists(),
    ]


async def balances(session: AsyncSession, period_end: date) -> list[Balance]:
    """Every partner's approved, unpaid net balance per currency, summed in SQL."""
    rows = await session.execute(
        select(
            Commission.partner_id,
            Commission.currency,
            func.sum(Commission.amount_minor),
            func.count(),
        )
        .where(*_unpaid(period_end))
        .group_by(Commission.partner_id, Commission.currency)
        .order_by(Commission.partner_id, Commission.currency)
    )
    return [Balance(p, c, int(total), int(n)) for p, c, total, n in rows]


async def run_payouts(
    ctx: Context,
    period_end: date,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome[PayoutRun]:
    """One run for the period ending `period_end` (platform staff, or the payout operator).
    Running it again for the same period (or an earlier one) writes nothing new."""

    async def work(session: AsyncSession) -> PayoutRun:
        if not ctx.authz.allowed(ctx.viewer, "manage", Payout()):
            raise refuse(None, "Only platform staff run payouts.", ErrorCode.FORBIDDEN)
        run = PayoutRun(period_end)
        latest = {
            (p, c): last
            for p, c, last in await session.execute(
                select(Payout.partner_id, Payout.currency, func.max(Payout.period_end)).group_by(
                    Payout.partner_id, Payout.currency
                )
            )
        }
        minimums = {
            currency: minimum
            for currency, minimum in await session.execute(
                select(PayoutMinimum.currency, PayoutMinimum.minimum_minor)
            )
        }
        found = await balances(session, period_end)
        for done, balance in enumerate(found, start=1):
            last = latest.get((balance.partner_id, balance.currency))
            if last is not None and last >= period_end:
                run.skipped += 1
                continue
            minimum = minimums.get(balance.currency, 0)
            status = decide(balance.amount_minor, minimum)
            payout = Payout(
                partner_id=balance.partner_id,
                currency=balance.currency,
                period_end=period_end,
                status=status,
                amount_minor=balance.amount_minor,
                minimum_minor=minimum,
                commission_count=balance.commission_count if status == PayoutStatus.DUE else 0,
            )
            session.add(payout)
            await session.flush()
            if status == PayoutStatus.DUE:
                # The payout is what it links: its amount is the sum of exactly those rows.
                payout.amount_minor, payout.commission_count = await _link(session, payout)
            run.payouts.append(payout)
            if progress is not None:
                progress(done, len(found))
        await session.flush()
        return run

    return await transact(ctx, work)


async def _link(session: AsyncSession, payout: Payout) -> tuple[int, int]:
    rows = (
        await session.execute(
            select(Commission.id, Commission.amount_minor).where(
                Commission.partner_id == payout.partner_id,
                Commission.currency == payout.currency,
                *_unpaid(payout.period_end),
            )
        )
    ).all()
    session.add_all(
        PayoutItem(commission_id=id_, payout_id=payout.id, partner_id=payout.partner_id)
        for id_, _ in rows
    )
    return sum(amount for _, amount in rows), len(rows)


async def mark_payout_paid(
    ctx: Context, payout_id: int | None, version: int, reference: str
) -> Outcome[Payout]:
    """A DUE payout was paid (platform staff): it records the payment reference, and each of
    its commissions becomes PAID."""

    async def work(session: AsyncSession) -> Payout:
        payout = await target(session, ctx, Payout, payout_id, action="manage", field="payout_id")
        expect_version(payout, version)
        cleaned = reference.strip()
        if not cleaned:
            raise refuse("reference", "Give the payment's reference.", ErrorCode.INVALID)
        if len(cleaned) > MAX_REFERENCE:
            raise refuse("reference", "Use at most 200 characters.", ErrorCode.TOO_LONG)
        payout.status = PAYOUT.move(payout.status, PayoutStatus.PAID, "payout_id")
        payout.reference = cleaned
        payout.paid_at = utcnow()
        # Row by row through the ORM, so each commission's change is audited and versioned.
        paid = (
            await session.execute(
                select(Commission)
                .join(PayoutItem, PayoutItem.commission_id == Commission.id)
                .where(PayoutItem.payout_id == payout.id)
                .order_by(Commission.id)
            )
        ).scalars()
        for commission in paid:
            commission.status = CommissionStatus.PAID
        await session.flush()
        return payout

    return await transact(ctx, work)


async def set_payout_minimum(ctx: Context, minimum: Amount) -> Outcome[PayoutMinimum]:
    """The minimum balance paid out in a currency from the next run on (platform staff)."""

    async def work(session: AsyncSession) -> PayoutMinimum:
        if not ctx.authz.allowed(ctx.viewer, "manage", PayoutMinimum()):
            raise refuse(None, "Only platform staff set payout minimums.", ErrorCode.FORBIDDEN)
        money = money_at("minimum", minimum)
        row = (
            await session.execute(
                select(PayoutMinimum).where(PayoutMinimum.currency == money.currency)
            )
        ).scalar_one_or_none()
        if row is None:
            row = PayoutMinimum(currency=money.currency, minimum_minor=money.minor)
            session.add(row)
        row.minimum_minor = money.minor
        row.updated_by_user_id = ctx.viewer.user_id
        await session.flush()
        return row

    return await transact(ctx, work)
