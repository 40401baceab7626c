"""The currency a new client gets when onboarding names a country but no currency."""

from __future__ import annotations

import pytest

from resolvers.onboarding import _currency_for
from resolvers.validation import Checker

EURO_AREA = [
    "AT",
    "BE",
    "CY",
    "DE",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PT",
    "SI",
    "SK",
]


@pytest.mark.parametrize("country", EURO_AREA)
def test_euro_area_countries_default_to_eur(country: str) -> None:
    assert _currency_for(country) == "EUR"


@pytest.mark.parametrize(
    ("country", "currency"),
    [
        ("US", "USD"),
        ("GB", "GBP"),
        ("CA", "CAD"),
        ("AU", "AUD"),
        ("IN", "INR"),
        ("JP", "JPY"),
        ("SG", "SGD"),
        ("NZ", "NZD"),
        ("CH", "CHF"),
        ("SE", "SEK"),
        ("NO", "NOK"),
        ("DK", "DKK"),
        ("BR", "BRL"),
        ("MX", "MXN"),
        ("ZA", "ZAR"),
        ("AE", "AED"),
    ],
)
def test_other_listed_countries_default_to_their_own_currency(country: str, currency: str) -> None:
    assert _currency_for(country) == currency


@pytest.mark.parametrize("country", ["KE", "PL", "CZ", "AR", "TH", None, ""])
def test_unlisted_countries_default_to_usd(country: str | None) -> None:
    assert _currency_for(country) == "USD"


@pytest.mark.parametrize("country", [*EURO_AREA, "US", "GB", "JP", "AE", "KE", None])
def test_every_default_currency_passes_the_currency_check(country: str | None) -> None:
    check = Checker()
    assert check.currency("currency", _currency_for(country)) == _currency_for(country)
    assert check.problems == []
