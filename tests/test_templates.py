"""Workflow templates: a partner's repeatable task lists.

Who may list, create, change and delete them; how items are validated; applying one copies its
items into a client's checklist (due dates counted from the day it is applied), after which the
template and each client's copy change independently; onboarding a client can start from one,
all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo_workflow import STANDARD_LAUNCH
from db.models import (
    Assignment,
    Client,
    ClientUser,
    PartnerAccess,
    Store,
    Task,
    User,
    WorkflowTemplate,
    WorkflowTemplateItem,
)
from schema.relay import to_global_id
from tests.conftest import GraphQL, World
from tests.helpers import codes, db_id, gid

Sessions = async_sessionmaker[AsyncSession]
Payload = dict[str, Any]

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
INVITEE = "invitee@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
BLUEFIN_SPECIALIST = "specialist@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"
LUMEN = "Lumen Candles"
ASTER = "Aster Apparel"
BIRCH = "Birch & Bloom Florists"
COPPERLEAF = "Copperleaf Tea"  # Northwind's, not assigned to the specialist
HARBOR = "Harbor Coffee"  # Bluefin's
TIDAL = "Tidal Threads"  # moved from Northwind to Bluefin

STANDARD = "Standard launch"
MIGRATION = "Catalog migration"
EXPRESS = "Bluefin express launch"
MIGRATION_ITEMS = [
    # title, category, offset, client visible, blocks launch
    ("Export products from the old platform", "CATALOG", 2, True, False),
    ("Map categories and variants", "CATALOG", 5, False, False),
    ("Import and spot-check 20 products", "CATALOG", 7, False, True),
]

UNKNOWN_TEMPLATE = str(to_global_id("WorkflowTemplate", 987_654_321))
UNKNOWN_CLIENT = str(to_global_id("Client", 987_654_321))
UNKNOWN_PARTNER = str(to_global_id("Partner", 987_654_321))

ERRORS = "userErrors { field message code }"
TEMPLATE_FIELDS = """
fragment TemplateFields on WorkflowTemplate {
  id name description version
  items { id title description category dueOffsetDays clientVisible blocksLaunch position }
}
"""
TASK_FIELDS = """
fragment TaskFields on Task {
  id title description category status dueDate clientVisible blocksLaunch position version
}
"""
DOCS = {
    "createWorkflowTemplate": (
        "mutation($input: CreateWorkflowTemplateInput!) { createWorkflowTemplate(input: $input)"
        f" {{ workflowTemplate {{ ...TemplateFields }} {ERRORS} }} }}" + TEMPLATE_FIELDS
    ),
    "updateWorkflowTemplate": (
        "mutation($input: UpdateWorkflowTemplateInput!) { updateWorkflowTemplate(input: $input)"
        f" {{ workflowTemplate {{ ...TemplateFields }} {ERRORS} }} }}" + TEMPLATE_FIELDS
    ),
    "deleteWorkflowTemplate": (
        "mutation($input: DeleteWorkflowTemplateInput!) { deleteWorkflowTemplate(input: $input)"
        f" {{ deletedWorkflowTemplateId {ERRORS} }} }}"
    ),
    "applyWorkflowTemplate": (
        "mutation($input: ApplyWorkflowTemplateInput!) { applyWorkflowTemplate(input: $input)"
        f" {{ client {{ id businessName }} tasks {{ ...TaskFields }} {ERRORS} }} }}" + TASK_FIELDS
    ),
    "onboardClient": (
        "mutation($input: OnboardClientInput!) { onboardClient(input: $input)"
        " { client { id businessName status"
        " tasks(first: 100) { totalCount nodes { ...TaskFields } } }"
        f" {ERRORS} }} }}" + TASK_FIELDS
    ),
}
TEMPLATES_OF_PARTNER = (
    "query($id: ID!) { partner(id: $id) { name workflowTemplates(first: 20)"
    " { totalCount nodes { ...TemplateFields } } } }" + TEMPLATE_FIELDS
)


def today() -> date:
    return datetime.now(UTC).date()


async def mutate(gql: GraphQL, email: str, name: str, input: dict[str, Any]) -> Payload:
    body = await gql(email, DOCS[name], input=input)
    assert "errors" not in body, body
    payload: Payload = body["data"][name]
    return payload


async def template_id(sessions: Sessions, world: World, partner: str, name: str) -> int:
    async with sessions() as session:
        found = await session.execute(
            select(WorkflowTemplate.id).where(
                WorkflowTemplate.partner_id == world.partners[partner],
                WorkflowTemplate.name == name,
            )
        )
        return int(found.scalar_one())


async def template_gid(sessions: Sessions, world: World, partner: str, name: str) -> str:
    return gid("WorkflowTemplate", await template_id(sessions, world, partner, name))


async def stored_templates(sessions: Sessions) -> list[tuple[Any, ...]]:
    """Every template with its items, as stored."""
    async with sessions() as session:
        templates = await session.execute(
            select(
                WorkflowTemplate.id,
                WorkflowTemplate.partner_id,
                WorkflowTemplate.name,
                WorkflowTemplate.description,
                WorkflowTemplate.version,
            ).order_by(WorkflowTemplate.id)
        )
        items = await session.execute(
            select(
                WorkflowTemplateItem.template_id,
                WorkflowTemplateItem.title,
                WorkflowTemplateItem.category,
                WorkflowTemplateItem.due_offset_days,
                WorkflowTemplateItem.client_visible,
                WorkflowTemplateItem.blocks_launch,
                WorkflowTemplateItem.position,
            ).order_by(WorkflowTemplateItem.template_id, WorkflowTemplateItem.position)
        )
        return [tuple(r) for r in templates.all()] + [tuple(r) for r in items.all()]


async def client_tasks(sessions: Sessions, client_id: int) -> list[tuple[Any, ...]]:
    """The client's tasks as stored, in checklist order."""
    async with sessions() as session:
        rows = await session.execute(
            select(
                Task.id,
                Task.partner_id,
                Task.title,
                Task.description,
                Task.category,
                Task.status,
                Task.due_date,
                Task.client_visible,
                Task.blocks_launch,
                Task.position,
                Task.version,
            )
            .where(Task.client_id == client_id)
            .order_by(Task.position, Task.id)
        )
        return [tuple(r) for r in rows.all()]


