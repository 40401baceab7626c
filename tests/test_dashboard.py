"""partner.dashboard: every figure equals an independent count over the demo world (raw rows
read without any policy, visibility decided by tests/oracle.py, set-up rules written out here
again) for every demo user and partner; a specialist counts only their assigned clients; the
summary costs the same statements whatever the size of the book."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import (
    AccessStatus,
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentStatus,
    TaskStatus,
    TaxStatus,
)
from db.models import Assignment, Client, PartnerAccess, PartnerMember, Store, Task, User
from resolvers.dashboard import month_starts
from schema.relay import to_global_id
from tests import oracle
from tests.conftest import GraphQL, World

DASHBOARD = """
query Dashboard($id: ID!) {
  partner(id: $id) {
    dashboard {
      clientsByStatus { status count }
      setUpFunnel { domain payments logistics catalog compliance }
      launchedThisMonth
      launchedLastMonth
      clientsWithoutAssignee
      openTasks
      overdueTasks
      workByAssignee { openTasks overdueTasks member { user { email } } }
      accessRequestsPending
    }
  }
}
"""


SECTIONS = ("domain", "payments", "logistics", "catalog", "compliance")


async def vary_stores(sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    """Spread the demo stores over the figures: launches this month, last month and before,
    custom domains verified or not, sections done or not."""
    now = datetime.now(UTC)
    this_month, last_month = month_starts(now)
    launches = [
        now,
        this_month,
        last_month,
        this_month - timedelta(seconds=1),
        last_month - timedelta(days=3),
    ]
    async with sessions.begin() as session:
        stores = (await session.execute(select(Store).order_by(Store.id))).scalars().all()
        for index, store in enumerate(stores):
            if index < len(launches):
                store.launch_status = LaunchStatus.LIVE
                store.launched_at = launches[index]
            if index % 3 == 0:
                store.custom_domain = f"shop-{index}.example.com"
                store.domain_status = (
                    DomainStatus.VERIFIED if index % 2 else DomainStatus.PENDING_DNS
                )
            if index % 4 == 1:
                store.payment_status = PaymentStatus.ACTIVE
                store.logistics_status = LogisticsStatus.ACTIVE
            if index % 5 == 2:
                store.catalog_status = CatalogStatus.READY
                store.product_count = 3
            if index % 2:
                store.kyc_status = KycStatus.VERIFIED
                store.tax_status = TaxStatus.EXEMPT if index % 4 == 1 else TaxStatus.REGISTERED


def blocks(store: Store) -> dict[str, bool]:
    pending = store.launch_status != LaunchStatus.LIVE
    return {
        "domain": pending
        and store.custom_domain is not None
        and store.domain_status != DomainStatus.VERIFIED,
        "payments": pending and store.payment_status != PaymentStatus.ACTIVE,
        "logistics": pending and store.logistics_status != LogisticsStatus.ACTIVE,
        "catalog": pending
        and (store.catalog_status != CatalogStatus.READY or store.product_count < 1),
        "compliance": pending
        and (
            store.kyc_status != KycStatus.VERIFIED
            or store.tax_status not in (TaxStatus.REGISTERED, TaxStatus.EXEMPT)
        ),
    }


async def expected(
    sessions: async_sessionmaker[AsyncSession], email: str, slug: str, partner_id: int
) -> dict[str, Any]:
    async with sessions() as session:
        clients = (
            (await session.execute(select(Client).where(Client.partner_id == partner_id)))
            .scalars()
            .all()
        )
        stores = {s.client_id: s for s in (await session.execute(select(Store))).scalars()}
        staffed = {
            a.client_id
            for a in (
                await session.execute(select(Assignment).where(Assignment.partner_id == partner_id))
            ).scalars()
        }
        tasks = (
            (await session.execute(select(Task).where(Task.partner_id == partner_id)))
            .scalars()
            .all()
        )
        names = dict((await session.execute(select(Client.id, Client.business_name))).all())
        members = await session.execute(
            select(PartnerMember.id, User.email).join(User, User.id == PartnerMember.user_id)
        )
        emails: dict[int, str] = {id_: email for id_, email in members}
        requests = len(
            (
                await session.execute(
                    select(PartnerAccess).where(
                        PartnerAccess.partner_id == partner_id,
                        PartnerAccess.status == AccessStatus.REQUESTED,
                    )
                )
            )
            .scalars()
            .all()
        )
    seen = [c for c in clients if oracle.reads_client(email, oracle.client_spec(c.business_name))]
    now = datetime.now(UTC)
    this_month, last_month = month_starts(now)
    funnel: Counter[str] = Counter()
    launched = Counter[str]()
    for client in seen:
        store = stores.get(client.id)
        if store is None:
            continue
        funnel.update(k for k, v in blocks(store).items() if v)
        if store.launched_at is not None:
            if store.launched_at >= this_month:
                launched["this"] += 1
            elif store.launched_at >= last_month:
                launched["last"] += 1
    visible_tasks = oracle.visible(email).tasks
    today = now.date()
    work: dict[str | None, list[int]] = {}
    for task in tasks:
        if task.status == TaskStatus.DONE:
            continue
        if (names[task.client_id], task.position) not in visible_tasks:
            continue
        who = emails[task.assignee_member_id] if task.assignee_member_id else None
        late = task.due_date is not None and task.due_date < today
        counts = work.setdefault(who, [0, 0])
        counts[0] += 1
        counts[1] += int(late)
    statuses = Counter(c.status.name for c in seen)
    return {
        "clientsByStatus": sorted(statuses.items()),
        "setUpFunnel": {
            k: funnel[k] for k in ("domain", "payments", "logistics", "catalog", "compliance")
        },
        "launchedThisMonth": launched["this"],
        "launchedLastMonth": launched["last"],
        "clientsWithoutAssignee": sum(1 for c in seen if c.id not in staffed),
        "openTasks": sum(v[0] for v in work.values()),
        "overdueTasks": sum(v[1] for v in work.values()),
        "workByAssignee": sorted((k or "", v[0], v[1]) for k, v in work.items()),
        "accessRequestsPending": requests if oracle.may_manage_templates(email, slug) else None,
    }


def answered(dashboard: dict[str, Any]) -> dict[str, Any]:
    got = dict(dashboard)
    got["clientsByStatus"] = sorted((s["status"], s["count"]) for s in got["clientsByStatus"])
    got["workByAssignee"] = sorted(
        (w["member"]["user"]["email"] if w["member"] else "", w["openTasks"], w["overdueTasks"])
        for w in got["workByAssignee"]
    )
    return got


async def test_every_figure_equals_an_independent_count_for_every_user(
    world: World, gql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await vary_stores(sessions, world)
    checked: Counter[str] = Counter()
    for email in sorted(world.users):
        if oracle.is_refused(email):
            continue
        for slug, partner_id in sorted(world.partners.items()):
            body = await gql(email, DASHBOARD, id=to_global_id("Partner", partner_id))
            assert "errors" not in body, body["errors"]
            partner = body["data"]["partner"]
            if not oracle.reads_partner(email, slug):
                assert partner is None
                continue
            if not oracle.reads_team(email, slug):
                assert partner["dashboard"] is None, (email, slug)
                checked["hidden"] += 1
                continue
            want = await expected(sessions, email, slug, partner_id)
            assert answered(partner["dashboard"]) == want, (email, slug)
            checked["counted"] += 1
            if want["openTasks"] and want["launchedThisMonth"] + want["launchedLastMonth"]:
                checked["busy"] += 1
    # Not vacuous: dashboards were counted, some with work and launches, and some hidden.
    assert checked["counted"] >= 4
    assert checked["busy"] >= 2
    assert checked["hidden"] >= 1


async def test_a_specialist_counts_only_their_assigned_clients(world: World, gql: GraphQL) -> None:
    northwind = to_global_id("Partner", world.partners["northwind-digital"])
    owner = (await gql("owner@northwind.test", DASHBOARD, id=northwind))["data"]["partner"]
    specialist = (await gql("specialist@northwind.test", DASHBOARD, id=northwind))["data"][
        "partner"
    ]
    total = sum(s["count"] for s in owner["dashboard"]["clientsByStatus"])
    mine = sum(s["count"] for s in specialist["dashboard"]["clientsByStatus"])
    assert 0 < mine < total
    assert specialist["dashboard"]["clientsWithoutAssignee"] == 0
    assert specialist["dashboard"]["accessRequestsPending"] is None
    assert owner["dashboard"]["accessRequestsPending"] is not None


@pytest.mark.parametrize("email", ["owner@northwind.test", "specialist@northwind.test"])
async def test_the_dashboard_costs_the_same_for_a_small_and_a_large_book(
    world: World,
    gql: GraphQL,
    statements: list[str],
    sessions: async_sessionmaker[AsyncSession],
    email: str,
) -> None:
    from tests.test_statement_counts import add_northwind_clients, add_work

    northwind = to_global_id("Partner", world.partners["northwind-digital"])
    statements.clear()
    small = await gql(email, DASHBOARD, id=northwind)
    few = list(statements)
    await add_northwind_clients(sessions, world, 60)
    await add_work(sessions, world)
    statements.clear()
    large = await gql(email, DASHBOARD, id=northwind)
    many = list(statements)
    assert "errors" not in small
    assert "errors" not in large
    assert (
        large["data"]["partner"]["dashboard"]["openTasks"]
        > small["data"]["partner"]["dashboard"]["openTasks"]
    )
    # viewer (3) + the partner + the gate + clients + tasks + assignees' members + their users.
    assert len(few) == len(many) == 9, many
