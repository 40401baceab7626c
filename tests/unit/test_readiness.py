"""Launch readiness derived from an in-memory store: every blocker, its wording, and the empty
list of a store that may launch."""

from __future__ import annotations

from typing import Any

import pytest

from db.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentStatus,
    TaxStatus,
)
from db.models import Store
from resolvers.readiness import BlockerCode, readiness, store_blockers


def ready_store(**changes: Any) -> Store:
    """A store with every section done; `changes` undoes one part of it."""
    values: dict[str, Any] = {
        "name": "Café Rosé",
        "subdomain": "cafe-rose",
        "custom_domain": None,
        "domain_status": DomainStatus.NOT_CONNECTED,
        "launch_status": LaunchStatus.NOT_LAUNCHED,
        "payment_status": PaymentStatus.ACTIVE,
        "logistics_status": LogisticsStatus.ACTIVE,
        "catalog_status": CatalogStatus.READY,
        "product_count": 12,
        "logo_url": "https://cdn.example.com/logo.png",
        "theme_customized": True,
        "refund_policy_published": True,
        "shipping_policy_published": True,
        "privacy_policy_published": True,
        "terms_policy_published": True,
        "kyc_status": KycStatus.VERIFIED,
        "tax_status": TaxStatus.REGISTERED,
    }
    values.update(changes)
    return Store(**values)


def messages(store: Store) -> dict[BlockerCode, str]:
    return {b.code: b.message for b in store_blockers(store)}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"custom_domain": "shop.cafe-rose.com", "domain_status": DomainStatus.VERIFIED},
        {"tax_status": TaxStatus.EXEMPT},
        {"product_count": 1},
    ],
    ids=["subdomain-only", "verified-domain", "tax-exempt", "one-product"],
)
def test_a_store_with_every_section_done_is_ready(changes: dict[str, Any]) -> None:
    state = readiness(ready_store(**changes), 0)
    assert state.ready
    assert state.blockers == ()


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        (
            {"launch_status": LaunchStatus.LIVE},
            BlockerCode.ALREADY_LIVE,
            "The store is already live.",
        ),
        (
            {"custom_domain": "shop.cafe-rose.com", "domain_status": DomainStatus.PENDING_DNS},
            BlockerCode.DOMAIN_NOT_VERIFIED,
            "The domain shop.cafe-rose.com is not verified yet; verify or disconnect it.",
        ),
        (
            {"custom_domain": "shop.cafe-rose.com", "domain_status": DomainStatus.FAILED},
            BlockerCode.DOMAIN_NOT_VERIFIED,
            "The domain shop.cafe-rose.com is not verified yet; verify or disconnect it.",
        ),
        (
            {"payment_status": PaymentStatus.KYC_PENDING},
            BlockerCode.PAYMENTS_NOT_ACTIVE,
            "Payments are not active yet.",
        ),
        (
            {"payment_status": PaymentStatus.REJECTED},
            BlockerCode.PAYMENTS_NOT_ACTIVE,
            "Payments are not active yet.",
        ),
        (
            {"logistics_status": LogisticsStatus.CONFIGURED},
            BlockerCode.LOGISTICS_NOT_ACTIVE,
            "Shipping is not active yet.",
        ),
        (
            {"catalog_status": CatalogStatus.IMPORTING},
            BlockerCode.CATALOG_NOT_READY,
            "The catalog has no ready products yet.",
        ),
        (
            {"product_count": 0},
            BlockerCode.CATALOG_NOT_READY,
            "The catalog has no ready products yet.",
        ),
        (
            {"logo_url": None},
            BlockerCode.TEMPLATE_DEFAULTS,
            "The store still uses template defaults: add a logo and customise the theme.",
        ),
        (
            {"theme_customized": False},
            BlockerCode.TEMPLATE_DEFAULTS,
            "The store still uses template defaults: add a logo and customise the theme.",
        ),
        (
            {"kyc_status": KycStatus.SUBMITTED},
            BlockerCode.KYC_NOT_VERIFIED,
            "The business is not verified yet.",
        ),
        (
            {"kyc_status": KycStatus.REJECTED},
            BlockerCode.KYC_NOT_VERIFIED,
            "The business is not verified yet.",
        ),
        (
            {"tax_status": TaxStatus.PENDING},
            BlockerCode.TAX_NOT_REGISTERED,
            "Tax registration is not complete.",
        ),
        (
            {"tax_status": TaxStatus.NOT_STARTED},
            BlockerCode.TAX_NOT_REGISTERED,
            "Tax registration is not complete.",
        ),
    ],
)
def test_one_unfinished_section_is_the_only_blocker(
    changes: dict[str, Any], code: BlockerCode, message: str
) -> None:
    assert messages(ready_store(**changes)) == {code: message}


