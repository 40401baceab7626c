"""The implementation side of the demo world: store set-up by stage, workflow templates, and
tasks (done, open, overdue, shared with the merchant) so every stage of the workflow shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentProvider,
    PaymentStatus,
    TaskCategory,
    TaskStatus,
    TaxStatus,
)
from db.models import Client, Task, WorkflowTemplate, WorkflowTemplateItem

C = TaskCategory


def store_state(stage: int, hostname: str) -> dict[str, Any]:
    """0 = nothing set up, 1 = onboarding, 2 = half way (blocked), 3 = ready to launch, 4 = live."""
    green = stage >= 3
    return {
        "custom_domain": hostname if stage >= 2 else None,
        "domain_status": DomainStatus.VERIFIED
        if green
        else DomainStatus.PENDING_DNS
        if stage == 2
        else DomainStatus.NOT_CONNECTED,
        "domain_verification_token": f"demo{abs(hash(hostname)) % 10**12:012d}"
        if stage >= 2
        else None,
        "payment_provider": PaymentProvider.STRIPE if stage >= 1 else None,
        "payment_status": PaymentStatus.ACTIVE
        if green
        else PaymentStatus.KYC_PENDING
        if stage >= 1
        else PaymentStatus.NOT_STARTED,
        "logistics_provider": "ShipBob" if stage >= 2 else None,
        "shipping_zone_count": 3 if stage >= 2 else 0,
        "shipping_method_count": 4 if stage >= 2 else 0,
        "logistics_status": LogisticsStatus.ACTIVE
        if green
        else LogisticsStatus.CONFIGURED
        if stage == 2
        else LogisticsStatus.NOT_STARTED,
        "catalog_status": CatalogStatus.READY
        if stage >= 2
        else CatalogStatus.IMPORTING
        if stage == 1
        else CatalogStatus.EMPTY,
        "product_count": 40 + stage * 10 if stage >= 2 else 0,
        "category_count": 6 if stage >= 2 else 0,
        "logo_url": f"https://cdn.example/{hostname}/logo.png" if stage >= 2 else None,
        "theme": "aurora" if stage >= 2 else "essentials",
        "theme_customized": green,
        "refund_policy_published": stage >= 2,
        "shipping_policy_published": green,
        "privacy_policy_published": stage >= 2,
        "terms_policy_published": green,
        "kyc_status": KycStatus.VERIFIED
        if green
        else KycStatus.SUBMITTED
        if stage >= 1
        else KycStatus.NOT_STARTED,
        "tax_status": TaxStatus.REGISTERED
        if green
        else TaxStatus.PENDING
        if stage == 2
        else TaxStatus.NOT_STARTED,
        "launch_status": LaunchStatus.LIVE if stage == 4 else LaunchStatus.NOT_LAUNCHED,
    }


@dataclass(frozen=True)
class Item:
    title: str
    category: TaskCategory
    offset: int | None
    client_visible: bool = False
    blocks_launch: bool = False


STANDARD_LAUNCH = (
    Item("Kick-off call with the merchant", C.OTHER, 0, client_visible=True),
    Item(
        "Send product photos and descriptions",
        C.CATALOG,
        5,
        client_visible=True,
        blocks_launch=True,
    ),
    Item("Import the catalog", C.CATALOG, 10, blocks_launch=True),
    Item("Connect payments and pass KYC", C.PAYMENTS, 10, blocks_launch=True),
    Item("Set up shipping zones and rates", C.LOGISTICS, 14, blocks_launch=True),
    Item("Customise the theme to the brand", C.DESIGN, 18, blocks_launch=True),
    Item("Approve the store design", C.DESIGN, 21, client_visible=True),
    Item("Write refund, shipping, privacy and terms policies", C.CONTENT, 21, blocks_launch=True),
    Item("Point the domain's DNS at ShopIQ", C.DOMAIN, 24, client_visible=True),
    Item("Launch rehearsal and go-live checklist", C.LAUNCH, 28, blocks_launch=True),
)
TEMPLATES: dict[str, tuple[tuple[str, str, tuple[Item, ...]], ...]] = {
    "northwind-digital": (
        ("Standard launch", "Our four-week launch for a new ShopIQ store.", STANDARD_LAUNCH),
        (
            "Catalog migration",
            "Moving a catalog from another platform.",
            (
                Item("Export products from the old platform", C.CATALOG, 2, client_visible=True),
                Item("Map categories and variants", C.CATALOG, 5),
                Item("Import and spot-check 20 products", C.CATALOG, 7, blocks_launch=True),
            ),
        ),
    ),
    "bluefin-studio": (
        ("Bluefin express launch", "Two weeks, small catalogs.", STANDARD_LAUNCH[:6]),
    ),
}


def _tasks_for(client: Client, stage: int, start: date, open_blocker: bool) -> list[Task]:
    """The standard checklist, done up to the client's stage; overdue where the stage lags."""
    assert client.partner_id is not None
    done_upto = {0: 0, 1: 2, 2: 6, 3: len(STANDARD_LAUNCH), 4: len(STANDARD_LAUNCH)}[stage]
    tasks = []
    for position, item in enumerate(STANDARD_LAUNCH, start=1):
        done = position <= done_upto and not (
            open_blocker and item.blocks_launch and position == done_upto
        )
        status = (
            TaskStatus.DONE
            if done
            else (TaskStatus.IN_PROGRESS if position == done_upto + 1 else TaskStatus.TODO)
        )
        tasks.append(
            Task(
                partner_id=client.partner_id,
                client_id=client.id,
                title=item.title,
                category=item.category,
                status=status,
                due_date=start + timedelta(days=item.offset) if item.offset is not None else None,
                client_visible=item.client_visible,
                blocks_launch=item.blocks_launch,
                position=position,
                completed_at=utcnow() if done else None,
            )
        )
    return tasks


async def seed_workflow(
    session: AsyncSession,
    partners: dict[str, int],
    plans: list[tuple[Client, int, bool, int | None]],
) -> None:
    """Templates per partner, and each partnered client's checklist.
    plans: (client, stage, has an open blocking task, member id to assign the open work to)."""
    for slug, templates in TEMPLATES.items():
        for name, description, items in templates:
            template = WorkflowTemplate(
                partner_id=partners[slug], name=name, description=description
            )
            session.add(template)
            await session.flush()
            session.add_all(
                WorkflowTemplateItem(
                    template_id=template.id,
                    partner_id=partners[slug],
                    title=item.title,
                    category=item.category,
                    due_offset_days=item.offset,
                    client_visible=item.client_visible,
                    blocks_launch=item.blocks_launch,
                    position=index,
                )
                for index, item in enumerate(items, start=1)
            )
    today = utcnow().date()
    for index, (client, stage, open_blocker, assignee) in enumerate(plans):
        if client.partner_id is None or stage == 0:
            continue
        # Earlier stages started longer ago than the plan allows, so their open tasks are overdue.
        start = today - timedelta(days=30 + index % 7 if stage in (1, 2) else 20)
        tasks = _tasks_for(client, stage, start, open_blocker)
        for task in tasks:
            if task.status != TaskStatus.DONE and not task.client_visible:
                task.assignee_member_id = assignee
        session.add_all(tasks)
    await session.flush()
