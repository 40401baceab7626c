"""Webhook signatures and the SSRF guard (resolvers/webhook_security.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.webhook_security import signature_header, unsafe_url_reason, verify


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**40))
def test_a_signature_verifies_and_any_change_breaks_it(body: bytes, t: int) -> None:
    header = signature_header("whsec_a", t, body)
    assert verify("whsec_a", header, body, now=t)
    assert not verify("whsec_b", header, body, now=t)
    assert not verify("whsec_a", header, body + b"x", now=t)
    assert not verify("whsec_a", header, body, now=t + 301)  # replayed later


def resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "127.0.0.1",
        "::1",
        "169.254.169.254",
        "192.168.0.1",
        "172.16.0.9",
        "fd00::1",
        "fe80::1",
        "0.0.0.0",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
async def test_private_addresses_are_refused_by_ip_and_by_name(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    assert await unsafe_url_reason(f"https://{host}/hook") is not None
    assert await unsafe_url_reason("https://hooks.example.com/x", resolve=resolving_to(address))
    # One bad address among good ones is enough.
    assert await unsafe_url_reason(
        "https://hooks.example.com/x", resolve=resolving_to("93.184.216.34", address)
    )


async def test_a_public_https_url_is_accepted() -> None:
    good = resolving_to("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    assert await unsafe_url_reason("https://hooks.example.com/x", resolve=good) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "ftp://hooks.example.com",
        "https://u:p@hooks.example.com/",
        "https:///nohost",
        "https://hooks.example.com:99999/",
    ],
)
async def test_other_urls_are_refused(url: str) -> None:
    assert await unsafe_url_reason(url, resolve=resolving_to("93.184.216.34")) is not None


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    async def fails(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    assert await unsafe_url_reason("https://nowhere.example/", resolve=fails) is not None


async def test_the_test_setting_relaxes_https_and_private_addresses() -> None:
    assert await unsafe_url_reason("http://127.0.0.1:8000/x", allow_private=True) is None
