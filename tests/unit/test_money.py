"""Money: minor units per currency, exact parsing, half-even rounding where a rate applies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resolvers.money import Money, MoneyError, apply_rate, currency_code, minor_digits, total


@pytest.mark.parametrize(
    ("code", "digits"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3), ("jod", 3)],
)
def test_minor_digits_follow_the_currency(code: str, digits: int) -> None:
    assert minor_digits(code) == digits


@pytest.mark.parametrize("code", ["", "US", "USDD", "ZZZ", "€€€", "12$"])
def test_unknown_codes_are_refused(code: str) -> None:
    with pytest.raises(MoneyError):
        currency_code(code)


@pytest.mark.parametrize(
    ("amount", "code", "minor", "shown"),
    [
        ("12.34", "USD", 1234, "12.34"),
        ("12", "USD", 1200, "12.00"),
        ("0.1", "USD", 10, "0.10"),
        ("-3.5", "EUR", -350, "-3.50"),
        ("1500", "JPY", 1500, "1500"),
        ("1500.0", "JPY", 1500, "1500"),
        ("1.234", "BHD", 1234, "1.234"),
        ("1.2", "BHD", 1200, "1.200"),
        ("0.001", "KWD", 1, "0.001"),
    ],
)
def test_decimal_amounts_become_exact_minor_units(
    amount: str, code: str, minor: int, shown: str
) -> None:
    money = Money.of(amount, code)
    assert money == Money(minor, code)
    assert str(money.amount) == shown


@pytest.mark.parametrize(
    ("amount", "code"),
    [("12.345", "USD"), ("1.5", "JPY"), ("0.0001", "BHD"), ("NaN", "USD"), ("Infinity", "EUR")],
)
def test_more_digits_than_the_currency_has_are_refused_not_rounded(amount: str, code: str) -> None:
    with pytest.raises(MoneyError):
        Money.of(amount, code)


@pytest.mark.parametrize(
    ("minor", "rate", "expected"),
    [
        # Half to even: a tie goes to the even neighbour, in both directions.
        (1, "0.5", 0),
        (3, "0.5", 2),
        (5, "0.5", 2),
        (7, "0.5", 4),
        (-5, "0.5", -2),
        (-7, "0.5", -4),
        # Not a tie: ordinary rounding.
        (1001, "0.2", 200),
        (1003, "0.2", 201),
        (999, "0.15", 150),
        (1234, "0.125", 154),
        (1000, "0.125", 125),
        (0, "0.2", 0),
        (100, "1", 100),
    ],
)
def test_a_rate_rounds_once_half_to_even(minor: int, rate: str, expected: int) -> None:
    assert apply_rate(minor, Decimal(rate)) == expected


@pytest.mark.parametrize(
    ("amount", "code", "rate", "expected"),
    [
        ("1999", "JPY", "0.2", "400"),  # 399.8 -> 400
        ("25", "JPY", "0.1", "2"),  # 2.5 -> 2 (even)
        ("35", "JPY", "0.1", "4"),  # 3.5 -> 4 (even)
        ("10.005", "BHD", "0.5", "5.002"),  # 5.0025 -> 5.002 (even)
        ("10.007", "BHD", "0.5", "5.004"),  # 5.0035 -> 5.004 (even)
        ("0.125", "BHD", "0.2", "0.025"),
        ("10.25", "USD", "0.2", "2.05"),
        ("0.05", "USD", "0.5", "0.02"),  # 2.5 cents -> 2
        ("0.15", "USD", "0.5", "0.08"),  # 7.5 cents -> 8
    ],
)
def test_rates_in_zero_two_and_three_digit_currencies(
    amount: str, code: str, rate: str, expected: str
) -> None:
    assert Money.of(amount, code).times(rate).amount == Decimal(expected)


def test_totals_never_mix_currencies() -> None:
    assert total([Money(100, "EUR"), Money(-30, "EUR")], "EUR") == Money(70, "EUR")
    assert total([], "JPY") == Money(0, "JPY")
    with pytest.raises(MoneyError):
        total([Money(100, "EUR"), Money(100, "USD")], "EUR")
    with pytest.raises(MoneyError):
        _ = Money(1, "EUR") - Money(1, "GBP")