async def counts(sessions: Sessions) -> dict[str, int]:
    tables: dict[str, Any] = {
        "clients": Client,
        "stores": Store,
        "accesses": PartnerAccess,
        "users": User,
        "client_users": ClientUser,
        "assignments": Assignment,
        "tasks": Task,
        "templates": WorkflowTemplate,
        "items": WorkflowTemplateItem,
    }
    async with sessions() as session:
        return {
            name: int((await session.execute(select(func.count(model.id)))).scalar_one())
            for name, model in tables.items()
        }


async def partner_templates(gql: GraphQL, email: str, partner_id: int) -> Payload | None:
    body = await gql(email, TEMPLATES_OF_PARTNER, id=gid("Partner", partner_id))
    assert "errors" not in body, body
    partner: Payload | None = body["data"]["partner"]
    return partner


async def node(gql: GraphQL, email: str, global_id: str) -> Payload | None:
    body = await gql(
        email,
        "query($id: ID!) { node(id: $id) { ... on WorkflowTemplate { ...TemplateFields } } }"
        + TEMPLATE_FIELDS,
        id=global_id,
    )
    assert "errors" not in body, body
    found: Payload | None = body["data"]["node"]
    return found


def item_tuples(template: Payload) -> list[tuple[Any, ...]]:
    return [
        (i["title"], i["category"], i["dueOffsetDays"], i["clientVisible"], i["blocksLaunch"])
        for i in template["items"]
    ]


def items_input(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [{"title": f"Step {n + 1}", "dueOffsetDays": n, **overrides} for n in range(count)]


def due_on(offset: int | None, days: set[date]) -> set[str | None]:
    """The due dates a task applied on one of `days` may have (a run may span midnight)."""
    if offset is None:
        return {None}
    return {(d + timedelta(days=offset)).isoformat() for d in days}


# --- Listing and reading --------------------------------------------------------------------


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER, SPECIALIST, DESIGNER])
async def test_team_members_list_their_partners_templates(
    gql: GraphQL, world: World, email: str
) -> None:
    partner = await partner_templates(gql, email, world.partners[NORTHWIND])
    assert partner is not None
    conn = partner["workflowTemplates"]
    assert conn["totalCount"] == 2
    assert [t["name"] for t in conn["nodes"]] == [MIGRATION, STANDARD]  # by name
    migration, standard = conn["nodes"]
    assert item_tuples(migration) == MIGRATION_ITEMS
    assert [i["position"] for i in migration["items"]] == [1, 2, 3]
    assert item_tuples(standard) == [
        (i.title, i.category.name, i.offset, i.client_visible, i.blocks_launch)
        for i in STANDARD_LAUNCH
    ]
    assert [i["position"] for i in standard["items"]] == list(range(1, 11))


async def test_each_partner_sees_only_its_own_templates(gql: GraphQL, world: World) -> None:
    bluefin = await partner_templates(gql, BLUEFIN_OWNER, world.partners[BLUEFIN])
    assert bluefin is not None
    assert [t["name"] for t in bluefin["workflowTemplates"]["nodes"]] == [EXPRESS]
    assert len(bluefin["workflowTemplates"]["nodes"][0]["items"]) == 6
    # Northwind is not visible to Bluefin at all.
    assert await partner_templates(gql, BLUEFIN_OWNER, world.partners[NORTHWIND]) is None


