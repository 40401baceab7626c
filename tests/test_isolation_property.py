"""Data separation under generated documents: hypothesis draws query documents from the schema
itself (tests/documents_strategy.py: nested fields, aliases, named and inline fragments,
connections with `first`, `node(id:)` with the ids of every tenant's objects and garbage) and
runs them as every demo user, each standing for a role: the owner, admin, manager and
specialists of two partners, merchant owners and staff, platform staff, a user with no grants, a
removed user, an invited user, and no token at all.

Before the documents run, every free-text column of every row (strings of 100 characters and
more, and text) is overwritten with a canary naming its row, `cnry-<table>-<id>-`. For each
answer, the test asserts that
- every canary anywhere in it (data, errors, extensions) belongs to a row the independent oracle
  (tests/oracle.py) lets the user read, and
- every global id in its data names an object the oracle lets the user read.

`SHOPIQ_ISOLATION_EXAMPLES` sets the number of documents per user (default 16); a long run:
`SHOPIQ_ISOLATION_EXAMPLES=500 .venv/bin/python -m pytest tests/test_isolation_property.py`."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.base import Base
from db.demo import USERS
from db.events import OutboxEvent
from db.jobs import FailedJob
from db.models import (
    Assignment,
    Client,
    ClientUser,
    IdempotencyKey,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    Task,
    User,
    WorkflowTemplate,
    WorkflowTemplateItem,
)
from db.money import (
    BillingTerms,
    Commission,
    CommissionTerms,
    Invoice,
    InvoiceLine,
    SubscriptionCharge,
)
from db.payouts import Payout
from db.relationship import (
    ClientDocument,
    Communication,
    CommunicationRevision,
    SupportPlan,
    TimeEntry,
)
from db.reports import SavedReport
from db.webhooks import WebhookDelivery, WebhookEndpoint
from schema.build import build_schema
from schema.relay import from_global_id
from tests import oracle
from tests.conftest import World, token_for
from tests.documents_strategy import documents, valid_document
from tests.helpers import gid

EXAMPLES = int(os.environ.get("SHOPIQ_ISOLATION_EXAMPLES", "16"))
ANONYMOUS = "(no token)"
VIEWERS = (*USERS, ANONYMOUS)
CANARY = re.compile(r"cnry-([a-z_]+)-(\d+)-")
# Tables whose rows are no tenant's data: documents registered by platform staff, and the rate
# limiter's buckets (keyed by their text, which is no one's to read). The outbox and the mails
# made are read by no field of the API (only by the background jobs), so a canary in them could
# not show.
NOT_TENANT_DATA = frozenset(
    {"trusted_documents", "rate_limit_buckets", "outbox_events", "sent_mails"}
)
# Global id type name -> table.
NODE_TABLES = {
    "Client": "clients",
    "Store": "stores",
    "Partner": "partners",
    "PartnerMember": "partner_members",
    "User": "users",
    "Assignment": "assignments",
    "Task": "tasks",
    "WorkflowTemplate": "workflow_templates",
    "WorkflowTemplateItem": "workflow_template_items",
    "PartnerAccess": "partner_accesses",
    "MerchantUser": "client_users",
    "Communication": "communications",
    "SupportPlan": "support_plans",
    "TimeEntry": "time_entries",
    "ClientDocument": "client_documents",
    "AuditEvent": "audit_events",
    "BillingTerms": "billing_terms",
    "Invoice": "invoices",
    "CommissionTerms": "commission_terms",
    "Commission": "commissions",
    "SubscriptionCharge": "subscription_charges",
    "Payout": "payouts",
    "SavedReport": "saved_reports",
    "WebhookEndpoint": "webhook_endpoints",
    "WebhookDelivery": "webhook_deliveries",
    "FailedJob": "failed_jobs",
}
GRAPHQL_SCHEMA = build_schema()._schema

# Documents per user that passed the checks, and how many of them returned data (the report).
RAN: Counter[str] = Counter()
ANSWERED: Counter[str] = Counter()

RowKeys = dict[str, dict[int, object]]


def canary_columns() -> dict[str, list[str]]:
    """Every free-text column of every tenant table: strings of 100+ characters, and text."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_TENANT_DATA:
            continue
        names = [
            c.name
            for c in table.columns
            if isinstance(c.type, Text)
            or (isinstance(c.type, String) and (c.type.length or 0) >= 100)
        ]
        if names:
            found[table.name] = names
    return found


