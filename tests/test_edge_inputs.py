"""The HTTP edge and the input policy: body size however sent, JSON depth, list length, the string
policy on every input string (variables and literals), strict token claims, an
`extensions.code` on every error, and concurrent onboardings under one business name."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest

from server.edge import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_LIST_ITEMS
from server.tokens import ALGORITHM, AUDIENCE, ISSUER
from tests.conftest import TEST_SECRET, GraphQL, World, token_for
from tests.test_onboarding import ONBOARD, onboard, valid_input

OWNER = "owner@northwind.test"
VIEWER = "query V { viewer { user { email } } }"


def bearer(world: World, email: str = OWNER) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[email], email)}"}


def code_of(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def post_raw(
    http: httpx.AsyncClient, world: World, content: bytes, **headers: str
) -> httpx.Response:
    return await http.post(
        "/graphql",
        content=content,
        headers={"Content-Type": "application/json", **bearer(world), **headers},
    )


# --- body size: Content-Length and chunked ------------------------------------------------------


def padded_body(size: int) -> bytes:
    """A valid request of exactly `size` bytes (the padding is an unused variable)."""
    empty = json.dumps({"query": VIEWER, "variables": {"pad": ""}}).encode()
    body = json.dumps({"query": VIEWER, "variables": {"pad": "x" * (size - len(empty))}}).encode()
    assert len(body) == size
    return body


async def chunked(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize(("size", "status"), [(MAX_BODY_BYTES, 200), (MAX_BODY_BYTES + 1, 413)])
async def test_a_chunked_body_is_capped_like_a_counted_one(
    http: httpx.AsyncClient, world: World, size: int, status: int
) -> None:
    body = padded_body(size)
    for content in (body, chunked(body)):
        response = await http.post(
            "/graphql",
            content=content,
            headers={"Content-Type": "application/json", **bearer(world)},
        )
        assert response.status_code == status, response.text[:300]
        if status == 413:
            assert code_of(response.json()) == "PAYLOAD_TOO_LARGE"
        else:
            assert response.json()["data"]["viewer"]["user"]["email"] == OWNER


async def test_a_huge_chunked_body_is_refused_without_being_read_whole(
    http: httpx.AsyncClient, world: World
) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "' + b" " * 65536
        for _ in range(3000):  # ~200 MB if it were all read
            sent += 65536
            yield b" " * 65536

    response = await http.post(
        "/graphql",
        content=endless(),
        headers={"Content-Type": "application/json", **bearer(world)},
    )
    assert response.status_code == 413
    assert code_of(response.json()) == "PAYLOAD_TOO_LARGE"


async def test_a_false_content_length_is_refused_as_json(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await post_raw(http, world, b"{}", **{"Content-Length": str(MAX_BODY_BYTES + 1)})
    assert response.status_code == 413
    assert code_of(response.json()) == "PAYLOAD_TOO_LARGE"


# --- JSON depth and list length -----------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("depth", "status"),
    # The body is one level, `variables` another: the variable adds MAX_JSON_DEPTH - 2 more.
    [(MAX_JSON_DEPTH - 2, 200), (MAX_JSON_DEPTH - 1, 400), (1000, 400), (100_000, 400)],
)
async def test_deep_json_is_a_400_never_a_500(
    http: httpx.AsyncClient, world: World, depth: int, status: int
) -> None:
    if depth > 500:  # beyond what json.dumps itself can nest
        body = b'{"query": "{ __typename }", "variables": {"deep": ' + b"[" * depth
        body += b"]" * depth + b"}}"
    else:
        body = json.dumps(
            {"query": "{ __typename }", "variables": {"deep": nested(depth)}}
        ).encode()
    response = await post_raw(http, world, body)
    assert response.status_code == status, response.text[:300]
    if status == 400:
        assert code_of(response.json()) == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("items", "refused"), [(MAX_LIST_ITEMS, False), (MAX_LIST_ITEMS + 1, True)]
)
async def test_long_lists_are_refused_as_bad_user_input(
    http: httpx.AsyncClient, world: World, items: int, refused: bool
) -> None:
    for variables in ({"ids": ["a"] * items}, {"input": {"tags": [1] * items}}):
        body = json.dumps({"query": "{ __typename }", "variables": variables}).encode()
        answer = (await post_raw(http, world, body)).json()
        if refused:
            assert code_of(answer) == "BAD_USER_INPUT", answer
        else:
            assert answer == {"data": {"__typename": "Query"}}
    literal = "[" + ", ".join(["LIVE"] * items) + "]"
    document = f"{{ clients(first: 1, filter: {{status: {literal}}}) {{ totalCount }} }}"
    answer = (await post_raw(http, world, json.dumps({"query": document}).encode())).json()
    if refused:
        assert code_of(answer) == "BAD_USER_INPUT", answer
        assert answer["errors"][0]["extensions"]["field"] == ["filter", "status"]
    else:
        assert "errors" not in answer, answer


# --- the string policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["abc\ud800", "\udc00", "a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85"]
)
async def test_bad_text_in_a_mutation_input_is_a_user_error_naming_the_field(
    gql: GraphQL, http: httpx.AsyncClient, world: World, bad: str
) -> None:
    body = json.dumps(
        {"query": ONBOARD, "variables": {"input": valid_input(world, businessName=bad)}}
    ).encode()
    response = await post_raw(http, world, body)
    assert response.status_code == 200
    answer = response.json()  # it encodes: no value is quoted back
    if "errors" in answer:  # a lone surrogate is refused at the edge, before coercion
        assert code_of(answer) == "BAD_USER_INPUT"
        assert answer["errors"][0]["extensions"]["field"] == ["input", "businessName"]
    else:
        payload = answer["data"]["onboardClient"]
        assert payload["client"] is None
        [error] = payload["userErrors"]
        assert (error["field"], error["code"]) == (["input", "businessName"], "INVALID")


@pytest.mark.parametrize("bad", ["a\\u0000b", "esc\\u001b", "\\ud800x"])
async def test_bad_text_in_a_literal_is_bad_user_input(
    http: httpx.AsyncClient, world: World, bad: str
) -> None:
    document = f'{{ clients(first: 1, filter: {{search: "{bad}"}}) {{ totalCount }} }}'
    response = await post_raw(http, world, json.dumps({"query": document}).encode())
    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] is None
    assert code_of(answer) in {"BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED"}, answer


async def test_a_lone_surrogate_in_the_document_is_a_json_400(
    http: httpx.AsyncClient, world: World
) -> None:
    body = b'{"query": "{ clients(first: 1, filter: {search: \\"abc\\ud800\\"}) { totalCount } }"}'
    response = await post_raw(http, world, body)
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_REQUEST"


async def test_bad_text_in_a_query_variable_is_bad_user_input(gql: GraphQL, world: World) -> None:
    query = "query S($f: ClientFilterInput) { clients(first: 1, filter: $f) { totalCount } }"
    answer = await gql(OWNER, query, f={"search": "abc\x00"})
    assert answer["data"] is None
    assert code_of(answer) == "BAD_USER_INPUT"
    assert answer["errors"][0]["extensions"]["field"] == ["filter", "search"]


async def test_stored_text_is_trimmed_and_nfc_normalised(gql: GraphQL, world: World) -> None:
    # Names hold one line (tests/test_single_line.py); a trailing tab is trimmed, not refused.
    payload = await onboard(
        gql, OWNER, **valid_input(world, businessName="  Cafe\u0301 Nord\t ", legalName=" A B\n")
    )
    assert payload["userErrors"] == [], payload
    assert payload["client"]["businessName"] == "Caf\u00e9 Nord"
    assert payload["client"]["legalName"] == "A B"


async def test_tab_or_newline_in_an_email_is_invalid(gql: GraphQL, world: World) -> None:
    payload = await onboard(gql, OWNER, **valid_input(world, contactEmail="a\tb@example.com"))
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "contactEmail"], "INVALID")
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ clients(first: 1, filter: {search: "a\\u0000"}) { totalCount } }', "BAD_USER_INPUT"),
        ("{ clients(first: 1, filter: $f) { totalCount } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query S($f: ClientFilterInput) { clients(first: 1, filter: $f) { totalCount } }", None),
    ],
)
async def test_refusals_stay_readable_in_production(
    prod_http: httpx.AsyncClient, world: World, query: str, code: str | None
) -> None:
    response = await prod_http.post(
        "/graphql",
        json={"query": query, "variables": {"f": {"search": "a\x00"}}},
        headers=bearer(world),
    )
    answer = response.json()
    [error] = answer["errors"]
    assert error["extensions"]["code"] == (code or "BAD_USER_INPUT"), answer
    assert error["message"] != "Unexpected error."
    if code is None:
        assert error["extensions"]["field"] == ["filter", "search"]


@pytest.mark.parametrize(
    "variables", [{"n": "x"}, {}, {"n": 2**40}], ids=["not a number", "missing", "too big"]
)
async def test_a_bad_variable_value_stays_readable_in_production(
    prod_http: httpx.AsyncClient, world: World, variables: dict[str, Any]
) -> None:
    response = await prod_http.post(
        "/graphql",
        json={
            "query": "query Page($n: Int!) { clients(first: $n) { totalCount } }",
            "variables": variables,
        },
        headers=bearer(world),
    )
    [error] = response.json()["errors"]
    assert error["message"].startswith("Variable '$n'"), error
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


# --- tokens -------------------------------------------------------------------------------------


def signed(**claims: Any) -> str:
    now = datetime.now(UTC).timestamp()
    base: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, TEST_SECRET, algorithm=ALGORITHM)


DAY = 24 * 3600


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "1234567890123456789"},  # 19 digits
        {"sub": str(2**31)},
        {"sub": "0"},
        {"sub": "\u0661"},  # ARABIC-INDIC DIGIT ONE
        {"sub": "\uff11"},  # FULLWIDTH DIGIT ONE
        {"sub": "+1"},
        {"iat": -1e20},
        {"iat": 1e300},
        {"iat": True},
        {"iat": "1700000000"},
        {"exp": 1e300},
        {"exp": "soon"},
        {"iat": 1_500_000_000, "exp": 1_500_000_600},  # before 2020
        {"iat": 120, "exp": 600},  # issued in the future (seconds from now)
        {"exp": 30 * DAY + 60},  # a lifetime over 30 days
        {"exp": -1},  # expired
    ],
)
async def test_odd_token_claims_are_401(
    http: httpx.AsyncClient, world: World, claims: dict[str, Any]
) -> None:
    token = signed(**{"sub": str(world.users[OWNER]), **relative(claims)})
    response = await http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401, response.text
    assert code_of(response.json()) == "UNAUTHENTICATED"


def relative(claims: dict[str, Any]) -> dict[str, Any]:
    """Small numbers of iat/exp are seconds from now (taken when the test runs)."""
    now = datetime.now(UTC).timestamp()
    return {
        k: now + v if k in {"iat", "exp"} and type(v) is int and abs(v) < 100 * DAY else v
        for k, v in claims.items()
    }


@pytest.mark.parametrize("claims", [{}, {"exp": 30 * DAY - 60}, {"exp": 1}])
async def test_sane_token_claims_pass(
    http: httpx.AsyncClient, world: World, claims: dict[str, Any]
) -> None:
    token = signed(**{"sub": str(world.users[OWNER]), **relative(claims)})
    response = await http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["user"]["email"] == OWNER


# --- error codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("query {", {}, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ clients(first: -1) { totalCount } }", {}, "BAD_USER_INPUT"),
        ('{ clients(first: 1, after: "junk") { totalCount } }', {}, "BAD_USER_INPUT"),
        ("query Q($n: Int) { clients(first: $n) { totalCount } }", {"n": "x"}, "BAD_USER_INPUT"),
    ],
)
async def test_every_top_level_error_has_a_code(
    gql: GraphQL, world: World, query: str, variables: dict[str, Any], code: str
) -> None:
    answer = await gql(OWNER, query, **variables)
    assert answer["errors"], answer
    assert {e["extensions"]["code"] for e in answer["errors"]} == {code}, answer


@pytest.mark.parametrize(
    ("method", "content", "headers", "status", "code"),
    [
        ("POST", b"not json", {}, 400, "BAD_REQUEST"),
        ("POST", b"[1, 2]", {}, 400, "BAD_REQUEST"),
        ("POST", b'{"variables": {}}', {}, 400, "BAD_REQUEST"),
        ("POST", b"\xff\xfe", {}, 400, "BAD_REQUEST"),
        ("POST", b"{}", {"Content-Type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("PUT", b"{}", {}, 405, "METHOD_NOT_ALLOWED"),
        ("GET", b"", {}, 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", b"", {}, 405, "METHOD_NOT_ALLOWED"),
    ],
)
async def test_request_errors_are_json_with_a_code(
    http: httpx.AsyncClient,
    world: World,
    method: str,
    content: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await http.request(
        method,
        "/graphql",
        content=content,
        headers={"Content-Type": "application/json", **bearer(world), **headers},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert code_of(response.json()) == code


# --- concurrent onboarding with one business name -----------------------------------------------


@pytest.mark.usefixtures("committed_world")
async def test_concurrent_onboardings_with_one_name_get_distinct_subdomains(
    gql: GraphQL, world: World
) -> None:
    name = "Concurrent Candles"
    payloads = await asyncio.gather(
        *(
            onboard(
                gql,
                OWNER,
                **valid_input(world, businessName=name, contactEmail=f"c{i}@example.com"),
            )
            for i in range(10)
        )
    )
    assert [p["userErrors"] for p in payloads] == [[]] * 10, payloads
    subdomains = {p["client"]["store"]["subdomain"] for p in payloads}
    assert len(subdomains) == 10
    assert "concurrent-candles" in subdomains
    assert all(s.startswith("concurrent-candles") for s in subdomains)


async def test_sequential_onboardings_with_one_name_are_numbered(
    gql: GraphQL, world: World
) -> None:
    # Sequential calls with one name still number the subdomain (the usual path).
    first = await onboard(gql, OWNER, **valid_input(world, businessName="Numbered Nook"))
    second = await onboard(
        gql, OWNER, **valid_input(world, businessName="Numbered Nook", contactEmail="n2@x.com")
    )
    assert first["client"]["store"]["subdomain"] == "numbered-nook"
    assert second["client"]["store"]["subdomain"] == "numbered-nook-2"
