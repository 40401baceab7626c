"""Money: an integer number of minor units and an ISO 4217 code, never a float.

How many minor-unit digits a currency has comes from the Unicode CLDR's currency data (as
shipped with Babel, which follows ISO 4217 amendments): JPY 0, USD 2, BHD 3. Which codes exist
comes from pycountry's ISO 4217 list. Amounts cross the API as exact decimals; a rate is applied
once, rounding half to even, and nothing else ever rounds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import pycountry
from babel.numbers import get_currency_precision


class MoneyError(ValueError):
    """An amount or code that is not money in that currency (the message says why)."""


def currency_code(value: str) -> str:
    """The ISO 4217 code, upper-cased; MoneyError for anything not on the list."""
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or pycountry.currencies.get(alpha_3=code) is None:
        raise MoneyError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR).")
    return code


def minor_digits(code: str) -> int:
    """Digits after the decimal point of the currency's minor unit (JPY 0, USD 2, BHD 3)."""
    return int(get_currency_precision(currency_code(code)))


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """`minor` units of `currency` (cents for USD, yen for JPY, fils for BHD)."""

    minor: int
    currency: str

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """An exact decimal amount; MoneyError if it has more digits than the currency has."""
        code = currency_code(currency)
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise MoneyError(f"{amount!r} is not a decimal amount.") from None
        if not value.is_finite():
            raise MoneyError("Use a finite amount.")
        digits = minor_digits(code)
        minor = value.scaleb(digits)
        if minor != minor.to_integral_value():
            raise MoneyError(f"{code} amounts have at most {digits} decimal places.")
        return cls(int(minor), code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency_code(currency))

    @property
    def amount(self) -> Decimal:
        """The exact decimal amount, with exactly the currency's digits (JPY 5, USD 5.00)."""
        digits = minor_digits(self.currency)
        return Decimal(self.minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"Cannot combine {self.currency} with {other.currency}.")

    def times(self, rate: Decimal | int | str) -> Money:
        """This amount times an exact rate (a quantity, a tax rate, a commission rate), rounded
        once, half to even, to a whole minor unit."""
        return Money(apply_rate(self.minor, Decimal(rate)), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def apply_rate(minor: int, rate: Decimal) -> int:
    """`minor * rate` rounded half to even to an integer: the one place money is rounded."""
    if not rate.is_finite():
        raise MoneyError("Use a finite rate.")
    return int((Decimal(minor) * rate).to_integral_value(rounding=ROUND_HALF_EVEN))


def total(amounts: list[Money], currency: str) -> Money:
    """The sum of amounts all in `currency` (no silent conversion: another currency fails)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