async def test_node_resolves_a_template_for_the_team(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    migration = await template_gid(sessions, world, NORTHWIND, MIGRATION)
    found = await node(gql, SPECIALIST, migration)
    assert found is not None
    assert found["id"] == migration
    assert found["name"] == MIGRATION
    assert found["description"] == "Moving a catalog from another platform."
    assert item_tuples(found) == MIGRATION_ITEMS


@pytest.mark.parametrize("email", [MERCHANT, BLUEFIN_OWNER, BLUEFIN_SPECIALIST, INVITEE, NEWCOMER])
async def test_merchants_and_other_partners_see_no_templates(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    for name in (STANDARD, MIGRATION):
        assert await node(gql, email, await template_gid(sessions, world, NORTHWIND, name)) is None
    assert await node(gql, email, UNKNOWN_TEMPLATE) is None
    partner = await partner_templates(gql, email, world.partners[NORTHWIND])
    if email in (MERCHANT, INVITEE):
        # The merchant sees the partner that works for them, and someone invited to the team
        # sees who invited them, but neither sees its workflows.
        assert partner is not None
        assert partner["name"] == "Northwind Digital"
        assert partner["workflowTemplates"] == {"totalCount": 0, "nodes": []}
    else:
        assert partner is None


# --- Creating ------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER])
async def test_managers_admins_and_owners_create_templates(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    payload = await mutate(
        gql,
        email,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": "  Holiday readiness  ",
            "description": "Before the November rush.",
            "items": [
                {
                    "title": "Plan the gift guide",
                    "category": "CONTENT",
                    "description": "Twelve products, three price bands.",
                    "dueOffsetDays": 0,
                    "clientVisible": True,
                },
                {"title": "Load-test the checkout", "dueOffsetDays": 365, "blocksLaunch": True},
                {"title": "  Decide on free shipping  "},
            ],
        },
    )
    assert payload["userErrors"] == []
    template = payload["workflowTemplate"]
    assert template["name"] == "Holiday readiness"
    assert template["description"] == "Before the November rush."
    assert template["version"] == 1
    assert item_tuples(template) == [
        ("Plan the gift guide", "CONTENT", 0, True, False),
        ("Load-test the checkout", "OTHER", 365, False, True),
        ("Decide on free shipping", "OTHER", None, False, False),
    ]
    assert [i["position"] for i in template["items"]] == [1, 2, 3]
    assert template["items"][0]["description"] == "Twelve products, three price bands."

    async with sessions() as session:
        row = await session.get(WorkflowTemplate, db_id(template["id"]))
        assert row is not None
        assert row.partner_id == world.partners[NORTHWIND]
        partners = await session.execute(
            select(WorkflowTemplateItem.partner_id).where(
                WorkflowTemplateItem.template_id == row.id
            )
        )
        assert list(partners.scalars()) == [world.partners[NORTHWIND]] * 3

    partner = await partner_templates(gql, SPECIALIST, world.partners[NORTHWIND])
    assert partner is not None
    assert [t["name"] for t in partner["workflowTemplates"]["nodes"]] == [
        MIGRATION,
        "Holiday readiness",
        STANDARD,
    ]
    assert await node(gql, SPECIALIST, template["id"]) == template


async def test_a_template_may_have_one_hundred_items(gql: GraphQL, world: World) -> None:
    payload = await mutate(
        gql,
        MANAGER,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": "Big catalog",
            "items": items_input(100),
        },
    )
    assert payload["userErrors"] == []
    assert [i["position"] for i in payload["workflowTemplate"]["items"]] == list(range(1, 101))


@pytest.mark.parametrize("email", [SPECIALIST, DESIGNER, MERCHANT, INVITEE, PLATFORM])
async def test_lesser_roles_may_not_create_templates(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    before = await stored_templates(sessions)
    payload = await mutate(
        gql,
        email,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": "My own workflow",
            "items": items_input(2),
        },
    )
    assert payload["workflowTemplate"] is None
    assert codes(payload) == [(["input", "partnerId"], "FORBIDDEN")]
    assert await stored_templates(sessions) == before


@pytest.mark.parametrize("email", [BLUEFIN_OWNER, BLUEFIN_SPECIALIST, NEWCOMER])
async def test_creating_for_another_partner_is_not_found(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    before = await stored_templates(sessions)
    input = {"name": "Sneaky", "items": items_input(1)}
    foreign = await mutate(
        gql,
        email,
        "createWorkflowTemplate",
        {"partnerId": gid("Partner", world.partners[NORTHWIND]), **input},
    )
    unknown = await mutate(
        gql, email, "createWorkflowTemplate", {"partnerId": UNKNOWN_PARTNER, **input}
    )
    assert foreign == unknown
    assert codes(foreign) == [(["input", "partnerId"], "NOT_FOUND")]
    assert await stored_templates(sessions) == before


INVALID_ITEMS: dict[str, tuple[list[dict[str, Any]], list[tuple[list[str], str]]]] = {
    "no-items": ([], [(["input", "items"], "REQUIRED")]),
    "too-many-items": (items_input(101), [(["input", "items"], "TOO_LONG")]),
    "blank-title": (
        [{"title": "One"}, {"title": "Two"}, {"title": "   "}],
        [(["input", "items", "2", "title"], "REQUIRED")],
    ),
    "long-title": (
        [{"title": "One"}, {"title": "t" * 201}],
        [(["input", "items", "1", "title"], "TOO_LONG")],
    ),
    "negative-offset": (
        [{"title": "One", "dueOffsetDays": -1}],
        [(["input", "items", "0", "dueOffsetDays"], "INVALID")],
    ),
    "offset-over-a-year": (
        [{"title": "One"}, {"title": "Two", "dueOffsetDays": 366}],
        [(["input", "items", "1", "dueOffsetDays"], "INVALID")],
    ),
    "several": (
        [
            {"title": "One", "dueOffsetDays": -5},
            {"title": "Two"},
            {"title": "", "dueOffsetDays": 400},
        ],
        [
            (["input", "items", "0", "dueOffsetDays"], "INVALID"),
            (["input", "items", "2", "title"], "REQUIRED"),
            (["input", "items", "2", "dueOffsetDays"], "INVALID"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(INVALID_ITEMS))
async def test_create_template_validates_items(
    gql: GraphQL, world: World, sessions: Sessions, case: str
) -> None:
    items, expected = INVALID_ITEMS[case]
    before = await stored_templates(sessions)
    payload = await mutate(
        gql,
        MANAGER,
        "createWorkflowTemplate",
        {"partnerId": gid("Partner", world.partners[NORTHWIND]), "name": "Draft", "items": items},
    )
    assert payload["workflowTemplate"] is None
    assert sorted(codes(payload)) == sorted(expected)
    assert await stored_templates(sessions) == before


@pytest.mark.parametrize(("name", "code"), [("  ", "REQUIRED"), ("n" * 201, "TOO_LONG")])
async def test_create_template_validates_the_name(
    gql: GraphQL, world: World, sessions: Sessions, name: str, code: str
) -> None:
    before = await stored_templates(sessions)
    payload = await mutate(
        gql,
        MANAGER,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": name,
            "items": items_input(1),
        },
    )
    assert payload["workflowTemplate"] is None
    assert codes(payload) == [(["input", "name"], code)]
    assert await stored_templates(sessions) == before


@pytest.mark.parametrize("name", [STANDARD, "standard LAUNCH", "  Catalog Migration "])
async def test_template_names_are_unique_per_partner_ignoring_case(
    gql: GraphQL, world: World, sessions: Sessions, name: str
) -> None:
    before = await stored_templates(sessions)
    payload = await mutate(
        gql,
        OWNER,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": name,
            "items": items_input(1),
        },
    )
    assert payload["workflowTemplate"] is None
    assert codes(payload) == [(["input", "name"], "TAKEN")]
    assert await stored_templates(sessions) == before


async def test_the_same_name_is_fine_in_another_partner(gql: GraphQL, world: World) -> None:
    bluefin = await mutate(
        gql,
        BLUEFIN_OWNER,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[BLUEFIN]),
            "name": STANDARD,
            "items": items_input(2),
        },
    )
    assert bluefin["userErrors"] == []
    assert bluefin["workflowTemplate"]["name"] == STANDARD
    northwind = await mutate(
        gql,
        OWNER,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": EXPRESS,
            "items": items_input(1),
        },
    )
    assert northwind["userErrors"] == []
    partner = await partner_templates(gql, BLUEFIN_OWNER, world.partners[BLUEFIN])
    assert partner is not None
    assert [t["name"] for t in partner["workflowTemplates"]["nodes"]] == [EXPRESS, STANDARD]


