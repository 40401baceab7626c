"""Every mutation of the schema, walked: run as someone it refuses, it writes no audit event at
all; run as someone it serves, it writes at least one event named after it. A mutation that is
not in SAMPLES fails the walk, so each new mutation adds one line below.

A line is the mutation's `input` as GraphQL literal text, in which `$name` stands for one of the
demo world's ids (see `refs`), who succeeds (`viewer`, default Northwind's owner) and who is
refused (`refused_by`, default another partner's owner). Every row the successful call
creates, changes or deletes must have its event, naming who acted. `setup` may prepare the
world first (over the API, as whoever it names, adding the ids it made); what it writes is not
counted. A caller that is a service, not a user, is named by `service` (its token replaces
`viewer`'s)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from string import Template
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.audit_capture import BOOKKEEPING, TARGET_TYPES
from db.base import Base
from db.enums import AccessStatus, TaskStatus
from db.events import OutboxEvent
from db.models import Assignment, ClientUser, PartnerAccess, Task, User, WorkflowTemplate
from db.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from resolvers.task_queries import today
from schema.build import build_schema
from server.tokens import issue_service_token
from tests.conftest import TEST_SECRET, GraphQL, World
from tests.helpers import db_id, gid

OWNER = "owner@northwind.test"
OUTSIDER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
PLATFORM = "staff@shopiq.test"
Setup = Callable[[GraphQL, dict[str, str]], Awaitable[None]]
Seed = Callable[[async_sessionmaker[AsyncSession], dict[str, str]], Awaitable[None]]


@dataclass(frozen=True)
class Call:
    input: str
    viewer: str = OWNER
    refused_by: str = OUTSIDER
    setup: Setup | None = None
    service: str | None = None  # succeeds with this service's token instead of `viewer`'s
    # Writes rows no mutation makes (e.g. what the background jobs write), after `setup`.
    seed: Seed | None = None


def made(email: str, mutation: str, input: str, result: str, *, key: str | None = None) -> Setup:
    """A setup that runs `mutation` as `email` and keeps the `id` and `version` of the `result`
    it answers as `$key` and `$key_version` (`key` defaults to `result`)."""
    name = key or result

    async def setup(gql: GraphQL, ids: dict[str, str]) -> None:
        document = (
            f"mutation {{ {mutation}(input: {{ {Template(input).substitute(ids)} }}) "
            f"{{ {result} {{ id version }} userErrors {{ field code message }} }} }}"
        )
        body = await gql(email, document)
        assert "errors" not in body, body
        payload = body["data"][mutation]
        assert payload["userErrors"] == [], payload
        ids[name] = payload[result]["id"]
        ids[f"{name}_version"] = str(payload[result]["version"])

    return setup


def chain(*steps: Setup) -> Setup:
    async def setup(gql: GraphQL, ids: dict[str, str]) -> None:
        for step in steps:
            await step(gql, ids)

    return setup


async def harbor_invitation(gql: GraphQL, ids: dict[str, str]) -> None:
    """Onboarding a client for an account in use leaves that user a merchant-owner invitation."""
    onboarded = await gql(
        OWNER,
        'mutation { onboardClient(input: { partnerId: "' + ids["northwind"] + '", '
        'businessName: "Walk Roasters", contactEmail: "merchant@harbor-coffee.test" }) '
        "{ userErrors { code } } }",
    )
    assert onboarded["data"]["onboardClient"]["userErrors"] == [], onboarded
    body = await gql(
        "merchant@harbor-coffee.test",
        "query { viewer { clientInvitations { businessName invitation { id } } } }",
    )
    [pending] = [
        i
        for i in body["data"]["viewer"]["clientInvitations"]
        if i["businessName"] == "Walk Roasters"
    ]
    ids["client_invitation"] = pending["invitation"]["id"]


STORE = 'storeId: "$fable_store", version: 1'
TODAY = today().isoformat()  # the service's today (UTC)
NEXT_MONTH = (today() + timedelta(days=31)).isoformat()
INVOICE = (
    'clientId: "$lumen", currencyCode: USD, '
    'lines: [{description: "Walk", unitPrice: "100", quantity: "1"}]'
)
STAFF = "staff@shopiq.test"


async def due_payout(gql: GraphQL, ids: dict[str, str]) -> None:
    """A DUE payout of the demo's approved commissions, as `$payout`. Which commissions the
    demo has approved, and whether they reach its 50 USD minimum, depends on the day it is
    seeded (its accesses began some days ago, its charges on the first of each month), so the
    minimum is lowered to a cent first."""
    lowered = await gql(
        STAFF,
        'mutation { setPayoutMinimum(input: { minimum: { amount: "0.01", currencyCode: "USD" } })'
        " { userErrors { code } } }",
    )
    assert lowered["data"]["setPayoutMinimum"]["userErrors"] == []
    body = await gql(
        STAFF,
        'mutation { runPayouts(input: { periodEnd: "2099-01-01" }) '
        "{ payouts { id status } userErrors { code } } }",
    )
    due = [p for p in body["data"]["runPayouts"]["payouts"] if p["status"] == "DUE"]
    ids["payout"] = due[0]["id"]


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


WEBHOOK = 'url: "https://hooks.example.com/walk", eventTypes: ["task.completed"]'
webhook_endpoint = made(
    OWNER, "createWebhookEndpoint", f'partnerId: "$northwind", {WEBHOOK}', "endpoint"
)


async def webhook_delivery(sessions: async_sessionmaker[AsyncSession], ids: dict[str, str]) -> None:
    """A failed delivery of an event to Northwind's endpoint `$endpoint`, as the background
    jobs leave one; `$delivery` names it."""
    async with sessions.begin() as session:
        endpoint = await session.get_one(WebhookEndpoint, db_id(ids["endpoint"]))
        event = OutboxEvent(
            event_type="task.completed",
            partner_id=endpoint.partner_id,
            subject_type="Task",
            subject_id=1,
            payload={},
            action="completeTask",
            request_id="walk",
        )
        session.add(event)
        await session.flush()
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            partner_id=endpoint.partner_id,
            event_id=event.id,
            status=DeliveryStatus.FAILED,
            attempt=3,
        )
        session.add(delivery)
        await session.flush()
        ids["delivery"] = gid("WebhookDelivery", delivery.id)


async def own_user(gql: GraphQL, ids: dict[str, str]) -> None:
    """The id of Northwind's owner as a User, as `$owner_user`."""
    body = await gql(OWNER, "query { viewer { user { id } } }")
    ids["owner_user"] = body["data"]["viewer"]["user"]["id"]


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
    # Consent and access scope.
    "requestClientAccess": Call(
        'partnerId: "$bluefin", merchantEmail: "merchant@lumen-candles.test", scope: SUPPORT',
        viewer=OUTSIDER,
        refused_by=OWNER,
    ),
    "approveAccessRequest": Call(
        'accessId: "$quill_request", version: $quill_request_version',
        viewer="merchant@quill-ink.test",
        refused_by=MERCHANT,
        setup=made(
            OUTSIDER,
            "requestClientAccess",
            'partnerId: "$bluefin", merchantEmail: "merchant@quill-ink.test", scope: SUPPORT',
            "access",
            key="quill_request",
        ),
    ),
    "declineAccessRequest": Call(
        'accessId: "$tidal_request", version: $tidal_request_version',
        viewer="merchant@tidal-threads.test",
        refused_by=MERCHANT,
    ),
    "revokePartnerAccess": Call(
        'accessId: "$lumen_access", version: $lumen_access_version', viewer=MERCHANT
    ),
    "createAccessCode": Call('clientId: "$lumen", scope: SUPPORT', viewer=MERCHANT),
    "inviteMerchantStaff": Call(
        'clientId: "$lumen", email: "walkstaff@example.test"', viewer=MERCHANT
    ),
    "removeMerchantStaff": Call(
        'merchantUserId: "$lumen_staff", version: $lumen_staff_version', viewer=MERCHANT
    ),
    "acceptClientInvitation": Call(
        'merchantUserId: "$client_invitation"',
        viewer="merchant@harbor-coffee.test",
        refused_by=MERCHANT,
        setup=harbor_invitation,
    ),
    # Communication, support, documents, handover.
    "postCommunication": Call('clientId: "$lumen", body: "Walk"'),
    "updateCommunication": Call(
        'communicationId: "$note", version: $note_version, body: "Walked"',
        setup=made(
            OWNER,
            "postCommunication",
            'clientId: "$lumen", body: "Walk"',
            "communication",
            key="note",
        ),
    ),
    "markCommunicationsRead": Call(
        'clientId: "$lumen"',
        setup=made(
            MERCHANT,
            "postCommunication",
            'clientId: "$lumen", body: "Unread", visibility: SHARED',
            "communication",
            key="unread",
        ),
    ),
    "setSupportPlan": Call(
        'clientId: "$lumen", inScope: "Walk", includedMinutes: 60, firstResponseHours: 24, '
        "channels: [EMAIL]"
    ),
    "logTime": Call('clientId: "$lumen", minutes: 30'),
    "updateTimeEntry": Call(
        'timeEntryId: "$entry", version: $entry_version, minutes: 45',
        setup=made(OWNER, "logTime", 'clientId: "$lumen", minutes: 30', "timeEntry", key="entry"),
    ),
    "deleteTimeEntry": Call(
        'timeEntryId: "$entry", version: $entry_version',
        setup=made(OWNER, "logTime", 'clientId: "$lumen", minutes: 30', "timeEntry", key="entry"),
    ),
    "addClientDocument": Call('clientId: "$lumen", title: "Walk", url: "https://walk.example/"'),
    "updateClientDocument": Call(
        'documentId: "$document", version: $document_version, title: "Walked"',
        setup=made(
            OWNER,
            "addClientDocument",
            'clientId: "$lumen", title: "Walk", url: "https://walk.example/"',
            "document",
        ),
    ),
    "acknowledgeDocument": Call(
        'documentId: "$document", version: $document_version',
        viewer=MERCHANT,
        setup=made(
            OWNER,
            "addClientDocument",
            'clientId: "$lumen", title: "Walk", url: "https://walk.example/", visibility: SHARED',
            "document",
        ),
    ),
    "handOverClient": Call(
        'clientId: "$tidal", keepAccess: NONE',
        viewer="merchant@tidal-threads.test",
        refused_by=MERCHANT,
    ),
    # Money.
    "setBillingTerms": Call(
        f'clientId: "$lumen", effectiveFrom: "{NEXT_MONTH}", cycle: MONTHLY, '
        'recurringFee: {amount: "499", currencyCode: USD}, paymentTermsDays: 14'
    ),
    "createInvoice": Call(INVOICE),
    "issueInvoice": Call(
        'invoiceId: "$invoice", version: $invoice_version',
        setup=made(OWNER, "createInvoice", INVOICE, "invoice"),
    ),
    "markInvoicePaid": Call(
        'invoiceId: "$invoice", version: $invoice_version',
        setup=chain(
            made(OWNER, "createInvoice", INVOICE, "invoice"),
            made(
                OWNER, "issueInvoice", 'invoiceId: "$invoice", version: $invoice_version', "invoice"
            ),
        ),
    ),
    "voidInvoice": Call(
        'invoiceId: "$invoice", version: $invoice_version',
        setup=chain(
            made(OWNER, "createInvoice", INVOICE, "invoice"),
            made(
                OWNER, "issueInvoice", 'invoiceId: "$invoice", version: $invoice_version', "invoice"
            ),
        ),
    ),
    "generateRecurringInvoices": Call(f'partnerId: "$northwind", asOf: "{NEXT_MONTH}"'),
    "setCommissionTerms": Call(
        'tier: GOLD, effectiveFrom: "2021-01-01", rate: "0.2", durationMonths: 24, holdDays: 30',
        viewer=PLATFORM,
        refused_by=OWNER,
    ),
    "recordSubscriptionCharges": Call(
        'charges: [{externalId: "walk-1", clientId: "$lumen", kind: SUBSCRIPTION, '
        f'amount: {{amount: "50", currencyCode: USD}}, periodStart: "{TODAY}", '
        f'periodEnd: "{NEXT_MONTH}", chargedAt: "{TODAY}T00:00:00Z"}}]',
        service="billing",
        refused_by=OWNER,
    ),
    "approveDueCommissions": Call(f'asOf: "{TODAY}"', viewer=PLATFORM, refused_by=OWNER),
    "runPayouts": Call('periodEnd: "2099-01-01"', viewer=STAFF),
    "markPayoutPaid": Call(
        'payoutId: "$payout", version: 1, reference: "WALK-1"', viewer=STAFF, setup=due_payout
    ),
    "setPayoutMinimum": Call('minimum: {amount: "50.00", currencyCode: "USD"}', viewer=STAFF),
    "createWebhookEndpoint": Call(f'partnerId: "$northwind", {WEBHOOK}'),
    "updateWebhookEndpoint": Call(
        'endpointId: "$endpoint", version: 1, description: "Walked"', setup=webhook_endpoint
    ),
    "rotateWebhookSecret": Call('endpointId: "$endpoint"', setup=webhook_endpoint),
    "deleteWebhookEndpoint": Call('endpointId: "$endpoint"', setup=webhook_endpoint),
    "redeliverWebhook": Call(
        'deliveryId: "$delivery"', setup=webhook_endpoint, seed=webhook_delivery
    ),
    # Bulk operations: the mutation queues the operation (its items run later, as the single
    # mutations). Refused up front: a template or member another partner cannot see.
    "bulkApplyWorkflowTemplate": Call('templateId: "$template", clientIds: ["$lumen"]'),
    "bulkAssignMember": Call('memberId: "$manager", clientIds: ["$lumen", "$ironwood"]'),
    "bulkUpdateTasks": Call('taskIds: ["$task"], assigneeId: "$specialist"'),
    # Email preferences: one's own only (another user's id is NOT_FOUND).
    "updateNotificationPreferences": Call(
        'userId: "$owner_user", dailyDigest: true, kinds: [INVITATION]', setup=own_user
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
        tidal_request = (
            await session.execute(
                select(PartnerAccess.id, PartnerAccess.version).where(
                    PartnerAccess.client_id == world.clients["Tidal Threads"],
                    PartnerAccess.status == AccessStatus.REQUESTED,
                )
            )
        ).one()
        lumen_access = (
            await session.execute(
                select(PartnerAccess.id, PartnerAccess.version).where(
                    PartnerAccess.client_id == lumen,
                    PartnerAccess.partner_id == northwind,
                    PartnerAccess.status == AccessStatus.ACTIVE,
                )
            )
        ).one()
        lumen_staff = (
            await session.execute(
                select(ClientUser.id, ClientUser.version)
                .join(User, User.id == ClientUser.user_id)
                .where(ClientUser.client_id == lumen, User.email == "staff@lumen-candles.test")
            )
        ).one()
    return {
        "northwind": gid("Partner", northwind),
        "bluefin": gid("Partner", world.partners["bluefin-studio"]),
        "tidal": gid("Client", world.clients["Tidal Threads"]),
        "tidal_request": gid("PartnerAccess", tidal_request.id),
        "tidal_request_version": str(tidal_request.version),
        "lumen_access": gid("PartnerAccess", lumen_access.id),
        "lumen_access_version": str(lumen_access.version),
        "lumen_staff": gid("MerchantUser", lumen_staff.id),
        "lumen_staff_version": str(lumen_staff.version),
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
) -> list[tuple[str, str, int, int | None, str | None]]:
    """(action, target type, target id, actor user id, actor service) of the newer events."""
    async with sessions() as session:
        rows = await session.execute(
            select(
                AuditEvent.action,
                AuditEvent.target_type,
                AuditEvent.target_id,
                AuditEvent.actor_user_id,
                AuditEvent.actor_service,
            )
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]  # five columns


Rows = dict[tuple[str, Any], tuple[Any, ...]]


async def every_row(sessions: async_sessionmaker[AsyncSession]) -> Rows:
    """(target type, id) -> the values that count (no timestamps, no version) of every row."""
    found: Rows = {}
    async with sessions() as session:
        for mapper in Base.registry.mappers:
            model = mapper.class_
            # Mappings outside db/ are read-only views of a model's table (policies/oso_setup.py).
            # The audit trail and the outbox record the changes; they are not changes themselves.
            if model in (AuditEvent, OutboxEvent) or not model.__module__.startswith("db."):
                continue
            (pk,) = mapper.primary_key
            skip = {*BOOKKEEPING, getattr(mapper.version_id_col, "name", None)}
            columns = [c for c in mapper.local_table.columns if c.name not in skip]
            name = TARGET_TYPES.get(model, model.__name__)
            for row in await session.execute(select(pk, *columns)):
                found[(name, row[0])] = tuple(row[1:])
    return found


def changed_rows(before: Rows, after: Rows) -> set[tuple[str, Any]]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


async def last_event_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.max(AuditEvent.id)))).scalar() or 0)