@pytest.mark.parametrize(
    ("unpublished", "message"),
    [
        (["refund"], "Publish the refund policy."),
        (["terms"], "Publish the terms of service policy."),
        (["refund", "privacy"], "Publish the refund and privacy policies."),
        (["shipping", "terms"], "Publish the shipping and terms of service policies."),
        (["refund", "shipping", "privacy"], "Publish the refund, shipping and privacy policies."),
        (
            ["refund", "shipping", "privacy", "terms"],
            "Publish the refund, shipping, privacy and terms of service policies.",
        ),
    ],
)
def test_unpublished_policies_are_named_in_one_sentence(
    unpublished: list[str], message: str
) -> None:
    store = ready_store(**{f"{name}_policy_published": False for name in unpublished})
    assert messages(store) == {BlockerCode.POLICIES_UNPUBLISHED: message}


def test_the_shopiq_subdomain_alone_needs_no_domain_verification() -> None:
    # A disconnected domain leaves no custom domain behind, whatever its last status was.
    store = ready_store(custom_domain=None, domain_status=DomainStatus.FAILED)
    assert BlockerCode.DOMAIN_NOT_VERIFIED not in messages(store)


def test_a_new_store_lists_every_unfinished_section_in_order() -> None:
    store = ready_store(
        custom_domain="shop.cafe-rose.com",
        domain_status=DomainStatus.PENDING_DNS,
        payment_status=PaymentStatus.NOT_STARTED,
        logistics_status=LogisticsStatus.NOT_STARTED,
        catalog_status=CatalogStatus.EMPTY,
        product_count=0,
        logo_url=None,
        theme_customized=False,
        refund_policy_published=False,
        shipping_policy_published=False,
        privacy_policy_published=False,
        terms_policy_published=False,
        kyc_status=KycStatus.NOT_STARTED,
        tax_status=TaxStatus.NOT_STARTED,
    )
    state = readiness(store, 2)
    assert not state.ready
    assert [b.code for b in state.blockers] == [
        BlockerCode.DOMAIN_NOT_VERIFIED,
        BlockerCode.PAYMENTS_NOT_ACTIVE,
        BlockerCode.LOGISTICS_NOT_ACTIVE,
        BlockerCode.CATALOG_NOT_READY,
        BlockerCode.TEMPLATE_DEFAULTS,
        BlockerCode.POLICIES_UNPUBLISHED,
        BlockerCode.KYC_NOT_VERIFIED,
        BlockerCode.TAX_NOT_REGISTERED,
        BlockerCode.BLOCKING_TASKS_OPEN,
    ]


def test_a_live_store_cannot_launch_again() -> None:
    state = readiness(ready_store(launch_status=LaunchStatus.LIVE), 0)
    assert not state.ready
    assert [(b.code, b.message) for b in state.blockers] == [
        (BlockerCode.ALREADY_LIVE, "The store is already live.")
    ]


def test_a_client_without_a_store_cannot_launch() -> None:
    state = readiness(None, 0)
    assert not state.ready
    assert [(b.code, b.message) for b in state.blockers] == [
        (BlockerCode.NO_STORE, "The client has no store.")
    ]


@pytest.mark.parametrize(
    ("open_tasks", "message"),
    [
        (1, "1 open task blocks the launch."),
        (2, "2 open tasks block the launch."),
        (17, "17 open tasks block the launch."),
    ],
)
def test_open_blocking_tasks_hold_back_a_ready_store(open_tasks: int, message: str) -> None:
    state = readiness(ready_store(), open_tasks)
    assert not state.ready
    assert [(b.code, b.message) for b in state.blockers] == [
        (BlockerCode.BLOCKING_TASKS_OPEN, message)
    ]


def test_open_blocking_tasks_are_reported_even_without_a_store() -> None:
    state = readiness(None, 3)
    assert [b.code for b in state.blockers] == [
        BlockerCode.NO_STORE,
        BlockerCode.BLOCKING_TASKS_OPEN,
    ]
