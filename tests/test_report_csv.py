"""GET /reports/{id}.csv: the caller's permissions, RFC 4180 quoting, formula neutralisation,
the BOM option, and streaming across pages."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest

from server.report_csv import cell, first_list, flattened, neutralised, next_cursor
from tests.conftest import GraphQL, World, token_for
from tests.helpers import gid
from tests.oracle import visible

OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
NORTHWIND = "northwind-digital"

PAGED = """
query Clients($first: Int!, $after: String) {
  clients(first: $first, after: $after) {
    nodes { businessName contactEmail store { name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def save(gql: GraphQL, world: World, document: str, variables: dict[str, Any]) -> str:
    body = await gql(
        OWNER,
        """mutation($input: SaveReportInput!) {
             saveReport(input: $input) { report { id } userErrors { message } } }""",
        input={
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": "Clients export",
            "document": document,
            "variables": variables,
        },
    )
    payload = body["data"]["saveReport"]
    assert payload["userErrors"] == []
    report_id: str = payload["report"]["id"]
    return report_id


async def download(
    http: httpx.AsyncClient, world: World, email: str, report_id: str, **params: str
) -> httpx.Response:
    token = token_for(world.users[email], email)
    return await http.get(
        f"/reports/{report_id}.csv", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def table(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_streams_every_page_with_the_callers_permissions(
    gql: GraphQL, http: httpx.AsyncClient, world: World, email: str
) -> None:
    # Pages of 2: more rows than one page for both callers.
    report_id = await save(gql, world, PAGED, {"first": 2})
    rows = table(await download(http, world, email, report_id))
    assert rows[0] == ["businessName", "contactEmail", "store.name"]
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted(visible(email).clients)
    assert len(names) > 2 or email == SPECIALIST
    assert len(set(names)) == len(names)


async def test_the_specialist_gets_fewer_rows_than_the_author(
    gql: GraphQL, http: httpx.AsyncClient, world: World
) -> None:
    report_id = await save(gql, world, PAGED, {"first": 2})
    owner = table(await download(http, world, OWNER, report_id))
    specialist = table(await download(http, world, SPECIALIST, report_id))
    assert {tuple(r) for r in specialist[1:]} < {tuple(r) for r in owner[1:]}


async def test_variables_parameter_overrides_the_saved_ones(
    gql: GraphQL, http: httpx.AsyncClient, world: World
) -> None:
    document = "query C($first: Int!) { clients(first: $first) { nodes { businessName } } }"
    report_id = await save(gql, world, document, {"first": 50})
    rows = table(await download(http, world, OWNER, report_id, variables=json.dumps({"first": 1})))
    assert len(rows) == 2  # header and one row: no `$after`, so one page only
    response = await download(http, world, OWNER, report_id, variables="[1]")
    assert response.status_code == 400


@pytest.mark.parametrize("email", [BLUEFIN_OWNER, MERCHANT])
async def test_foreign_and_unknown_reports_are_the_same_404(
    gql: GraphQL, http: httpx.AsyncClient, world: World, email: str
) -> None:
    report_id = await save(gql, world, PAGED, {"first": 2})
    foreign = await download(http, world, email, report_id)
    unknown = await download(http, world, email, gid("SavedReport", 10**9))
    garbage = await download(http, world, email, "nonsense")
    assert foreign.status_code == unknown.status_code == garbage.status_code == 404
    assert foreign.json() == unknown.json() == garbage.json()


async def test_needs_a_bearer_token(gql: GraphQL, http: httpx.AsyncClient, world: World) -> None:
    report_id = await save(gql, world, PAGED, {"first": 2})
    assert (await http.get(f"/reports/{report_id}.csv")).status_code == 401


async def test_quoting_neutralisation_and_bom(
    gql: GraphQL, http: httpx.AsyncClient, world: World
) -> None:
    body = await gql(
        OWNER,
        """mutation($input: OnboardClientInput!) {
             onboardClient(input: $input) { client { id } userErrors { message } } }""",
        input={
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "businessName": '@Aardvark, "Inc"',
            "contactEmail": "aardvark@example.test",
        },
    )
    assert body["data"]["onboardClient"]["userErrors"] == [], body
    document = (
        "query C($first: Int!, $after: String) { clients(first: $first, after: $after) "
        "{ nodes { businessName } pageInfo { hasNextPage endCursor } } }"
    )
    report_id = await save(gql, world, document, {"first": 100})
    response = await download(http, world, OWNER, report_id, bom="1")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    # RFC 4180: the comma and the quotes are inside one quoted field, quotes doubled.
    assert '"\'@Aardvark, ""Inc"""\r\n' in text
    rows = list(csv.reader(io.StringIO(text)))
    assert ['\'@Aardvark, "Inc"'] in rows
    plain = await download(http, world, OWNER, report_id)
    assert not plain.content.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_neutralised(start: str) -> None:
    assert neutralised(f"{start}1+1") == f"'{start}1+1"
    assert cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_other_cells_are_kept() -> None:
    assert neutralised("Acme = good") == "Acme = good"
    assert cell(-5) == "-5"  # a number stays a number
    assert cell(None) == ""
    assert cell(True) == "true"
    assert cell(["=x"]) == '["=x"]'


def test_flattening_names_columns_by_dotted_path() -> None:
    item = {"a": 1, "store": {"name": "S", "domain": {"host": "h"}}, "tags": ["x"]}
    assert flattened(item) == {"a": 1, "store.name": "S", "store.domain.host": "h", "tags": ["x"]}


def test_the_first_list_and_its_next_cursor() -> None:
    data = {
        "viewer": {"id": "1"},
        "clients": {"nodes": [{"a": 1}], "pageInfo": {"hasNextPage": True, "endCursor": "c"}},
        "other": {"nodes": [{"b": 2}]},
    }
    found = first_list(data)
    assert found is not None
    items, holder = found
    assert items == [{"a": 1}]
    assert next_cursor(holder) == "c"
    assert next_cursor({"pageInfo": {"hasNextPage": False, "endCursor": "c"}}) is None
    assert first_list({"viewer": {"id": "1"}}) is None
