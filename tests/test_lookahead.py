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


async def test_a_primed_pages_fields_wait_for_nothing(
    gql: GraphQL, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every client field of the page finds its answer loaded: none asks its loader (and waits)
    by itself. `client(id:)`, which primes nothing, asks for each."""
    asked: list[object] = []
    original = SharedLoader.load

    def load(self: SharedLoader[Any, Any], key: Any) -> Any:
        asked.append(key)
        return original(self, key)

    monkeypatch.setattr(SharedLoader, "load", load)
    body = await gql(OWNER, PAGE)
    assert len(body["data"]["clients"]["edges"]) > 1
    assert asked == []
    await gql(OWNER, ONE, id=body["data"]["clients"]["edges"][0]["node"]["id"])
    assert asked
