"""Scheduled jobs (resolvers/scheduled.py) on a frozen clock: each is idempotent (a second run,
or a concurrent one on PostgreSQL, changes nothing more), and what it changes is told as a
mutation's change would be (outbox events, audit trail)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.enums import AccessStatus, DomainStatus, TaskStatus
from db.events import OutboxEvent
from db.models import PartnerAccess, Store, Task
from db.money import Commission, CommissionStatus, Invoice
from db.payouts import Payout
from policies import Authorizer
from resolvers import scheduled
from resolvers.storefront import challenge
from tests.conftest import World
from tests.helpers import FakeDns

# Before every date of the demo world: nothing of it is due or expired then.
NOW = datetime(2020, 1, 10, 12, 0, tzinfo=UTC)


async def _events(
    sessions: async_sessionmaker[AsyncSession], kind: str, subject_id: int | None = None
) -> list[OutboxEvent]:
    async with sessions() as session:
        query = select(OutboxEvent).where(OutboxEvent.event_type == kind)
        if subject_id is not None:
            query = query.where(OutboxEvent.subject_id == subject_id)
        return list(await session.scalars(query.order_by(OutboxEvent.id)))


async def _a_task(sessions: async_sessionmaker[AsyncSession], due: date | None) -> int:
    async with sessions.begin() as session:
        task_id = await session.scalar(
            select(Task.id).where(Task.status != TaskStatus.DONE).order_by(Task.id).limit(1)
        )
        assert task_id is not None
        await session.execute(update(Task).where(Task.id == task_id).values(due_date=due))
    return task_id


async def _set_task(
    sessions: async_sessionmaker[AsyncSession], task_id: int, **values: object
) -> None:
    async with sessions.begin() as session:
        await session.execute(update(Task).where(Task.id == task_id).values(**values))


async def test_an_overdue_task_is_told_once_per_due_date(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task_id = await _a_task(sessions, date(2020, 1, 5))
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW) == 1
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW) == 0
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW + timedelta(days=3)) == 0
    (event,) = await _events(sessions, "task.overdue", task_id)
    assert event.subject_type == "Task"
    assert event.payload["object"] == {"type": "Task", "id": task_id}
    assert event.payload["fields"]["due_date"] == "2020-01-05"
    assert event.partner_id is not None
    assert event.client_id is not None
    # A new due date that passes too is news again; one still ahead is not.
    await _set_task(sessions, task_id, due_date=date(2020, 1, 20))
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW) == 0
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW + timedelta(days=11)) == 1
    assert len(await _events(sessions, "task.overdue", task_id)) == 2


async def test_a_task_due_today_or_done_is_not_overdue(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task_id = await _a_task(sessions, NOW.date())
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW) == 0
    await _set_task(sessions, task_id, due_date=date(2020, 1, 1), status=TaskStatus.DONE)
    assert await scheduled.mark_overdue_tasks(sessions, now=NOW) == 0
    assert await _events(sessions, "task.overdue", task_id) == []


async def _an_access(sessions: async_sessionmaker[AsyncSession], expires: datetime) -> int:
    async with sessions.begin() as session:
        access_id = await session.scalar(
            select(PartnerAccess.id)
            .where(PartnerAccess.status == AccessStatus.ACTIVE)
            .order_by(PartnerAccess.id)
            .limit(1)
        )
        assert access_id is not None
        await session.execute(
            update(PartnerAccess).where(PartnerAccess.id == access_id).values(expires_at=expires)
        )
    return access_id


async def test_an_access_expiring_is_told_once_per_expiry(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    access_id = await _an_access(sessions, NOW + timedelta(hours=1))
    assert await scheduled.expire_accesses(sessions, now=NOW) == 0
    later = NOW + timedelta(hours=2)
    assert await scheduled.expire_accesses(sessions, now=later) == 1
    assert await scheduled.expire_accesses(sessions, now=later) == 0
    (event,) = await _events(sessions, "access.expired", access_id)
    assert (event.subject_type, event.payload["fields"]["status"]) == ("PartnerAccess", "expired")
    # The merchant extends it; the new expiry passes in its turn.
    async with sessions.begin() as session:
        await session.execute(
            update(PartnerAccess)
            .where(PartnerAccess.id == access_id)
            .values(expires_at=NOW + timedelta(days=5))
        )
    assert await scheduled.expire_accesses(sessions, now=later) == 0
    assert await scheduled.expire_accesses(sessions, now=NOW + timedelta(days=6)) == 1


async def _pending_store(sessions: async_sessionmaker[AsyncSession], world: World) -> int:
    store_id = next(iter(world.stores.values()))
    async with sessions.begin() as session:
        await session.execute(
            update(Store)
            .where(Store.id == store_id)
            .values(
                custom_domain="shop.jobs-test.example",
                domain_verification_token="t0k3n",
                domain_status=DomainStatus.PENDING_DNS,
            )
        )
    return store_id


async def test_a_pending_domain_with_its_record_is_verified_as_the_mutation_would(
    world: World, sessions: async_sessionmaker[AsyncSession], dns: FakeDns
) -> None:
    store_id = await _pending_store(sessions, world)
    assert await scheduled.recheck_pending_domains(sessions, dns, now=NOW) == 0
    name, expected = challenge("shop.jobs-test.example", "t0k3n")
    dns.answers[name] = [expected]
    assert await scheduled.recheck_pending_domains(sessions, dns, now=NOW) == 1
    assert await scheduled.recheck_pending_domains(sessions, dns, now=NOW) == 0
    async with sessions() as session:
        store = await session.get_one(Store, store_id)
        assert (store.domain_status, store.domain_checked_at) == (DomainStatus.VERIFIED, NOW)
        audit = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.target_id == store_id, AuditEvent.action == "verifyStoreDomain"
                )
            )
        ).all()
    assert [(a.actor_user_id, a.actor_service) for a in audit] == [(None, "scheduler")]
    (verified,) = await _events(sessions, "store.domain_verified", store_id)
    (checked,) = await _events(sessions, "store.domain_checked", store_id)
    assert verified.action == checked.action == "verifyStoreDomain"


async def test_a_failed_dns_lookup_leaves_the_domain_pending(
    world: World, sessions: async_sessionmaker[AsyncSession], dns: FakeDns
) -> None:
    store_id = await _pending_store(sessions, world)
    dns.failure = "timeout"
    assert await scheduled.recheck_pending_domains(sessions, dns, now=NOW) == 0
    async with sessions() as session:
        store = await session.get_one(Store, store_id)
        assert store.domain_status == DomainStatus.PENDING_DNS


async def test_due_commissions_are_approved_once(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions() as session:
        pending = await session.scalar(
            select(func.count()).where(Commission.status == CommissionStatus.PENDING)
        )
    assert pending, "the demo has pending commissions"
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert await scheduled.approve_due_commissions(sessions, authz, now=far) == pending
    assert await scheduled.approve_due_commissions(sessions, authz, now=far) == 0
    events = await _events(sessions, "commission.approved")
    assert len(events) == pending
    assert {e.action for e in events} == {"approveDueCommissions"}


async def test_recurring_invoices_are_drafted_once(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    later = datetime.now(UTC) + timedelta(days=95)
    async with sessions() as session:
        before = await session.scalar(select(func.count(Invoice.id)))
    drafted = await scheduled.generate_recurring_invoices(sessions, authz, now=later)
    assert drafted > 0
    assert await scheduled.generate_recurring_invoices(sessions, authz, now=later) == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count(Invoice.id))) == before + drafted
    assert {e.action for e in await _events(sessions, "invoice.created")} == {
        "generateRecurringInvoices"
    }


async def test_recurring_invoices_skip_a_client_whose_access_ended(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions.begin() as session:
        await session.execute(update(PartnerAccess).values(status=AccessStatus.REVOKED))
    later = datetime.now(UTC) + timedelta(days=95)
    assert await scheduled.generate_recurring_invoices(sessions, authz, now=later) == 0


async def test_payouts_run_for_the_month_that_ended_once(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    first = datetime(2100, 3, 1, 2, tzinfo=UTC)
    assert scheduled.period_end_before(first.date()) == date(2100, 2, 28)
    await scheduled.approve_due_commissions(sessions, authz, now=first)
    made = await scheduled.run_payouts(sessions, authz, now=first)
    assert made > 0
    assert await scheduled.run_payouts(sessions, authz, now=first) == 0
    async with sessions() as session:
        ends = set(await session.scalars(select(Payout.period_end).distinct()))
    assert date(2100, 2, 28) in ends


async def test_concurrent_runs_tell_each_event_once(
    committed_world: World, sessions: async_sessionmaker[AsyncSession], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite takes one writer at a time)")
    task_id = await _a_task(sessions, date(2020, 1, 5))
    access_id = await _an_access(sessions, NOW - timedelta(hours=1))
    for _ in range(3):
        counts = await asyncio.gather(
            *(scheduled.mark_overdue_tasks(sessions, now=NOW) for _ in range(4)),
            *(scheduled.expire_accesses(sessions, now=NOW) for _ in range(4)),
        )
        assert sum(counts) <= 2
    assert len(await _events(sessions, "task.overdue", task_id)) == 1
    assert len(await _events(sessions, "access.expired", access_id)) == 1


async def test_concurrent_dns_rechecks_verify_once(
    committed_world: World,
    sessions: async_sessionmaker[AsyncSession],
    backend: str,
    dns: FakeDns,
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite takes one writer at a time)")
    store_id = await _pending_store(sessions, committed_world)
    name, expected = challenge("shop.jobs-test.example", "t0k3n")
    dns.answers[name] = [expected]
    counts = await asyncio.gather(
        *(scheduled.recheck_pending_domains(sessions, dns, now=NOW) for _ in range(4))
    )
    assert sum(counts) == 1
    assert len(await _events(sessions, "store.domain_verified", store_id)) == 1