def test_every_mutation_has_a_sample() -> None:
    missing = sorted(set(MUTATIONS) - set(SAMPLES))
    assert not missing, f"add a line to SAMPLES in {__name__} for: {', '.join(missing)}"
    assert sorted(SAMPLES) == MUTATIONS  # and no line for a mutation that is gone


@pytest.mark.parametrize("name", MUTATIONS)
async def test_a_mutation_writes_events_when_it_changes_data_and_none_when_refused(
    name: str,
    dns_gql: GraphQL,
    dns_http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    call = SAMPLES.get(name)
    assert call is not None, f"add a line to SAMPLES in {__name__} for {name}"
    ids = await refs(sessions, world)
    if call.setup is not None:
        await call.setup(dns_gql, ids)
    if call.seed is not None:
        await call.seed(sessions, ids)
    document = (
        f"mutation {{ {name}(input: {{ {Template(call.input).substitute(ids)} }}) "
        "{ userErrors { field code message } } }"
    )

    before = await last_event_id(sessions)
    rows = await every_row(sessions)
    refused: dict[str, Any] = await dns_gql(call.refused_by, document)
    assert "errors" not in refused, refused
    assert refused["data"][name]["userErrors"], f"{call.refused_by} was not refused"
    assert await events_after(sessions, before) == [], "a refused mutation wrote events"
    assert changed_rows(rows, await every_row(sessions)) == set(), "a refused mutation wrote"

    if call.service is None:
        done: dict[str, Any] = await dns_gql(call.viewer, document)
    else:
        token = issue_service_token(TEST_SECRET, call.service, 600)
        response = await dns_http.post(
            "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        done = response.json()
    assert "errors" not in done, done
    assert done["data"][name]["userErrors"] == []
    written = await events_after(sessions, before)
    assert written, f"{name} changed data without an audit event"
    assert {action for action, *_ in written} == {name}
    changed = changed_rows(rows, await every_row(sessions))
    assert changed - {(kind, id_) for _, kind, id_, *_ in written} == set(), "rows without events"
    actor = (None, call.service) if call.service else (world.users[call.viewer], None)
    assert {(user, service) for *_, user, service in written} == {actor}
