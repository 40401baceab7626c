"""`viewer.notificationPreferences` and `updateNotificationPreferences`: defaults, only the
choices given change, and each user reads and changes only their own (another user's id is
answered as an id that was never issued)."""

from __future__ import annotations

from typing import Any

import httpx

from server.tokens import issue_service_token
from tests.conftest import TEST_SECRET, GraphQL, World
from tests.helpers import gid

OWNER = "owner@northwind.test"
OUTSIDER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
ALL_KINDS = [
    "INVITATION",
    "ACCESS_REQUESTED",
    "ACCESS_APPROVED",
    "ACCESS_REVOKED",
    "HANDOVER",
    "INVOICE_ISSUED",
]
READ = "query { viewer { notificationPreferences { kinds dailyDigest } } }"
UPDATE = """
mutation($kinds: [NotificationKind!], $digest: Boolean, $userId: ID) {
  updateNotificationPreferences(input: {kinds: $kinds, dailyDigest: $digest, userId: $userId}) {
    preferences { kinds dailyDigest } userErrors { field code message }
  }
}"""


async def read(gql: GraphQL, email: str) -> dict[str, Any]:
    body = await gql(email, READ)
    found: dict[str, Any] = body["data"]["viewer"]["notificationPreferences"]
    return found


async def test_defaults_every_kind_and_no_digest(gql: GraphQL, world: World) -> None:
    assert await read(gql, OWNER) == {"kinds": ALL_KINDS, "dailyDigest": False}


async def test_only_the_choices_given_change(gql: GraphQL, world: World) -> None:
    body = await gql(OWNER, UPDATE, digest=True)
    assert body["data"]["updateNotificationPreferences"] == {
        "preferences": {"kinds": ALL_KINDS, "dailyDigest": True},
        "userErrors": [],
    }
    body = await gql(OWNER, UPDATE, kinds=["HANDOVER", "INVITATION"])
    # In the catalogue's order, whatever the order given; the digest stays on.
    assert body["data"]["updateNotificationPreferences"]["preferences"] == {
        "kinds": ["INVITATION", "HANDOVER"],
        "dailyDigest": True,
    }
    body = await gql(OWNER, UPDATE, kinds=[])
    assert body["data"]["updateNotificationPreferences"]["preferences"]["kinds"] == []
    assert await read(gql, OWNER) == {"kinds": [], "dailyDigest": True}
    # Nobody else's changed.
    assert await read(gql, OUTSIDER) == {"kinds": ALL_KINDS, "dailyDigest": False}


async def test_giving_ones_own_id_is_the_same_as_giving_none(gql: GraphQL, world: World) -> None:
    own = gid("User", world.users[MERCHANT])
    body = await gql(MERCHANT, UPDATE, digest=True, userId=own)
    assert body["data"]["updateNotificationPreferences"]["userErrors"] == []
    assert (await read(gql, MERCHANT))["dailyDigest"] is True


async def test_another_users_id_is_not_found_like_an_id_never_issued(
    gql: GraphQL, world: World
) -> None:
    answers = []
    for user_id in (
        gid("User", world.users[OWNER]),  # a teammate's
        gid("User", world.users[MERCHANT]),  # a stranger's
        gid("User", 999_999),  # never issued
        gid("Client", world.clients["Lumen Candles"]),  # not a user at all
    ):
        body = await gql("admin@northwind.test", UPDATE, digest=True, userId=user_id)
        answers.append(body["data"]["updateNotificationPreferences"])
    assert all(a == answers[0] for a in answers)
    assert answers[0]["preferences"] is None
    assert [(e["field"], e["code"]) for e in answers[0]["userErrors"]] == [
        (["input", "userId"], "NOT_FOUND")
    ]
    for email in (OWNER, MERCHANT, "admin@northwind.test"):
        assert (await read(gql, email))["dailyDigest"] is False


async def test_a_service_has_no_preferences_to_change(
    http: httpx.AsyncClient, world: World
) -> None:
    token = issue_service_token(TEST_SECRET, "billing", 600)
    headers = {"Authorization": f"Bearer {token}"}
    response = await http.post(
        "/graphql", json={"query": UPDATE, "variables": {"digest": True}}, headers=headers
    )
    payload = response.json()["data"]["updateNotificationPreferences"]
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
