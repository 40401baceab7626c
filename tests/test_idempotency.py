"""Idempotency keys on creating mutations (onboardClient, inviteMember): a retry with the same
`Idempotency-Key` gets the first result and creates nothing; the same key with another request
is refused; a refused mutation leaves no key behind; keys are the user's own and expire after
24 hours; concurrent duplicates create one object."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.models import Client, IdempotencyKey, PartnerMember, User
from tests.conftest import World, token_for
from tests.helpers import gid

Sessions = async_sessionmaker[AsyncSession]
OWNER = "owner@northwind.test"
MANAGER = "manager@northwind.test"

ONBOARD = """mutation($input: OnboardClientInput!) {
  onboardClient(input: $input) {
    client { id businessName store { id subdomain } }
    userErrors { field message code }
  }
}"""

INVITE = """mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) {
    member { id status role user { email } }
    userErrors { field message code }
  }
}"""

ONBOARD_SHORTER = """mutation($input: OnboardClientInput!) {
  onboardClient(input: $input) { client { id } userErrors { code } }
}"""


async def post(
    http: httpx.AsyncClient,
    world: World,
    email: str,
    query: str,
    key: str | None,
    **variables: Any,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token_for(world.users[email], email)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


def onboard_input(world: World, name: str) -> dict[str, Any]:
    return {
        "partnerId": gid("Partner", world.partners["northwind-digital"]),
        "businessName": name,
        "contactEmail": f"{uuid.uuid4().hex[:8]}@example.com",
    }


async def clients_named(sessions: Sessions, name: str) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count(Client.id)).where(Client.business_name == name)
                )
            ).scalar_one()
        )


async def keys_of(sessions: Sessions, world: World, email: str) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count(IdempotencyKey.id)).where(
                        IdempotencyKey.user_id == world.users[email]
                    )
                )
            ).scalar_one()
        )


def codes(response: httpx.Response, field: str) -> list[str]:
    return [e["code"] for e in response.json()["data"][field]["userErrors"]]


async def test_a_retry_gets_the_first_result_and_creates_nothing(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    variables = onboard_input(world, "Retry Goods")
    first = await post(http, world, OWNER, ONBOARD, "key-1", input=variables)
    again = await post(http, world, OWNER, ONBOARD, "key-1", input=variables)
    assert first.json()["data"]["onboardClient"]["client"] is not None
    assert again.json() == first.json()
    assert await clients_named(sessions, "Retry Goods") == 1


async def test_without_a_key_every_request_creates(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    variables = onboard_input(world, "Keyless Goods")
    await post(http, world, OWNER, ONBOARD, None, input=variables)
    await post(http, world, OWNER, ONBOARD, None, input=variables)
    assert await clients_named(sessions, "Keyless Goods") == 2
    assert await keys_of(sessions, world, OWNER) == 0


@pytest.mark.parametrize("change", ["variables", "document"])
async def test_the_same_key_for_another_request_is_refused(
    http: httpx.AsyncClient, world: World, sessions: Sessions, change: str
) -> None:
    variables = onboard_input(world, "First Goods")
    await post(http, world, OWNER, ONBOARD, "key-2", input=variables)
    if change == "variables":
        other = await post(
            http, world, OWNER, ONBOARD, "key-2", input=onboard_input(world, "Second Goods")
        )
    else:
        other = await post(http, world, OWNER, ONBOARD_SHORTER, "key-2", input=variables)
    payload = other.json()["data"]["onboardClient"]
    assert payload["client"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await clients_named(sessions, "First Goods") == 1
    assert await clients_named(sessions, "Second Goods") == 0


async def test_a_key_used_for_another_mutation_is_refused(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    await post(http, world, OWNER, ONBOARD, "key-3", input=onboard_input(world, "Mixed Goods"))
    invited = await post(
        http,
        world,
        OWNER,
        INVITE,
        "key-3",
        input={
            "partnerId": gid("Partner", world.partners["northwind-digital"]),
            "email": "mixed@example.com",
            "role": "SPECIALIST",
        },
    )
    assert codes(invited, "inviteMember") == ["IDEMPOTENCY_KEY_REUSED"]


async def test_keys_are_each_users_own(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    variables = onboard_input(world, "Shared Key Goods")
    mine = await post(http, world, OWNER, ONBOARD, "key-4", input=variables)
    theirs = await post(http, world, MANAGER, ONBOARD, "key-4", input=variables)
    assert mine.json()["data"]["onboardClient"]["client"] is not None
    assert theirs.json()["data"]["onboardClient"]["client"] is not None
    assert theirs.json() != mine.json()
    assert await clients_named(sessions, "Shared Key Goods") == 2


async def test_a_refused_mutation_leaves_no_key(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    bad = {**onboard_input(world, "Refused Goods"), "contactEmail": "not an address"}
    refused = await post(http, world, OWNER, ONBOARD, "key-5", input=bad)
    assert codes(refused, "onboardClient") == ["INVALID"]
    assert await keys_of(sessions, world, OWNER) == 0
    # The same request again runs again (and is refused again); a corrected one may use the key.
    again = await post(http, world, OWNER, ONBOARD, "key-5", input=bad)
    assert codes(again, "onboardClient") == ["INVALID"]
    fixed = await post(
        http, world, OWNER, ONBOARD, "key-5", input=onboard_input(world, "Refused Goods")
    )
    assert codes(fixed, "onboardClient") == []
    assert await clients_named(sessions, "Refused Goods") == 1


async def test_a_key_expires_after_a_day(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    variables = onboard_input(world, "Expiring Goods")
    first = await post(http, world, OWNER, ONBOARD, "key-6", input=variables)
    async with sessions.begin() as session:
        stored = (
            await session.execute(
                select(IdempotencyKey.created_at, IdempotencyKey.expires_at).where(
                    IdempotencyKey.key == "key-6"
                )
            )
        ).one()
        assert stored.expires_at - stored.created_at == timedelta(hours=24)
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "key-6")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    later = await post(http, world, OWNER, ONBOARD, "key-6", input=variables)
    assert later.json()["data"]["onboardClient"]["client"] is not None
    assert later.json() != first.json()
    assert await clients_named(sessions, "Expiring Goods") == 2
    assert await keys_of(sessions, world, OWNER) == 1  # the expired key was pruned


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
async def test_a_malformed_key_is_refused(
    http: httpx.AsyncClient, world: World, sessions: Sessions, key: str
) -> None:
    headers: dict[str, str | bytes] = {
        "Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}",
        "Idempotency-Key": key.encode(),  # as bytes: the UTF-8 of a non-ASCII key, as sent
    }
    response = await http.post(
        "/graphql",
        json={"query": ONBOARD, "variables": {"input": onboard_input(world, "Odd Key Goods")}},
        headers=headers,
    )
    assert codes(response, "onboardClient") == ["IDEMPOTENCY_KEY_INVALID"]
    assert await clients_named(sessions, "Odd Key Goods") == 0


async def test_an_invitation_retried_is_the_same_invitation(
    http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    variables = {
        "partnerId": gid("Partner", world.partners["northwind-digital"]),
        "email": "retried.invite@example.com",
        "role": "SPECIALIST",
    }
    first = await post(http, world, OWNER, INVITE, "invite-1", input=variables)
    again = await post(http, world, OWNER, INVITE, "invite-1", input=variables)
    assert first.json()["data"]["inviteMember"]["member"] is not None
    assert again.json() == first.json()
    # Without the key, the same invitation again is refused as a duplicate.
    plain = await post(http, world, OWNER, INVITE, None, input=variables)
    assert codes(plain, "inviteMember") == ["TAKEN"]
    async with sessions() as session:
        count = (
            await session.execute(
                select(func.count(PartnerMember.id))
                .join(User, PartnerMember.user_id == User.id)
                .where(User.email == "retried.invite@example.com")
            )
        ).scalar_one()
    assert count == 1


async def test_concurrent_duplicates_create_one_client(
    http: httpx.AsyncClient, committed_world: World, sessions: Sessions
) -> None:
    world = committed_world
    variables = onboard_input(world, "Concurrent Key Goods")
    answers = await asyncio.gather(
        *(post(http, world, OWNER, ONBOARD, "key-race", input=variables) for _ in range(6))
    )
    bodies = [a.json() for a in answers]
    assert all(b == bodies[0] for b in bodies), bodies
    assert bodies[0]["data"]["onboardClient"]["client"] is not None
    assert await clients_named(sessions, "Concurrent Key Goods") == 1
    assert await keys_of(sessions, world, OWNER) == 1
