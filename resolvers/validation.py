"""Input checks shared by mutations; each returns the cleaned value or records a Problem."""

from __future__ import annotations

import re
import unicodedata

import pycountry
from email_validator import EmailNotValidError, validate_email

from resolvers.problems import ErrorCode, FieldName, Problem

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
RESERVED_SUBDOMAINS = frozenset(
    {"www", "api", "admin", "app", "mail", "shop", "shopiq", "partners", "status", "help"}
)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{4,30}$")
# What no input text may hold: lone surrogates (they cannot be encoded), NUL (PostgreSQL refuses
# it in text) and control characters (C0, DEL, C1) other than tab and newline.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
SINGLE_LINE_FORBIDDEN = re.compile("[\t\n]")


def text_fault(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` may not be taken as text, or None when it may. Never quotes the value (a lone
    surrogate in a message would break the response's encoding)."""
    found = FORBIDDEN_CHARS.search(value)
    if found is None:
        if not multiline and SINGLE_LINE_FORBIDDEN.search(value):
            return "Use a single line, without tabs."
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return "Contains an unpaired surrogate, which is not valid Unicode text."
    if char == "\x00":
        return "Contains a NUL character."
    return f"Contains the control character U+{ord(char):04X}; only tab and newline are allowed."


def clean_text(value: str) -> str:
    """NFC-normalised and trimmed (call after `text_fault` found nothing)."""
    return unicodedata.normalize("NFC", value).strip()


class Checker:
    """Collects problems for one input object. Fields are named by their Python names, under
    `within` when the object sits inside the input (e.g. `("items", 0)`)."""

    def __init__(self, within: tuple[str | int, ...] = ()) -> None:
        self.within = within
        self.problems: list[Problem] = []

    def add(self, field: FieldName, message: str, code: ErrorCode) -> None:
        name = (field,) if isinstance(field, str) else field
        self.problems.append(Problem.at((*self.within, *name), message, code))

    def text(
        self,
        field: FieldName,
        value: str | None,
        *,
        required: bool,
        max_len: int,
        multiline: bool = True,
    ) -> str | None:
        """Trimmed, NFC-normalised text; a problem for forbidden characters (see `text_fault`),
        for tab or newline in a single-line value, and for text over `max_len` characters."""
        fault = text_fault(value) if value else None
        if fault is not None:
            self.add(field, fault, ErrorCode.INVALID)
            return None
        cleaned = clean_text(value or "")
        if not cleaned:
            if required:
                self.add(field, "This field is required.", ErrorCode.REQUIRED)
            return None
        # Checked once trimmed: a blank value is missing (REQUIRED), not badly formed.
        fault = None if multiline else text_fault(cleaned, multiline=False)
        if fault is not None:
            self.add(field, fault, ErrorCode.INVALID)
            return None
        if len(cleaned) > max_len:
            self.add(field, f"Use at most {max_len} characters.", ErrorCode.TOO_LONG)
            return None
        return cleaned

    def email(self, field: FieldName, value: str | None, *, required: bool) -> str | None:
        cleaned = self.text(field, value, required=required, max_len=254, multiline=False)
        if cleaned is None:
            return None
        try:
            # test_environment admits the reserved .test domain used by demos and staging.
            result = validate_email(cleaned, check_deliverability=False, test_environment=True)
        except EmailNotValidError as exc:
            self.add(field, f"Enter a valid email address ({exc}).", ErrorCode.INVALID)
            return None
        return result.normalized.lower()

    def phone(self, field: FieldName, value: str | None) -> str | None:
        cleaned = self.text(field, value, required=False, max_len=32, multiline=False)
        if cleaned is not None and not PHONE_RE.match(cleaned):
            self.add(
                field, "Enter a phone number of digits, spaces and + ( ) - .", ErrorCode.INVALID
            )
            return None
        return cleaned

    def country(self, field: FieldName, value: str | None) -> str | None:
        cleaned = (value or "").strip().upper()
        if len(cleaned) != 2 or pycountry.countries.get(alpha_2=cleaned) is None:
            self.add(field, "Use an assigned ISO 3166 country code, e.g. GB.", ErrorCode.INVALID)
            return None
        return cleaned

    def currency(self, field: FieldName, value: str | None) -> str | None:
        cleaned = (value or "").strip().upper()
        if len(cleaned) != 3 or pycountry.currencies.get(alpha_3=cleaned) is None:
            self.add(field, "Use an ISO 4217 currency code, e.g. EUR.", ErrorCode.INVALID)
            return None
        return cleaned

    def subdomain(self, field: FieldName, value: str) -> str | None:
        cleaned = value.strip().lower()
        if not SUBDOMAIN_RE.match(cleaned) or "--" in cleaned:
            self.add(
                field,
                "Use 3-63 lowercase letters, digits and single hyphens, not at either end.",
                ErrorCode.INVALID,
            )
            return None
        if cleaned in RESERVED_SUBDOMAINS:
            self.add(field, f"'{cleaned}' is reserved by ShopIQ.", ErrorCode.TAKEN)
            return None
        return cleaned


def slugify(text: str, max_len: int = 50) -> str:
    """'Café Rosé & Co.' -> 'cafe-rose-co'; at least 3 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_len].strip("-")
    if len(slug) < 3 or slug in RESERVED_SUBDOMAINS:
        slug = f"store-{slug}".strip("-")
    return slug
