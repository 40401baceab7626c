"""The pure rules of commissions: which access covered a charge's period, which terms were in
force, whether the charge falls within the terms' duration, and how much is earned or reversed.
No database here; tests/unit covers it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from resolvers.billing_rules import BASIS_POINTS, add_months
from resolvers.money import apply_rate


@dataclass(frozen=True, slots=True)
class AccessPeriod:
    id: int
    partner_id: int
    activated_at: datetime | None
    ended_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class TermsVersion:
    id: int
    partner_id: int | None  # a partner's own override
    tier: str | None  # the program's rate for a tier
    effective_from: date
    rate_bp: int
    duration_months: int
    hold_days: int


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def covering_access(accesses: Sequence[AccessPeriod], period_start: date) -> AccessPeriod | None:
    """The access in force when the period began: activated on or before its start, and
    neither ended nor expired by then. At most one access of a client is active at a time; of
    several candidates (corrupt history) the latest activated wins."""
    start = _start_of(period_start)
    found = [
        a
        for a in accesses
        if a.activated_at is not None
        and a.activated_at <= start
        and (a.ended_at is None or a.ended_at > start)
        and (a.expires_at is None or a.expires_at > start)
    ]
    return max(found, key=lambda a: (a.activated_at, a.id)) if found else None


def terms_in_force(
    versions: Sequence[TermsVersion], partner_id: int, tier: str, on: date
) -> TermsVersion | None:
    """The partner's own latest override in force on the day, else the program's latest terms
    for its tier."""
    started = [v for v in versions if v.effective_from <= on]
    own = [v for v in started if v.partner_id == partner_id]
    if own:
        return max(own, key=lambda v: (v.effective_from, v.id))
    program = [v for v in started if v.partner_id is None and v.tier == tier]
    return max(program, key=lambda v: (v.effective_from, v.id)) if program else None


def within_duration(activated_at: datetime, duration_months: int, period_start: date) -> bool:
    """Does the period start within `duration_months` of the access's activation?"""
    return period_start < add_months(activated_at.astimezone(UTC).date(), duration_months)


def earned(base_minor: int, rate_bp: int) -> int:
    """base x rate, rounded once, half to even."""
    return apply_rate(base_minor, Decimal(rate_bp) / BASIS_POINTS)


def reversal(
    original_amount: int, original_base: int, refund_minor: int, reversed_so_far: int
) -> int:
    """The (negative) reversal of a refund of `refund_minor` of the charge: the same share of
    the original commission, rounded once half to even, never more than is left of it
    (`reversed_so_far` is the sum, negative, of earlier reversals)."""
    if original_base <= 0 or original_amount <= 0:
        return 0
    share = apply_rate(original_amount, Decimal(abs(refund_minor)) / Decimal(original_base))
    left = original_amount + reversed_so_far
    return -max(0, min(share, left))


def hold_until(charged_on: date, hold_days: int) -> date:
    return charged_on + timedelta(days=hold_days)
