"""Input checks shared by the mutations: the cleaned value a valid input becomes, and the field,
message and code a user sees for an invalid one."""

from __future__ import annotations

import pytest

from resolvers.problems import ErrorCode, Problem
from resolvers.validation import RESERVED_SUBDOMAINS, SUBDOMAIN_RE, Checker, slugify

SUBDOMAIN_RULE = "Use 3-63 lowercase letters, digits and single hyphens, not at either end."


def only_problem(check: Checker) -> Problem:
    assert len(check.problems) == 1, check.problems
    return check.problems[0]


# --- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [("Café Rosé", "Café Rosé"), ("  Café Rosé \n", "Café Rosé"), ("x" * 10, "x" * 10)],
)
def test_text_is_trimmed_and_kept(value: str, cleaned: str) -> None:
    check = Checker()
    assert check.text("businessName", value, required=True, max_len=10) == cleaned
    assert check.problems == []


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_missing_required_text_is_reported_on_its_field(value: str | None) -> None:
    check = Checker()
    assert check.text("businessName", value, required=True, max_len=200) is None
    assert only_problem(check) == Problem(
        ("input", "businessName"), "This field is required.", ErrorCode.REQUIRED
    )


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_optional_text_is_none_without_a_problem(value: str | None) -> None:
    check = Checker()
    assert check.text("legalName", value, required=False, max_len=200) is None
    assert check.problems == []


def test_too_long_text_names_the_limit() -> None:
    check = Checker()
    assert check.text("industry", "x" * 101, required=False, max_len=100) is None
    assert only_problem(check) == Problem(
        ("input", "industry"), "Use at most 100 characters.", ErrorCode.TOO_LONG
    )


def test_the_limit_counts_the_trimmed_text() -> None:
    check = Checker()
    assert check.text("industry", "  " + "x" * 100 + "  ", required=False, max_len=100)
    assert check.problems == []


def test_problems_carry_the_checkers_path_and_accumulate() -> None:
    check = Checker(("items", 2))
    check.text("due_offset_days", "", required=True, max_len=10)
    check.email("email", "nope", required=True)
    assert [(p.field, p.code) for p in check.problems] == [
        (("input", "items", "2", "dueOffsetDays"), ErrorCode.REQUIRED),
        (("input", "items", "2", "email"), ErrorCode.INVALID),
    ]


# --- email ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("owner@cafe-rose.com", "owner@cafe-rose.com"),
        ("  Owner@Cafe-Rose.COM ", "owner@cafe-rose.com"),
        ("anna.m+shop@example.co.uk", "anna.m+shop@example.co.uk"),
        ("demo@partner.test", "demo@partner.test"),
    ],
)
def test_valid_email_is_normalised_to_lower_case(value: str, cleaned: str) -> None:
    check = Checker()
    assert check.email("contactEmail", value, required=True) == cleaned
    assert check.problems == []


@pytest.mark.parametrize(
    "value",
    ["owner", "owner@", "@cafe-rose.com", "owner@cafe rose.com", "owner@@cafe-rose.com"],
)
def test_invalid_email_is_refused_with_the_reason(value: str) -> None:
    check = Checker()
    assert check.email("contactEmail", value, required=True) is None
    problem = only_problem(check)
    assert problem.field == ("input", "contactEmail")
    assert problem.code == ErrorCode.INVALID
    assert problem.message.startswith("Enter a valid email address (")
    assert len(problem.message) > len("Enter a valid email address ().")


def test_missing_email_is_required_or_skipped() -> None:
    required = Checker()
    assert required.email("contactEmail", "  ", required=True) is None
    assert only_problem(required).code == ErrorCode.REQUIRED
    optional = Checker()
    assert optional.email("contactEmail", None, required=False) is None
    assert optional.problems == []


def test_email_longer_than_254_characters_is_too_long() -> None:
    check = Checker()
    assert check.email("contactEmail", "a@" + "b" * 250 + ".com", required=True) is None
    assert only_problem(check) == Problem(
        ("input", "contactEmail"), "Use at most 254 characters.", ErrorCode.TOO_LONG
    )


# --- phone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("+1 (555) 010-0000", "+1 (555) 010-0000"),
        ("030.1234.5678", "030.1234.5678"),
        ("  +49 30 1234567  ", "+49 30 1234567"),
        ("12345", "12345"),
    ],
)
def test_valid_phone_is_trimmed_and_kept(value: str, cleaned: str) -> None:
    check = Checker()
    assert check.phone("contactPhone", value) == cleaned
    assert check.problems == []


@pytest.mark.parametrize(
    "value", ["1234", "555-CALL-NOW", "++44 20 7946 0958", "(555) 010-0000", "+44 20 7946 0958 x12"]
)
def test_invalid_phone_explains_the_allowed_characters(value: str) -> None:
    check = Checker()
    assert check.phone("contactPhone", value) is None
    assert only_problem(check) == Problem(
        ("input", "contactPhone"),
        "Enter a phone number of digits, spaces and + ( ) - .",
        ErrorCode.INVALID,
    )


def test_phone_is_optional_and_limited_to_32_characters() -> None:
    check = Checker()
    assert check.phone("contactPhone", "   ") is None
    assert check.phone("contactPhone", "+" + "1" * 31) == "+" + "1" * 31
    assert check.problems == []
    assert check.phone("contactPhone", "+" + "1" * 32) is None
    assert only_problem(check).code == ErrorCode.TOO_LONG


