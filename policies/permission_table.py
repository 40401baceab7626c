"""README's "who may do what" table, generated from the real policy.

A tiny world is built in an in-memory SQLite database: the partner Northwind with its team, a
pending invitation and three clients (Lumen, which its specialist is assigned to; Aster, where
the merchant users below work; Old Mill, whose merchant revoked Northwind's access although the
specialist is still assigned), and another partner, Bluefin, with an owner and a client of its
own. Each viewer is loaded the way a request loads it, and for every permission the policy
declares, `Authorizer.filter` decides which of these objects that viewer gets. A cell names the
set of Northwind's example objects it covers: "yes" (all of them), "all" (every partner's), "—"
(none of Northwind's), or a narrower set ("assigned clients", "shared only", "own", ...).

    python -m policies.permission_table            # print the table
    python -m policies.permission_table --check    # exit 1, with a diff, if README.md is stale
    python -m policies.permission_table --write    # rewrite the table in README.md
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from db import models, money, payouts
from db.audit import AuditEvent, AuditOperation
from db.base import Base
from db.bulk import BulkKind, BulkOperation, BulkResult
from db.enums import (
    AccessStatus,
    AssignmentRole,
    CommunicationKind,
    DocumentKind,
    MemberStatus,
    MerchantRole,
    PartnerRole,
    Visibility,
)
from db.enums import TaskCategory as Category
from db.events import OutboxEvent
from db.jobs import FailedJob
from db.reports import SavedReport
from db.webhooks import WebhookDelivery, WebhookEndpoint
from policies.authorize import Action, build_authorizer
from policies.viewer import Viewer, load_viewer

POLICY_DIR = Path(__file__).parent
README_FILE = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- permission-table:start -->"
END = "<!-- permission-table:end -->"

# The columns: (heading, the viewer's key in the example world).
VIEWERS = (
    ("Owner", "owner"),
    ("Admin", "admin"),
    ("Manager", "manager"),
    ("Specialist", "specialist"),
    ("Merchant owner", "merchant_owner"),
    ("Merchant staff", "merchant_staff"),
    ("Platform staff", "platform"),
    ("Invited", "invitee"),
    ("Other partner's owner", "outsider"),
)
RESOURCE_NAMES = {
    "PartnerMember": "Team member",
    "WorkflowTemplate": "Workflow template",
    "WorkflowTemplateItem": "Template item",
    "TrustedDocument": "Trusted document",
    "AuditEvent": "Audit event",
    "PartnerAccess": "Partner access",
    "ClientUser": "Merchant user",
    "CommunicationRevision": "Communication revision",
    "SupportPlan": "Support plan",
    "TimeEntry": "Time entry",
    "ClientDocument": "Client document",
    "BillingTerms": "Billing terms",
    "InvoiceLine": "Invoice line",
    "CommissionTerms": "Commission terms",
    "SubscriptionCharge": "Subscription charge",
    "PayoutMinimum": "Payout minimum",
    "SavedReport": "Saved report",
    "WebhookEndpoint": "Webhook endpoint",
    "WebhookDelivery": "Webhook delivery",
    "FailedJob": "Failed job",
    "BulkOperation": "Bulk operation",
    "BulkResult": "Bulk operation result",
}
# The clients: (name, Northwind's access, whose seat, what the example stands for).
CLIENTS = (
    ("Lumen", AccessStatus.ACTIVE, "specialist", {"served", "assigned"}),
    ("Aster", AccessStatus.ACTIVE, "manager", {"served", "merchant"}),
    ("Old Mill", AccessStatus.REVOKED, "specialist", {"assigned"}),
)
EVERYWHERE = "all"
_NOW = datetime(2025, 1, 1, tzinfo=UTC)
# A narrower answer is named after the examples it covers (by their tags), tried in this order.
NARROWER: tuple[tuple[str, str, Callable[[frozenset[str]], bool]], ...] = (
    (
        "partner's clients",
        "on the clients whose merchant gives the partner active access",
        lambda tags: "served" in tags,
    ),
    (
        "assigned clients",
        "on those of the partner's clients the specialist is assigned to",
        lambda tags: {"served", "assigned"} <= tags,
    ),
    ("own client", "on the merchant's own business", lambda tags: "merchant" in tags),
    (
        "issued only",
        "the own client's invoices once issued, never drafts",
        lambda tags: {"merchant", "issued"} <= tags,
    ),
    (
        "shared only",
        "the own client's items shared with the merchant (tasks marked client-visible, shared "
        "items, changes of shared items), never internal ones",
        lambda tags: {"merchant", "shared"} <= tags,
    ),
    (
        "own",
        "their own membership or invitation, or the entries they wrote",
        lambda tags: "self" in tags,
    ),
    ("all but owners", "every member of the team except owners", lambda tags: "owner" not in tags),
)


@dataclass(frozen=True)
class Example:
    """One of Northwind's objects the table asks about, and what it stands for."""

    name: str
    id: int
    tags: frozenset[str]
    user_id: int | None = None  # a team member's user: tagged "self" for that viewer


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[Example]] = field(default_factory=dict)  # by resource name

    def add(self, resource: str, name: str, obj: Any, tags: set[str] | frozenset[str]) -> None:
        self.examples.setdefault(resource, []).append(Example(name, obj.id, frozenset(tags)))