# --- Updating and deleting ------------------------------------------------------------------


async def test_update_template_renames_and_replaces_items(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    migration = await template_gid(sessions, world, NORTHWIND, MIGRATION)
    payload = await mutate(
        gql,
        MANAGER,
        "updateWorkflowTemplate",
        {
            "templateId": migration,
            "version": 1,
            "name": "Catalog migration v2",
            "items": [
                {"title": "Audit the old catalog", "category": "CATALOG", "dueOffsetDays": 1},
                {"title": "Redirect old URLs", "category": "DOMAIN", "blocksLaunch": True},
            ],
        },
    )
    assert payload["userErrors"] == []
    updated = payload["workflowTemplate"]
    assert updated["name"] == "Catalog migration v2"
    assert updated["description"] == "Moving a catalog from another platform."
    assert updated["version"] == 2
    assert item_tuples(updated) == [
        ("Audit the old catalog", "CATALOG", 1, False, False),
        ("Redirect old URLs", "DOMAIN", None, False, True),
    ]
    assert [i["position"] for i in updated["items"]] == [1, 2]
    assert await node(gql, OWNER, migration) == updated
    async with sessions() as session:
        stored = await session.execute(
            select(func.count(WorkflowTemplateItem.id)).where(
                WorkflowTemplateItem.template_id == db_id(migration)
            )
        )
        assert stored.scalar_one() == 2

    # Only the description: the items stay; only the items: the version still moves on.
    described = await mutate(
        gql,
        ADMIN,
        "updateWorkflowTemplate",
        {"templateId": migration, "version": 2, "description": "Now with redirects."},
    )
    assert described["userErrors"] == []
    assert described["workflowTemplate"]["description"] == "Now with redirects."
    assert item_tuples(described["workflowTemplate"]) == item_tuples(updated)
    assert described["workflowTemplate"]["version"] == 3
    restocked = await mutate(
        gql,
        OWNER,
        "updateWorkflowTemplate",
        {"templateId": migration, "version": 3, "items": [{"title": "Only step"}]},
    )
    assert restocked["userErrors"] == []
    assert restocked["workflowTemplate"]["version"] == 4
    assert restocked["workflowTemplate"]["name"] == "Catalog migration v2"
    assert item_tuples(restocked["workflowTemplate"]) == [
        ("Only step", "OTHER", None, False, False)
    ]


async def test_update_template_may_change_the_case_of_its_own_name(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    payload = await mutate(
        gql,
        MANAGER,
        "updateWorkflowTemplate",
        {
            "templateId": await template_gid(sessions, world, NORTHWIND, STANDARD),
            "version": 1,
            "name": "Standard Launch",
        },
    )
    assert payload["userErrors"] == []
    assert payload["workflowTemplate"]["name"] == "Standard Launch"


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        ({"name": "CATALOG MIGRATION"}, [(["input", "name"], "TAKEN")]),
        ({"name": " "}, [(["input", "name"], "REQUIRED")]),
        ({"items": []}, [(["input", "items"], "REQUIRED")]),
        (
            {"name": "Renamed", "items": [{"title": "ok"}, {"title": " "}]},
            [(["input", "items", "1", "title"], "REQUIRED")],
        ),
        ({"items": items_input(101)}, [(["input", "items"], "TOO_LONG")]),
        (
            {"items": [{"title": "Late", "dueOffsetDays": 366}]},
            [(["input", "items", "0", "dueOffsetDays"], "INVALID")],
        ),
    ],
    ids=["taken", "blank-name", "no-items", "blank-item", "too-many", "offset"],
)
async def test_update_template_validates_and_changes_nothing_on_error(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    input: dict[str, Any],
    expected: list[tuple[list[str], str]],
) -> None:
    before = await stored_templates(sessions)
    payload = await mutate(
        gql,
        MANAGER,
        "updateWorkflowTemplate",
        {
            "templateId": await template_gid(sessions, world, NORTHWIND, STANDARD),
            "version": 1,
            **input,
        },
    )
    assert payload["workflowTemplate"] is None
    assert codes(payload) == expected
    assert await stored_templates(sessions) == before


