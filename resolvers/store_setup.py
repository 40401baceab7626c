"""Store set-up sections: domain, payments, logistics, catalog, brand and policies, compliance.
Each change is a validated transition of its section, checked against the store's version."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import (
    CatalogStatus,
    DomainStatus,
    LogisticsStatus,
    PaymentStatus,
)
from db.models import Store
from resolvers import transitions
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.dns_check import DnsChecker, DnsLookupError
from resolvers.lifecycle import progress
from resolvers.mutations import CONFLICT_MESSAGE, Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, refuse
from resolvers.storefront import STORE_HOST, challenge

HOSTNAME_RE = re.compile(r"(?=.{4,253}\Z)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
MAX_REASON = 500
MAX_COUNT = 10_000_000
STORE_FIELD = "store_id"


async def _store(session: AsyncSession, ctx: Context, store_id: int | None, version: int) -> Store:
    store = await target(session, ctx, Store, store_id, action="update", field=STORE_FIELD)
    expect_version(store, version)
    return store


# --- Domain ---------------------------------------------------------------------------------


def normalize_hostname(value: str) -> str:
    host = value.strip().lower().rstrip(".")
    if host.startswith(("http://", "https://")) or "/" in host:
        raise refuse("hostname", "Give a bare hostname like shop.example.com.", ErrorCode.INVALID)
    if not HOSTNAME_RE.fullmatch(host):
        raise refuse("hostname", "That is not a valid hostname.", ErrorCode.INVALID)
    if host == STORE_HOST or host.endswith("." + STORE_HOST):
        raise refuse(
            "hostname",
            "ShopIQ subdomains work without connecting them.",
            ErrorCode.INVALID,
        )
    return host


async def connect_domain(
    ctx: Context, store_id: int | None, version: int, hostname: str
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        host = normalize_hostname(hostname)
        store.domain_status = transitions.DOMAIN.move(
            store.domain_status, DomainStatus.PENDING_DNS, "hostname"
        )
        taken = await session.execute(
            select(Store.id).where(Store.custom_domain == host, Store.id != store.id)
        )
        if taken.first() is not None:
            raise refuse("hostname", "That domain is connected to another store.", ErrorCode.TAKEN)
        store.custom_domain = host
        store.domain_verification_token = secrets.token_hex(16)
        store.domain_failure_reason = None
        store.domain_checked_at = None
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


def _verifiable(store: Store) -> tuple[str, str]:
    """(TXT record name, expected value) of a store whose domain awaits verification."""
    # Verifiable: a domain the machine lets move to verified (pending DNS, or failed before).
    if (
        store.custom_domain is None
        or DomainStatus.VERIFIED not in transitions.DOMAIN.moves[store.domain_status]
    ):
        raise refuse(
            STORE_FIELD, "Connect a domain before verifying it.", ErrorCode.INVALID_TRANSITION
        )
    return challenge(store.custom_domain, store.domain_verification_token)


async def verify_domain(
    ctx: Context, store_id: int | None, version: int, dns: DnsChecker
) -> Outcome[Store]:
    """Checks first, looks up DNS with no transaction open (it may take seconds), then records
    the outcome in a transaction that re-checks the version."""

    async def check(session: AsyncSession) -> tuple[str, str]:
        return _verifiable(await _store(session, ctx, store_id, version))

    checked = await transact(ctx, check)
    if checked.value is None:
        return Outcome(problems=checked.problems)
    name, expected = checked.value
    try:
        found = expected in [r.strip() for r in await dns.txt_records(name)]
        reason = None if found else f"No TXT record {name} with the expected value yet."
    except DnsLookupError as exc:
        found, reason = False, f"The DNS lookup failed ({exc}); try again shortly."

    async def record(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        if _verifiable(store) != (name, expected):
            raise refuse(STORE_FIELD, CONFLICT_MESSAGE, ErrorCode.CONFLICT)
        store.domain_status = transitions.DOMAIN.move(
            store.domain_status,
            DomainStatus.VERIFIED if found else DomainStatus.FAILED,
            STORE_FIELD,
        )
        store.domain_failure_reason = reason
        store.domain_checked_at = utcnow()
        return store

    return await transact(ctx, record)


async def disconnect_domain(ctx: Context, store_id: int | None, version: int) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        store.domain_status = transitions.DOMAIN.move(
            store.domain_status, DomainStatus.NOT_CONNECTED, STORE_FIELD
        )
        store.custom_domain = None
        store.domain_verification_token = None
        store.domain_failure_reason = None
        store.domain_checked_at = None
        return store

    return await transact(ctx, work)


# --- Payments, logistics, catalog -------------------------------------------------------------
# Each takes `Changes` keyed by the store's own attributes; the section's status always moves by
# its table, and the fields around it follow the section's rules.


def _reason(changes: Changes, name: str, *, required: bool) -> str | None:
    cleaned = (changes.get(name) or "").strip()
    if not cleaned:
        if required:
            raise refuse(changes.path(name), "Say why.", ErrorCode.REQUIRED)
        return None
    if len(cleaned) > MAX_REASON:
        raise refuse(
            changes.path(name), f"Use at most {MAX_REASON} characters.", ErrorCode.TOO_LONG
        )
    return cleaned


def _count(changes: Changes, name: str, current: int) -> int:
    value: int | None = changes.get(name)
    if value is None:
        return current
    if not 0 <= value <= MAX_COUNT:
        raise refuse(changes.path(name), "Use a whole number from 0.", ErrorCode.INVALID)
    return value


async def update_payments(
    ctx: Context, store_id: int | None, version: int, changes: Changes
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        status = transitions.PAYMENTS.move(
            store.payment_status, changes.get("payment_status"), changes.path("payment_status")
        )
        provider = changes.get("payment_provider") or store.payment_provider
        switching = store.payment_provider is not None and provider != store.payment_provider
        if switching and status != PaymentStatus.KYC_PENDING:
            # A new provider verifies the business again before it can take payments.
            raise refuse(
                changes.path("payment_provider"),
                "A new payment provider goes through KYC again: set status KYC_PENDING.",
                ErrorCode.INVALID_TRANSITION,
            )
        if status != PaymentStatus.NOT_STARTED and provider is None:
            raise refuse(
                changes.path("payment_provider"), "Choose the payment provider.", ErrorCode.REQUIRED
            )
        rejected = status == PaymentStatus.REJECTED
        reason = _reason(changes, "payment_rejection_reason", required=rejected)
        store.payment_status = status
        store.payment_provider = provider
        store.payment_rejection_reason = reason if rejected else None
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


async def update_logistics(
    ctx: Context, store_id: int | None, version: int, changes: Changes
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        status = transitions.LOGISTICS.move(
            store.logistics_status,
            changes.get("logistics_status"),
            changes.path("logistics_status"),
        )
        values = cleaned(Store, changes.without("logistics_status"))
        provider = values.get("logistics_provider") or store.logistics_provider
        zones = _count(values, "shipping_zone_count", store.shipping_zone_count)
        methods = _count(values, "shipping_method_count", store.shipping_method_count)
        if status != LogisticsStatus.NOT_STARTED:
            if provider is None:
                raise refuse(
                    values.path("logistics_provider"),
                    "Name the logistics provider.",
                    ErrorCode.REQUIRED,
                )
            if zones < 1 or methods < 1:
                raise refuse(
                    values.path("shipping_zone_count"),
                    "Set up at least one shipping zone and one method first.",
                    ErrorCode.INVALID,
                )
        store.logistics_status = status
        store.logistics_provider = provider
        store.shipping_zone_count = zones
        store.shipping_method_count = methods
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


async def update_catalog(
    ctx: Context, store_id: int | None, version: int, changes: Changes
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        status = transitions.CATALOG.move(
            store.catalog_status, changes.get("catalog_status"), changes.path("catalog_status")
        )
        products = _count(changes, "product_count", store.product_count)
        categories = _count(changes, "category_count", store.category_count)
        if status == CatalogStatus.READY and products < 1:
            raise refuse(
                changes.path("product_count"),
                "A ready catalog has at least one product.",
                ErrorCode.INVALID,
            )
        failed = status == CatalogStatus.FAILED
        reason = _reason(changes, "catalog_failure_reason", required=failed)
        store.catalog_status = status
        store.product_count = products
        store.category_count = categories
        store.catalog_failure_reason = reason if failed else None
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


# --- Brand and policies, compliance -----------------------------------------------------------

THEME_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
MAX_LOGO_URL = 2048


async def update_brand(
    ctx: Context, store_id: int | None, version: int, changes: Changes
) -> Outcome[Store]:
    """Logo and theme are checked; the policy flags and theme customisation are set as given."""

    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        values = changes
        url = changes.get("logo_url")
        if url is not None:
            url = url.strip()
            if not url.startswith("https://") or len(url) > MAX_LOGO_URL or " " in url:
                raise refuse(
                    changes.path("logo_url"),
                    "Give an https:// address of the logo.",
                    ErrorCode.INVALID,
                )
            values = values.replace(logo_url=url)
        theme = changes.get("theme")
        if theme is not None:
            theme = theme.strip().lower()
            if not THEME_RE.fullmatch(theme):
                raise refuse(
                    changes.path("theme"),
                    "Give a theme name of letters, digits, hyphens.",
                    ErrorCode.INVALID,
                )
            if theme != store.theme:
                store.theme_customized = False  # a new theme starts from its defaults
            values = values.replace(theme=theme)
        apply(store, values)
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


async def update_compliance(
    ctx: Context, store_id: int | None, version: int, changes: Changes
) -> Outcome[Store]:
    """KYC and tax statuses move by their tables; who is responsible for each is set as given."""

    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        values = changes
        if "kyc_status" in changes:
            values = values.replace(
                kyc_status=transitions.KYC.move(
                    store.kyc_status, changes.get("kyc_status"), changes.path("kyc_status")
                )
            )
        if "tax_status" in changes:
            values = values.replace(
                tax_status=transitions.TAX.move(
                    store.tax_status, changes.get("tax_status"), changes.path("tax_status")
                )
            )
        apply(store, values)
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)
