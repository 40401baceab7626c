"""A partner's earnings reports, each one statement aggregated in SQL and ANDed with the policy
filters of the rows it sums: earnings grouped by month, client, charge kind and status; the
balance per currency (pending, approved, in a payout, carried forward, paid); earnings this month
and this year for the dashboard.

Amounts are summed per currency, never converted. Months are those of `earned_on`, the UTC day
of the charge, so SQLite and PostgreSQL group the same rows into the same months."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, extract, func, select
from sqlalchemy.orm import InstrumentedAttribute

from db.money import ChargeKind, Commission, CommissionStatus, SubscriptionCharge
from db.payouts import Payout, PayoutItem, PayoutStatus
from resolvers.context import Context


class EarningsGroup(StrEnum):
    MONTH = "month"
    CLIENT = "client"
    KIND = "kind"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class EarningsRow:
    """One group's totals in one currency; a key is None when the report is not grouped by it."""

    currency: str
    month: date | None
    client_id: int | None
    kind: ChargeKind | None
    status: CommissionStatus | None
    earned_minor: int  # commissions (entries that reverse nothing)
    reversed_minor: int  # reversals on refunds (negative)
    net_minor: int  # earned + reversed
    entries: int


def may_read_earnings(ctx: Context, partner_id: int) -> bool:
    """Does the policy let the viewer read this partner's commissions (owners, admins,
    platform staff)? Asked of an unsaved probe row: no database I/O."""
    return ctx.authz.allowed(ctx.viewer, "read", Commission(partner_id=partner_id))


def _ledger(ctx: Context, partner_id: int) -> list[ColumnElement[bool]]:
    return [
        Commission.partner_id == partner_id,
        ctx.authz.filter(ctx.viewer, "read", Commission),
    ]


def _sum(amount: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(amount), 0)


def _sum_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return _sum(case((condition, Commission.amount_minor), else_=0))


async def partner_earnings(
    ctx: Context,
    partner_id: int,
    *,
    group_by: Sequence[EarningsGroup] = (),
    from_: date | None = None,
    to: date | None = None,
    currency: str | None = None,
) -> list[EarningsRow]:
    """The partner's commission ledger (commissions and reversals, every status) earned from
    `from_` to `to` (both included), summed per currency and per the chosen keys, in key
    order. Empty for a viewer who may not read the partner's commissions."""
    groups = set(group_by)
    keys: list[ColumnElement[Any] | InstrumentedAttribute[Any]] = [Commission.currency]
    if EarningsGroup.MONTH in groups:
        keys += [
            extract("year", Commission.earned_on).label("year"),
            extract("month", Commission.earned_on).label("month"),
        ]
    if EarningsGroup.CLIENT in groups:
        keys.append(Commission.client_id)
    if EarningsGroup.KIND in groups:
        keys.append(SubscriptionCharge.kind)
    if EarningsGroup.STATUS in groups:
        keys.append(Commission.status)
    stmt = select(
        *keys,
        _sum_if(Commission.reverses_commission_id.is_(None)),
        _sum_if(Commission.reverses_commission_id.is_not(None)),
        _sum(Commission.amount_minor),
        func.count(),
    ).where(*_ledger(ctx, partner_id))
    if EarningsGroup.KIND in groups:
        stmt = stmt.join(SubscriptionCharge, SubscriptionCharge.id == Commission.charge_id)
    if from_ is not None:
        stmt = stmt.where(Commission.earned_on >= from_)
    if to is not None:
        stmt = stmt.where(Commission.earned_on <= to)
    if currency is not None:
        stmt = stmt.where(Commission.currency == currency)
    stmt = stmt.group_by(*keys).order_by(*keys)
    async with ctx.reading() as session:
        found = (await session.execute(stmt)).all()
    return [_row(groups, tuple(r)) for r in found]