async def test_update_with_a_stale_version_is_a_conflict(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    standard = await template_gid(sessions, world, NORTHWIND, STANDARD)
    first = await mutate(
        gql,
        ADMIN,
        "updateWorkflowTemplate",
        {"templateId": standard, "version": 1, "description": "v2"},
    )
    assert first["userErrors"] == []
    before = await stored_templates(sessions)
    stale = await mutate(
        gql,
        MANAGER,
        "updateWorkflowTemplate",
        {"templateId": standard, "version": 1, "name": "Stale", "items": [{"title": "Stale step"}]},
    )
    assert stale["workflowTemplate"] is None
    assert codes(stale) == [(["input", "version"], "CONFLICT")]
    assert await stored_templates(sessions) == before


async def test_delete_template(gql: GraphQL, world: World, sessions: Sessions) -> None:
    migration = await template_gid(sessions, world, NORTHWIND, MIGRATION)
    applied = await mutate(
        gql,
        OWNER,
        "applyWorkflowTemplate",
        {"clientId": gid("Client", world.clients[LUMEN]), "templateId": migration},
    )
    assert applied["userErrors"] == []
    tasks_before = await client_tasks(sessions, world.clients[LUMEN])

    stale = await mutate(
        gql, ADMIN, "deleteWorkflowTemplate", {"templateId": migration, "version": 7}
    )
    assert stale["deletedWorkflowTemplateId"] is None
    assert codes(stale) == [(["input", "version"], "CONFLICT")]
    assert await node(gql, ADMIN, migration) is not None

    payload = await mutate(
        gql, ADMIN, "deleteWorkflowTemplate", {"templateId": migration, "version": 1}
    )
    assert payload == {"deletedWorkflowTemplateId": migration, "userErrors": []}
    assert await node(gql, ADMIN, migration) is None
    async with sessions() as session:
        left = await session.execute(
            select(func.count(WorkflowTemplateItem.id)).where(
                WorkflowTemplateItem.template_id == db_id(migration)
            )
        )
        assert left.scalar_one() == 0
    partner = await partner_templates(gql, ADMIN, world.partners[NORTHWIND])
    assert partner is not None
    assert [t["name"] for t in partner["workflowTemplates"]["nodes"]] == [STANDARD]
    # The tasks it created stay with the client.
    assert await client_tasks(sessions, world.clients[LUMEN]) == tasks_before

    again = await mutate(
        gql, ADMIN, "deleteWorkflowTemplate", {"templateId": migration, "version": 1}
    )
    assert codes(again) == [(["input", "templateId"], "NOT_FOUND")]


@pytest.mark.parametrize("mutation", ["updateWorkflowTemplate", "deleteWorkflowTemplate"])
@pytest.mark.parametrize("email", [SPECIALIST, DESIGNER, PLATFORM])
async def test_readers_may_not_change_or_delete_templates(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str, email: str
) -> None:
    before = await stored_templates(sessions)
    input: dict[str, Any] = {
        "templateId": await template_gid(sessions, world, NORTHWIND, STANDARD),
        "version": 1,
    }
    if mutation == "updateWorkflowTemplate":
        input["name"] = "Mine"
    payload = await mutate(gql, email, mutation, input)
    assert codes(payload) == [(["input", "templateId"], "FORBIDDEN")]
    assert await stored_templates(sessions) == before


@pytest.mark.parametrize("mutation", ["updateWorkflowTemplate", "deleteWorkflowTemplate"])
@pytest.mark.parametrize("email", [BLUEFIN_OWNER, MERCHANT, INVITEE, NEWCOMER])
async def test_templates_out_of_reach_are_not_found(
    gql: GraphQL, world: World, sessions: Sessions, mutation: str, email: str
) -> None:
    before = await stored_templates(sessions)
    extra: dict[str, Any] = {"version": 1}
    if mutation == "updateWorkflowTemplate":
        extra["name"] = "Mine"
    foreign = await mutate(
        gql,
        email,
        mutation,
        {"templateId": await template_gid(sessions, world, NORTHWIND, STANDARD), **extra},
    )
    unknown = await mutate(gql, email, mutation, {"templateId": UNKNOWN_TEMPLATE, **extra})
    assert foreign == unknown
    assert codes(foreign) == [(["input", "templateId"], "NOT_FOUND")]
    assert await stored_templates(sessions) == before


# --- Applying -------------------------------------------------------------------------------


async def test_applying_copies_the_items_after_the_existing_tasks(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    lumen = world.clients[LUMEN]
    existing = await client_tasks(sessions, lumen)
    assert len(existing) == 10
    migration = await template_gid(sessions, world, NORTHWIND, MIGRATION)
    days = {today()}
    payload = await mutate(
        gql,
        MANAGER,
        "applyWorkflowTemplate",
        {"clientId": gid("Client", lumen), "templateId": migration},
    )
    days.add(today())
    assert payload["userErrors"] == []
    assert payload["client"] == {"id": gid("Client", lumen), "businessName": LUMEN}
    tasks = payload["tasks"]
    assert [(t["title"], t["category"], t["clientVisible"], t["blocksLaunch"]) for t in tasks] == [
        (title, cat, visible, blocks) for title, cat, _, visible, blocks in MIGRATION_ITEMS
    ]
    assert [t["position"] for t in tasks] == [11, 12, 13]
    assert {t["status"] for t in tasks} == {"TODO"}
    assert {t["version"] for t in tasks} == {1}
    for task, (_, _, offset, _, _) in zip(tasks, MIGRATION_ITEMS, strict=True):
        assert task["dueDate"] in due_on(offset, days)

    stored = await client_tasks(sessions, lumen)
    assert stored[:10] == existing
    assert [r[0] for r in stored[10:]] == [db_id(t["id"]) for t in tasks]
    assert {r[1] for r in stored[10:]} == {world.partners[NORTHWIND]}

    body = await gql(
        OWNER,
        "query($id: ID!) { client(id: $id) { tasks(first: 100) { nodes { id } } } }",
        id=gid("Client", lumen),
    )
    assert [n["id"] for n in body["data"]["client"]["tasks"]["nodes"]][10:] == [
        t["id"] for t in tasks
    ]

    # Applying again appends another copy.
    again = await mutate(
        gql,
        MANAGER,
        "applyWorkflowTemplate",
        {"clientId": gid("Client", lumen), "templateId": migration},
    )
    assert again["userErrors"] == []
    assert [t["position"] for t in again["tasks"]] == [14, 15, 16]

    # The merchant sees the copied tasks that are shared with them.
    body = await gql(
        MERCHANT,
        "query($id: ID!) { client(id: $id) { tasks(first: 100) { nodes { title } } } }",
        id=gid("Client", lumen),
    )
    shared = [n["title"] for n in body["data"]["client"]["tasks"]["nodes"]]
    assert shared.count("Export products from the old platform") == 2
    assert "Map categories and variants" not in shared


async def test_applying_an_item_without_offset_gives_no_due_date(
    gql: GraphQL, world: World
) -> None:
    created = await mutate(
        gql,
        OWNER,
        "createWorkflowTemplate",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "name": "Quick wins",
            "items": [
                {"title": "Whenever you can"},
                {"title": "Today", "dueOffsetDays": 0},
                {"title": "In a year", "dueOffsetDays": 365},
            ],
        },
    )
    assert created["userErrors"] == []
    days = {today()}
    payload = await mutate(
        gql,
        OWNER,
        "applyWorkflowTemplate",
        {
            "clientId": gid("Client", world.clients[COPPERLEAF]),
            "templateId": created["workflowTemplate"]["id"],
        },
    )
    days.add(today())
    assert payload["userErrors"] == []
    dates = [t["dueDate"] for t in payload["tasks"]]
    assert dates[0] is None
    assert dates[1] in due_on(0, days)
    assert dates[2] in due_on(365, days)


async def test_template_edits_do_not_reach_tasks_already_applied(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    migration = await template_gid(sessions, world, NORTHWIND, MIGRATION)
    lumen, aster = world.clients[LUMEN], world.clients[ASTER]
    applied: dict[int, list[Payload]] = {}
    for client in (lumen, aster):
        payload = await mutate(
            gql,
            OWNER,
            "applyWorkflowTemplate",
            {"clientId": gid("Client", client), "templateId": migration},
        )
        assert payload["userErrors"] == []
        applied[client] = payload["tasks"]
    lumen_before = await client_tasks(sessions, lumen)
    aster_before = await client_tasks(sessions, aster)

    renamed = await mutate(
        gql,
        MANAGER,
        "updateWorkflowTemplate",
        {
            "templateId": migration,
            "version": 1,
            "name": "Catalog migration (2025)",
            "description": "Changed.",
            "items": [
                {"title": "Completely different", "dueOffsetDays": 100, "clientVisible": True}
            ],
        },
    )
    assert renamed["userErrors"] == []
    assert await client_tasks(sessions, lumen) == lumen_before
    assert await client_tasks(sessions, aster) == aster_before

    # Customising one client's copy leaves the other client's copy alone.
    first = applied[lumen][0]
    edited = await mutate_task(
        gql,
        "updateTask",
        {
            "taskId": first["id"],
            "version": first["version"],
            "title": "Export from Etsy",
            "dueDate": "2030-01-01",
            "clientVisible": False,
        },
    )
    assert edited["userErrors"] == []
    second = applied[lumen][1]
    done = await mutate_task(
        gql, "completeTask", {"taskId": second["id"], "version": second["version"]}
    )
    assert done["userErrors"] == []
    third = applied[lumen][2]
    deleted = await mutate_task(
        gql, "deleteTask", {"taskId": third["id"], "version": third["version"]}
    )
    assert deleted["userErrors"] == []
    assert await client_tasks(sessions, aster) == aster_before
    lumen_after = await client_tasks(sessions, lumen)
    assert len(lumen_after) == len(lumen_before) - 1
    assert [r[2] for r in lumen_after[-2:]] == ["Export from Etsy", "Map categories and variants"]

    # Deleting the template leaves every copy in place.
    deleted_template = await mutate(
        gql, ADMIN, "deleteWorkflowTemplate", {"templateId": migration, "version": 2}
    )
    assert deleted_template["userErrors"] == []
    assert await client_tasks(sessions, aster) == aster_before
    assert await client_tasks(sessions, lumen) == lumen_after


async def mutate_task(gql: GraphQL, name: str, input: dict[str, Any]) -> Payload:
    """A task mutation by the Northwind owner."""
    input_type = "UpdateTaskInput" if name == "updateTask" else "TaskVersionInput"
    body = await gql(
        OWNER,
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {ERRORS} }} }}",
        input=input,
    )
    assert "errors" not in body, body
    payload: Payload = body["data"][name]
    return payload


