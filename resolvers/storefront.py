"""Where a store is reached: the ShopIQ host, the store's addresses, and the DNS records a
merchant publishes for a custom domain. Read by the schema and by the set-up services."""

from __future__ import annotations

from dataclasses import dataclass

from db.enums import DomainStatus
from db.models import Store

STORE_HOST = "myshopiq.com"
ROUTING_TARGET = f"edge.{STORE_HOST}"
CHALLENGE_PREFIX = "_shopiq-challenge"


@dataclass(frozen=True, slots=True)
class DnsRecord:
    type: str
    name: str
    value: str
    purpose: str


def subdomain_url(store: Store) -> str:
    return f"https://{store.subdomain}.{STORE_HOST}"


def store_url(store: Store) -> str:
    """Where shoppers go: the verified custom domain, else the ShopIQ subdomain."""
    if store.custom_domain and store.domain_status == DomainStatus.VERIFIED:
        return f"https://{store.custom_domain}"
    return subdomain_url(store)


def challenge(hostname: str, token: str | None) -> tuple[str, str]:
    """(TXT record name, expected value) that proves the merchant owns `hostname`."""
    return f"{CHALLENGE_PREFIX}.{hostname}", f"shopiq-verify={token}"


def dns_records(store: Store) -> list[DnsRecord]:
    """What the merchant must publish for the connected custom domain."""
    if not store.custom_domain or not store.domain_verification_token:
        return []
    name, value = challenge(store.custom_domain, store.domain_verification_token)
    return [
        DnsRecord("TXT", name, value, "proves you own the domain"),
        DnsRecord("CNAME", store.custom_domain, ROUTING_TARGET, "sends shoppers to the store"),
    ]
