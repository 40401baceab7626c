"""A token names a user by id. Where the database gives an id again (a new user after the demo
was reset, say), a token issued before that user existed must not sign them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import User
from server.tokens import ALGORITHM, AUDIENCE, ISSUER
from tests.conftest import TEST_SECRET, World

QUERY = {"query": "{ viewer { user { email } } }"}


def token(user_id: int, email: str, issued: datetime) -> str:
    claims = {
        "sub": str(user_id),
        "email": email,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued.timestamp(),
        "exp": issued + timedelta(hours=1),
    }
    return jwt.encode(claims, TEST_SECRET, algorithm=ALGORITHM)


async def test_a_token_older_than_its_user_is_refused(
    http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    async with sessions.begin() as session:
        user = User(email="new-hire@example.test", name="New Hire")
        session.add(user)
        await session.flush()
        user_id = user.id

    old = await http.post(
        "/graphql",
        json=QUERY,
        headers={"Authorization": f"Bearer {token(user_id, 'old@example.test', before)}"},
    )
    assert old.status_code == 401
    assert old.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    fresh = token(user_id, "new-hire@example.test", datetime.now(UTC))
    answer = await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {fresh}"})
    assert answer.status_code == 200
    assert answer.json()["data"]["viewer"]["user"]["email"] == "new-hire@example.test"
