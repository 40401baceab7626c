"""Connecting a custom domain: which hostnames are accepted (and how they are cleaned), what the
merchant is told when one is refused, and the DNS records the merchant must publish."""

from __future__ import annotations

import pytest

from db.enums import DomainStatus
from db.models import Store
from resolvers.problems import ErrorCode, Problem, Refused
from resolvers.store_setup import normalize_hostname
from resolvers.storefront import STORE_HOST, dns_records

HOSTNAME = ("input", "hostname")


def refusal(value: str) -> Problem:
    with pytest.raises(Refused) as refused:
        normalize_hostname(value)
    assert len(refused.value.problems) == 1
    return refused.value.problems[0]


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("shop.cafe-rose.com", "shop.cafe-rose.com"),
        ("cafe-rose.com", "cafe-rose.com"),
        ("Shop.Cafe-Rose.COM", "shop.cafe-rose.com"),
        ("  shop.cafe-rose.com  ", "shop.cafe-rose.com"),
        ("shop.cafe-rose.com.", "shop.cafe-rose.com"),
        ("www.cafe-rose.co.uk", "www.cafe-rose.co.uk"),
        ("a.io", "a.io"),
        ("xn--caf-dma.fr", "xn--caf-dma.fr"),
        ("3d-prints.example.shop", "3d-prints.example.shop"),
        ("notmyshopiq.com", "notmyshopiq.com"),
        ("myshopiq.com.evil.example", "myshopiq.com.evil.example"),
        (f"{'a' * 63}.com", f"{'a' * 63}.com"),
    ],
)
def test_a_bare_hostname_is_accepted_and_cleaned(value: str, host: str) -> None:
    assert normalize_hostname(value) == host


@pytest.mark.parametrize(
    "value",
    [
        "https://shop.cafe-rose.com",
        "http://shop.cafe-rose.com",
        "HTTPS://shop.cafe-rose.com",
        "shop.cafe-rose.com/",
        "shop.cafe-rose.com/products",
        "//shop.cafe-rose.com",
    ],
)
def test_a_url_is_refused_with_an_example_of_a_bare_hostname(value: str) -> None:
    assert refusal(value) == Problem(
        HOSTNAME, "Give a bare hostname like shop.example.com.", ErrorCode.INVALID
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "localhost",
        "cafe-rose",
        "shop cafe-rose.com",
        "shop_1.cafe-rose.com",
        "-shop.cafe-rose.com",
        "shop-.cafe-rose.com",
        "shop..cafe-rose.com",
        ".cafe-rose.com",
        "café.fr",
        "192.168.0.1",
        "shop.cafe-rose.c",
        "shop.cafe-rose.c0m",
        "shop.cafe-rose.com:443",
        "owner@cafe-rose.com",
        f"{'a' * 64}.com",
        ".".join(["a" * 60] * 5) + ".com",
    ],
)
def test_an_invalid_hostname_is_refused(value: str) -> None:
    assert refusal(value) == Problem(HOSTNAME, "That is not a valid hostname.", ErrorCode.INVALID)


def test_a_hostname_with_a_line_break_is_refused() -> None:
    assert refusal("shop.cafe-rose.com\n.").code == ErrorCode.INVALID


@pytest.mark.parametrize(
    "value",
    [
        STORE_HOST,
        f"{STORE_HOST}.",
        "cafe-rose.myshopiq.com",
        "Cafe-Rose.MyShopIQ.com",
        "edge.myshopiq.com",
    ],
)
def test_shopiq_own_host_is_refused_because_subdomains_work_already(value: str) -> None:
    assert refusal(value) == Problem(
        HOSTNAME, "ShopIQ subdomains work without connecting them.", ErrorCode.INVALID
    )


# --- DNS records ----------------------------------------------------------------------------


def store(custom_domain: str | None, token: str | None) -> Store:
    return Store(
        name="Café Rosé",
        subdomain="cafe-rose",
        custom_domain=custom_domain,
        domain_verification_token=token,
        domain_status=DomainStatus.PENDING_DNS if custom_domain else DomainStatus.NOT_CONNECTED,
    )


def test_a_connected_domain_needs_a_txt_proof_and_a_cname_to_the_edge() -> None:
    records = dns_records(store("shop.cafe-rose.com", "0123abcd"))
    assert [(r.type, r.name, r.value, r.purpose) for r in records] == [
        (
            "TXT",
            "_shopiq-challenge.shop.cafe-rose.com",
            "shopiq-verify=0123abcd",
            "proves you own the domain",
        ),
        ("CNAME", "shop.cafe-rose.com", "edge.myshopiq.com", "sends shoppers to the store"),
    ]


@pytest.mark.parametrize(
    ("custom_domain", "token"),
    [(None, None), (None, "0123abcd"), ("shop.cafe-rose.com", None)],
)
def test_no_records_without_a_connected_domain(
    custom_domain: str | None, token: str | None
) -> None:
    assert dns_records(store(custom_domain, token)) == []