@pytest.mark.parametrize(
    ("email", "client", "partner", "template"),
    [
        (OWNER, LUMEN, BLUEFIN, EXPRESS),  # another partner's template
        (OWNER, TIDAL, BLUEFIN, EXPRESS),  # ... also for the client it now works with
        (BLUEFIN_OWNER, TIDAL, NORTHWIND, STANDARD),  # the client's previous partner's template
        (BLUEFIN_OWNER, HARBOR, NORTHWIND, MIGRATION),
        (MANAGER, COPPERLEAF, BLUEFIN, EXPRESS),
    ],
)
async def test_applying_a_template_out_of_reach_is_not_found(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    email: str,
    client: str,
    partner: str,
    template: str,
) -> None:
    before = await counts(sessions)
    client_id = gid("Client", world.clients[client])
    foreign = await mutate(
        gql,
        email,
        "applyWorkflowTemplate",
        {
            "clientId": client_id,
            "templateId": await template_gid(sessions, world, partner, template),
        },
    )
    unknown = await mutate(
        gql, email, "applyWorkflowTemplate", {"clientId": client_id, "templateId": UNKNOWN_TEMPLATE}
    )
    assert foreign == unknown
    assert foreign["client"] is None
    assert foreign["tasks"] == []
    if email == OWNER and client == TIDAL:
        # Northwind no longer works for Tidal Threads: the client itself is out of reach.
        assert codes(foreign) == [(["input", "clientId"], "NOT_FOUND")]
    else:
        assert codes(foreign) == [(["input", "templateId"], "NOT_FOUND")]
    assert await counts(sessions) == before


