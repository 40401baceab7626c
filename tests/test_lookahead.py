"""Look-ahead on client pages (schema/lookahead.py, `prime_clients`): a page loads the batches
its items' fields need before answering, and those fields answer from them. The answers are
those of the fields loading by themselves (`client(id:)` primes nothing), through fragments and
under both `edges { node }` and `nodes`; nothing is loaded for a field the request does not
select or skips; statements stay one per loader."""

from __future__ import annotations

import re
from typing import Any

import pytest

from resolvers.shared_loader import SharedLoader
from schema.relay import to_global_id
from tests.conftest import GraphQL, World

OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
OTHER_OWNER = "owner@bluefin.test"

FIELDS = """
fragment Card on Client {
  id businessName
  store { subdomain launchStatus payments { status } }
  partner { name }
  assignees { role user { email } member { role } }
  openTaskCount
  nextDueTask { title dueDate }
  ... on Client { launchReadiness { ready blockers { code } } }
}
"""
PAGE = "query { clients(first: 50) { edges { node { ...Card } } nodes { id } } }" + FIELDS
ONE = "query($id: ID!) { client(id: $id) { ...Card } }" + FIELDS


@pytest.mark.parametrize("email", [OWNER, SPECIALIST, MERCHANT, OTHER_OWNER])
async def test_a_primed_page_answers_as_each_client_alone(
    gql: GraphQL, world: World, email: str
) -> None:
    body = await gql(email, PAGE)
    assert "errors" not in body, body
    nodes: list[dict[str, Any]] = [e["node"] for e in body["data"]["clients"]["edges"]]
    assert nodes, "every demo viewer here sees at least one client"
    for node in nodes:
        alone = await gql(email, ONE, id=node["id"])
        assert alone == {"data": {"client": node}}


async def test_a_page_loads_nothing_for_fields_it_does_not_select(
    gql: GraphQL, world: World, statements: list[str]
) -> None:
    body = await gql(OWNER, "query { clients(first: 50) { nodes { businessName } } }")
    assert body["data"]["clients"]["nodes"]
    touched = " ".join(statements).lower()
    for table in ("stores", "tasks", "assignments"):
        assert not re.search(rf"\bfrom {table}\b", touched), table


async def test_a_skipped_field_is_not_loaded_ahead(
    gql: GraphQL, world: World, statements: list[str]
) -> None:
    query = """query($with: Boolean!) { clients(first: 50) { nodes {
      businessName store @include(if: $with) { subdomain } } } }"""
    body = await gql(OWNER, query, **{"with": False})
    assert all("store" not in n for n in body["data"]["clients"]["nodes"])
    assert not any("FROM stores" in s for s in statements)
    statements.clear()
    body = await gql(OWNER, query, **{"with": True})
    assert all(n["store"] for n in body["data"]["clients"]["nodes"])
    assert sum("FROM stores" in s for s in statements) == 1


async def test_a_partners_page_is_primed_as_the_root_list(
    gql: GraphQL, world: World, statements: list[str]
) -> None:
    query = (
        "query($id: ID!) { partner(id: $id) { clients(first: 50) { nodes { ...Card } } } }" + FIELDS
    )
    body = await gql(OWNER, query, id=to_global_id("Partner", world.partners["northwind-digital"]))
    assert "errors" not in body, body
    nested = body["data"]["partner"]["clients"]["nodes"]
    assert sum("FROM stores" in s for s in statements) == 1
    root = await gql(OWNER, "query { clients(first: 50) { nodes { ...Card } } }" + FIELDS)
    assert nested == root["data"]["clients"]["nodes"]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The keys fields ask their loaders for by themselves (`SharedLoader.load`), in order."""
    keys: list[object] = []
    original = SharedLoader.load

    def load(self: SharedLoader[Any, Any], key: Any) -> Any:
        keys.append(key)
        return original(self, key)

    monkeypatch.setattr(SharedLoader, "load", load)
    return keys


async def test_a_primed_pages_fields_wait_for_nothing(
    gql: GraphQL, world: World, asked: list[object]
) -> None:
    """Every client field of the page finds its answer loaded: none asks its loader (and waits)
    by itself. `client(id:)`, which primes nothing, asks for each."""
    body = await gql(OWNER, PAGE)
    assert len(body["data"]["clients"]["edges"]) > 1
    assert asked == []
    await gql(OWNER, ONE, id=body["data"]["clients"]["edges"][0]["node"]["id"])
    assert asked


TASKS = """
fragment Work on Client {
  id tasks(first: $n, after: $after) {
    totalCount nodes { title status } edges { cursor } pageInfo { hasNextPage endCursor }
  }
}
"""
TASK_PAGE = "query($n: Int!, $after: String) { clients(first: 50) { nodes { ...Work } } }" + TASKS
TASK_ONE = "query($id: ID!, $n: Int!, $after: String) { client(id: $id) { ...Work } }" + TASKS


@pytest.mark.parametrize("email", [OWNER, SPECIALIST, MERCHANT])
async def test_primed_task_pages_answer_as_each_clients_own(
    gql: GraphQL, world: World, email: str
) -> None:
    body = await gql(email, TASK_PAGE, n=2)
    assert "errors" not in body, body
    nodes = body["data"]["clients"]["nodes"]
    assert any(node["tasks"]["nodes"] for node in nodes)
    for node in nodes:
        alone = await gql(email, TASK_ONE, id=node["id"], n=2)
        assert alone == {"data": {"client": node}}
        cursor = node["tasks"]["pageInfo"]["endCursor"]
        if cursor is None:
            continue
        # The next page, primed from the cursor, is the client's own next page too.
        body_next = await gql(email, TASK_PAGE, n=2, after=cursor)
        mine = [n for n in body_next["data"]["clients"]["nodes"] if n["id"] == node["id"]]
        alone_next = await gql(email, TASK_ONE, id=node["id"], n=2, after=cursor)
        assert mine == [alone_next["data"]["client"]]


async def test_primed_task_pages_and_counts_wait_for_nothing(
    gql: GraphQL, world: World, asked: list[object], statements: list[str]
) -> None:
    body = await gql(OWNER, TASK_PAGE, n=2)
    assert len(body["data"]["clients"]["nodes"]) > 1
    assert asked == []
    # One statement for every client's task page and count (the window counts each list).
    assert sum(" FROM tasks" in s or "\nFROM tasks" in s for s in statements) == 1


async def test_a_bad_task_page_argument_is_each_fields_error_as_before(
    gql: GraphQL, world: World
) -> None:
    body = await gql(OWNER, TASK_PAGE, n=2, after="not-a-cursor")
    errors = body["errors"]
    assert errors
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert {tuple(e["path"][-1:]) for e in errors} == {("tasks",)}
    too_many = await gql(OWNER, TASK_PAGE, n=10_000)
    assert {e["extensions"]["code"] for e in too_many["errors"]} == {"BAD_USER_INPUT"}


async def test_filtered_task_pages_still_answer_as_each_clients_own(
    gql: GraphQL, world: World
) -> None:
    fragment = """fragment Open on Client { id tasks(first: 3, filter: { status: [TODO] }) {
      totalCount nodes { title status } } }"""
    body = await gql(OWNER, "query { clients(first: 50) { nodes { ...Open } } }" + fragment)
    assert "errors" not in body, body
    for node in body["data"]["clients"]["nodes"]:
        assert {t["status"] for t in node["tasks"]["nodes"]} <= {"TODO"}
        alone = await gql(
            OWNER, "query($id: ID!) { client(id: $id) { ...Open } }" + fragment, id=node["id"]
        )
        assert alone == {"data": {"client": node}}
