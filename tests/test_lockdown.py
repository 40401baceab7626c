"""Production lock-down: no introspection, no field-name suggestions, unexpected errors masked
with the request id that finds them in the log; in every mode, operations only by POST of
application/json (no cross-site form or GET can run a mutation), and security headers on every
answer."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import schema.viewer
import server.app
from db.models import Task
from server.security_headers import API_CONTENT_SECURITY_POLICY, HSTS
from tests.conftest import World, token_for
from tests.helpers import gid

OWNER = "owner@northwind.test"
MARKER = "Sent by a cross-site form"


def bearer(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}"}


async def post(client: httpx.AsyncClient, world: World, query: str, **variables: Any) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(world)
    )
    assert response.status_code == 200
    return response.json()


INTROSPECTION = [
    "{ __schema { types { name } } }",
    '{ __type(name: "Query") { fields { name } } }',
    "query Q { ...F } fragment F on Query { __schema { queryType { name } } }",
]


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_production_refuses_introspection(
    prod_http: httpx.AsyncClient, http: httpx.AsyncClient, world: World, query: str
) -> None:
    refused = await post(prod_http, world, query)
    assert refused["data"] is None
    assert refused["errors"]
    for error in refused["errors"]:
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection" in error["message"]
    allowed = await post(http, world, query)
    assert "errors" not in allowed


async def test_production_still_answers_typename(
    prod_http: httpx.AsyncClient, world: World
) -> None:
    answer = await post(prod_http, world, "{ __typename viewer { __typename } }")
    assert answer == {"data": {"__typename": "Query", "viewer": {"__typename": "Viewer"}}}


SUGGESTING = [
    # an unknown field, an unknown argument, an unknown type, an unknown input field
    ("{ viewr { __typename } }", {}),
    ("{ clients(frist: 1) { totalCount } }", {}),
    ("query Q($f: ClientFilterInptu) { clients(first: 1, filter: $f) { totalCount } }", {}),
    ("{ clients(first: 1, filter: {statsu: []}) { totalCount } }", {}),
]


@pytest.mark.parametrize(("query", "variables"), SUGGESTING)
async def test_production_suggests_no_names(
    prod_http: httpx.AsyncClient,
    http: httpx.AsyncClient,
    world: World,
    query: str,
    variables: dict[str, Any],
) -> None:
    development = await post(http, world, query, **variables)
    assert any("Did you mean" in e["message"] for e in development["errors"]), development
    production = await post(prod_http, world, query, **variables)
    assert production["errors"]
    for error in production["errors"]:
        assert "Did you mean" not in error["message"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# --- unexpected errors ----------------------------------------------------------------------


async def test_production_masks_an_unexpected_error_and_logs_it_under_the_request_id(
    prod_http: httpx.AsyncClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(_: Any) -> Any:
        raise RuntimeError("the secret detail")

    monkeypatch.setattr(schema.viewer, "viewer_memberships", broken)
    response = await prod_http.post(
        "/graphql",
        json={"query": "{ viewer { memberships { id } } }"},
        headers={**bearer(world), "X-Request-Id": "ticket-77"},
    )
    assert "the secret detail" not in response.text
    [error] = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "ticket-77"}
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert any(
        "ticket-77" in r.getMessage() and "the secret detail" in r.getMessage() for r in logged
    )


# --- CSRF: POST of application/json only ----------------------------------------------------


def create_task(world: World) -> str:
    client_id = gid("Client", world.clients["Lumen Candles"])
    return (
        f'mutation {{ createTask(input: {{clientId: "{client_id}", title: "{MARKER}"}}) '
        "{ task { id } } }"
    )


async def marked_tasks(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = select(func.count(Task.id)).where(Task.title == MARKER)
        return int((await session.execute(count)).scalar_one())


@pytest.mark.parametrize("client_name", ["http", "prod_http"])
async def test_a_mutation_by_get_is_refused(
    request: pytest.FixtureRequest,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    client_name: str,
) -> None:
    client: httpx.AsyncClient = request.getfixturevalue(client_name)
    response = await client.get(
        "/graphql", params={"query": create_task(world)}, headers=bearer(world)
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert await marked_tasks(sessions) == 0


@pytest.mark.parametrize("kind", ["form", "multipart", "text", "json-as-text"])
async def test_a_mutation_sent_as_a_form_is_refused(
    prod_http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
) -> None:
    query = create_task(world)
    sending: dict[str, Any] = {
        "form": {"data": {"query": query}},
        "multipart": {"files": {"query": (None, query)}},
        "text": {"content": query.encode(), "headers": {"Content-Type": "text/plain"}},
        "json-as-text": {
            "content": json.dumps({"query": query}).encode(),
            "headers": {"Content-Type": "text/plain;charset=UTF-8"},
        },
    }[kind]
    headers = {**bearer(world), **sending.pop("headers", {})}
    response = await prod_http.post("/graphql", headers=headers, **sending)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await marked_tasks(sessions) == 0
    # The same mutation as JSON is taken: the refusal was the content type's.
    taken = await prod_http.post("/graphql", json={"query": query}, headers=bearer(world))
    assert taken.json()["data"]["createTask"]["task"]["id"]
    assert await marked_tasks(sessions) == 1


# --- security headers -------------------------------------------------------------------------

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize("production", [True, False], ids=["production", "development"])
async def test_every_answer_carries_the_security_headers(
    prod_http: httpx.AsyncClient, http: httpx.AsyncClient, world: World, production: bool
) -> None:
    client = prod_http if production else http
    answers = [
        await client.post("/graphql", json={"query": "{ __typename }"}, headers=bearer(world)),
        await client.post("/graphql", json={"query": "{ __typename }"}),  # 401
        await client.post("/graphql", content=b"{", headers=bearer(world)),  # 415
        await client.get("/healthz"),
    ]
    for response in answers:
        for name, value in COMMON.items():
            assert response.headers[name] == value, (response.status_code, name)
        assert response.headers["content-security-policy"] == API_CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert response.headers.get("strict-transport-security") == (HSTS if production else None)


async def test_the_graphiql_page_keeps_its_own_policy(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"


# --- failures outside GraphQL -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (
            OperationalError("SELECT", {}, Exception("connection refused")),
            503,
            "SERVICE_UNAVAILABLE",
        ),
        (RuntimeError("the secret detail"), 500, "INTERNAL_SERVER_ERROR"),
    ],
)
async def test_a_failure_outside_graphql_is_coded_json(
    prod_http: httpx.AsyncClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
    code: str,
) -> None:
    async def failing(*_: Any) -> Any:
        raise failure

    monkeypatch.setattr(server.app, "load_viewer", failing)  # while the viewer is loaded
    response = await prod_http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={**bearer(world), "X-Request-Id": "edge-9"},
    )
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert "edge-9" in error["message"]
    assert response.headers["x-request-id"] == "edge-9"
    for secret in ("SELECT", "secret", "refused"):
        assert secret not in response.text
