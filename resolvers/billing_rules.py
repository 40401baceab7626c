"""The pure rules of billing: the periods a version of the terms bills, invoice line amounts and
totals, and the invoice status machine. No database here; tests/unit covers it."""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from db.money import BillingCycle, InvoiceStatus
from resolvers.money import apply_rate
from resolvers.transitions import Machine

CYCLE_MONTHS = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.ANNUAL: 12}
THOUSANDTHS = Decimal(1000)
BASIS_POINTS = Decimal(10_000)

INVOICE: Machine[InvoiceStatus] = Machine(
    "The invoice",
    {
        InvoiceStatus.DRAFT: frozenset({InvoiceStatus.ISSUED, InvoiceStatus.VOID}),
        InvoiceStatus.ISSUED: frozenset({InvoiceStatus.PAID, InvoiceStatus.VOID}),
        InvoiceStatus.PAID: frozenset(),
        InvoiceStatus.VOID: frozenset(),
    },
    stay_allowed=False,
)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (Jan 31 + 1 month
    = Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Version:
    """What the period rules need of one version of the terms."""

    id: int
    effective_from: date
    end_date: date | None
    cycle: BillingCycle


@dataclass(frozen=True, slots=True)
class Period:
    version_id: int
    start: date
    end: date  # the last day billed (inclusive)


def periods(versions: Sequence[Version], as_of: date) -> Iterator[Period]:
    """Every billing period that has started by `as_of`. A version bills whole cycles counted
    from its own effective date, until the next version takes over or its end date passes;
    the period cut short by either ends there (billed in full: fees are not prorated)."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for index, version in enumerate(ordered):
        stop = ordered[index + 1].effective_from if index + 1 < len(ordered) else None
        if version.end_date is not None:
            after_end = version.end_date + timedelta(days=1)
            stop = after_end if stop is None else min(stop, after_end)
        months = CYCLE_MONTHS[version.cycle]
        n = 0
        while True:
            start = add_months(version.effective_from, n * months)
            if start > as_of or (stop is not None and start >= stop):
                break
            next_start = add_months(version.effective_from, (n + 1) * months)
            end = next_start if stop is None else min(next_start, stop)
            yield Period(version.id, start, end - timedelta(days=1))
            n += 1


@dataclass(frozen=True, slots=True)
class LineAmounts:
    amount_minor: int
    tax_minor: int


def line_amounts(
    quantity_thousandths: int, unit_price_minor: int, tax_rate_bp: int | None
) -> LineAmounts:
    """quantity x unit price, then tax on that amount: each rounded once, half to even."""
    amount = apply_rate(unit_price_minor, Decimal(quantity_thousandths) / THOUSANDTHS)
    tax = 0 if tax_rate_bp is None else apply_rate(amount, Decimal(tax_rate_bp) / BASIS_POINTS)
    return LineAmounts(amount, tax)


def to_thousandths(quantity: Decimal) -> int | None:
    """A quantity as whole thousandths, or None when it has more than three decimals."""
    scaled = quantity.scaleb(3)
    return int(scaled) if scaled.is_finite() and scaled == scaled.to_integral_value() else None


def to_basis_points(rate: Decimal) -> int | None:
    """A rate given as a fraction (0.2 = 20 %) as basis points, or None beyond four decimals."""
    scaled = rate.scaleb(4)
    return int(scaled) if scaled.is_finite() and scaled == scaled.to_integral_value() else None


def overdue(status: InvoiceStatus, due_date: date | None, today: date) -> bool:
    """An issued invoice whose due date has passed (paid and void ones never are)."""
    return status == InvoiceStatus.ISSUED and due_date is not None and due_date < today
