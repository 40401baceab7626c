"""Saved reports: who saves, changes, deletes and sees them; what a document must be to be saved;
and `runReport`, which answers with the caller's permissions, never the author's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import GraphQL, World
from tests.helpers import codes, gid
from tests.oracle import visible

OWNER = "owner@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
NORTHWIND = "northwind-digital"

CLIENTS = """
query Clients($first: Int!) {
  clients(first: $first) { totalCount nodes { businessName } }
}
"""

TASKS = "clients(first: 100) { nodes { tasks(first: 100) { nodes { id assignee { id } } } } }"

SAVE = """
mutation Save($input: SaveReportInput!) {
  saveReport(input: $input) {
    report { id name document variables version author { user { email } } }
    userErrors { field message code }
  }
}
"""

UPDATE = """
mutation Update($input: UpdateReportInput!) {
  updateReport(input: $input) {
    report { id name variables version }
    userErrors { field message code }
  }
}
"""

DELETE = """
mutation Delete($input: DeleteReportInput!) {
  deleteReport(input: $input) { deletedReportId userErrors { field message code } }
}
"""

RUN = """
query Run($id: ID!, $variables: JSON) {
  runReport(id: $id, variables: $variables) {
    report { name }
    data
    errors { message code path }
  }
}
"""

LIST = """
query List($id: ID!) {
  node(id: $id) { ... on Partner { reports(first: 10) { totalCount nodes { name } } } }
}
"""


async def save(
    gql: GraphQL,
    world: World,
    email: str,
    name: str = "Clients",
    document: str = CLIENTS,
    variables: Any = None,
) -> dict[str, Any]:
    body = await gql(
        email,
        SAVE,
        input={
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": name,
            "document": document,
            "variables": {"first": 50} if variables is None else variables,
        },
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["saveReport"]
    return payload


async def saved_id(gql: GraphQL, world: World, email: str = OWNER) -> str:
    payload = await save(gql, world, email)
    assert payload["userErrors"] == []
    report_id: str = payload["report"]["id"]
    return report_id


async def run(gql: GraphQL, email: str, report_id: str, variables: Any = None) -> Any:
    body = await gql(email, RUN, id=report_id, variables=variables)
    assert "errors" not in body, body
    return body["data"]["runReport"]


def names(data: dict[str, Any]) -> list[str]:
    return [n["businessName"] for n in data["clients"]["nodes"]]


@pytest.mark.parametrize("email", [OWNER, MANAGER, SPECIALIST])
async def test_team_members_save_reports(gql: GraphQL, world: World, email: str) -> None:
    payload = await save(gql, world, email)
    assert payload["userErrors"] == []
    report = payload["report"]
    assert report["name"] == "Clients"
    assert report["document"] == CLIENTS.strip()  # trimmed, as every text input
    assert report["variables"] == {"first": 50}
    assert report["version"] == 1
    assert report["author"]["user"]["email"] == email


@pytest.mark.parametrize(
    ("email", "code"),
    # The merchant reads the partner working for it (so FORBIDDEN); Bluefin does not see it.
    [(BLUEFIN_OWNER, "NOT_FOUND"), (MERCHANT, "FORBIDDEN")],
)
async def test_outsiders_cannot_save_a_partners_report(
    gql: GraphQL, world: World, email: str, code: str
) -> None:
    payload = await save(gql, world, email)
    assert payload["report"] is None
    assert codes(payload) == [(["input", "partnerId"], code)]


@pytest.mark.parametrize(
    ("document", "variables", "field"),
    [
        ("query {", {}, "document"),  # syntax
        ("query { nope }", {}, "document"),  # unknown field
        ("query A { viewer { email } } query B { viewer { email } }", {}, "document"),
        (
            'mutation { createTask(input: {clientId: "x", title: "t"}) { userErrors { code } } }',
            {},
            "document",
        ),
        ("query { " + " ".join(f"a{n}: {TASKS}" for n in range(3)) + " }", {}, "document"),
        ('query { runReport(id: "x") { data } }', {}, "document"),
        (CLIENTS, {"first": 5, "undeclared": 1}, "variables"),
        (CLIENTS, [1, 2], "variables"),
    ],
)
async def test_invalid_documents_are_refused_when_saved(
    gql: GraphQL, world: World, document: str, variables: Any, field: str
) -> None:
    payload = await save(gql, world, OWNER, document=document, variables=variables)
    assert payload["report"] is None
    assert codes(payload) == [(["input", field], "INVALID")], payload


async def test_cost_limit_counts_the_saved_variables(gql: GraphQL, world: World) -> None:
    # Each alias costs n x (1 + n x 2): 3 x 20,100 is over the limit (50,000) at n = 100.
    deep = (
        "query Deep($n: Int!) { "
        + " ".join(f"a{n}: {TASKS.replace('100', '$n')}" for n in range(3))
        + " }"
    )
    assert (await save(gql, world, OWNER, "Small", deep, {"n": 10}))["userErrors"] == []
    payload = await save(gql, world, OWNER, "Big", deep, {"n": 100})
    assert codes(payload) == [(["input", "document"], "INVALID")]
    assert "cost" in payload["userErrors"][0]["message"]


async def test_names_are_unique_per_partner_ignoring_case(gql: GraphQL, world: World) -> None:
    await saved_id(gql, world)
    payload = await save(gql, world, MANAGER, name="CLIENTS")
    assert codes(payload) == [(["input", "name"], "TAKEN")]


async def test_an_owners_report_run_by_a_specialist_shows_the_specialists_clients(
    gql: GraphQL, world: World
) -> None:
    report_id = await saved_id(gql, world, OWNER)
    as_owner = await run(gql, OWNER, report_id)
    as_specialist = await run(gql, SPECIALIST, report_id)
    # Each answer is exactly what the caller's own query would get...
    for email, answer in ((OWNER, as_owner), (SPECIALIST, as_specialist)):
        direct = await gql(email, CLIENTS, first=50)
        assert answer["data"] == direct["data"]
        assert answer["errors"] == []
        # ...which is what the independent oracle says that caller may read.
        assert sorted(names(answer["data"])) == sorted(visible(email).clients)
    assert set(names(as_specialist["data"])) < set(names(as_owner["data"]))


async def test_a_specialists_report_run_by_the_owner_shows_the_owners_clients(
    gql: GraphQL, world: World
) -> None:
    report_id = await saved_id(gql, world, SPECIALIST)
    answer = await run(gql, OWNER, report_id)
    assert sorted(names(answer["data"])) == sorted(visible(OWNER).clients)


@pytest.mark.parametrize("email", [BLUEFIN_OWNER, MERCHANT])
async def test_a_report_is_not_found_by_outsiders(gql: GraphQL, world: World, email: str) -> None:
    report_id = await saved_id(gql, world)
    assert await run(gql, email, report_id) is None
    # Exactly as for an id that was never issued.
    assert await run(gql, email, gid("SavedReport", 10**9)) is None
    body = await gql(email, LIST, id=gid("Partner", world.partners[NORTHWIND]))
    node = body["data"]["node"]
    assert node is None or "reports" not in node or node["reports"]["totalCount"] == 0


async def test_variables_override_the_saved_ones(gql: GraphQL, world: World) -> None:
    report_id = await saved_id(gql, world)
    answer = await run(gql, OWNER, report_id, {"first": 1})
    assert len(answer["data"]["clients"]["nodes"]) == 1
    assert answer["data"]["clients"]["totalCount"] == len(visible(OWNER).clients)


async def test_run_errors_are_reported_not_raised(gql: GraphQL, world: World) -> None:
    report_id = await saved_id(gql, world)
    answer = await run(gql, OWNER, report_id, {"first": "many"})
    assert answer["data"] is None
    assert answer["errors"]
    assert answer["errors"][0]["message"]


async def test_the_team_lists_its_reports(gql: GraphQL, world: World) -> None:
    await saved_id(gql, world)
    await save(gql, world, MANAGER, name="Another")
    body = await gql(SPECIALIST, LIST, id=gid("Partner", world.partners[NORTHWIND]))
    reports = body["data"]["node"]["reports"]
    assert reports["totalCount"] == 2
    assert [n["name"] for n in reports["nodes"]] == ["Another", "Clients"]


async def test_authors_and_managers_change_reports_others_may_not(
    gql: GraphQL, world: World
) -> None:
    report_id = await saved_id(gql, world, SPECIALIST)
    body = await gql(MANAGER, UPDATE, input={"reportId": report_id, "version": 1, "name": "Mine"})
    payload = body["data"]["updateReport"]
    assert payload["userErrors"] == []
    assert payload["report"]["version"] == 2
    owners = await saved_id(gql, world, OWNER)
    body = await gql(SPECIALIST, UPDATE, input={"reportId": owners, "version": 1, "name": "X"})
    assert codes(body["data"]["updateReport"]) == [(["input", "reportId"], "FORBIDDEN")]
    body = await gql(BLUEFIN_OWNER, UPDATE, input={"reportId": owners, "version": 1, "name": "X"})
    assert codes(body["data"]["updateReport"]) == [(["input", "reportId"], "NOT_FOUND")]


async def test_update_checks_the_new_document_and_variables(gql: GraphQL, world: World) -> None:
    report_id = await saved_id(gql, world)
    body = await gql(
        OWNER, UPDATE, input={"reportId": report_id, "version": 1, "document": "query { x }"}
    )
    assert codes(body["data"]["updateReport"]) == [(["input", "document"], "INVALID")]
    body = await gql(
        OWNER, UPDATE, input={"reportId": report_id, "version": 1, "variables": {"first": 2}}
    )
    assert body["data"]["updateReport"]["report"]["variables"] == {"first": 2}
    body = await gql(
        OWNER, UPDATE, input={"reportId": report_id, "version": 1, "variables": {"first": 3}}
    )
    assert codes(body["data"]["updateReport"]) == [(["input", "version"], "CONFLICT")]


async def test_delete(gql: GraphQL, world: World) -> None:
    report_id = await saved_id(gql, world)
    body = await gql(BLUEFIN_OWNER, DELETE, input={"reportId": report_id, "version": 1})
    assert codes(body["data"]["deleteReport"]) == [(["input", "reportId"], "NOT_FOUND")]
    body = await gql(OWNER, DELETE, input={"reportId": report_id, "version": 1})
    assert body["data"]["deleteReport"] == {"deletedReportId": report_id, "userErrors": []}
    assert await run(gql, OWNER, report_id) is None


def test_saved_variables_round_trip_as_json() -> None:
    # The JSON scalar carries any object; the saved value is stored as given.
    assert json.loads(json.dumps({"first": 50})) == {"first": 50}


NODE = "query N($id: ID!) { node(id: $id) { ... on SavedReport { name document } } }"


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        (OWNER, True),
        (SPECIALIST, True),
        ("staff@shopiq.test", True),
        (BLUEFIN_OWNER, False),
        (MERCHANT, False),
    ],
)
async def test_node_shows_a_report_to_its_team_only(
    gql: GraphQL, world: World, email: str, sees: bool
) -> None:
    report_id = await saved_id(gql, world)
    found = (await gql(email, NODE, id=report_id))["data"]["node"]
    missing = (await gql(email, NODE, id=gid("SavedReport", 10**9)))["data"]["node"]
    assert missing is None
    assert found == ({"name": "Clients", "document": CLIENTS.strip()} if sees else None)