@pytest.mark.parametrize(
    ("email", "client"),
    [
        (OWNER, HARBOR),  # Bluefin's client
        (OWNER, TIDAL),  # Northwind's access ended
        (OWNER, "Old Mill Bakery"),  # Northwind's access revoked
        (SPECIALIST, COPPERLEAF),  # not assigned
        (SPECIALIST, "Old Mill Bakery"),  # assigned, but the access was revoked
        (BLUEFIN_OWNER, LUMEN),
    ],
)
async def test_applying_to_a_client_out_of_reach_is_not_found(
    gql: GraphQL, world: World, sessions: Sessions, email: str, client: str
) -> None:
    before = await counts(sessions)
    partner = BLUEFIN if email == BLUEFIN_OWNER else NORTHWIND
    name = EXPRESS if partner == BLUEFIN else STANDARD
    template = await template_gid(sessions, world, partner, name)
    foreign = await mutate(
        gql,
        email,
        "applyWorkflowTemplate",
        {"clientId": gid("Client", world.clients[client]), "templateId": template},
    )
    unknown = await mutate(
        gql, email, "applyWorkflowTemplate", {"clientId": UNKNOWN_CLIENT, "templateId": template}
    )
    assert foreign == unknown
    assert codes(foreign) == [(["input", "clientId"], "NOT_FOUND")]
    assert await counts(sessions) == before