# (table, column) of the rows that show a user with them.
NAMED_USERS: tuple[tuple[str, Any], ...] = (
    ("communications", Communication.author_user_id),
    ("communication_revisions", CommunicationRevision.edited_by_user_id),
    ("client_documents", ClientDocument.author_user_id),
    ("client_documents", ClientDocument.acknowledged_by_user_id),
    ("support_plans", SupportPlan.set_by_user_id),
    ("time_entries", TimeEntry.user_id),
    ("client_users", ClientUser.user_id),
    ("audit_events", AuditEvent.actor_user_id),
)


async def row_keys(session: AsyncSession) -> RowKeys:
    """Each row's human-readable key, as the oracle names it, by table and database id."""

    async def pairs(stmt: Any) -> dict[int, object]:
        return {
            row[0]: (row[1] if len(row) == 2 else tuple(row[1:]))
            for row in await session.execute(stmt)
        }

    template_partner = Partner.__table__.alias("template_partner")
    keys: RowKeys = {
        "clients": await pairs(select(Client.id, Client.business_name)),
        "stores": await pairs(
            select(Store.id, Client.business_name).join(Client, Store.client_id == Client.id)
        ),
        "partners": await pairs(select(Partner.id, Partner.slug)),
        "partner_members": await pairs(
            select(PartnerMember.id, User.email).join(User, PartnerMember.user_id == User.id)
        ),
        "users": await pairs(select(User.id, User.email)),
        "idempotency_keys": await pairs(select(IdempotencyKey.id, IdempotencyKey.key)),
        "assignments": await pairs(
            select(Assignment.id, Client.business_name, User.email)
            .join(Client, Assignment.client_id == Client.id)
            .join(User, Assignment.user_id == User.id)
        ),
        "tasks": await pairs(
            select(Task.id, Client.business_name, Task.position).join(
                Client, Task.client_id == Client.id
            )
        ),
        "workflow_templates": await pairs(
            select(WorkflowTemplate.id, Partner.slug, WorkflowTemplate.name).join(
                Partner, WorkflowTemplate.partner_id == Partner.id
            )
        ),
        "workflow_template_items": await pairs(
            select(WorkflowTemplateItem.id, template_partner.c.slug, WorkflowTemplate.name)
            .join(WorkflowTemplate, WorkflowTemplateItem.template_id == WorkflowTemplate.id)
            .join(template_partner, WorkflowTemplate.partner_id == template_partner.c.id)
        ),
        "partner_accesses": await pairs(
            select(PartnerAccess.id, Client.business_name, Partner.slug, PartnerAccess.status)
            .join(Client, PartnerAccess.client_id == Client.id)
            .join(Partner, PartnerAccess.partner_id == Partner.id)
        ),
        "client_users": await pairs(
            select(ClientUser.id, Client.business_name, User.email)
            .join(Client, ClientUser.client_id == Client.id)
            .join(User, ClientUser.user_id == User.id)
        ),
        **{
            model.__tablename__: await pairs(
                select(model.id, Client.business_name, Partner.slug, model.visibility)
                .join(Client, model.client_id == Client.id)
                .outerjoin(Partner, model.partner_id == Partner.id)
            )
            for model in (Communication, SupportPlan, TimeEntry, ClientDocument)
        },
        "communication_revisions": await pairs(
            select(
                CommunicationRevision.id,
                Client.business_name,
                Partner.slug,
                CommunicationRevision.visibility,
                Communication.visibility,
            )
            .join(Communication, CommunicationRevision.communication_id == Communication.id)
            .join(Client, CommunicationRevision.client_id == Client.id)
            .outerjoin(Partner, CommunicationRevision.partner_id == Partner.id)
        ),
        "audit_events": await pairs(
            select(AuditEvent.id, Client.business_name, Partner.slug)
            .outerjoin(Client, AuditEvent.client_id == Client.id)
            .outerjoin(Partner, AuditEvent.partner_id == Partner.id)
        ),
        "billing_terms": await pairs(
            select(BillingTerms.id, Client.business_name, Partner.slug)
            .join(Client, BillingTerms.client_id == Client.id)
            .join(Partner, BillingTerms.partner_id == Partner.id)
        ),
        "invoices": await pairs(
            select(Invoice.id, Client.business_name, Partner.slug, Invoice.status)
            .join(Client, Invoice.client_id == Client.id)
            .join(Partner, Invoice.partner_id == Partner.id)
        ),
        "invoice_lines": await pairs(
            select(InvoiceLine.id, Client.business_name, Partner.slug, Invoice.status)
            .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .join(Client, Invoice.client_id == Client.id)
            .join(Partner, Invoice.partner_id == Partner.id)
        ),
        "commission_terms": await pairs(
            select(CommissionTerms.id, Partner.slug, CommissionTerms.tier).outerjoin(
                Partner, CommissionTerms.partner_id == Partner.id
            )
        ),
        "commissions": await pairs(
            select(Commission.id, Partner.slug).join(Partner, Commission.partner_id == Partner.id)
        ),
        "subscription_charges": await pairs(
            select(SubscriptionCharge.id, SubscriptionCharge.external_id)
        ),
        "payouts": await pairs(
            select(Payout.id, Partner.slug).join(Partner, Payout.partner_id == Partner.id)
        ),
        "saved_reports": await pairs(
            select(SavedReport.id, Partner.slug).join(Partner, SavedReport.partner_id == Partner.id)
        ),
        **{
            model.__tablename__: await pairs(
                select(model.id, Partner.slug).join(Partner, model.partner_id == Partner.id)
            )
            for model in (WebhookEndpoint, WebhookDelivery)
        },
        "failed_jobs": await pairs(select(FailedJob.id, FailedJob.job_name)),
    }
    # A user is shown with the rows that name them (an entry's author, who logged the time, who
    # acted): the oracle lets a viewer read such a user with any one of those rows.
    named: dict[object, list[tuple[str, object]]] = {}
    for table, column in NAMED_USERS:
        for row_id, user_id in await session.execute(select(column.table.c.id, column)):
            if user_id is not None:
                named.setdefault(user_id, []).append((table, keys[table][row_id]))
    keys["users"] = {
        user_id: (email, tuple(named.get(user_id, ()))) for user_id, email in keys["users"].items()
    }
    return keys