def policy_text() -> str:
    """Every policy file, in the order Oso loads them (sorted by name)."""
    return "\n".join(p.read_text() for p in sorted(POLICY_DIR.glob("*.polar")))


def _model(resource: str) -> type[Any] | None:
    """The mapped class named like the resource (in db/models.py or a domain's module)."""
    for mapper in Base.registry.mappers:
        if mapper.class_.__name__ == resource:
            return mapper.class_
    return None


def declared_permissions(policy: str) -> list[tuple[str, list[str]]]:
    """(resource, permissions) of every `resource` block, in the policy's order."""
    text = re.sub(r"#[^\n]*", "", policy)
    declared = []
    for match in re.finditer(r"\bresource\s+(\w+)\s*\{", text):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        permissions = re.search(r"permissions\s*=\s*\[([^\]]*)\]", text[match.end() : end])
        if permissions:
            declared.append((match.group(1), re.findall(r'"([^"]+)"', permissions.group(1))))
    return declared


async def _seed(session: AsyncSession) -> World:
    world = World()

    async def add(obj: Any) -> Any:
        session.add(obj)
        await session.flush()
        return obj

    for _, key in VIEWERS:
        user = models.User(
            email=f"{key}@example.test", name=key, is_platform_staff=key == "platform"
        )
        world.users[key] = (await add(user)).id
    northwind = await add(models.Partner(name="Northwind", slug="northwind"))
    bluefin = await add(models.Partner(name="Bluefin", slug="bluefin"))
    world.add("Partner", "Northwind", northwind, set())

    team: dict[str, models.PartnerMember] = {}
    for key, role, status in (
        ("owner", PartnerRole.OWNER, MemberStatus.ACTIVE),
        ("admin", PartnerRole.ADMIN, MemberStatus.ACTIVE),
        ("manager", PartnerRole.MANAGER, MemberStatus.ACTIVE),
        ("specialist", PartnerRole.SPECIALIST, MemberStatus.ACTIVE),
        ("invitee", PartnerRole.SPECIALIST, MemberStatus.INVITED),
    ):
        user_id = world.users[key]
        member = await add(
            models.PartnerMember(partner_id=northwind.id, user_id=user_id, role=role, status=status)
        )
        team[key] = member
        example = Example(key, member.id, frozenset({str(role), str(status)}), user_id)
        world.examples.setdefault("PartnerMember", []).append(example)
    team["outsider"] = await add(
        models.PartnerMember(
            partner_id=bluefin.id, user_id=world.users["outsider"], role=PartnerRole.OWNER
        )
    )

    clients = [*CLIENTS, ("Harbor", AccessStatus.ACTIVE, "outsider", set())]
    audit_subjects: list[tuple[str, int, models.Partner, set[str]]] = []
    for name, access, seated, tags in clients:
        partner = bluefin if seated == "outsider" else northwind
        client = await add(
            models.Client(
                # The current partner is the one whose access is active (resolvers/access.py).
                partner_id=partner.id if access == AccessStatus.ACTIVE else None,
                business_name=name,
                contact_email="x@example.test",
                country="US",
                currency="USD",
            )
        )
        access_row = await add(
            models.PartnerAccess(
                partner_id=partner.id, client_id=client.id, status=access, requested_at=_NOW
            )
        )
        store = await add(models.Store(client_id=client.id, name=name, subdomain=name.lower()))
        audit_subjects.append((name, client.id, partner, set(tags)))
        member = team[seated]
        seat = await add(
            models.Assignment(
                partner_id=partner.id,
                client_id=client.id,
                member_id=member.id,
                user_id=member.user_id,
                role=AssignmentRole.LEAD,
            )
        )
        tasks = [
            await add(_task(partner.id, client.id, "internal", client_visible=False)),
            await add(_task(partner.id, client.id, "shared", client_visible=True)),
        ]
        if "merchant" in tags:
            for key, merchant_role in (
                ("merchant_owner", MerchantRole.MERCHANT_OWNER),
                ("merchant_staff", MerchantRole.MERCHANT_STAFF),
            ):
                merchant = await add(
                    models.ClientUser(
                        client_id=client.id, user_id=world.users[key], role=merchant_role
                    )
                )
                world.examples.setdefault("ClientUser", []).append(
                    Example(f"{name} {key}", merchant.id, frozenset(tags), world.users[key])
                )
        if partner is bluefin:  # another client's merchant owner, whom no example viewer is
            other = await add(models.User(email="harbor@example.test", name="harbor"))
            await add(
                models.ClientUser(
                    client_id=client.id, user_id=other.id, role=MerchantRole.MERCHANT_OWNER
                )
            )
        await _relationship_examples(world, add, partner is northwind, client, member, tags)
        if partner is northwind:
            for resource, obj in (
                ("Client", client),
                ("Store", store),
                ("Assignment", seat),
                ("PartnerAccess", access_row),
            ):
                world.add(resource, name, obj, tags)
            world.add("Task", f"{name} internal", tasks[0], tags)
            world.add("Task", f"{name} shared", tasks[1], {*tags, "shared"})
        await _billing(
            add, world, partner.id, client.id, name, tags if partner is northwind else None
        )

    for partner in (northwind, bluefin):
        template = await add(models.WorkflowTemplate(partner_id=partner.id, name="Launch"))
        item = await add(
            models.WorkflowTemplateItem(
                template_id=template.id,
                partner_id=partner.id,
                title="Domain",
                category=Category.DOMAIN,
                position=1,
            )
        )
        if partner is northwind:
            world.add("WorkflowTemplate", "Launch", template, set())
            world.add("WorkflowTemplateItem", "Domain", item, set())
    # Saved reports: Northwind's specialist's and owner's, and one of Bluefin's. An author is
    # tagged "self" for that viewer (authors change their own).
    for key, partner in (("specialist", northwind), ("owner", northwind), ("outsider", bluefin)):
        author = team[key]
        report = await add(
            SavedReport(
                partner_id=partner.id,
                author_member_id=author.id,
                name=f"{key}'s report",
                document="{ viewer { user { id } } }",
                variables={},
            )
        )
        if partner is northwind:
            example = Example(f"{key}'s report", report.id, frozenset(), author.user_id)
            world.examples.setdefault("SavedReport", []).append(example)
    # Webhooks: an endpoint of each partner, with one delivery of one event.
    for partner in (northwind, bluefin):
        endpoint = await add(
            WebhookEndpoint(
                partner_id=partner.id,
                url="https://hooks.example.com/shopiq",
                event_types=["task.completed"],
                secret="whsec_example",
            )
        )
        event = await add(
            OutboxEvent(
                event_type="task.completed",
                partner_id=partner.id,
                subject_type="Task",
                subject_id=1,
                payload={},
                action="completeTask",
                request_id="example",
            )
        )
        delivery = await add(
            WebhookDelivery(endpoint_id=endpoint.id, partner_id=partner.id, event_id=event.id)
        )
        if partner is northwind:
            world.add("WebhookEndpoint", "Hooks", endpoint, set())
            world.add("WebhookDelivery", "Hooks", delivery, set())
    # Bulk operations: the specialist's, the owner's and one of Bluefin's owner, each with one
    # result. The creator is tagged "self" for that viewer (creators follow their own).
    for key, partner in (("specialist", northwind), ("owner", northwind), ("outsider", bluefin)):
        creator = team[key]
        operation = await add(
            BulkOperation(
                kind=BulkKind.UPDATE_TASKS,
                created_by_user_id=creator.user_id,
                partner_id=partner.id,
                params={},
                subject_ids=[1],
                total=1,
                done=1,
                failed=0,
                request_id=key,
            )
        )
        result = await add(
            BulkResult(operation_id=operation.id, position=0, subject_id=1, succeeded=True)
        )
        if partner is northwind:
            for resource, row_id in (("BulkOperation", operation.id), ("BulkResult", result.id)):
                example = Example(f"{key}'s operation", row_id, frozenset(), creator.user_id)
                world.examples.setdefault(resource, []).append(example)
    # Shared by every tenant (no partner's own): platform configuration.
    document = await add(
        models.TrustedDocument(sha256="0" * 64, document="{ viewer { user { id } } }", name="Me")
    )
    world.add("TrustedDocument", "Me", document, set())
    # The audit trail: an internal and a shared event on each client, and one of the team.
    for client_name, client_id, partner, tags in audit_subjects:
        for internal in (True, False):
            event = await add(
                AuditEvent(
                    partner_id=partner.id,
                    client_id=client_id,
                    action="updateTask",
                    operation=AuditOperation.UPDATE,
                    target_type="Task",
                    target_id=1,
                    changes={},
                    internal=internal,
                    request_id="example",
                )
            )
            if partner is northwind:
                label = f"{client_name} {'internal' if internal else 'shared'} change"
                world.add("AuditEvent", label, event, tags if internal else {*tags, "shared"})
    failed = await add(FailedJob(job_name="payouts.run", arguments={}, attempts=5, error="-"))
    world.add("FailedJob", "a failed job", failed, set())
    await session.commit()
    return world


