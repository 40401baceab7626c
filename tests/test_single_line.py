"""Names and titles hold one line: a tab or a newline in one is refused with a userError naming
the field; multi-line text (a task's description) keeps its newlines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_onboarding import ONBOARD, partner_gid, valid_input

OWNER = "owner@northwind.test"
ERRORS = "userErrors { field code }"
CREATE_TASK = (
    "mutation($input: CreateTaskInput!) { result: createTask(input: $input) "
    f"{{ task {{ title description }} {ERRORS} }} }}"
)
INVITE = (
    "mutation($input: InviteMemberInput!) { result: inviteMember(input: $input) "
    f"{{ member {{ id }} {ERRORS} }} }}"
)


def refused(body: dict[str, Any], payload: str = "result") -> list[tuple[list[str], str]]:
    assert "errors" not in body, body
    return [(e["field"], e["code"]) for e in body["data"][payload]["userErrors"]]


@pytest.mark.parametrize("text", ["Two\nlines", "A\ttab", "Windows\r\nline"])
@pytest.mark.parametrize("field", ["businessName", "storeName", "merchantName", "legalName"])
async def test_onboarding_names_hold_one_line(
    gql: GraphQL, world: World, field: str, text: str
) -> None:
    body = await gql(OWNER, ONBOARD, input=valid_input(world, **{field: text}))
    assert refused(body, "onboardClient") == [(["input", field], "INVALID")]


async def test_one_line_names_are_taken(gql: GraphQL, world: World) -> None:
    names = {"storeName": "Rosé Store", "merchantName": "Rose M.", "legalName": "Rosé Ltd"}
    body = await gql(OWNER, ONBOARD, input=valid_input(world, **names))
    assert refused(body, "onboardClient") == []


@pytest.mark.parametrize(("title", "ok"), [("Order the signage", True), ("Order\nsignage", False)])
async def test_a_task_title_holds_one_line_its_description_many(
    gql: GraphQL, world: World, title: str, ok: bool
) -> None:
    body = await gql(
        OWNER,
        CREATE_TASK,
        input={
            "clientId": gid("Client", world.clients["Lumen Candles"]),
            "title": title,
            "description": "First line\n\tthen an indented second",
        },
    )
    if ok:
        assert refused(body) == []
        assert body["data"]["result"]["task"]["description"] == (
            "First line\n\tthen an indented second"
        )
    else:
        assert refused(body) == [(["input", "title"], "INVALID")]


async def test_an_invited_name_holds_one_line(gql: GraphQL, world: World) -> None:
    body = await gql(
        OWNER,
        INVITE,
        input={
            "partnerId": partner_gid(world),
            "email": "newline@example.com",
            "role": "SPECIALIST",
            "name": "Mallory\nAdmin",
        },
    )
    assert refused(body) == [(["input", "name"], "INVALID")]
