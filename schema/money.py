"""Money in the API: `Money { amount, currencyCode }` out, `MoneyInput` in. Amounts are exact
decimals (strings on the wire, never floats); codes are ISO 4217."""

from __future__ import annotations

from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from resolvers.money import Money as MoneyValue
from resolvers.money import currency_code

CurrencyCode = NewType("CurrencyCode", str)

# The schema's own scalars, for StrawberryConfig.scalar_map (schema/build.py).
SCALARS: dict[object, ScalarDefinition] = {
    CurrencyCode: strawberry.scalar(
        name="CurrencyCode",
        description="An ISO 4217 currency code in capitals, e.g. EUR, JPY, BHD.",
        serialize=str,
        parse_value=currency_code,
    )
}


@strawberry.type(
    description="An exact amount of one currency. Amounts of different currencies are never "
    "added together or converted."
)
class Money:
    amount: Decimal = strawberry.field(
        description="The amount, with as many decimal places as the currency's minor unit has "
        "(JPY 0, USD 2, BHD 3); negative for reversals and refunds."
    )
    currency_code: CurrencyCode = strawberry.field(description="The amount's currency.")

    @classmethod
    def of(cls, value: MoneyValue) -> Money:
        return cls(amount=value.amount, currency_code=CurrencyCode(value.currency))

    @classmethod
    def minor(cls, minor: int, currency: str) -> Money:
        return cls.of(MoneyValue(minor, currency))


@strawberry.input(description="An exact amount of one currency.")
class MoneyInput:
    amount: Decimal = strawberry.field(
        description="The amount, with at most as many decimal places as the currency's minor "
        "unit has (JPY 0, USD 2, BHD 3); more is refused (INVALID), never rounded."
    )
    currency_code: CurrencyCode = strawberry.field(description="The amount's currency.")