# --- country and currency -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cleaned"), [("GB", "GB"), ("gb", "GB"), (" de ", "DE"), ("Us", "US")]
)
def test_country_is_an_upper_case_iso_code(value: str, cleaned: str) -> None:
    check = Checker()
    assert check.country("country", value) == cleaned
    assert check.problems == []


@pytest.mark.parametrize("value", [None, "", "UK", "EU", "XX", "GBR", "G", "United Kingdom"])
def test_unassigned_country_code_is_refused(value: str | None) -> None:
    check = Checker()
    assert check.country("country", value) is None
    assert only_problem(check) == Problem(
        ("input", "country"), "Use an assigned ISO 3166 country code, e.g. GB.", ErrorCode.INVALID
    )


@pytest.mark.parametrize(
    ("value", "cleaned"), [("EUR", "EUR"), ("gbp", "GBP"), (" jpy ", "JPY"), ("Chf", "CHF")]
)
def test_currency_is_an_upper_case_iso_code(value: str, cleaned: str) -> None:
    check = Checker()
    assert check.currency("currency", value) == cleaned
    assert check.problems == []


@pytest.mark.parametrize("value", [None, "", "EU", "EURO", "ABC", "€", "US$"])
def test_unknown_currency_is_refused(value: str | None) -> None:
    check = Checker()
    assert check.currency("currency", value) is None
    assert only_problem(check) == Problem(
        ("input", "currency"), "Use an ISO 4217 currency code, e.g. EUR.", ErrorCode.INVALID
    )


# --- subdomain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("cafe-rose", "cafe-rose"),
        ("  Cafe-Rose ", "cafe-rose"),
        ("abc", "abc"),
        ("3d-prints", "3d-prints"),
        ("a" * 63, "a" * 63),
        ("shopiq-fans", "shopiq-fans"),
    ],
)
def test_valid_subdomain_is_trimmed_and_lower_cased(value: str, cleaned: str) -> None:
    check = Checker()
    assert check.subdomain("subdomain", value) == cleaned
    assert check.problems == []


@pytest.mark.parametrize(
    "value",
    [
        "ab",
        "a" * 64,
        "-cafe",
        "cafe-",
        "cafe--rose",
        "cafe_rose",
        "cafe.rose",
        "café",
        "cafe rose",
        "",
    ],
)
def test_malformed_subdomain_states_the_rule(value: str) -> None:
    check = Checker()
    assert check.subdomain("subdomain", value) is None
    assert only_problem(check) == Problem(("input", "subdomain"), SUBDOMAIN_RULE, ErrorCode.INVALID)


@pytest.mark.parametrize("value", ["www", "admin", "shop", "ShopIQ", " Help "])
def test_reserved_subdomain_is_taken_by_shopiq(value: str) -> None:
    check = Checker()
    assert check.subdomain("subdomain", value) is None
    name = value.strip().lower()
    assert only_problem(check) == Problem(
        ("input", "subdomain"), f"'{name}' is reserved by ShopIQ.", ErrorCode.TAKEN
    )


# --- slugify --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café Rosé & Co.", "cafe-rose-co"),
        ("Müller's Bäckerei GmbH", "muller-s-backerei-gmbh"),
        ("  --The  Green   Grocer--  ", "the-green-grocer"),
        ("ACME", "acme"),
        ("3D Prints 4 U", "3d-prints-4-u"),
        ("Crème Brûlée", "creme-brulee"),
    ],
)
def test_business_name_becomes_a_readable_subdomain(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("", "store"),
        ("!!!", "store"),
        ("北京烤鸭", "store"),
        ("Q", "store-q"),
        ("AB", "store-ab"),
        ("Shop", "store-shop"),
        ("WWW", "store-www"),
        ("Admin!", "store-admin"),
    ],
)
def test_short_or_reserved_names_get_a_store_prefix(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slug_is_cut_at_the_length_limit_without_a_trailing_hyphen() -> None:
    assert slugify("a" * 80) == "a" * 50
    assert slugify("a" * 49 + " b") == "a" * 49
    assert slugify("Café Rosé & Co.", max_len=6) == "cafe-r"


SLUG_SOURCES = [
    "Café Rosé & Co.",
    "",
    "-",
    "x",
    "ab",
    "abc",
    "www",
    "api",
    "Help!",
    "status--",
    "a" * 200,
    ("ab-" * 30),
    "a" * 49 + "-" + "b" * 10,
    "Ωμέγα Ltd",
    "Ærø Smørrebrød",
    "Straße 42",
    "İstanbul Çar\u015f\u0131",
    "東京 Coffee",
    "🙂🙂🙂",
    "O'Reilly & Sons, Inc.",
    "   12   ",
    "\t\nnew\nline\t",
    "\uff26\uff35\uff2c\uff2c",  # full-width FULL
    "x-" * 40,
    "-a-",
    "9",
    "shop",
    "SHOPIQ",
]


@pytest.mark.parametrize("name", SLUG_SOURCES)
def test_every_slug_passes_the_subdomain_rule(name: str) -> None:
    """Onboarding uses the slug as the store's subdomain without asking: it must be one the
    subdomain check accepts."""
    slug = slugify(name)
    assert SUBDOMAIN_RE.match(slug)
    assert "--" not in slug
    assert slug not in RESERVED_SUBDOMAINS
    check = Checker()
    assert check.subdomain("subdomain", slug) == slug
    assert check.problems == []