async def _relationship_examples(
    world: World,
    add: Callable[[Any], Any],
    ours: bool,
    client: models.Client,
    member: models.PartnerMember,
    tags: set[str],
) -> None:
    """An internal and a shared item of each kind of the client relationship, written by the
    client's seated member, and a support plan."""
    for visibility in (Visibility.INTERNAL, Visibility.SHARED):
        shared = {"shared"} if visibility == Visibility.SHARED else set()
        keys = {"partner_id": member.partner_id, "client_id": client.id, "visibility": visibility}
        entry = await add(
            models.Communication(
                **keys,
                kind=CommunicationKind.NOTE,
                body="note",
                author_user_id=member.user_id,
                occurred_at=_NOW,
            )
        )
        rows = [
            ("Communication", entry),
            (
                "CommunicationRevision",
                await add(
                    models.CommunicationRevision(
                        **keys,
                        communication_id=entry.id,
                        version=1,
                        body="draft",
                        edited_by_user_id=member.user_id,
                        edited_at=_NOW,
                    )
                ),
            ),
            (
                "TimeEntry",
                await add(
                    models.TimeEntry(
                        **keys,
                        member_id=member.id,
                        user_id=member.user_id,
                        work_date=_NOW.date(),
                        minutes=10,
                        billable=True,
                    )
                ),
            ),
            (
                "ClientDocument",
                await add(
                    models.ClientDocument(
                        **keys,
                        title="Guide",
                        kind=DocumentKind.GUIDE,
                        url="https://docs.example.test/guide",
                        author_user_id=member.user_id,
                    )
                ),
            ),
        ]
        if ours:
            for resource, row in rows:
                # An entry's author is tagged "self" for that viewer (authors edit their own).
                author = member.user_id if resource == "Communication" else None
                example = Example(
                    f"{client.business_name} {visibility.value}",
                    row.id,
                    frozenset(tags | shared),
                    author,
                )
                world.examples.setdefault(resource, []).append(example)
    plan = await add(
        models.SupportPlan(
            client_id=client.id,
            partner_id=member.partner_id,
            in_scope="Questions",
            included_minutes=60,
            first_response_hours=24,
            channel_email=True,
            channel_phone=False,
            channel_chat=False,
            starts_on=_NOW.date(),
            set_by_user_id=member.user_id,
        )
    )
    if ours:
        world.add("SupportPlan", client.business_name, plan, tags)


