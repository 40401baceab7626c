"""Signed bearer tokens (HS256 JWTs) naming a user."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import jwt

ISSUER = "shopiq-partner-graph"
AUDIENCE = "shopiq-partner-dashboard"
ALGORITHM = "HS256"

# Claims are checked strictly: whatever a key holder signs, only sane values pass.
MAX_USER_ID = 2**31 - 1  # the id column's range
USER_ID_RE = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only (str.isdigit admits others)
EARLIEST_ISSUE = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
CLOCK_SKEW_SECONDS = 60  # an issue time this far in the future is the issuer's clock
MAX_LIFETIME_SECONDS = 30 * 24 * 3600


# Service tokens: a platform service (not a user) with its own audience and scope, so a user
# token is never taken for a service token nor the other way round.
SERVICE_AUDIENCE = "shopiq-partner-graph-service"
SERVICES = ("billing",)


class InvalidTokenError(Exception):
    pass


def issue_service_token(secret: str, service: str, ttl_seconds: int) -> str:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    now = datetime.now(UTC)
    claims = {
        "sub": f"service:{service}",
        "scope": f"service:{service}",
        "iss": ISSUER,
        "aud": SERVICE_AUDIENCE,
        "iat": now.timestamp(),
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_service_token(secret: str, token: str) -> str:
    """The service a valid service token names; InvalidTokenError for anything else."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=SERVICE_AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "scope", "exp", "iat", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("token is not valid") from exc
    scope, subject = claims["scope"], claims["sub"]
    service = scope.removeprefix("service:") if isinstance(scope, str) else None
    if service not in SERVICES or subject != scope:
        raise InvalidTokenError("token names no known service")
    _issued_at(claims["iat"], claims["exp"])
    return str(service)


def issue_token(secret: str, user_id: int, email: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "email": email,
        "iss": ISSUER,
        "aud": AUDIENCE,
        # Sub-second issue time: a token minted just after a removal must be told apart from
        # one minted just before it (policies.viewer compares it with users.removed_at).
        "iat": now.timestamp(),
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> tuple[int, datetime]:
    """(user id, issued at) of a valid token; InvalidTokenError for anything else."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss", "aud"]},
        )
        return _user_id(claims["sub"]), _issued_at(claims["iat"], claims["exp"])
    except jwt.ExpiredSignatureError as exc:
        raise InvalidTokenError("token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("token is not valid") from exc


def _user_id(subject: object) -> int:
    if not isinstance(subject, str) or not USER_ID_RE.fullmatch(subject):
        raise InvalidTokenError("token subject is not a user id")
    user_id = int(subject)
    if user_id > MAX_USER_ID:
        raise InvalidTokenError("token subject is not a user id")
    return user_id


def _timestamp(value: object) -> float | None:
    """A finite number of seconds (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _issued_at(issued: object, expires: object) -> datetime:
    """The issue time, when issue and expiry times are sane: issued since 2020 and not in the
    future (beyond clock skew), expiring after issue and within MAX_LIFETIME_SECONDS of it."""
    iat, exp = _timestamp(issued), _timestamp(expires)
    if iat is None or exp is None:
        raise InvalidTokenError("token times are not numbers")
    now = datetime.now(UTC).timestamp()
    if not EARLIEST_ISSUE <= iat <= now + CLOCK_SKEW_SECONDS:
        raise InvalidTokenError("token issue time is out of range")
    if not iat < exp <= iat + MAX_LIFETIME_SECONDS:
        raise InvalidTokenError("token expiry is out of range")
    return datetime.fromtimestamp(iat, UTC)
