"""Store set-up sections: domain, payments, logistics, catalog, brand and policies, compliance.
Each change is a validated transition of its section, checked against the store's version."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LogisticsStatus,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaxStatus,
)
from db.models import Store
from resolvers import transitions
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


def _reason(value: str | None, field: str, required: bool) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise refuse(field, "Say why.", ErrorCode.REQUIRED)
        return None
    if len(cleaned) > MAX_REASON:
        raise refuse(field, f"Use at most {MAX_REASON} characters.", ErrorCode.TOO_LONG)
    return cleaned


def _count(value: int | None, field: str, current: int) -> int:
    if value is None:
        return current
    if not 0 <= value <= MAX_COUNT:
        raise refuse(field, "Use a whole number from 0.", ErrorCode.INVALID)
    return value


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


@dataclass(frozen=True, slots=True)
class PaymentsChange:
    status: PaymentStatus
    provider: PaymentProvider | None = None
    rejection_reason: str | None = None


async def update_payments(
    ctx: Context, store_id: int | None, version: int, change: PaymentsChange
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        status = transitions.PAYMENTS.move(store.payment_status, change.status, "status")
        provider = change.provider or store.payment_provider
        switching = store.payment_provider is not None and provider != store.payment_provider
        if switching and status != PaymentStatus.KYC_PENDING:
            # A new provider verifies the business again before it can take payments.
            raise refuse(
                "provider",
                "A new payment provider goes through KYC again: set status KYC_PENDING.",
                ErrorCode.INVALID_TRANSITION,
            )
        if status != PaymentStatus.NOT_STARTED and provider is None:
            raise refuse("provider", "Choose the payment provider.", ErrorCode.REQUIRED)
        reason = _reason(
            change.rejection_reason, "rejection_reason", required=status == PaymentStatus.REJECTED
        )
        store.payment_status = status
        store.payment_provider = provider
        store.payment_rejection_reason = reason if status == PaymentStatus.REJECTED else None
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


@dataclass(frozen=True, slots=True)
class LogisticsChange:
    status: LogisticsStatus
    provider: str | None = None
    shipping_zone_count: int | None = None
    shipping_method_count: int | None = None


async def update_logistics(
    ctx: Context, store_id: int | None, version: int, change: LogisticsChange
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        status = transitions.LOGISTICS.move(store.logistics_status, change.status, "status")
        provider = (change.provider or "").strip() or store.logistics_provider
        if provider is not None and len(provider) > 100:
            raise refuse("provider", "Use at most 100 characters.", ErrorCode.TOO_LONG)
        zones = _count(change.shipping_zone_count, "shipping_zone_count", store.shipping_zone_count)
        methods = _count(
            change.shipping_method_count, "shipping_method_count", store.shipping_method_count
        )
        if status != LogisticsStatus.NOT_STARTED:
            if provider is None:
                raise refuse("provider", "Name the logistics provider.", ErrorCode.REQUIRED)
            if zones < 1 or methods < 1:
                raise refuse(
                    "shipping_zone_count",
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


@dataclass(frozen=True, slots=True)
class CatalogChange:
    status: CatalogStatus
    product_count: int | None = None
    category_count: int | None = None
    failure_reason: str | None = None


async def update_catalog(
    ctx: Context, store_id: int | None, version: int, change: CatalogChange
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        status = transitions.CATALOG.move(store.catalog_status, change.status, "status")
        products = _count(change.product_count, "product_count", store.product_count)
        categories = _count(change.category_count, "category_count", store.category_count)
        if status == CatalogStatus.READY and products < 1:
            raise refuse(
                "product_count",
                "A ready catalog has at least one product.",
                ErrorCode.INVALID,
            )
        reason = _reason(
            change.failure_reason, "failure_reason", required=status == CatalogStatus.FAILED
        )
        store.catalog_status = status
        store.product_count = products
        store.category_count = categories
        store.catalog_failure_reason = reason if status == CatalogStatus.FAILED else None
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


# --- Brand and policies, compliance -----------------------------------------------------------

THEME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True, slots=True)
class BrandChange:
    logo_url: str | None = None
    clear_logo: bool = False
    theme: str | None = None
    theme_customized: bool | None = None
    refund_policy_published: bool | None = None
    shipping_policy_published: bool | None = None
    privacy_policy_published: bool | None = None
    terms_policy_published: bool | None = None


async def update_brand(
    ctx: Context, store_id: int | None, version: int, change: BrandChange
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        if change.logo_url is not None:
            url = change.logo_url.strip()
            if not url.startswith("https://") or len(url) > 2048 or " " in url:
                raise refuse("logo_url", "Give an https:// address of the logo.", ErrorCode.INVALID)
            store.logo_url = url
        elif change.clear_logo:
            store.logo_url = None
        if change.theme is not None:
            theme = change.theme.strip().lower()
            if not THEME_RE.match(theme):
                raise refuse(
                    "theme",
                    "Give a theme name of letters, digits, hyphens.",
                    ErrorCode.INVALID,
                )
            if theme != store.theme:
                store.theme = theme
                store.theme_customized = False  # a new theme starts from its defaults
        for name in (
            "theme_customized",
            "refund_policy_published",
            "shipping_policy_published",
            "privacy_policy_published",
            "terms_policy_published",
        ):
            value = getattr(change, name)
            if value is not None:
                setattr(store, name, value)
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)


@dataclass(frozen=True, slots=True)
class ComplianceChange:
    kyc_status: KycStatus | None = None
    kyc_responsible: Responsible | None = None
    tax_status: TaxStatus | None = None
    tax_responsible: Responsible | None = None


async def update_compliance(
    ctx: Context, store_id: int | None, version: int, change: ComplianceChange
) -> Outcome[Store]:
    async def work(session: AsyncSession) -> Store:
        store = await _store(session, ctx, store_id, version)
        if change.kyc_status is not None:
            store.kyc_status = transitions.KYC.move(
                store.kyc_status, change.kyc_status, "kyc_status"
            )
        if change.tax_status is not None:
            store.tax_status = transitions.TAX.move(
                store.tax_status, change.tax_status, "tax_status"
            )
        if change.kyc_responsible is not None:
            store.kyc_responsible = change.kyc_responsible
        if change.tax_responsible is not None:
            store.tax_responsible = change.tax_responsible
        await progress(session, store.client_id)
        return store

    return await transact(ctx, work)
