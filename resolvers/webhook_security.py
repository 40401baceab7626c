"""The two rules that keep webhooks safe: every delivery is signed (HMAC-SHA256 over
`timestamp.body`, sent as `ShopIQ-Signature: t=<unix seconds>,v1=<hex>`), and a delivery only
goes to a public https address (SSRF: no private, loopback, link-local, unique-local or other
reserved address, after DNS resolution, so a name resolving to one is refused too)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import socket
import traceback
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

__all__ = [
    "SIGNATURE_HEADER",
    "RedactSecrets",
    "Resolver",
    "new_secret",
    "sign",
    "signature_header",
    "unsafe_url_reason",
    "verify",
]

SIGNATURE_HEADER = "ShopIQ-Signature"
# A receiver should refuse a signature older than this (seconds): a replayed request.
TOLERANCE = 300

Resolver = Callable[[str, int], Awaitable[list[str]]]


SECRET_PREFIX = "whsec_"
_SECRET = re.compile(SECRET_PREFIX + r"[A-Za-z0-9_\-]+")


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class RedactSecrets(logging.Filter):
    """Takes signing secrets out of a log record: a database error's own text may quote the row
    it refused (PostgreSQL's "Failing row contains (...)"), secret included. A record that
    carries one is rewritten with its traceback in the message, the secret replaced; any other
    record passes untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        if _SECRET.search(text) is None:
            return True
        record.msg = _SECRET.sub(SECRET_PREFIX + "[redacted]", text)
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def sign(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE) -> bool:
    """What a receiver does: the header's v1 matches, and its timestamp is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), sign(secret, timestamp, body))


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _unsafe_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


async def unsafe_url_reason(
    url: str, *, resolve: Resolver = system_resolver, allow_private: bool = False
) -> str | None:
    """Why a delivery may not go to `url`, or None. `allow_private` (tests only) accepts http
    and any address."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The URL is not valid."
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        return "The URL must use https."
    host = parts.hostname
    if not host or parts.username or parts.password:
        return "The URL must name a host, without a user or password."
    if allow_private:
        return None
    try:
        addresses = [host] if _is_ip(host) else await resolve(host, port or 443)
    except OSError:
        return "The host name does not resolve."
    if not addresses:
        return "The host name does not resolve."
    if any(_unsafe_address(a) for a in addresses):
        return "The URL points to a private, loopback, link-local or reserved address."
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
