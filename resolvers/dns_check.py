"""Looking up the DNS records that prove a merchant controls a custom domain, and the addresses
a webhook endpoint's host name resolves to (resolvers/webhook_security.py)."""

from __future__ import annotations

import asyncio
from typing import Protocol

import dns.asyncresolver
import dns.exception
import dns.resolver

from resolvers.webhook_security import system_resolver

LOOKUP_SECONDS = 5.0


class DnsLookupError(Exception):
    """The lookup itself failed (timeout, no nameserver): the answer is unknown, not 'no'."""


class DnsChecker(Protocol):
    async def txt_records(self, name: str) -> list[str]: ...

    async def addresses(self, host: str, port: int) -> list[str]:
        """The IP addresses `host` resolves to; OSError when it does not resolve."""
        ...


class PublicDnsChecker:
    async def txt_records(self, name: str) -> list[str]:
        try:
            answer = await dns.asyncresolver.resolve(name, "TXT", lifetime=LOOKUP_SECONDS)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            raise DnsLookupError(str(exc) or type(exc).__name__) from exc
        return [b"".join(r.strings).decode(errors="replace") for r in answer]

    async def addresses(self, host: str, port: int) -> list[str]:
        # A lookup that takes too long is one that failed (TimeoutError is an OSError).
        return await asyncio.wait_for(system_resolver(host, port), LOOKUP_SECONDS)