def _row(groups: set[EarningsGroup], values: tuple[Any, ...]) -> EarningsRow:
    currency, *rest = values
    month = client_id = kind = status = None
    if EarningsGroup.MONTH in groups:
        year, number, *rest = rest
        month = date(int(year), int(number), 1)
    if EarningsGroup.CLIENT in groups:
        client_id, *rest = rest
    if EarningsGroup.KIND in groups:
        raw_kind, *rest = rest
        kind = ChargeKind(raw_kind)
    if EarningsGroup.STATUS in groups:
        raw_status, *rest = rest
        status = CommissionStatus(raw_status)
    earned, reversed_, net, entries = rest
    return EarningsRow(
        currency=str(currency),
        month=month,
        client_id=int(client_id) if client_id is not None else None,
        kind=kind,
        status=status,
        earned_minor=int(earned),
        reversed_minor=int(reversed_),
        net_minor=int(net),
        entries=int(entries),
    )


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """Where a partner's commissions stand in one currency (net of reversals).

    `approved` is everything approved and not paid yet; of it, `in_payout` is linked to a DUE
    payout awaiting payment and `carried_forward` is what the payout runs so far left unpaid
    (approved, in no payout, earned by the latest run's period end). A REVERSED commission and
    its reversals count nowhere (they cancel out)."""

    currency: str
    pending_minor: int
    approved_minor: int
    in_payout_minor: int
    carried_forward_minor: int
    paid_minor: int


async def partner_balance(ctx: Context, partner_id: int) -> list[BalanceRow]:
    """The partner's balance per currency, one statement; empty for a viewer who may not read
    its commissions."""
    last_run = (
        select(Payout.currency, func.max(Payout.period_end).label("period_end"))
        .where(Payout.partner_id == partner_id, ctx.authz.filter(ctx.viewer, "read", Payout))
        .group_by(Payout.currency)
        .subquery("last_run")
    )
    approved = Commission.status == CommissionStatus.APPROVED
    unlinked = PayoutItem.commission_id.is_(None)
    stmt = (
        select(
            Commission.currency,
            _sum_if(Commission.status == CommissionStatus.PENDING),
            _sum_if(approved),
            _sum_if(and_(approved, Payout.status == PayoutStatus.DUE)),
            _sum_if(and_(approved, unlinked, Commission.earned_on <= last_run.c.period_end)),
            _sum_if(Commission.status == CommissionStatus.PAID),
        )
        .outerjoin(PayoutItem, PayoutItem.commission_id == Commission.id)
        .outerjoin(Payout, Payout.id == PayoutItem.payout_id)
        .outerjoin(last_run, last_run.c.currency == Commission.currency)
        .where(*_ledger(ctx, partner_id))
        .group_by(Commission.currency)
        .order_by(Commission.currency)
    )
    async with ctx.reading() as session:
        found = (await session.execute(stmt)).all()
    return [
        BalanceRow(str(c), int(p), int(a), int(d), int(f), int(paid))
        for c, p, a, d, f, paid in found
    ]


@dataclass(frozen=True, slots=True)
class EarningsToDate:
    currency: str
    this_month_minor: int
    year_to_date_minor: int


def year_and_month_start(now: datetime) -> tuple[date, date]:
    today = now.astimezone(UTC).date()
    return today.replace(month=1, day=1), today.replace(day=1)


async def earnings_to_date(
    ctx: Context, partner_id: int, now: datetime | None = None
) -> list[EarningsToDate] | None:
    """Net earnings (commissions and reversals) this month and this year so far (UTC), per
    currency, one statement; None for a viewer who may not read the partner's commissions."""
    if not may_read_earnings(ctx, partner_id):
        return None
    now = now or datetime.now(UTC)
    year_start, month_start = year_and_month_start(now)
    today = now.astimezone(UTC).date()
    stmt = (
        select(
            Commission.currency,
            _sum_if(Commission.earned_on >= month_start),
            _sum(Commission.amount_minor),
        )
        .where(
            *_ledger(ctx, partner_id),
            Commission.earned_on >= year_start,
            Commission.earned_on <= today,
        )
        .group_by(Commission.currency)
        .order_by(Commission.currency)
    )
    async with ctx.reading() as session:
        found = (await session.execute(stmt)).all()
    return [EarningsToDate(str(c), int(m), int(y)) for c, m, y in found]
