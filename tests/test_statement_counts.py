"""N+1 budgets: a page of 5 and a page of 100 cost the same number of SQL statements, each budget
is pinned, and every statement that reads tenant data carries the viewer's policy filter."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import (
    AccessStatus,
    AssignmentRole,
    ClientStatus,
    MemberStatus,
    MerchantRole,
    PartnerRole,
    TaskCategory,
    TaskStatus,
)
from db.models import (
    Assignment,
    Client,
    ClientUser,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    Task,
    User,
    WorkflowTemplate,
    WorkflowTemplateItem,
)
from policies import Authorizer, Viewer, load_viewer
from policies.authorize import Action
from resolvers.task_queries import today
from schema.relay import to_global_id
from tests.conftest import GraphQL, World, token_for

NORTHWIND = "northwind-digital"
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
EXTRA_CLIENTS = 100  # more than a full page, for the owner and for the assigned specialist

DASHBOARD = """
query Dashboard($first: Int!) {
  clients(first: $first) {
    totalCount
    edges {
      node {
        id
        businessName
        store { id subdomain launchStatus }
        partner { id name }
        assignees { role user { email } member { id role } }
      }
    }
  }
}
"""

PARTNER_PAGE = """
query PartnerPage($id: ID!, $first: Int!) {
  partner(id: $id) {
    members { user { email } }
    clients(first: $first) { nodes { store { id } } }
  }
}
"""

VIEWER = """
{
  viewer {
    memberships { partner { name } }
    clientAccounts { store { id } }
  }
}
"""

# Every request starts by loading its viewer: the user, their partner memberships and their
# merchant grants. These three statements look rows up by the signed-in user's own id.
VIEWER_LOAD = ["users", "partner_members", "client_users"]

# dashboard: viewer (3) + the page of clients + totalCount + one batch per loader reached:
# stores by client, partners, assignments by client, partner members, users.
DASHBOARD_BUDGET = 10
DASHBOARD_TABLES = sorted(
    [
        *VIEWER_LOAD,
        *("clients", "clients"),
        *("stores", "partners", "assignments", "partner_members", "users"),
    ]
)

# partner page: viewer (3) + the partner + its members + the members' users + the page of
# clients (no totalCount asked) + their stores.
PARTNER_BUDGET = 8
PARTNER_TABLES = sorted([*VIEWER_LOAD, "partners", "partner_members", "users", "clients", "stores"])

# viewer: viewer (3) + the viewer's memberships + their partners + the merchant accounts +
# the accounts' stores.
VIEWER_BUDGET = 7
VIEWER_TABLES = sorted([*VIEWER_LOAD, "partner_members", "partners", "clients", "stores"])

# --- Tasks, launch readiness, store set-up and workflow templates ------------------------------

EXTRA_LONG_TASKS = 120  # one client with more tasks than a full page
EXTRA_TEMPLATES = 110  # more Northwind workflow templates than a full page
ITEMS_PER_TEMPLATE = 3
LONG_CHECKLIST = "Northwind Extra 000"
LUMEN = "Lumen Candles"

# The dashboard with each client's open work, next due task, launch readiness and store set-up.
DASHBOARD_WORK = """
query DashboardWork($first: Int!) {
  clients(first: $first) {
    totalCount
    edges {
      node {
        id
        businessName
        store {
          id
          subdomain
          launchStatus
          domain { status }
          payments { status }
          brand { onTemplateDefaults }
        }
        partner { id name }
        assignees { role user { email } member { id role } }
        openTaskCount
        nextDueTask { title assignee { user { email } } }
        launchReadiness { ready blockers { code } }
      }
    }
  }
}
"""

# dashboard with work: viewer (3) + the page of clients + totalCount + stores by client (the
# store's set-up sections and launch readiness use the same rows) + partners + assignments by
# client + partner members + users + the open task count and next due task per client (one
# windowed statement) + open launch-blocking task counts per client. The next due tasks'
# assignees are staffed on the page, so their memberships and users are already in the
# assignees' member and user batches. (An assignee staffed nowhere on the page costs one more
# member batch and one more user batch, whatever the page size.)
DASHBOARD_WORK_BUDGET = 12
DASHBOARD_WORK_TABLES = sorted([*DASHBOARD_TABLES, "tasks", "tasks"])

ROOT_TASKS = """
query RootTasks($first: Int!) {
  tasks(first: $first) {
    nodes {
      title
      client { businessName store { id } }
      assignee { user { email } }
    }
  }
}
"""

# root tasks: viewer (3) + the page of tasks + their clients + the clients' stores + the
# assignees' memberships + the members' users.
ROOT_TASKS_BUDGET = 8
ROOT_TASKS_TABLES = sorted([*VIEWER_LOAD, "tasks", "clients", "stores", "partner_members", "users"])

CLIENT_TASKS = """
query ClientTasks($id: ID!, $first: Int!) {
  client(id: $id) {
    tasks(first: $first) {
      nodes { title position assignee { user { email } } }
    }
  }
}
"""

# one client's checklist: viewer (3) + the client + the page of its tasks + the assignees'
# memberships + the members' users.
CLIENT_TASKS_BUDGET = 7
CLIENT_TASKS_TABLES = sorted([*VIEWER_LOAD, "clients", "tasks", "partner_members", "users"])

TEMPLATES = """
query Templates($id: ID!, $first: Int!) {
  partner(id: $id) {
    workflowTemplates(first: $first) {
      nodes { name items { title } }
    }
  }
}
"""

# workflow templates: viewer (3) + the partner + the page of templates + all their items.
TEMPLATES_BUDGET = 6
TEMPLATES_TABLES = sorted(
    [*VIEWER_LOAD, "partners", "workflow_templates", "workflow_template_items"]
)

INVITATIONS = """
{
  viewer {
    invitations { partner { name } }
  }
}
"""

# invitations: viewer (3) + the viewer's pending invitations + the inviting partners.
INVITATIONS_BUDGET = 5
INVITATIONS_TABLES = sorted([*VIEWER_LOAD, "partner_members", "partners"])

# Tables whose rows belong to a tenant, and the model whose read policy guards them.
TENANT_MODELS: dict[str, type[Any]] = {
    "clients": Client,
    "stores": Store,
    "assignments": Assignment,
    "partner_members": PartnerMember,
    "partners": Partner,
    "tasks": Task,
    "workflow_templates": WorkflowTemplate,
    "workflow_template_items": WorkflowTemplateItem,
}

# A table read by the statement itself (`FROM clients`), not an aliased table of a subquery
# (`FROM clients AS clients_1`) that belongs to a policy's EXISTS.
_READ_TABLE = re.compile(r"\bFROM\s+(\w+)\b(?!\s+AS\b)")
# A qualified column; an alias's numeric suffix (`partner_accesses_1`) is dropped.
_COLUMN = re.compile(r"\b([a-z_]+?)(?:_\d+)?\.([a-z_]+)\b")


def read_tables(statement: str) -> list[str]:
    return _READ_TABLE.findall(statement)


def main_table(statement: str) -> str:
    tables = read_tables(statement)
    assert tables, f"no table read by: {statement}"
    return tables[0]


def where_part(statement: str) -> str:
    start = statement.find("WHERE")
    return statement[start:] if start >= 0 else ""


def columns(sql: str) -> set[tuple[str, str]]:
    return set(_COLUMN.findall(sql))


# One comparison of a qualified column (`partner_accesses_1.status = ?`, `clients_1.id =
# tasks.client_id`, `tasks.client_visible = true`), whatever the placeholder style.
_ATOM = re.compile(
    r"\b([a-z_]+?)(?:_\d+)?\.([a-z_]+)\s*(=|!=|IS NOT|IS)\s*"
    r"(\?|\$\d+(?:::[A-Z]+)?|[a-z_]+?(?:_\d+)?\.[a-z_]+|\w+|'[^']*')"
)
_PLACEHOLDER = re.compile(r"^(\?|\$\d+(?:::[A-Z]+)?)$")
_ALIAS = re.compile(r"^([a-z_]+?)(?:_\d+)?\.([a-z_]+)$")


def atoms(sql: str) -> Counter[str]:
    """The comparisons in `sql`, aliases and placeholders normalised, with their multiplicity."""
    found: Counter[str] = Counter()
    for table, column, op, value in _ATOM.findall(sql):
        if _PLACEHOLDER.match(value):
            value = "?"
        elif alias := _ALIAS.match(value):
            value = f"{alias[1]}.{alias[2]}"
        found[f"{table}.{column} {op} {value}"] += 1
    return found


async def add_northwind_clients(
    sessions: async_sessionmaker[AsyncSession], world: World, count: int
) -> None:
    """`count` more Northwind clients, each with a store, Northwind's active access, the
    specialist as lead and the designer as contributor."""
    partner_id = world.partners[NORTHWIND]
    now = utcnow()
    async with sessions.begin() as session:
        clients = [
            Client(
                partner_id=partner_id,
                business_name=f"Northwind Extra {i:03d}",
                contact_email=f"hello@extra-{i:03d}.test",
                country="US",
                currency="USD",
                status=ClientStatus.IMPLEMENTATION,
            )
            for i in range(count)
        ]
        session.add_all(clients)
        await session.flush()
        for i, client in enumerate(clients):
            session.add(
                Store(client_id=client.id, name=client.business_name, subdomain=f"extra-{i:03d}")
            )
            session.add(
                PartnerAccess(
                    partner_id=partner_id,
                    client_id=client.id,
                    status=AccessStatus.ACTIVE,
                    requested_at=now,
                    activated_at=now,
                )
            )
            for email, role in (
                (SPECIALIST, AssignmentRole.LEAD),
                (DESIGNER, AssignmentRole.CONTRIBUTOR),
            ):
                session.add(
                    Assignment(
                        partner_id=partner_id,
                        client_id=client.id,
                        member_id=world.members[email],
                        user_id=world.users[email],
                        role=role,
                    )
                )


async def add_portfolio_user(
    sessions: async_sessionmaker[AsyncSession], tag: str, size: int
) -> int:
    """A user who owns `size` partners and is the merchant owner of `size` clients (one per
    partner, each with a store and that partner's active access)."""
    now = utcnow()
    async with sessions.begin() as session:
        user = User(email=f"{tag}@portfolio.test", name=f"Portfolio {tag}")
        session.add(user)
        await session.flush()
        for i in range(size):
            partner = Partner(name=f"{tag} agency {i}", slug=f"{tag}-agency-{i}")
            client = Client(
                business_name=f"{tag} shop {i}",
                contact_email=f"shop-{i}@{tag}.test",
                country="US",
                currency="USD",
            )
            session.add_all([partner, client])
            await session.flush()
            client.partner_id = partner.id
            session.add_all(
                [
                    PartnerMember(partner_id=partner.id, user_id=user.id, role=PartnerRole.OWNER),
                    ClientUser(
                        client_id=client.id, user_id=user.id, role=MerchantRole.MERCHANT_OWNER
                    ),
                    Store(client_id=client.id, name=client.business_name, subdomain=f"{tag}-{i}"),
                    PartnerAccess(
                        partner_id=partner.id,
                        client_id=client.id,
                        status=AccessStatus.ACTIVE,
                        requested_at=now,
                        activated_at=now,
                    ),
                ]
            )
        return user.id


async def add_work(sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    """Open work on every extra Northwind client, a long checklist for the first of them and a
    long list of Northwind workflow templates.

    Each extra client gets a done kick-off (shared with the merchant), an overdue launch-blocking
    catalog import (assigned to the specialist or the designer, the soonest due open task of
    every client and the first tasks of the cross-client list) and an open design approval
    (shared) due in a month, assigned to the designer."""
    partner_id = world.partners[NORTHWIND]
    staff = (world.members[SPECIALIST], world.members[DESIGNER])
    start = today()
    async with sessions.begin() as session:
        extras = (
            await session.execute(
                select(Client.business_name, Client.id)
                .where(Client.business_name.startswith("Northwind Extra "))
                .order_by(Client.business_name)
            )
        ).all()
        for index, (_, client_id) in enumerate(extras):
            session.add_all(
                [
                    Task(
                        partner_id=partner_id,
                        client_id=client_id,
                        title="Kick-off call with the merchant",
                        category=TaskCategory.OTHER,
                        status=TaskStatus.DONE,
                        client_visible=True,
                        position=1,
                        completed_at=utcnow(),
                    ),
                    Task(
                        partner_id=partner_id,
                        client_id=client_id,
                        title="Import the catalog",
                        category=TaskCategory.CATALOG,
                        status=TaskStatus.IN_PROGRESS,
                        assignee_member_id=staff[index % 2],
                        due_date=start - timedelta(days=200 - index),
                        blocks_launch=True,
                        position=2,
                    ),
                    Task(
                        partner_id=partner_id,
                        client_id=client_id,
                        title="Approve the store design",
                        category=TaskCategory.DESIGN,
                        status=TaskStatus.TODO,
                        assignee_member_id=staff[1],
                        due_date=start + timedelta(days=30),
                        client_visible=True,
                        position=3,
                    ),
                ]
            )
        long_checklist = dict(extras)[LONG_CHECKLIST]
        session.add_all(
            Task(
                partner_id=partner_id,
                client_id=long_checklist,
                title=f"Write product copy, batch {i:03d}",
                category=TaskCategory.CONTENT,
                status=TaskStatus.TODO,
                assignee_member_id=staff[i % 2],
                due_date=start + timedelta(days=60 + i),
                client_visible=i % 2 == 0,
                position=4 + i,
            )
            for i in range(EXTRA_LONG_TASKS)
        )
        templates = [
            WorkflowTemplate(partner_id=partner_id, name=f"Playbook {i:03d}")
            for i in range(EXTRA_TEMPLATES)
        ]
        session.add_all(templates)
        await session.flush()
        session.add_all(
            WorkflowTemplateItem(
                template_id=template.id,
                partner_id=partner_id,
                title=f"Step {position}",
                category=TaskCategory.OTHER,
                position=position,
            )
            for template in templates
            for position in range(1, ITEMS_PER_TEMPLATE + 1)
        )


async def add_invited_user(sessions: async_sessionmaker[AsyncSession], tag: str, size: int) -> int:
    """A user with `size` pending invitations, each to a different new partner."""
    async with sessions.begin() as session:
        inviter = User(email=f"inviter@{tag}.test", name=f"Inviter {tag}")
        user = User(email=f"{tag}@invited.test", name=f"Invited {tag}")
        session.add_all([inviter, user])
        await session.flush()
        for i in range(size):
            partner = Partner(name=f"{tag} studio {i}", slug=f"{tag}-studio-{i}")
            session.add(partner)
            await session.flush()
            session.add_all(
                [
                    PartnerMember(
                        partner_id=partner.id, user_id=inviter.id, role=PartnerRole.OWNER
                    ),
                    PartnerMember(
                        partner_id=partner.id,
                        user_id=user.id,
                        role=PartnerRole.SPECIALIST,
                        status=MemberStatus.INVITED,
                        invited_by_user_id=inviter.id,
                    ),
                ]
            )
        return user.id


@pytest.fixture
async def crowded(world: World, sessions: async_sessionmaker[AsyncSession]) -> World:
    """The demo world plus enough Northwind clients for a full page of 100."""
    await add_northwind_clients(sessions, world, EXTRA_CLIENTS)
    return world


@pytest.fixture
async def busy(crowded: World, sessions: async_sessionmaker[AsyncSession]) -> World:
    """The crowded world with open work on every extra client, 120 more tasks on one of them
    and 110 more Northwind workflow templates; the extra clients' ids are added to the world."""
    await add_work(sessions, crowded)
    async with sessions() as session:
        rows = await session.execute(
            select(Client.business_name, Client.id).where(
                Client.business_name.startswith("Northwind Extra ")
            )
        )
        crowded.clients.update({name: id_ for name, id_ in rows})
    return crowded


async def measure(
    statements: list[str], gql: GraphQL, email: str, query: str, **variables: Any
) -> tuple[dict[str, Any], list[str]]:
    statements.clear()
    body = await gql(email, query, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"], list(statements)


def dump(statements: Sequence[str]) -> str:
    """The statements, numbered, for a failure message."""
    return "\n\n".join(f"[{i}] {s}" for i, s in enumerate(statements))


def assert_viewer_load(statements: Sequence[str]) -> None:
    assert [main_table(s) for s in statements[: len(VIEWER_LOAD)]] == VIEWER_LOAD


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_dashboard_costs_the_same_for_5_and_100_clients(
    crowded: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    small, few = await measure(statements, gql, email, DASHBOARD, first=5)
    large, many = await measure(statements, gql, email, DASHBOARD, first=100)

    assert len(small["clients"]["edges"]) == 5
    assert len(large["clients"]["edges"]) == 100
    assert large["clients"]["totalCount"] > 100
    nodes = [e["node"] for e in large["clients"]["edges"]]
    assert all(n["store"] is not None and n["partner"] is not None for n in nodes)
    assert sum(len(n["assignees"]) for n in nodes) >= 2 * 90
    assert all(a["member"] is not None for n in nodes for a in n["assignees"])

    assert len(few) == len(many), (few, many)
    assert len(many) == DASHBOARD_BUDGET, many
    assert sorted(main_table(s) for s in many) == DASHBOARD_TABLES
    assert_viewer_load(many)


async def test_partner_page_costs_the_same_for_5_and_100_clients(
    crowded: World, gql: GraphQL, statements: list[str]
) -> None:
    partner_id = to_global_id("Partner", crowded.partners[NORTHWIND])
    small, few = await measure(statements, gql, OWNER, PARTNER_PAGE, id=partner_id, first=5)
    large, many = await measure(statements, gql, OWNER, PARTNER_PAGE, id=partner_id, first=100)

    assert len(small["partner"]["clients"]["nodes"]) == 5
    assert len(large["partner"]["clients"]["nodes"]) == 100
    assert all(n["store"] is not None for n in large["partner"]["clients"]["nodes"])
    # The six demo members and the pending invitation to invitee@northwind.test.
    assert len(large["partner"]["members"]) == 7

    assert len(few) == len(many), (few, many)
    assert len(many) == PARTNER_BUDGET, many
    assert sorted(main_table(s) for s in many) == PARTNER_TABLES
    assert_viewer_load(many)


async def run_as(http: httpx.AsyncClient, user_id: int, query: str) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token_for(user_id)}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def test_viewer_costs_the_same_for_1_and_12_memberships(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    statements: list[str],
) -> None:
    one = await add_portfolio_user(sessions, "single", 1)
    twelve = await add_portfolio_user(sessions, "dozen", 12)

    statements.clear()
    small = await run_as(http, one, VIEWER)
    few = list(statements)
    statements.clear()
    large = await run_as(http, twelve, VIEWER)
    many = list(statements)

    assert len(small["viewer"]["memberships"]) == len(small["viewer"]["clientAccounts"]) == 1
    assert len(large["viewer"]["memberships"]) == len(large["viewer"]["clientAccounts"]) == 12
    assert all(m["partner"] is not None for m in large["viewer"]["memberships"])
    assert all(c["store"] is not None for c in large["viewer"]["clientAccounts"])

    assert len(few) == len(many), (few, many)
    assert len(many) == VIEWER_BUDGET, many
    assert sorted(main_table(s) for s in many) == VIEWER_TABLES
    assert_viewer_load(many)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_dashboard_with_work_costs_the_same_for_5_and_100_clients(
    busy: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    small, few = await measure(statements, gql, email, DASHBOARD_WORK, first=5)
    large, many = await measure(statements, gql, email, DASHBOARD_WORK, first=100)

    assert len(small["clients"]["edges"]) == 5
    assert any(
        e["node"]["nextDueTask"]["assignee"]
        for e in small["clients"]["edges"]
        if e["node"]["nextDueTask"]
    )
    nodes = [e["node"] for e in large["clients"]["edges"]]
    assert len(nodes) == 100
    extras = [n for n in nodes if n["businessName"].startswith("Northwind Extra ")]
    assert len(extras) >= 85
    for node in extras:
        expected = 2 + EXTRA_LONG_TASKS if node["businessName"] == LONG_CHECKLIST else 2
        assert node["openTaskCount"] == expected, node
        due = node["nextDueTask"]
        assert due["title"] == "Import the catalog", node
        assert due["assignee"]["user"]["email"] in (SPECIALIST, DESIGNER), node
        readiness = node["launchReadiness"]
        assert not readiness["ready"]
        assert "BLOCKING_TASKS_OPEN" in {b["code"] for b in readiness["blockers"]}
        store = node["store"]
        assert store["domain"]["status"] == "NOT_CONNECTED"
        assert store["payments"]["status"] == "NOT_STARTED"
        assert store["brand"]["onTemplateDefaults"] is True

    assert len(few) == len(many), dump(many)
    assert len(many) == DASHBOARD_WORK_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == DASHBOARD_WORK_TABLES
    assert_viewer_load(many)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_root_tasks_cost_the_same_for_5_and_100_tasks(
    busy: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    small, few = await measure(statements, gql, email, ROOT_TASKS, first=5)
    large, many = await measure(statements, gql, email, ROOT_TASKS, first=100)

    assert len(small["tasks"]["nodes"]) == 5
    nodes = large["tasks"]["nodes"]
    assert len(nodes) == 100
    # Soonest due first: the extra clients' overdue catalog imports, one per client.
    assert {n["title"] for n in nodes} == {"Import the catalog"}
    assert len({n["client"]["businessName"] for n in nodes}) == 100
    assert all(n["client"]["store"] is not None for n in nodes)
    assert {n["assignee"]["user"]["email"] for n in nodes} == {SPECIALIST, DESIGNER}
    assert all(n["assignee"] is not None for n in small["tasks"]["nodes"])

    assert len(few) == len(many), dump(many)
    assert len(many) == ROOT_TASKS_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == ROOT_TASKS_TABLES
    assert_viewer_load(many)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_client_tasks_cost_the_same_for_5_and_100_tasks(
    busy: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    client_id = to_global_id("Client", busy.clients[LONG_CHECKLIST])
    small, few = await measure(statements, gql, email, CLIENT_TASKS, id=client_id, first=5)
    large, many = await measure(statements, gql, email, CLIENT_TASKS, id=client_id, first=100)

    first_five = small["client"]["tasks"]["nodes"]
    assert [n["position"] for n in first_five] == [1, 2, 3, 4, 5]
    assert [n["assignee"] is not None for n in first_five] == [False, True, True, True, True]
    nodes = large["client"]["tasks"]["nodes"]
    assert [n["position"] for n in nodes] == list(range(1, 101))
    assert {n["assignee"]["user"]["email"] for n in nodes[1:]} == {SPECIALIST, DESIGNER}

    assert len(few) == len(many), dump(many)
    assert len(many) == CLIENT_TASKS_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == CLIENT_TASKS_TABLES
    assert_viewer_load(many)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_workflow_templates_cost_the_same_for_5_and_100_templates(
    busy: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    partner_id = to_global_id("Partner", busy.partners[NORTHWIND])
    small, few = await measure(statements, gql, email, TEMPLATES, id=partner_id, first=5)
    large, many = await measure(statements, gql, email, TEMPLATES, id=partner_id, first=100)

    assert len(small["partner"]["workflowTemplates"]["nodes"]) == 5
    nodes = large["partner"]["workflowTemplates"]["nodes"]
    assert len(nodes) == 100
    assert all(len(n["items"]) >= ITEMS_PER_TEMPLATE for n in nodes)
    playbooks = [n for n in nodes if n["name"].startswith("Playbook ")]
    assert len(playbooks) >= 95
    assert all(
        [i["title"] for i in n["items"]] == ["Step 1", "Step 2", "Step 3"] for n in playbooks
    )

    assert len(few) == len(many), dump(many)
    assert len(many) == TEMPLATES_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == TEMPLATES_TABLES
    assert_viewer_load(many)


async def test_invitations_cost_the_same_for_1_and_12_invitations(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    statements: list[str],
) -> None:
    one = await add_invited_user(sessions, "once", 1)
    twelve = await add_invited_user(sessions, "often", 12)

    statements.clear()
    small = await run_as(http, one, INVITATIONS)
    few = list(statements)
    statements.clear()
    large = await run_as(http, twelve, INVITATIONS)
    many = list(statements)

    assert [i["partner"]["name"] for i in small["viewer"]["invitations"]] == ["once studio 0"]
    assert sorted(i["partner"]["name"] for i in large["viewer"]["invitations"]) == sorted(
        f"often studio {i}" for i in range(12)
    )

    assert len(few) == len(many), dump(many)
    assert len(many) == INVITATIONS_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == INVITATIONS_TABLES
    assert_viewer_load(many)


# Nested lists are read for all their parents at once (one statement per level): the statement
# names the parents itself, and the viewer's filter must come on top of that condition, even
# where the filter compares the same column (a partner's own templates).
LIST_SCOPES = {
    "ORDER BY workflow_templates.name": "workflow_templates.partner_id IN (",
    "ORDER BY tasks.position": "tasks.client_id IN (",
}


def assert_list_scoped(statement: str, policy_sql: str) -> None:
    """A scoped list's WHERE holds its parents and, on top of them, the whole policy."""
    for marker, scope in LIST_SCOPES.items():
        if marker in statement:
            where = where_part(statement)
            assert scope in where, f"list without its parents ({scope}): {statement}"
            absent = atoms(policy_sql) - atoms(where)
            assert not absent, f"list without its policy ({absent}): {statement}"


def keyed_by(column: str, statement: str) -> bool:
    """The statement reads the rows of a batch of `column` values (a loader's batch: `IN (...)`,
    on PostgreSQL one array, `= ANY (...)`)."""
    return f"{column} IN (" in statement or f"{column} = ANY (" in statement


def assert_filtered(statement: str, model: type[Any], policy_sql: str) -> None:
    """The statement's WHERE holds the policy predicate: every column the predicate compares,
    every comparison it makes (as often as it makes it) and each of its EXISTS subqueries, or,
    for a predicate without columns (grants nothing), the predicate itself."""
    where = where_part(statement)
    assert where, f"{model.__name__} read without a WHERE clause: {statement}"
    needed = columns(policy_sql)
    if needed:
        missing = needed - columns(where)
        assert not missing, f"{model.__name__} read without its policy ({missing}): {statement}"
        absent = atoms(policy_sql) - atoms(where)
        assert not absent, f"{model.__name__} read without its policy ({absent}): {statement}"
        assert where.count("EXISTS") >= policy_sql.count("EXISTS"), statement
    else:
        assert policy_sql.strip() in where, f"{model.__name__} read unfiltered: {statement}"


def is_blocking_count(statement: str) -> bool:
    """The launch-readiness count of a client's open launch-blocking tasks."""
    return "JOIN clients ON" in statement and "tasks.blocks_launch" in statement


def guarding_model(table: str, statement: str) -> type[Any] | None:
    """The model whose read policy must guard `table` in `statement`. Launch readiness counts
    the open blocking tasks of the client's current partner whoever asks (a merchant sees the
    same `ready` as the partner's team, without the internal tasks): that count reaches tasks
    through their client, so it carries the client's read filter instead of the task's."""
    if table == "tasks" and is_blocking_count(statement):
        return Client
    return TENANT_MODELS.get(table)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST, MERCHANT])
async def test_every_tenant_read_carries_the_policy_filter(
    busy: World,
    gql: GraphQL,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    engine: AsyncEngine,
    email: str,
) -> None:
    async with sessions() as session:
        viewer = await load_viewer(session, busy.users[email])
        assert viewer is not None
        assert not viewer.is_platform_staff
        partner_id = (
            await session.execute(select(Client.partner_id).where(Client.business_name == LUMEN))
        ).scalar_one()
    assert partner_id is not None
    partner = to_global_id("Partner", partner_id)
    lumen = to_global_id("Client", busy.clients[LUMEN])

    recorded: list[str] = []
    answers: dict[str, dict[str, Any]] = {}
    for query, variables in (
        (DASHBOARD_WORK, {"first": 100}),
        (PARTNER_PAGE, {"id": partner, "first": 100}),
        (VIEWER, {}),
        (INVITATIONS, {}),
        (ROOT_TASKS, {"first": 100}),
        (CLIENT_TASKS, {"id": lumen, "first": 100}),
        (TEMPLATES, {"id": partner, "first": 100}),
    ):
        data, seen = await measure(statements, gql, email, query, **variables)
        assert_viewer_load(seen)
        recorded.extend(seen[len(VIEWER_LOAD) :])
        answers[query] = data

    # Every query saw something, so the statements below read real rows.
    assert answers[DASHBOARD_WORK]["clients"]["edges"]
    assert answers[ROOT_TASKS]["tasks"]["nodes"]
    assert answers[CLIENT_TASKS]["client"]["tasks"]["nodes"]

    checked: set[tuple[str, str]] = set()
    for statement in recorded:
        for table in read_tables(statement):
            model = guarding_model(table, statement)
            if model is None:
                continue
            policy = policy_sql(authz, viewer, model, engine)
            if model is PartnerMember and keyed_by("partner_members.partner_id", statement):
                # A partner's roster carries the narrower "list" policy (no own-invitation row).
                policy = policy_sql(authz, viewer, model, engine, action="list")
            assert_filtered(statement, model, policy)
            assert_list_scoped(statement, policy)
            if model is Client and table == "tasks":
                # Only the client's current partner's tasks count towards its launch.
                # (Counted per client and partner first: `tasks_0` is those counts of tasks.)
                assert atoms(where_part(statement))["tasks.partner_id = clients.partner_id"], (
                    statement
                )
            checked.add((table, model.__name__))

    # The queries reach every tenant table (and the blocking-task count), so the check above is
    # never vacuous. A merchant sees no workflow template, so no template items are read.
    expected = {(table, model.__name__) for table, model in TENANT_MODELS.items()}
    expected.add(("tasks", "Client"))
    if email == MERCHANT:
        assert answers[TEMPLATES]["partner"]["workflowTemplates"]["nodes"] == []
        expected.discard(("workflow_template_items", "WorkflowTemplateItem"))
    else:
        assert answers[TEMPLATES]["partner"]["workflowTemplates"]["nodes"]
    assert checked == expected, checked


def policy_sql(
    authz: Authorizer,
    viewer: Viewer,
    model: type[Any],
    engine: AsyncEngine,
    action: Action = "read",
) -> str:
    return str(authz.filter(viewer, action, model).compile(dialect=engine.dialect))


# --- Nested connections: one statement per list level, whatever the number of parents --------

TWO_LEVELS = """
query TwoLevels($first: Int!) {
  clients(first: $first) {
    edges {
      node {
        businessName
        tasks(first: 2) { totalCount nodes { title position } }
      }
    }
  }
}
"""

# two levels: viewer (3) + the page of clients + all their task pages and counts (one windowed
# statement).
TWO_LEVELS_BUDGET = 5
TWO_LEVELS_TABLES = sorted([*VIEWER_LOAD, "clients", "tasks"])

# The example, which ran one statement per parent at each level (149 on the demo).
THREE_LEVELS = """
query ThreeLevels($id: ID!, $first: Int!) {
  partner(id: $id) {
    clients(first: $first) {
      edges {
        node {
          businessName
          tasks(first: 50) {
            edges {
              node {
                title
                client { tasks(first: 1) { pageInfo { hasNextPage } nodes { title } } }
              }
            }
          }
        }
      }
    }
  }
}
"""

# three levels: viewer (3) + the partner + its page of clients + their tasks + the tasks'
# clients (one batch) + those clients' first task each.
THREE_LEVELS_BUDGET = 8
THREE_LEVELS_TABLES = sorted([*VIEWER_LOAD, "partners", "clients", "tasks", "clients", "tasks"])

PORTFOLIO_LISTS = """
{
  viewer {
    memberships {
      partner {
        name
        clients(first: 5) { totalCount nodes { businessName } }
        workflowTemplates(first: 5) { nodes { name } }
      }
    }
  }
}
"""

# each membership's partner's lists: viewer (3) + the memberships + their partners + every
# partner's client page (counting them too) + every partner's templates.
PORTFOLIO_BUDGET = 7
PORTFOLIO_TABLES = sorted(
    [*VIEWER_LOAD, "partner_members", "partners", "clients", "workflow_templates"]
)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_two_nested_levels_cost_the_same_for_5_and_100_clients(
    busy: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    small, few = await measure(statements, gql, email, TWO_LEVELS, first=5)
    large, many = await measure(statements, gql, email, TWO_LEVELS, first=100)

    assert len(small["clients"]["edges"]) == 5
    nodes = [e["node"] for e in large["clients"]["edges"]]
    assert len(nodes) == 100
    extras = [n for n in nodes if n["businessName"].startswith("Northwind Extra ")]
    assert len(extras) >= 85
    for node in extras:
        tasks = node["tasks"]
        # Each client has its own page: its first two tasks in checklist order.
        assert [t["position"] for t in tasks["nodes"]] == [1, 2], node
        expected = 3 + EXTRA_LONG_TASKS if node["businessName"] == LONG_CHECKLIST else 3
        assert tasks["totalCount"] == expected, node

    assert len(few) == len(many), dump(many)
    assert len(many) == TWO_LEVELS_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == TWO_LEVELS_TABLES
    assert_viewer_load(many)


@pytest.mark.parametrize("email", [OWNER, SPECIALIST])
async def test_three_nested_levels_cost_the_same_for_5_and_100_clients(
    busy: World, gql: GraphQL, statements: list[str], email: str
) -> None:
    partner_id = to_global_id("Partner", busy.partners[NORTHWIND])
    small, few = await measure(statements, gql, email, THREE_LEVELS, id=partner_id, first=5)
    large, many = await measure(statements, gql, email, THREE_LEVELS, id=partner_id, first=100)

    assert len(small["partner"]["clients"]["edges"]) == 5
    clients = [e["node"] for e in large["partner"]["clients"]["edges"]]
    assert len(clients) == 100
    inner = [t["node"] for c in clients for t in c["tasks"]["edges"]]
    assert len(inner) >= 3 * 85
    for task in inner:
        again = task["client"]["tasks"]
        assert len(again["nodes"]) == 1
        assert again["pageInfo"]["hasNextPage"] is True
    long = next(c for c in clients if c["businessName"] == LONG_CHECKLIST)
    assert len(long["tasks"]["edges"]) == 50

    assert len(few) == len(many), dump(many)
    assert len(many) == THREE_LEVELS_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == THREE_LEVELS_TABLES
    assert_viewer_load(many)


async def test_nested_lists_of_many_partners_cost_the_same_for_1_and_12_partners(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    statements: list[str],
) -> None:
    one = await add_portfolio_user(sessions, "solo", 1)
    twelve = await add_portfolio_user(sessions, "fleet", 12)

    statements.clear()
    small = await run_as(http, one, PORTFOLIO_LISTS)
    few = list(statements)
    statements.clear()
    large = await run_as(http, twelve, PORTFOLIO_LISTS)
    many = list(statements)

    assert len(small["viewer"]["memberships"]) == 1
    partners = [m["partner"] for m in large["viewer"]["memberships"]]
    assert len(partners) == 12
    for partner in partners:
        index = partner["name"].rsplit(" ", 1)[1]
        assert partner["clients"]["totalCount"] == 1
        assert [c["businessName"] for c in partner["clients"]["nodes"]] == [f"fleet shop {index}"]
        assert partner["workflowTemplates"]["nodes"] == []

    assert len(few) == len(many), dump(many)
    assert len(many) == PORTFOLIO_BUDGET, dump(many)
    assert sorted(main_table(s) for s in many) == PORTFOLIO_TABLES
    assert_viewer_load(many)
