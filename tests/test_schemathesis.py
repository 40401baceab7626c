"""Schemathesis in GraphQL mode against the app in process: it draws queries and mutations for
every root field from the schema (loaded from the app's own introspection), sent as a few
users and once in production mode. No answer is a server error, every error is JSON with an
`extensions.code`, and none is an internal error or shows SQL or a stack trace.

`SHOPIQ_SCHEMATHESIS_EXAMPLES` sets the number of operations per user (default 20). Mutations
commit for real (`committed_world`: the demo world is reseeded afterwards)."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
import schemathesis.graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.case import Case
from schemathesis.graphql import nodes

from schema.build import build_schema
from tests.conftest import World, token_for

EXAMPLES = int(os.environ.get("SHOPIQ_SCHEMATHESIS_EXAMPLES", "20"))
# The schema's own scalars: valid values mostly, and any text now and then (it must be refused
# cleanly, never with a server error).
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**9).map(str),
        st.text(max_size=12),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "CurrencyCode",
    st.one_of(st.sampled_from(["USD", "EUR", "JPY", "BHD"]), st.text(max_size=4)).map(nodes.String),
)
OPERATIONS = schemathesis.graphql.from_dict(build_schema().introspect()).as_strategy()
VIEWERS = (
    "owner@northwind.test",
    "specialist@bluefin.test",
    "merchant@lumen-candles.test",
    "staff@shopiq.test",
)
# What no message may contain, in any mode.
INTERNALS = ("Traceback", "SELECT ", "INSERT ", "UPDATE ", "sqlalchemy", "asyncpg", "sqlite3")


def check_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, error
        assert code != "INTERNAL_SERVER_ERROR", error
        assert not any(marker in error["message"] for marker in INTERNALS), error
    text = response.text
    assert not any(marker in text for marker in INTERNALS if marker != "UPDATE "), text


async def run_case(
    client: httpx.AsyncClient, world: World, email: str, case: Case
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token_for(world.users[email], email)}"}
    body = case.body if isinstance(case.body, dict) else {"query": case.body}
    response = await client.post("/graphql", json=body, headers=headers)
    check_answer(response)
    return response


@pytest.mark.parametrize("email", VIEWERS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_operations_get_clean_answers(
    email: str, http: httpx.AsyncClient, committed_world: World, data: st.DataObject
) -> None:
    case = data.draw(OPERATIONS, label="operation")
    await run_case(http, committed_world, email, case)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_operations_in_production_mode(
    prod_http: httpx.AsyncClient, committed_world: World, data: st.DataObject
) -> None:
    case = data.draw(OPERATIONS, label="operation")
    await run_case(prod_http, committed_world, "owner@northwind.test", case)
