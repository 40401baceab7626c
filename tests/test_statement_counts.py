"""N+1 budgets: a page of 5 and a page of 100 cost the same number of SQL statements, each budget
is pinned, and every statement that reads tenant data carries the viewer's policy filter."""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    MerchantRole,
    PartnerRole,
)
from db.models import (
    Assignment,
    Client,
    ClientUser,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    User,
)
from policies import Authorizer, Viewer, load_viewer
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

# Tables whose rows belong to a tenant, and the model whose read policy guards them.
TENANT_MODELS: dict[str, type[Any]] = {
    "clients": Client,
    "stores": Store,
    "assignments": Assignment,
    "partner_members": PartnerMember,
    "partners": Partner,
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


@pytest.fixture
async def crowded(world: World, sessions: async_sessionmaker[AsyncSession]) -> World:
    """The demo world plus enough Northwind clients for a full page of 100."""
    await add_northwind_clients(sessions, world, EXTRA_CLIENTS)
    return world


async def measure(
    statements: list[str], gql: GraphQL, email: str, query: str, **variables: Any
) -> tuple[dict[str, Any], list[str]]:
    statements.clear()
    body = await gql(email, query, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"], list(statements)


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
    assert len(large["partner"]["members"]) == 6

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


def assert_filtered(statement: str, model: type[Any], policy_sql: str) -> None:
    """The statement's WHERE holds the policy predicate: every column the predicate compares
    and each of its EXISTS subqueries, or, for a predicate without columns (grants nothing),
    the predicate itself."""
    where = where_part(statement)
    assert where, f"{model.__name__} read without a WHERE clause: {statement}"
    needed = columns(policy_sql)
    if needed:
        missing = needed - columns(where)
        assert not missing, f"{model.__name__} read without its policy ({missing}): {statement}"
        assert where.count("EXISTS") >= policy_sql.count("EXISTS"), statement
    else:
        assert policy_sql.strip() in where, f"{model.__name__} read unfiltered: {statement}"


@pytest.mark.parametrize("email", [OWNER, SPECIALIST, MERCHANT])
async def test_every_tenant_read_carries_the_policy_filter(
    crowded: World,
    gql: GraphQL,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    engine: AsyncEngine,
    email: str,
) -> None:
    async with sessions() as session:
        viewer = await load_viewer(session, crowded.users[email])
        assert viewer is not None
        assert not viewer.is_platform_staff
        partner_id = (
            await session.execute(
                select(Client.partner_id).where(Client.business_name == "Lumen Candles")
            )
        ).scalar_one()
    assert partner_id is not None

    recorded: list[str] = []
    for query, variables in (
        (DASHBOARD, {"first": 100}),
        (PARTNER_PAGE, {"id": to_global_id("Partner", partner_id), "first": 100}),
        (VIEWER, {}),
    ):
        _, seen = await measure(statements, gql, email, query, **variables)
        assert_viewer_load(seen)
        recorded.extend(seen[len(VIEWER_LOAD) :])

    checked: set[str] = set()
    for statement in recorded:
        for table in read_tables(statement):
            model = TENANT_MODELS.get(table)
            if model is None:
                continue
            assert_filtered(statement, model, policy_sql(authz, viewer, model, engine))
            checked.add(table)
    # The three queries reach every tenant table, so the check above is never vacuous.
    assert checked == set(TENANT_MODELS), checked


def policy_sql(authz: Authorizer, viewer: Viewer, model: type[Any], engine: AsyncEngine) -> str:
    return str(authz.filter(viewer, "read", model).compile(dialect=engine.dialect))
