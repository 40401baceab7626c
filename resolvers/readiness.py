"""Launch readiness, derived on every read from the store's sections and the open blocking
tasks; never stored. launchStore re-derives it inside its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, func, select

from db.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentStatus,
    TaskStatus,
    TaxStatus,
)
from db.models import Client, Store, Task
from resolvers.batch_keys import BatchKeys, in_keys


class BlockerCode(StrEnum):
    ALREADY_LIVE = "already_live"
    NO_STORE = "no_store"
    DOMAIN_NOT_VERIFIED = "domain_not_verified"
    PAYMENTS_NOT_ACTIVE = "payments_not_active"
    LOGISTICS_NOT_ACTIVE = "logistics_not_active"
    CATALOG_NOT_READY = "catalog_not_ready"
    TEMPLATE_DEFAULTS = "template_defaults"
    POLICIES_UNPUBLISHED = "policies_unpublished"
    KYC_NOT_VERIFIED = "kyc_not_verified"
    TAX_NOT_REGISTERED = "tax_not_registered"
    BLOCKING_TASKS_OPEN = "blocking_tasks_open"


@dataclass(frozen=True, slots=True)
class Blocker:
    code: BlockerCode
    message: str


@dataclass(frozen=True, slots=True)
class Readiness:
    blockers: tuple[Blocker, ...]

    @property
    def ready(self) -> bool:
        return not self.blockers


POLICY_NAMES = (
    ("refund_policy_published", "refund"),
    ("shipping_policy_published", "shipping"),
    ("privacy_policy_published", "privacy"),
    ("terms_policy_published", "terms of service"),
)


def store_blockers(store: Store) -> list[Blocker]:
    found: list[Blocker] = []

    def block(code: BlockerCode, message: str) -> None:
        found.append(Blocker(code, message))

    if store.launch_status == LaunchStatus.LIVE:
        block(BlockerCode.ALREADY_LIVE, "The store is already live.")
    # The ShopIQ subdomain always works; a custom domain, once connected, must be verified.
    if store.custom_domain and store.domain_status != DomainStatus.VERIFIED:
        block(
            BlockerCode.DOMAIN_NOT_VERIFIED,
            f"The domain {store.custom_domain} is not verified yet; verify or disconnect it.",
        )
    if store.payment_status != PaymentStatus.ACTIVE:
        block(BlockerCode.PAYMENTS_NOT_ACTIVE, "Payments are not active yet.")
    if store.logistics_status != LogisticsStatus.ACTIVE:
        block(BlockerCode.LOGISTICS_NOT_ACTIVE, "Shipping is not active yet.")
    if store.catalog_status != CatalogStatus.READY or store.product_count < 1:
        block(BlockerCode.CATALOG_NOT_READY, "The catalog has no ready products yet.")
    if not store.logo_url or not store.theme_customized:
        block(
            BlockerCode.TEMPLATE_DEFAULTS,
            "The store still uses template defaults: add a logo and customise the theme.",
        )
    missing = [label for name, label in POLICY_NAMES if not getattr(store, name)]
    if missing:
        names = " and ".join(
            [", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing
        )
        noun = "policies" if len(missing) > 1 else "policy"
        block(BlockerCode.POLICIES_UNPUBLISHED, f"Publish the {names} {noun}.")
    if store.kyc_status != KycStatus.VERIFIED:
        block(BlockerCode.KYC_NOT_VERIFIED, "The business is not verified yet.")
    if store.tax_status not in (TaxStatus.REGISTERED, TaxStatus.EXEMPT):
        block(BlockerCode.TAX_NOT_REGISTERED, "Tax registration is not complete.")
    return found


def readiness(store: Store | None, open_blocking_tasks: int) -> Readiness:
    found = (
        store_blockers(store)
        if store is not None
        else [Blocker(BlockerCode.NO_STORE, "The client has no store.")]
    )
    if open_blocking_tasks:
        noun = "task blocks" if open_blocking_tasks == 1 else "tasks block"
        found.append(
            Blocker(
                BlockerCode.BLOCKING_TASKS_OPEN, f"{open_blocking_tasks} open {noun} the launch."
            )
        )
    return Readiness(tuple(found))


def open_blocking_tasks_stmt(
    client_ids: Sequence[int] | BatchKeys,
) -> Select[int, int]:
    """Open launch-blocking tasks per client, counting the current partner's tasks (the team that
    will launch), whoever asks: the count is about the client's own launch. The tasks are counted
    per (client, partner) first, so a client filter added by the caller runs once per client,
    not once per task."""
    per_partner = (
        select(Task.client_id, Task.partner_id, func.count().label("open_tasks"))
        .where(
            in_keys(Task.client_id, client_ids),
            Task.blocks_launch.is_(True),
            Task.status != TaskStatus.DONE,
        )
        .group_by(Task.client_id, Task.partner_id)
        .subquery("tasks_0")
    )
    return (
        select(per_partner.c.client_id, func.sum(per_partner.c.open_tasks))
        .join(
            Client,
            (Client.id == per_partner.c.client_id)
            & (per_partner.c.partner_id == Client.partner_id),
        )
        .group_by(per_partner.c.client_id)
    )
