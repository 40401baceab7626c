"""Billing rules: the periods terms bill, line amounts, the invoice status machine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from db.money import BillingCycle, InvoiceStatus
from resolvers.billing_rules import (
    INVOICE,
    Period,
    Version,
    add_months,
    line_amounts,
    overdue,
    periods,
    to_basis_points,
    to_thousandths,
)
from resolvers.problems import Refused

M, Q, A = BillingCycle.MONTHLY, BillingCycle.QUARTERLY, BillingCycle.ANNUAL


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 3, 1), 12, date(2027, 3, 1)),
        (date(2026, 3, 1), 0, date(2026, 3, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_shorter_months(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_monthly_periods_up_to_as_of() -> None:
    got = list(periods([Version(1, date(2026, 1, 15), None, M)], date(2026, 3, 15)))
    assert got == [
        Period(1, date(2026, 1, 15), date(2026, 2, 14)),
        Period(1, date(2026, 2, 15), date(2026, 3, 14)),
        Period(1, date(2026, 3, 15), date(2026, 4, 14)),
    ]


def test_nothing_before_the_effective_date() -> None:
    assert list(periods([Version(1, date(2026, 5, 1), None, A)], date(2026, 4, 30))) == []


def test_a_new_version_takes_over_and_cuts_the_running_period_short() -> None:
    versions = [Version(1, date(2026, 1, 1), None, Q), Version(2, date(2026, 5, 1), None, M)]
    got = list(periods(versions, date(2026, 6, 1)))
    assert got == [
        Period(1, date(2026, 1, 1), date(2026, 3, 31)),
        Period(1, date(2026, 4, 1), date(2026, 4, 30)),
        Period(2, date(2026, 5, 1), date(2026, 5, 31)),
        Period(2, date(2026, 6, 1), date(2026, 6, 30)),
    ]


def test_the_end_date_is_the_last_day_billed() -> None:
    got = list(periods([Version(1, date(2026, 1, 1), date(2026, 2, 10), M)], date(2027, 1, 1)))
    assert got == [
        Period(1, date(2026, 1, 1), date(2026, 1, 31)),
        Period(1, date(2026, 2, 1), date(2026, 2, 10)),
    ]


@pytest.mark.parametrize(
    ("quantity", "unit", "rate_bp", "amount", "tax"),
    [
        (1000, 1999, None, 1999, 0),
        (1500, 1999, None, 2998, 0),  # 2998.5 -> 2998 (even)
        (2500, 1, None, 2, 0),  # 2.5 -> 2
        (3500, 1, None, 4, 0),  # 3.5 -> 4
        (1000, 1000, 2000, 1000, 200),
        (1000, 1005, 2000, 1005, 201),
        (1000, 125, 2000, 125, 25),
        (1000, 1025, 1000, 1025, 102),  # 102.5 -> 102
        (1000, 1035, 1000, 1035, 104),  # 103.5 -> 104
        (333, 300, None, 100, 0),  # 99.9 -> 100
    ],
)
def test_line_amounts_round_once_half_to_even(
    quantity: int, unit: int, rate_bp: int | None, amount: int, tax: int
) -> None:
    got = line_amounts(quantity, unit, rate_bp)
    assert (got.amount_minor, got.tax_minor) == (amount, tax)


def test_quantities_and_rates_are_exact_or_refused() -> None:
    assert to_thousandths(Decimal("1.5")) == 1500
    assert to_thousandths(Decimal("0.001")) == 1
    assert to_thousandths(Decimal("0.0001")) is None
    assert to_basis_points(Decimal("0.2")) == 2000
    assert to_basis_points(Decimal("0.07125")) is None


def test_invoice_statuses_move_forward_only() -> None:
    draft, issued, paid, void = (
        InvoiceStatus.DRAFT,
        InvoiceStatus.ISSUED,
        InvoiceStatus.PAID,
        InvoiceStatus.VOID,
    )
    assert INVOICE.move(draft, issued, None) == issued
    assert INVOICE.move(issued, paid, None) == paid
    assert INVOICE.move(issued, void, None) == void
    assert INVOICE.move(draft, void, None) == void
    for current, target in [(draft, paid), (paid, void), (void, issued), (issued, issued)]:
        with pytest.raises(Refused):
            INVOICE.move(current, target, None)


def test_overdue_is_derived_from_the_due_date() -> None:
    today = date(2026, 6, 1)
    assert overdue(InvoiceStatus.ISSUED, date(2026, 5, 31), today)
    assert not overdue(InvoiceStatus.ISSUED, date(2026, 6, 1), today)
    assert not overdue(InvoiceStatus.PAID, date(2026, 1, 1), today)
    assert not overdue(InvoiceStatus.DRAFT, None, today)
