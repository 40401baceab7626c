"""Signed bearer tokens (HS256 JWTs) naming a user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

ISSUER = "shopiq-partner-graph"
AUDIENCE = "shopiq-partner-dashboard"
ALGORITHM = "HS256"


class InvalidTokenError(Exception):
    pass


def issue_token(secret: str, user_id: int, email: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "email": email,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> int:
    """The user id a valid token names; InvalidTokenError for anything else."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss", "aud"]},
        )
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.isdigit():
            raise InvalidTokenError("token subject is not a user id")
        return int(subject)
    except jwt.ExpiredSignatureError as exc:
        raise InvalidTokenError("token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("token is not valid") from exc