async def _billing(
    add: Callable[[Any], Any],
    world: World,
    partner_id: int,
    client_id: int,
    name: str,
    tags: set[str] | None,
) -> None:
    """Billing terms, a draft and an issued invoice (with a line) of the partner to the client;
    examples when `tags` is given (Northwind's)."""
    terms = await add(
        money.BillingTerms(
            partner_id=partner_id,
            client_id=client_id,
            effective_from=_NOW.date(),
            currency="USD",
            implementation_fee_minor=0,
            recurring_fee_minor=10_000,
            cycle=money.BillingCycle.MONTHLY,
            payment_terms_days=30,
        )
    )
    invoices = []
    for status, number in (
        (money.InvoiceStatus.DRAFT, None),
        (money.InvoiceStatus.ISSUED, client_id),
    ):
        invoice = await add(
            money.Invoice(
                partner_id=partner_id,
                client_id=client_id,
                kind=money.InvoiceKind.MANUAL,
                status=status,
                number=number,
                currency="USD",
                payment_terms_days=30,
            )
        )
        line = await add(
            money.InvoiceLine(
                invoice_id=invoice.id,
                partner_id=partner_id,
                client_id=client_id,
                position=1,
                description="Support",
                quantity_thousandths=1000,
                unit_price_minor=100,
                amount_minor=100,
                tax_minor=0,
            )
        )
        invoices.append((status, invoice, line))
    access_id = (
        await add(
            models.PartnerAccess(
                partner_id=partner_id,
                client_id=client_id,
                status=AccessStatus.ENDED,
                requested_at=_NOW,
            )
        )
    ).id
    charge = await add(
        money.SubscriptionCharge(
            external_id=f"ch-{client_id}",
            client_id=client_id,
            partner_id=partner_id,
            kind=money.ChargeKind.SUBSCRIPTION,
            amount_minor=10_000,
            currency="USD",
            period_start=_NOW.date(),
            period_end=_NOW.date(),
            charged_at=_NOW,
            payload_hash="0" * 64,
        )
    )
    override = await add(
        money.CommissionTerms(
            partner_id=partner_id,
            effective_from=_NOW.date(),
            rate_bp=2000,
            duration_months=24,
            hold_days=30,
        )
    )
    commission = await add(
        money.Commission(
            partner_id=partner_id,
            client_id=client_id,
            charge_id=charge.id,
            terms_id=override.id,
            access_id=access_id,
            rate_bp=2000,
            base_minor=10_000,
            amount_minor=2000,
            currency="USD",
            earned_on=_NOW.date(),
            hold_until=_NOW.date(),
        )
    )
    payout = await add(
        payouts.Payout(
            partner_id=partner_id,
            currency="USD",
            period_end=_NOW.date() + timedelta(days=client_id),
            status=payouts.PayoutStatus.DUE,
            amount_minor=2000,
            minimum_minor=0,
            commission_count=1,
        )
    )
    await add(
        payouts.PayoutItem(commission_id=commission.id, payout_id=payout.id, partner_id=partner_id)
    )
    if tags is None:
        return
    if "PayoutMinimum" not in world.examples:
        minimum = await add(payouts.PayoutMinimum(currency="USD", minimum_minor=5000))
        world.add("PayoutMinimum", "USD minimum", minimum, set())
    world.add("Payout", name, payout, tags)
    world.add("SubscriptionCharge", name, charge, tags)
    world.add("CommissionTerms", f"{name} override", override, set())
    world.add("Commission", name, commission, tags)
    world.add("BillingTerms", name, terms, tags)
    for status, invoice, line in invoices:
        labelled = {*tags, "issued"} if status == money.InvoiceStatus.ISSUED else tags
        world.add("Invoice", f"{name} {status}", invoice, labelled)
        world.add("InvoiceLine", f"{name} {status}", line, labelled)


