"""A month's support usage per client, computed in SQL: minutes included by the plan in force,
billable minutes logged, what remains and the overage.

Usage counts every billable entry of the client in the month, internal ones included: the
merchant sees the totals they are billed against, never the internal entries themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, case, func, or_, select

from db.models import Client
from db.relationship import SupportPlan, TimeEntry


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of `day`'s month and of the next month."""
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


@dataclass(frozen=True, slots=True)
class Usage:
    month: date
    included: int
    used: int
    remaining: int
    overage: int


def usage_stmt(
    client_ids: list[int], month: date, readable: ColumnElement[bool]
) -> Select[int, int, int, int, int]:
    """Per client the viewer may read the support of: minutes included in the month (the plan in
    force that month that started last), billable minutes logged in it, what remains and the
    overage. One statement for any number of clients."""
    start, following = month_bounds(month)
    included = (
        select(SupportPlan.included_minutes)
        .where(
            SupportPlan.client_id == Client.id,
            SupportPlan.starts_on < following,
            or_(SupportPlan.ends_on.is_(None), SupportPlan.ends_on >= start),
        )
        .order_by(SupportPlan.starts_on.desc(), SupportPlan.id.desc())
        .limit(1)
        .correlate(Client)
        .scalar_subquery()
    )
    used = (
        select(func.coalesce(func.sum(TimeEntry.minutes), 0))
        .where(
            TimeEntry.client_id == Client.id,
            TimeEntry.billable.is_(True),
            TimeEntry.work_date >= start,
            TimeEntry.work_date < following,
        )
        .correlate(Client)
        .scalar_subquery()
    )
    inner = (
        select(
            Client.id.label("client_id"),
            func.coalesce(included, 0).label("included"),
            used.label("used"),
        )
        .where(Client.id.in_(client_ids), readable)
        .subquery()
    )
    return select(
        inner.c.client_id,
        inner.c.included,
        inner.c.used,
        case((inner.c.included > inner.c.used, inner.c.included - inner.c.used), else_=0),
        case((inner.c.used > inner.c.included, inner.c.used - inner.c.included), else_=0),
    )
