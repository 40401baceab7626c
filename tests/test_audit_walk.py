"""Every mutation of the schema, walked: run as someone it refuses, it writes no audit event at
all; run as someone it serves, it writes at least one event named after it. A mutation that is
not in SAMPLES fails the walk, so each new mutation adds one line below.

A line is the mutation's `input` as GraphQL literal text, in which `$name` stands for one of the
demo world's ids (see `refs`), who succeeds (`viewer`, default Northwind's owner) and who is
refused (`refused_by`, default another partner's owner). `setup` may prepare the world first
(as the same viewer, over the API); what it writes is not counted."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from string import Template
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.enums import TaskStatus
from db.models import Assignment, Task, WorkflowTemplate
from schema.build import build_schema
from tests.conftest import GraphQL, World
from tests.helpers import gid

OWNER = "owner@northwind.test"
OUTSIDER = "owner@bluefin.test"
Setup = Callable[[GraphQL, dict[str, str]], Awaitable[None]]


@dataclass(frozen=True)
class Call:
    input: str
    viewer: str = OWNER
    refused_by: str = OUTSIDER
    setup: Setup | None = None


STORE = 'storeId: "$fable_store", version: 1'
REPORT = 'name: "Walk", document: "query Walk { viewer { user { email } } }"'


async def saved_report(gql: GraphQL, ids: dict[str, str]) -> None:
    """Saves a report of Northwind as its owner; `$report` names it."""
    body = await gql(
        OWNER,
        "mutation($input: SaveReportInput!) { saveReport(input: $input) { report { id } } }",
        input={
            "partnerId": ids["northwind"],
            "name": "Walked report",
            "document": "query { viewer { user { email } } }",
        },
    )
    ids["report"] = body["data"]["saveReport"]["report"]["id"]


SAMPLES: dict[str, Call] = {
    "onboardClient": Call(
        'partnerId: "$northwind", businessName: "Walk Co", contactEmail: "walk@example.test"'
    ),
    "inviteMember": Call('partnerId: "$northwind", email: "walker@example.test", role: SPECIALIST'),
    "acceptInvitation": Call('memberId: "$invitation"', viewer="invitee@northwind.test"),
    "changeMemberRole": Call('memberId: "$specialist", version: 1, role: MANAGER'),
    "removeMember": Call('memberId: "$specialist", version: 1'),
    "assignMember": Call('clientId: "$lumen", memberId: "$manager", role: CONTRIBUTOR'),
    "unassignMember": Call('assignmentId: "$assignment"'),
    "createTask": Call('clientId: "$lumen", title: "Walk"'),
    "updateTask": Call('taskId: "$task", version: 1, title: "Walked"'),
    "completeTask": Call('taskId: "$task", version: 1'),
    "reopenTask": Call('taskId: "$done_task", version: 1'),
    "deleteTask": Call('taskId: "$task", version: 1'),
    "reorderTasks": Call('clientId: "$lumen", taskIds: $lumen_tasks_reversed'),
    "createWorkflowTemplate": Call(
        'partnerId: "$northwind", name: "Walk", items: [{title: "Step", category: OTHER, '
        "clientVisible: false, blocksLaunch: false}]"
    ),
    "updateWorkflowTemplate": Call('templateId: "$template", version: 1, name: "Walked"'),
    "deleteWorkflowTemplate": Call('templateId: "$template", version: 1'),
    "applyWorkflowTemplate": Call('clientId: "$lumen", templateId: "$template"'),
    "connectStoreDomain": Call(f'{STORE}, hostname: "shop.walk.example"'),
    "verifyStoreDomain": Call('storeId: "$lumen_store", version: 1'),
    "disconnectStoreDomain": Call('storeId: "$lumen_store", version: 1'),
    "updateStorePayments": Call(f"{STORE}, status: KYC_PENDING, provider: STRIPE"),
    "updateStoreLogistics": Call(
        f'{STORE}, status: CONFIGURED, provider: "DHL", shippingZoneCount: 1, '
        "shippingMethodCount: 1"
    ),
    "updateStoreCatalog": Call(f"{STORE}, status: IMPORTING"),
    "updateStoreBrand": Call(f'{STORE}, theme: "walk"'),
    "updateStoreCompliance": Call(f"{STORE}, kycStatus: SUBMITTED"),
    "launchStore": Call('clientId: "$ironwood"'),
    "saveReport": Call(f'partnerId: "$northwind", {REPORT}'),
    "updateReport": Call('reportId: "$report", version: 1, name: "Walked"', setup=saved_report),
    "deleteReport": Call('reportId: "$report", version: 1', setup=saved_report),
    "registerDocument": Call(
        'document: "query Walk { viewer { user { id } } }"', viewer="staff@shopiq.test"
    ),
}

_MUTATION_TYPE = build_schema()._schema.mutation_type
assert _MUTATION_TYPE is not None
MUTATIONS = sorted(_MUTATION_TYPE.fields)  # every root mutation, by its GraphQL name


async def refs(sessions: async_sessionmaker[AsyncSession], world: World) -> dict[str, str]:
    """The ids a sample may name, from the demo world."""
    lumen = world.clients["Lumen Candles"]
    northwind = world.partners["northwind-digital"]
    async with sessions() as session:
        tasks = (
            await session.execute(
                select(Task.id, Task.status)
                .where(Task.client_id == lumen, Task.partner_id == northwind)
                .order_by(Task.id)
            )
        ).all()
        template = (
            await session.execute(
                select(WorkflowTemplate.id).where(WorkflowTemplate.name == "Standard launch")
            )
        ).scalar_one()
        assignment = (
            await session.execute(
                select(Assignment.id).where(
                    Assignment.client_id == lumen,
                    Assignment.member_id == world.members["specialist@northwind.test"],
                )
            )
        ).scalar_one()
    return {
        "northwind": gid("Partner", northwind),
        "lumen": gid("Client", lumen),
        "ironwood": gid("Client", world.clients["Ironwood Furniture"]),
        "lumen_store": gid("Store", world.stores["Lumen Candles"]),
        "fable_store": gid("Store", world.stores["Fable Books"]),
        "specialist": gid("PartnerMember", world.members["specialist@northwind.test"]),
        "manager": gid("PartnerMember", world.members["manager@northwind.test"]),
        "invitation": gid("PartnerMember", world.members["invitee@northwind.test"]),
        "task": gid("Task", next(i for i, s in tasks if s != TaskStatus.DONE)),
        "done_task": gid("Task", next(i for i, s in tasks if s == TaskStatus.DONE)),
        "lumen_tasks_reversed": json.dumps([gid("Task", i) for i, _ in reversed(tasks)]),
        "template": gid("WorkflowTemplate", template),
        "assignment": gid("Assignment", assignment),
    }


async def events_after(
    sessions: async_sessionmaker[AsyncSession], last_id: int
) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.target_type)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
        )
        return [(a, t) for a, t in rows]


async def last_event_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.max(AuditEvent.id)))).scalar() or 0)


def test_every_mutation_has_a_sample() -> None:
    missing = sorted(set(MUTATIONS) - set(SAMPLES))
    assert not missing, f"add a line to SAMPLES in {__name__} for: {', '.join(missing)}"
    assert sorted(SAMPLES) == MUTATIONS  # and no line for a mutation that is gone


@pytest.mark.parametrize("name", MUTATIONS)
async def test_a_mutation_writes_events_when_it_changes_data_and_none_when_refused(
    name: str, dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    call = SAMPLES.get(name)
    assert call is not None, f"add a line to SAMPLES in {__name__} for {name}"
    ids = await refs(sessions, world)
    if call.setup is not None:
        await call.setup(dns_gql, ids)
    document = (
        f"mutation {{ {name}(input: {{ {Template(call.input).substitute(ids)} }}) "
        "{ userErrors { field code message } } }"
    )

    before = await last_event_id(sessions)
    refused: dict[str, Any] = await dns_gql(call.refused_by, document)
    assert "errors" not in refused, refused
    assert refused["data"][name]["userErrors"], f"{call.refused_by} was not refused"
    assert await events_after(sessions, before) == [], "a refused mutation wrote events"

    done: dict[str, Any] = await dns_gql(call.viewer, document)
    assert "errors" not in done, done
    assert done["data"][name]["userErrors"] == []
    written = await events_after(sessions, before)
    assert written, f"{name} changed data without an audit event"
    assert {action for action, _ in written} == {name}