def _task(partner_id: int, client_id: int, title: str, *, client_visible: bool) -> models.Task:
    return models.Task(
        partner_id=partner_id,
        client_id=client_id,
        title=title,
        category=Category.OTHER,
        position=2 if client_visible else 1,
        client_visible=client_visible,
    )


def _action(name: str) -> Action:
    if name not in get_args(Action):
        raise LookupError(f"permission {name!r} is not an Action of policies.authorize")
    return cast(Action, name)


def _cell(seen: set[int], every: set[int], examples: list[Example], user_id: int) -> str:
    """Names the set `seen` of ids (of all `every` ids of the table) by the examples it covers."""

    def tags(example: Example) -> frozenset[str]:
        return example.tags | ({"self"} if example.user_id == user_id else set())

    ours = seen & {e.id for e in examples}
    if seen == every:
        return EVERYWHERE
    if not ours:
        return "—"
    if ours == {e.id for e in examples}:
        return "yes"
    for label, _, covers in NARROWER:
        if ours == {e.id for e in examples if covers(tags(e))}:
            return label
    return "only " + ", ".join(e.name for e in examples if e.id in ours)


async def build_table() -> str:
    """The Markdown table, with its legend, for the policy as it is now."""
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    authz = build_authorizer()
    rows: list[list[str]] = []
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            world = await _seed(session)
            viewers: list[tuple[str, Viewer]] = []
            for _, key in VIEWERS:
                viewer = await load_viewer(session, world.users[key])
                if viewer is None:
                    raise LookupError(f"the example viewer {key} did not load")
                viewers.append((key, viewer))
            for resource, permissions in declared_permissions(policy_text()):
                model = _model(resource)
                examples = world.examples.get(resource)
                if model is None or not examples:
                    raise LookupError(f"no example {resource} in policies/permission_table.py")
                every = set((await session.execute(select(model.id))).scalars())
                for number, permission in enumerate(permissions):
                    name = RESOURCE_NAMES.get(resource, resource)
                    row = ["" if number else f"**{name}**", f"`{permission}`"]
                    for key, viewer in viewers:
                        allowed = authz.filter(viewer, _action(permission), model)
                        result = await session.execute(select(model.id).where(allowed))
                        row.append(_cell(set(result.scalars()), every, examples, world.users[key]))
                    rows.append(row)
    finally:
        await engine.dispose()
    return _markdown(["", "permission", *(heading for heading, _ in VIEWERS)], rows)


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [
            line(header),
            line(["-" * w for w in widths]),
            *(line(row) for row in rows),
            "",
            f"- *{EVERYWHERE}*: every one, of every partner and every client",
            "- *yes*: every one of the partner's (a merchant's: the partner working for them; "
            "an invitee's: the partner inviting them)",
            *(f"- *{label}*: {meaning}" for label, meaning, _ in NARROWER),
            "- *—*: none of the partner's",
            "",
        ]
    )