@pytest.mark.parametrize("email", [MERCHANT, PLATFORM])
async def test_readers_of_the_client_may_not_apply_templates(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    before = await counts(sessions)
    payload = await mutate(
        gql,
        email,
        "applyWorkflowTemplate",
        {
            "clientId": gid("Client", world.clients[LUMEN]),
            "templateId": await template_gid(sessions, world, NORTHWIND, STANDARD),
        },
    )
    assert codes(payload) == [(["input", "clientId"], "FORBIDDEN")]
    assert await counts(sessions) == before


@pytest.mark.parametrize("client", [LUMEN, BIRCH])
async def test_specialist_applies_a_template_to_an_assigned_client(
    gql: GraphQL, world: World, sessions: Sessions, client: str
) -> None:
    client_id = world.clients[client]
    existing = await client_tasks(sessions, client_id)
    payload = await mutate(
        gql,
        SPECIALIST,
        "applyWorkflowTemplate",
        {
            "clientId": gid("Client", client_id),
            "templateId": await template_gid(sessions, world, NORTHWIND, STANDARD),
        },
    )
    assert payload["userErrors"] == []
    assert [t["title"] for t in payload["tasks"]] == [i.title for i in STANDARD_LAUNCH]
    assert [t["position"] for t in payload["tasks"]] == [
        len(existing) + n for n in range(1, len(STANDARD_LAUNCH) + 1)
    ]
    stored = await client_tasks(sessions, client_id)
    assert len(stored) == len(existing) + len(STANDARD_LAUNCH)


# --- Onboarding from a template -------------------------------------------------------------


@pytest.mark.parametrize("email", [MANAGER, SPECIALIST])
async def test_onboarding_with_a_template_starts_the_checklist(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    days = {today()}
    payload = await mutate(
        gql,
        email,
        "onboardClient",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "businessName": "Quill & Ink Stationery",
            "contactEmail": "hello@quill-ink.example",
            "workflowTemplateId": await template_gid(sessions, world, NORTHWIND, MIGRATION),
        },
    )
    days.add(today())
    assert payload["userErrors"] == []
    client = payload["client"]
    assert client["businessName"] == "Quill & Ink Stationery"
    tasks = client["tasks"]["nodes"]
    assert client["tasks"]["totalCount"] == 3
    assert [(t["title"], t["category"], t["clientVisible"], t["blocksLaunch"]) for t in tasks] == [
        (title, cat, visible, blocks) for title, cat, _, visible, blocks in MIGRATION_ITEMS
    ]
    assert [t["position"] for t in tasks] == [1, 2, 3]
    assert {t["status"] for t in tasks} == {"TODO"}
    for task, (_, _, offset, _, _) in zip(tasks, MIGRATION_ITEMS, strict=True):
        assert task["dueDate"] in due_on(offset, days)
    stored = await client_tasks(sessions, db_id(client["id"]))
    assert {r[1] for r in stored} == {world.partners[NORTHWIND]}


async def test_onboarding_without_a_template_starts_with_no_tasks(
    gql: GraphQL, world: World
) -> None:
    payload = await mutate(
        gql,
        MANAGER,
        "onboardClient",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "businessName": "Empty Shelf",
            "contactEmail": "hello@empty-shelf.example",
        },
    )
    assert payload["userErrors"] == []
    assert payload["client"]["tasks"]["totalCount"] == 0


@pytest.mark.parametrize("email", [MANAGER, SPECIALIST])
@pytest.mark.parametrize("template", ["other-partner", "never-issued", "garbage", "wrong-type"])
async def test_onboarding_with_a_template_out_of_reach_leaves_nothing_behind(
    gql: GraphQL, world: World, sessions: Sessions, email: str, template: str
) -> None:
    template_id = {
        "other-partner": await template_gid(sessions, world, BLUEFIN, EXPRESS),
        "never-issued": UNKNOWN_TEMPLATE,
        "garbage": "not-an-id",
        "wrong-type": gid("Client", world.clients[LUMEN]),
    }[template]
    before = await counts(sessions)
    payload = await mutate(
        gql,
        email,
        "onboardClient",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "businessName": "Ghost Goods",
            "contactEmail": "owner@ghost-goods.example",
            "merchantName": "Gus Ghost",
            "workflowTemplateId": template_id,
        },
    )
    assert payload["client"] is None
    assert payload["userErrors"] == [
        {
            "field": ["input", "workflowTemplateId"],
            "message": "No workflow template with that id.",
            "code": "NOT_FOUND",
        }
    ]
    assert await counts(sessions) == before
    async with sessions() as session:
        assert (
            await session.execute(select(User.id).where(User.email == "owner@ghost-goods.example"))
        ).first() is None
        assert (
            await session.execute(select(Store.id).where(Store.subdomain == "ghost-goods"))
        ).first() is None
        assert (
            await session.execute(select(Client.id).where(Client.business_name == "Ghost Goods"))
        ).first() is None

    # The same onboarding without the template goes through.
    retry = await mutate(
        gql,
        email,
        "onboardClient",
        {
            "partnerId": gid("Partner", world.partners[NORTHWIND]),
            "businessName": "Ghost Goods",
            "contactEmail": "owner@ghost-goods.example",
        },
    )
    assert retry["userErrors"] == []