@pytest.fixture(scope="module", autouse=True)
def report_documents_per_user() -> Iterator[None]:
    """With SHOPIQ_ISOLATION_REPORT=1 (and `-s`), prints how many documents ran per user."""
    yield
    if os.environ.get("SHOPIQ_ISOLATION_REPORT"):
        for email in VIEWERS:
            print(f"{email}: {RAN[email]} documents, {ANSWERED[email]} answered with data")
        # Counted only once an answer passed the checks.
        print(f"all users: {sum(RAN.values())} documents showed nothing foreign")


async def add_webhooks(sessions: async_sessionmaker[AsyncSession]) -> None:
    """An endpoint of every partner with a delivery in its log (the demo has none: its
    deliveries would be the background jobs' to make)."""
    async with sessions.begin() as session:
        for partner_id in list(await session.scalars(select(Partner.id))):
            endpoint = WebhookEndpoint(
                partner_id=partner_id,
                url="https://hooks.example.com/",
                event_types=["task.completed"],
                secret="whsec_x",
                description="hooks",
            )
            event = OutboxEvent(
                event_type="task.completed",
                partner_id=partner_id,
                subject_type="Task",
                subject_id=1,
                payload={},
                action="completeTask",
                request_id="isolation",
            )
            session.add_all([endpoint, event])
            await session.flush()
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    partner_id=partner_id,
                    event_id=event.id,
                    last_error="HTTP 500",
                )
            )


