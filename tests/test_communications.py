"""A client's communication log: posting (partner staff and merchants), threads and their
visibility rules, the newest-first list with its filter and keyset pages, unread counts with
per-user read markers, and edits that keep the earlier text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.relationship import Communication, CommunicationRevision
from tests.conftest import GraphQL, World
from tests.helpers import codes, gid

OWNER = "owner@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
MERCHANT_STAFF = "staff@lumen-candles.test"
PLATFORM = "staff@shopiq.test"
LUMEN = "Lumen Candles"
COPPERLEAF = "Copperleaf Tea"

POST = """
mutation Post($input: PostCommunicationInput!) {
  postCommunication(input: $input) {
    communication { id kind subject body visibility version occurredAt
      author { email } parent { id } client { businessName } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateCommunicationInput!) {
  updateCommunication(input: $input) {
    communication { id subject body visibility version
      revisions { version subject body editedBy { email } } }
    userErrors { field message code }
  }
}
"""
LOG = """
query Log($id: ID!, $first: Int, $after: String, $filter: CommunicationFilterInput) {
  client(id: $id) {
    unreadSharedCount
    communications(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id body visibility occurredAt kind author { email } }
    }
  }
}
"""
MARK = """
mutation Mark($id: ID!) {
  markCommunicationsRead(input: { clientId: $id }) {
    client { unreadSharedCount }
    userErrors { field message code }
  }
}
"""


def client_id(world: World, name: str = LUMEN) -> str:
    return gid("Client", world.clients[name])


async def post(gql: GraphQL, email: str, **fields: Any) -> dict[str, Any]:
    body = await gql(email, POST, input=fields)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["postCommunication"]
    return payload


async def post_ok(gql: GraphQL, email: str, **fields: Any) -> dict[str, Any]:
    payload = await post(gql, email, **fields)
    assert payload["userErrors"] == [], payload
    entry: dict[str, Any] = payload["communication"]
    return entry


async def log(gql: GraphQL, email: str, world: World, **variables: Any) -> dict[str, Any]:
    variables.setdefault("first", 100)
    body = await gql(email, LOG, id=client_id(world), **variables)
    assert "errors" not in body, body
    client: dict[str, Any] = body["data"]["client"]
    return client


async def test_partner_posts_internal_by_default_and_merchant_shared(
    gql: GraphQL, world: World
) -> None:
    note = await post_ok(gql, OWNER, clientId=client_id(world), body="Merchant sounded unsure")
    assert (note["kind"], note["visibility"]) == ("NOTE", "INTERNAL")
    assert note["author"]["email"] == OWNER
    assert note["client"]["businessName"] == LUMEN
    message = await post_ok(gql, MERCHANT, clientId=client_id(world), body="When do we launch?")
    assert (message["kind"], message["visibility"]) == ("MESSAGE", "SHARED")
    staff = await post_ok(gql, MERCHANT_STAFF, clientId=client_id(world), body="Photos sent")
    assert staff["visibility"] == "SHARED"


async def test_merchants_cannot_post_internal_entries(gql: GraphQL, world: World) -> None:
    payload = await post(
        gql, MERCHANT, clientId=client_id(world), body="secret", visibility="INTERNAL"
    )
    assert payload["communication"] is None
    assert codes(payload) == [(["input", "visibility"], "INVALID")]


async def test_merchants_never_see_internal_entries_on_any_path(gql: GraphQL, world: World) -> None:
    internal = await post_ok(gql, OWNER, clientId=client_id(world), body="internal margin talk")
    shared = await post_ok(
        gql, OWNER, clientId=client_id(world), body="Launch is on Friday", visibility="SHARED"
    )
    for email in (MERCHANT, MERCHANT_STAFF):
        seen = await log(gql, email, world)
        ids = [n["id"] for n in seen["communications"]["nodes"]]
        assert shared["id"] in ids
        assert internal["id"] not in ids
        assert seen["communications"]["totalCount"] == len(ids)
        searched = await log(gql, email, world, filter={"search": "margin"})
        assert searched["communications"]["nodes"] == []
        assert searched["communications"]["totalCount"] == 0
        asked = await log(gql, email, world, filter={"visibility": "INTERNAL"})
        assert asked["communications"]["totalCount"] == 0
        node = await gql(email, "query($id: ID!) { node(id: $id) { id } }", id=internal["id"])
        assert node["data"]["node"] is None
    team = await log(gql, OWNER, world)
    assert {internal["id"], shared["id"]} <= {n["id"] for n in team["communications"]["nodes"]}


async def test_replies_stay_on_the_client_and_internal_threads_stay_internal(
    gql: GraphQL, world: World
) -> None:
    internal = await post_ok(gql, OWNER, clientId=client_id(world), body="Check their VAT")
    shared = await post_ok(
        gql, MERCHANT, clientId=client_id(world), body="Can we add a blog?", kind="MESSAGE"
    )
    refused = await post(
        gql,
        OWNER,
        clientId=client_id(world),
        body="Sharing this",
        parentId=internal["id"],
        visibility="SHARED",
    )
    assert codes(refused) == [(["input", "visibility"], "INVALID")]
    other_client = await post(
        gql, OWNER, clientId=client_id(world, COPPERLEAF), body="Wrong", parentId=shared["id"]
    )
    assert codes(other_client) == [(["input", "parentId"], "INVALID")]
    # The team discusses the merchant's message internally, and answers it openly.
    aside = await post_ok(
        gql, OWNER, clientId=client_id(world), body="Quote 2h", parentId=shared["id"]
    )
    assert aside["visibility"] == "INTERNAL"
    answer = await post_ok(
        gql,
        OWNER,
        clientId=client_id(world),
        body="Yes, next week",
        parentId=shared["id"],
        visibility="SHARED",
    )
    assert answer["parent"]["id"] == shared["id"]
    # The merchant cannot reply to an internal entry: it does not exist for them.
    hidden = await post(gql, MERCHANT, clientId=client_id(world), body="?", parentId=internal["id"])
    never = await post(
        gql, MERCHANT, clientId=client_id(world), body="?", parentId=gid("Communication", 99_999)
    )
    assert hidden == never
    assert codes(hidden) == [(["input", "parentId"], "NOT_FOUND")]


async def test_the_log_is_newest_first_and_filters(gql: GraphQL, world: World) -> None:
    base = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for day, kind in enumerate(["CALL", "EMAIL", "MEETING", "CALL"]):
        await post_ok(
            gql,
            OWNER,
            clientId=client_id(world),
            body=f"zq-contact {day}",
            kind=kind,
            occurredAt=(base + timedelta(days=day)).isoformat(),
        )
    calls = await log(gql, OWNER, world, filter={"kind": ["CALL"], "search": "zq-contact"})
    assert [n["body"] for n in calls["communications"]["nodes"]] == ["zq-contact 3", "zq-contact 0"]
    window = await log(
        gql,
        OWNER,
        world,
        filter={
            "since": (base + timedelta(days=1)).isoformat(),
            "until": (base + timedelta(days=3)).isoformat(),
            "search": "zq-contact",
        },
    )
    assert [n["body"] for n in window["communications"]["nodes"]] == [
        "zq-contact 2",
        "zq-contact 1",
    ]
    by_author = await log(
        gql,
        OWNER,
        world,
        filter={"authorId": gid("User", world.users[OWNER]), "search": "ZQ-CONTACT"},
    )
    assert by_author["communications"]["totalCount"] == 4


async def test_future_entries_and_blank_bodies_are_refused(gql: GraphQL, world: World) -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    future = await post(gql, OWNER, clientId=client_id(world), body="x", occurredAt=later)
    assert codes(future) == [(["input", "occurredAt"], "INVALID")]
    blank = await post(gql, OWNER, clientId=client_id(world), body="   ")
    assert codes(blank) == [(["input", "body"], "REQUIRED")]
    too_long = await post(gql, OWNER, clientId=client_id(world), body="x" * 20_001)
    assert codes(too_long) == [(["input", "body"], "TOO_LONG")]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sizes=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4))
async def test_pages_walk_the_whole_log_once_newest_first(
    gql: GraphQL, world: World, sizes: list[int]
) -> None:
    """Whatever page sizes a client asks for, the pages together are the log, in order."""
    everything = (await log(gql, OWNER, world))["communications"]["nodes"]
    seen: list[dict[str, Any]] = []
    after = None
    for size in [*sizes, 100]:
        page = (await log(gql, OWNER, world, first=size, after=after))["communications"]
        seen += page["nodes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == everything
    keys = [(n["occurredAt"], n["id"]) for n in seen]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)


async def test_unread_count_follows_each_users_read_marker(gql: GraphQL, world: World) -> None:
    start_owner = (await log(gql, OWNER, world))["unreadSharedCount"]
    await post_ok(gql, MERCHANT, clientId=client_id(world), body="Hello?")
    await post_ok(gql, OWNER, clientId=client_id(world), body="internal")  # never counts
    assert (await log(gql, OWNER, world))["unreadSharedCount"] == start_owner + 1
    # The merchant's own message is not unread for them.
    merchant_before = (await log(gql, MERCHANT, world))["unreadSharedCount"]
    marked = await gql(OWNER, MARK, id=client_id(world))
    assert marked["data"]["markCommunicationsRead"]["client"]["unreadSharedCount"] == 0
    assert (await log(gql, OWNER, world))["unreadSharedCount"] == 0
    await post_ok(gql, OWNER, clientId=client_id(world), body="Answer", visibility="SHARED")
    assert (await log(gql, MERCHANT, world))["unreadSharedCount"] == merchant_before + 1
    assert (await log(gql, MERCHANT_STAFF, world))["unreadSharedCount"] >= 1
    assert (await log(gql, OWNER, world))["unreadSharedCount"] == 0
    await gql(MERCHANT, MARK, id=client_id(world))
    assert (await log(gql, MERCHANT, world))["unreadSharedCount"] == 0
    assert (await log(gql, MERCHANT_STAFF, world))["unreadSharedCount"] >= 1


async def test_only_the_author_edits_and_the_old_text_is_kept(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    entry = await post_ok(gql, SPECIALIST, clientId=client_id(world), body="first", subject="S")
    other = await gql(
        MANAGER,
        UPDATE,
        input={"communicationId": entry["id"], "version": entry["version"], "body": "mine now"},
    )
    assert codes(other["data"]["updateCommunication"]) == [
        (["input", "communicationId"], "FORBIDDEN")
    ]
    edited = await gql(
        SPECIALIST,
        UPDATE,
        input={"communicationId": entry["id"], "version": entry["version"], "body": "second"},
    )
    saved = edited["data"]["updateCommunication"]["communication"]
    assert saved["body"] == "second"
    assert saved["revisions"] == [
        {"version": 1, "subject": "S", "body": "first", "editedBy": {"email": SPECIALIST}}
    ]
    stale = await gql(
        SPECIALIST,
        UPDATE,
        input={"communicationId": entry["id"], "version": entry["version"], "body": "third"},
    )
    assert codes(stale["data"]["updateCommunication"]) == [(["input", "version"], "CONFLICT")]
    async with sessions() as session:
        bodies = (await session.execute(select(CommunicationRevision.body))).scalars().all()
        assert "third" not in bodies
        row = (
            await session.execute(select(Communication).where(Communication.body == "second"))
        ).scalar_one()
        assert row.version == 2


async def test_sharing_an_entry_hides_its_internal_versions_from_the_merchant(
    gql: GraphQL, world: World
) -> None:
    entry = await post_ok(gql, OWNER, clientId=client_id(world), body="draft: they are slow")
    edited = await gql(
        OWNER,
        UPDATE,
        input={
            "communicationId": entry["id"],
            "version": entry["version"],
            "body": "Please send the photos",
            "visibility": "SHARED",
        },
    )
    shared = edited["data"]["updateCommunication"]["communication"]
    assert shared["visibility"] == "SHARED"
    assert len(shared["revisions"]) == 1
    seen = await gql(
        MERCHANT,
        "query($id: ID!) { node(id: $id) { ... on Communication { body revisions { body } } } }",
        id=entry["id"],
    )
    assert seen["data"]["node"] == {"body": "Please send the photos", "revisions": []}
    back = await gql(
        OWNER,
        UPDATE,
        input={
            "communicationId": entry["id"],
            "version": shared["version"],
            "visibility": "INTERNAL",
        },
    )
    assert codes(back["data"]["updateCommunication"]) == [
        (["input", "visibility"], "INVALID_TRANSITION")
    ]


async def test_merchants_edit_their_own_messages_only(gql: GraphQL, world: World) -> None:
    mine = await post_ok(gql, MERCHANT, clientId=client_id(world), body="typo hre")
    theirs = await post_ok(
        gql, OWNER, clientId=client_id(world), body="shared", visibility="SHARED"
    )
    ok = await gql(
        MERCHANT, UPDATE, input={"communicationId": mine["id"], "version": 1, "body": "typo here"}
    )
    assert ok["data"]["updateCommunication"]["userErrors"] == []
    staff = await gql(
        MERCHANT_STAFF, UPDATE, input={"communicationId": mine["id"], "version": 2, "body": "x"}
    )
    assert codes(staff["data"]["updateCommunication"]) == [
        (["input", "communicationId"], "FORBIDDEN")
    ]
    refused = await gql(
        MERCHANT, UPDATE, input={"communicationId": theirs["id"], "version": 1, "body": "x"}
    )
    assert codes(refused["data"]["updateCommunication"]) == [
        (["input", "communicationId"], "FORBIDDEN")
    ]


async def test_backward_pages_of_the_newest_first_log(gql: GraphQL, world: World) -> None:
    """`last`/`before` walk the same newest-first order from its end."""
    for i in range(4):
        await post_ok(gql, OWNER, clientId=client_id(world), body=f"entry {i}")
    query = """
    query($id: ID!, $last: Int!, $before: String) {
      client(id: $id) {
        communications(last: $last, before: $before) {
          pageInfo { hasPreviousPage startCursor } nodes { id }
        }
      }
    }
    """
    everything = [n["id"] for n in (await log(gql, OWNER, world))["communications"]["nodes"]]
    tail = await gql(OWNER, query, id=client_id(world), last=3)
    page = tail["data"]["client"]["communications"]
    assert [n["id"] for n in page["nodes"]] == everything[-3:]
    assert page["pageInfo"]["hasPreviousPage"] is True
    before = await gql(
        OWNER, query, id=client_id(world), last=2, before=page["pageInfo"]["startCursor"]
    )
    nodes = before["data"]["client"]["communications"]["nodes"]
    assert [n["id"] for n in nodes] == everything[-5:-3]