def readme_with(table: str, readme: str) -> str:
    """README's text with what stands between the markers replaced by `table`."""
    before, start, rest = readme.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md lacks the markers {START} ... {END}")
    return f"{before}{START}\n{table}{END}{after}"


def stale_diff(readme: str, table: str) -> str:
    """A unified diff from README's text to the text with `table`; empty when they agree."""
    wanted = readme_with(table, readme)
    lines = difflib.unified_diff(
        readme.splitlines(True), wanted.splitlines(True), "README.md", "README.md (generated)"
    )
    return "".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies.permission_table")
    parser.add_argument("--readme", type=Path, default=README_FILE)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail if README.md is stale")
    mode.add_argument("--write", action="store_true", help="rewrite the table in README.md")
    args = parser.parse_args(argv)
    table = asyncio.run(build_table())
    if not (args.check or args.write):
        sys.stdout.write(table)
        return 0
    readme = args.readme.read_text()
    if args.write:
        args.readme.write_text(readme_with(table, readme))
        print(f"wrote the permission table into {args.readme}", file=sys.stderr)
        return 0
    diff = stale_diff(readme, table)
    if diff:
        sys.stdout.write(diff)
        print("README.md's permission table is stale: run `make policy-table`", file=sys.stderr)
        return 1
    print("README.md's permission table matches the policy", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
