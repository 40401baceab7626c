"""The demo's audit trail: what the seeded work would have recorded, written through the audit
capture itself (so the events look exactly like those of real mutations): Lumen Candles'
onboarding, tasks (internal and shared), store set-up and a task the merchant ticked off, and
some of Bluefin's work at Harbor Coffee."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit_capture
from db.audit import AuditOperation
from db.base import utcnow
from db.enums import DomainStatus, PaymentStatus, TaskStatus
from db.models import Client, ClientUser, PartnerAccess, Store, Task, User

CREATE, UPDATE = AuditOperation.CREATE, AuditOperation.UPDATE


async def seed_audit(session: AsyncSession) -> None:
    users = {u.email: u.id for u in (await session.execute(select(User))).scalars()}
    days_ago = 30

    async def step(email: str, action: str, *changes: tuple[Any, AuditOperation, Any]) -> None:
        """One mutation of the past: `changes` are (row, operation, before) as it recorded."""
        nonlocal days_ago
        audit_capture.start(
            session,
            actor_user_id=users[email],
            action=action,
            request_id=f"demo{days_ago:04d}",
        )
        for row, operation, before in changes:
            audit_capture.record(session, row, operation, before)
        await audit_capture.finish(session, at=utcnow() - timedelta(days=days_ago))
        days_ago -= 3

    for name, owner, specialist, merchant in (
        (
            "Lumen Candles",
            "owner@northwind.test",
            "specialist@northwind.test",
            "merchant@lumen-candles.test",
        ),
        ("Harbor Coffee", "owner@bluefin.test", "specialist@bluefin.test", None),
    ):
        client = (
            await session.execute(select(Client).where(Client.business_name == name))
        ).scalar_one()
        store = (
            await session.execute(select(Store).where(Store.client_id == client.id))
        ).scalar_one()
        access = (
            (
                await session.execute(
                    select(PartnerAccess).where(PartnerAccess.client_id == client.id)
                )
            )
            .scalars()
            .first()
        )
        seats = (
            (await session.execute(select(ClientUser).where(ClientUser.client_id == client.id)))
            .scalars()
            .all()
        )
        tasks = (
            (
                await session.execute(
                    select(Task).where(Task.client_id == client.id).order_by(Task.id)
                )
            )
            .scalars()
            .all()
        )
        onboarded = [(client, CREATE, None), (store, CREATE, None)]
        onboarded += [(seat, CREATE, None) for seat in seats]
        if access is not None:
            onboarded.append((access, CREATE, None))
        await step(owner, "onboardClient", *onboarded)
        internal = next((t for t in tasks if not t.client_visible), None)
        shared = next((t for t in tasks if t.client_visible), None)
        for task in (internal, shared):
            if task is not None:
                await step(specialist, "createTask", (task, CREATE, None))
        before: dict[str, Any]
        if store.payment_status != PaymentStatus.NOT_STARTED:
            before = {"payment_status": PaymentStatus.NOT_STARTED, "payment_provider": None}
            await step(specialist, "updateStorePayments", (store, UPDATE, before))
        if store.domain_status != DomainStatus.NOT_CONNECTED:
            before = {"domain_status": DomainStatus.NOT_CONNECTED, "custom_domain": None}
            await step(specialist, "connectStoreDomain", (store, UPDATE, before))
        done = next((t for t in tasks if t.client_visible and t.status == TaskStatus.DONE), None)
        if merchant is not None and done is not None:
            before = {"status": TaskStatus.TODO, "completed_at": None}
            await step(merchant, "completeTask", (done, UPDATE, before))