@pytest.fixture
async def canaried(committed_world: World, sessions: async_sessionmaker[AsyncSession]) -> RowKeys:
    """The demo world with a canary in every free-text column, committed (the world is reseeded
    after the test). Committed, not in the test's rolled-back transaction: a document whose
    root field fails stops its sibling fields mid-statement, which discards the connection
    they were using, as it must in production, and the test's one connection with it."""
    await add_webhooks(sessions)
    async with sessions() as session:
        keys = await row_keys(session)
    columns = canary_columns()
    unknown = set(columns) - set(keys)
    assert not unknown, f"teach row_keys and the oracle who may read {sorted(unknown)}"
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    async with sessions.begin() as session:
        for name, column_names in columns.items():
            table = tables[name]
            mark = literal(f"cnry-{name}-", String) + cast(table.c.id, String) + literal("-")
            await session.execute(update(table).values(dict.fromkeys(column_names, mark)))
    return keys


def every_id(keys: RowKeys) -> list[str]:
    """The global id of every object of every tenant, and ids that were never issued."""
    ids = [gid(type_name, id_) for type_name, table in NODE_TABLES.items() for id_ in keys[table]]
    ids += [gid("Client", 999_999), gid("Nothing", 1), "abc", ""]
    return ids


def judge(email: str, keys: RowKeys) -> Callable[[str, int], bool]:
    def allowed(table: str, id_: int) -> bool:
        if email == ANONYMOUS:
            return False
        if id_ not in keys.get(table, {}):
            raise AssertionError(f"a {table} row {id_} that the demo world does not have")
        return oracle.reads_row(email, table, keys[table][id_])

    return allowed


def global_ids(value: Any) -> list[tuple[str, int]]:
    """(type name, database id) of every `id` in the data."""
    found: list[tuple[str, int]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                decoded = from_global_id(item)
                assert decoded is not None, f"an id the API never issues: {item!r}"
                found.append(decoded)
            else:
                found.extend(global_ids(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(global_ids(item))
    return found


def leaks(email: str, keys: RowKeys, status: int, text: str) -> list[str]:
    """Everything in one answer that the user may not see (and any internal error)."""
    allowed = judge(email, keys)
    problems = [
        f"canary of {table} {id_}"
        for table, id_ in {(m[1], int(m[2])) for m in CANARY.finditer(text)}
        if not allowed(table, id_)
    ]
    body = json.loads(text)
    problems += [
        f"an internal error: {error}"
        for error in body.get("errors") or []
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]
    if email == ANONYMOUS:
        if status != 401 or body.get("data") is not None:
            problems.append(f"an answer without a token: {status}")
        return problems
    for type_name, id_ in global_ids(body.get("data")):
        table = NODE_TABLES.get(type_name)
        if table is None:
            problems.append(f"a {type_name} id: add the type to NODE_TABLES and the oracle")
        elif not allowed(table, id_):
            problems.append(f"id of {type_name} {id_}")
    return problems


@pytest.mark.parametrize("email", VIEWERS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_documents_show_nothing_foreign(
    email: str,
    http: httpx.AsyncClient,
    committed_world: World,
    canaried: RowKeys,
    data: st.DataObject,
) -> None:
    world = committed_world
    drawn = data.draw(documents(GRAPHQL_SCHEMA, every_id(canaried)), label="document")
    assume(valid_document(GRAPHQL_SCHEMA, drawn))
    headers = {}
    if email != ANONYMOUS:
        headers["Authorization"] = f"Bearer {token_for(world.users[email], email)}"
    response = await http.post(
        "/graphql", json={"query": drawn.query, "variables": drawn.variables}, headers=headers
    )
    assert response.status_code < 500, response.text
    problems = leaks(email, canaried, response.status_code, response.text)
    assert not problems, (problems, response.text[:2000])
    RAN[email] += 1
    if response.json().get("data"):
        ANSWERED[email] += 1
