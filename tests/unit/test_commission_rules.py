"""Commission rules: covering access, terms by override and tier, duration cut-off, amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from resolvers.commission_rules import (
    AccessPeriod,
    TermsVersion,
    covering_access,
    earned,
    reversal,
    terms_in_force,
    within_duration,
)


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


ACCESSES = [
    AccessPeriod(1, 10, at(2025, 1, 1), at(2025, 6, 15), None),  # ended mid-June
    AccessPeriod(2, 20, at(2025, 7, 1), None, at(2026, 7, 1)),  # expires
    AccessPeriod(3, 30, None, None, None),  # requested, never active
]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2024, 12, 31), None),
        (date(2025, 1, 1), 1),
        (date(2025, 6, 14), 1),
        (date(2025, 6, 15), None),  # ended on that day
        (date(2025, 6, 30), None),
        (date(2025, 7, 1), 2),
        (date(2026, 6, 30), 2),
        (date(2026, 7, 1), None),  # expired
    ],
)
def test_the_access_in_force_at_the_period_start(start: date, expected: int | None) -> None:
    found = covering_access(ACCESSES, start)
    assert (found.id if found else None) == expected


TERMS = [
    TermsVersion(1, None, "gold", date(2025, 1, 1), 2000, 24, 30),
    TermsVersion(2, None, "gold", date(2026, 1, 1), 1800, 24, 30),
    TermsVersion(3, None, "silver", date(2025, 1, 1), 1500, 12, 30),
    TermsVersion(4, 7, None, date(2025, 6, 1), 2500, 36, 14),  # partner 7's override
]


@pytest.mark.parametrize(
    ("partner", "tier", "on", "expected"),
    [
        (5, "gold", date(2025, 3, 1), 1),
        (5, "gold", date(2026, 3, 1), 2),  # a later version applies from its date on
        (5, "gold", date(2024, 3, 1), None),
        (5, "silver", date(2026, 3, 1), 3),
        (5, "platinum", date(2026, 3, 1), None),
        (7, "gold", date(2025, 5, 31), 1),  # before the override: the tier's
        (7, "gold", date(2025, 6, 1), 4),  # the override wins over the tier
        (7, "silver", date(2026, 6, 1), 4),
    ],
)
def test_override_then_tier(partner: int, tier: str, on: date, expected: int | None) -> None:
    found = terms_in_force(TERMS, partner, tier, on)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("start", "inside"),
    [(date(2025, 1, 31), True), (date(2027, 1, 30), True), (date(2027, 1, 31), False)],
)
def test_duration_counts_months_from_activation(start: date, inside: bool) -> None:
    assert within_duration(at(2025, 1, 31), 24, start) is inside


@pytest.mark.parametrize(
    ("base", "rate", "amount"),
    [(10_000, 2000, 2000), (4999, 2000, 1000), (25, 2000, 5), (5, 5000, 2), (15, 5000, 8)],
)
def test_earned_rounds_half_to_even(base: int, rate: int, amount: int) -> None:
    assert earned(base, rate) == amount


def test_reversals_never_exceed_the_original() -> None:
    assert reversal(2000, 10_000, 10_000, 0) == -2000
    assert reversal(2000, 10_000, 2500, 0) == -500
    assert reversal(2000, 10_000, 9000, -500) == -1500  # only what is left
    assert reversal(2000, 10_000, 100, -2000) == 0
    assert reversal(5, 25, 10, 0) == -2  # 2.0
    assert reversal(5, 25, 5, 0) == -1  # 1.0
