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
        subject, issued = claims["sub"], claims["iat"]
        if not isinstance(subject, str) or not subject.isdigit():
            raise InvalidTokenError("token subject is not a user id")
        if not isinstance(issued, int | float):
            raise InvalidTokenError("token has no issue time")
        return int(subject), datetime.fromtimestamp(issued, UTC)
    except jwt.ExpiredSignatureError as exc:
        raise InvalidTokenError("token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("token is not valid") from exc
