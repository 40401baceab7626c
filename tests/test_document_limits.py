"""Document limits over HTTP: every limit just under (accepted) and just over (refused with its
code), the fragment fan-out that used to run for hours, and the query cost in
`extensions.cost`. Each document carries a fresh comment-free name where it matters, so that the
validation cache (shared by the session's one app) never answers for an earlier test."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from schema import document_limits
from schema.document_limits import DocumentAnalysis
from schema.limits import DEFAULT_LIMITS
from tests.conftest import GraphQL, World, token_for

OWNER = "owner@northwind.test"
_fresh = itertools.count()


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def fan_out(levels: int) -> str:
    """F0 has one alias; each further level spreads the one below twice: 2^levels aliases."""
    name = f"FanOut{next(_fresh)}"
    parts = [f"query {name} {{ ...F{levels} }}", "fragment F0 on Query { a: __typename }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return "\n".join(parts)


async def test_fragment_fan_out_is_refused_without_expanding_it(
    gql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    visits = 0
    original = DocumentAnalysis.selection_set

    def counting(self: DocumentAnalysis, selection_set: Any) -> Any:
        nonlocal visits
        visits += 1
        return original(self, selection_set)

    monkeypatch.setattr(DocumentAnalysis, "selection_set", counting)
    body = await gql(OWNER, fan_out(30))
    assert codes(body) == ["TOO_MANY_ALIASES", "TOO_MANY_FIELDS"]
    assert body["errors"][0]["message"] == f"{2**30} aliases found. Allowed: 30"
    # One visit per selection set of the document (the operation's and 31 fragments'): 32,
    # where expanding every spread would make 2^31.
    assert visits == 32


@pytest.mark.parametrize(("levels", "accepted"), [(7, True), (8, False)])
async def test_fan_out_without_aliases_is_counted_per_level(
    gql: GraphQL, levels: int, accepted: bool
) -> None:
    # 2^7 = 128 fields at one level are within the limit (200); 2^8 are not. Refused before
    # GraphQL's own rules compare the fields with one another.
    body = await gql(OWNER, fan_out(levels).replace("a: __typename", "__typename"))
    if accepted:
        assert "errors" not in body, body
        assert body["data"] == {"__typename": "Query"}
    else:
        assert codes(body) == ["TOO_MANY_FIELDS"]
        assert body["errors"][0]["message"] == (
            "256 fields selected at one level (fragments included). Allowed: 200"
        )


CLIENT_FIELDS = [
    *("id", "businessName", "legalName", "contactEmail", "contactPhone", "industry", "country"),
    *("currency", "status", "createdAt", "updatedAt", "version", "openTaskCount", "__typename"),
]


@pytest.mark.parametrize(("count", "accepted"), [(200, True), (201, False)])
async def test_fields_per_level_limit(gql: GraphQL, count: int, accepted: bool) -> None:
    """Fields of one level, some in an inline fragment and some in a spread fragment."""
    fields = [CLIENT_FIELDS[i % len(CLIENT_FIELDS)] for i in range(count - 1)]
    third = len(fields) // 3
    own, inline, spread = fields[:third], fields[third : 2 * third], fields[2 * third :]
    name = f"Wide{next(_fresh)}"
    query = (
        f"query {name} {{ clients(first: 1) {{ nodes {{ {' '.join(own)} "
        f"... on Client {{ {' '.join(inline)} }} ...More }} }} }} "
        f"fragment More on Client {{ {' '.join(spread)} ... on Client {{ id }} }}"
    )
    body = await gql(OWNER, query)
    if accepted:
        assert "errors" not in body, body
    else:
        assert codes(body) == ["TOO_MANY_FIELDS"]
        assert "201 fields selected at one level" in body["errors"][0]["message"]


@pytest.mark.parametrize(("count", "accepted"), [(100, True), (101, False)])
async def test_validation_budget(gql: GraphQL, count: int, accepted: bool) -> None:
    """n copies of one field are n(n-1)/2 comparisons of 2 units each for GraphQL's
    field-merging rule: 100 copies cost 9,900 units, within the budget (10,000); 101 cost
    10,100."""
    assert DEFAULT_LIMITS.validation_budget == 10_000
    body = await gql(OWNER, f"query Same{next(_fresh)} {{{' __typename' * count} }}")
    if accepted:
        assert "errors" not in body, body
    else:
        assert codes(body) == ["QUERY_TOO_COMPLEX"]
        assert body["errors"][0]["extensions"]["validationBudget"] == 10_000


LIMIT = DEFAULT_LIMITS.max_tokens


@pytest.mark.parametrize(("comments", "accepted"), [(LIMIT - 3, True), (LIMIT - 2, False)])
async def test_token_limit(gql: GraphQL, comments: int, accepted: bool) -> None:
    # Comments count as tokens: `comments` + 3 (`{ __typename }`) against the limit.
    body = await gql(OWNER, f"# {next(_fresh)}\n" * comments + "{ __typename }")
    if accepted:
        assert "errors" not in body
    else:
        assert codes(body) == ["QUERY_TOO_LARGE"]
        assert f"more than {LIMIT} tokens" in body["errors"][0]["message"]


def nested(levels: int) -> str:
    """An operation of depth 2 + levels: clients > nodes > nextDueTask > client > ..."""
    chain = ["nextDueTask", "client"] * levels
    inner = "id"
    for field in reversed(chain[:levels]):
        inner = f"{field} {{ id {inner} }}"
    return f"query Deep{next(_fresh)} {{ clients(first: 1) {{ nodes {{ {inner} }} }} }}"


@pytest.mark.parametrize(("levels", "accepted"), [(10, True), (11, False)])
async def test_depth_limit(gql: GraphQL, levels: int, accepted: bool) -> None:
    body = await gql(OWNER, nested(levels))
    if accepted:
        assert "errors" not in body, body
    else:
        assert codes(body) == ["QUERY_TOO_DEEP"]
        assert "exceeds maximum operation depth of 12" in body["errors"][0]["message"]


@pytest.mark.parametrize(("count", "accepted"), [(30, True), (31, False)])
async def test_alias_limit(gql: GraphQL, count: int, accepted: bool) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(count))
    body = await gql(OWNER, f"query Aliases{next(_fresh)} {{ {fields} }}")
    if accepted:
        assert "errors" not in body
    else:
        assert codes(body) == ["TOO_MANY_ALIASES"]
        assert body["errors"][0]["message"] == "31 aliases found. Allowed: 30"


@pytest.mark.parametrize(("count", "accepted"), [(50, True), (51, False)])
async def test_directive_limit(gql: GraphQL, count: int, accepted: bool) -> None:
    fields = " __typename @include(if: true)" * count
    body = await gql(OWNER, f"query Directives{next(_fresh)} {{ {fields} }}")
    if accepted:
        assert "errors" not in body
    else:
        assert codes(body) == ["TOO_MANY_DIRECTIVES"]
        assert body["errors"][0]["message"] == "51 directives found. Allowed: 50"


@pytest.mark.parametrize(("count", "accepted"), [(20, True), (21, False)])
async def test_operation_limit(
    gql: GraphQL, http: Any, world: Any, count: int, accepted: bool
) -> None:
    from tests.conftest import token_for

    run = next(_fresh)
    document = " ".join(f"query Op{run}x{i} {{ __typename }}" for i in range(count))
    response = await http.post(
        "/graphql",
        json={"query": document, "operationName": f"Op{run}x0"},
        headers={"Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}"},
    )
    assert response.status_code == 200
    body = response.json()
    if accepted:
        assert "errors" not in body
    else:
        assert codes(body) == ["TOO_MANY_OPERATIONS"]


async def costed(
    http: httpx.AsyncClient, world: World, query: str, **variables: Any
) -> dict[str, Any]:
    """The answer to `query` as the owner, asking for its cost."""
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={
            "Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}",
            "ShopIQ-GraphQL-Cost": "1",
        },
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


KNOWN = "{ clients(first: 5) { nodes { tasks(first: 10) { nodes { id } } } } }"


async def test_cost_of_a_known_query(http: httpx.AsyncClient, world: World) -> None:
    body = await costed(http, world, KNOWN)
    assert "errors" not in body
    # 5 clients, each with up to 10 tasks: 5 x (1 + 10) nodes.
    assert body["extensions"]["cost"] == {"requestedQueryCost": 55, "maximumAvailable": 50_000}


async def test_the_cost_is_reported_only_when_asked(gql: GraphQL) -> None:
    body = await gql(OWNER, KNOWN)
    assert "errors" not in body
    assert "extensions" not in body


async def test_cost_reads_variables_and_fragments(http: httpx.AsyncClient, world: World) -> None:
    query = """
    query Costed($n: Int!, $m: Int = 7) {
      clients(first: $n) { nodes { ...C } edges { node { ...C } } }
    }
    fragment C on Client { tasks(first: $m) { totalCount } }
    """
    body = await costed(http, world, query, n=3)
    assert "errors" not in body, body
    # 3 x (1 + 7 (through nodes) + 7 (through edges.node)).
    assert body["extensions"]["cost"]["requestedQueryCost"] == 3 * (1 + 7 + 7)


# 4 x 100 x (1 + 100) + 96 x (1 + 99) = 50,000: the limit exactly; one client more is over.
COSTLY = (
    "query Costly($last: Int!) {"
    + "".join(
        f" c{i}: clients(first: 100) {{ nodes {{ tasks(first: 100) {{ nodes {{ id }} }} }} }}"
        for i in range(4)
    )
    + " c4: clients(first: 96) { nodes { tasks(first: $last) { nodes { id } } } }"
)


@pytest.mark.parametrize(
    ("extra", "accepted"), [("", True), (" x: clients(first: 1) { nodes { id } }", False)]
)
async def test_cost_limit(
    http: httpx.AsyncClient, world: World, extra: str, accepted: bool
) -> None:
    body = await costed(http, world, COSTLY + extra + " }", last=99)
    if accepted:
        assert "errors" not in body, body["errors"][:1]
        assert body["extensions"]["cost"]["requestedQueryCost"] == 50_000
    else:
        assert codes(body) == ["QUERY_TOO_COSTLY"]
        assert body["data"] is None
        assert body["errors"][0]["message"].startswith(
            "Query cost 50001 exceeds the maximum of 50000"
        )


def test_cache_is_bounded_by_characters() -> None:
    cache = document_limits.BoundedCache(max_entries=10, max_total_chars=100, max_item_chars=40)
    cache.put("x" * 41, 1)
    assert len(cache) == 0  # too long to keep
    for i in range(5):
        cache.put(f"{i}" * 30, i)
    assert cache.total_chars <= 100
    assert len(cache) == 3
    assert cache.get("4" * 30) == 4
    assert cache.get("0" * 30) is None
