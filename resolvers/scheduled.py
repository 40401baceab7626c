"""Scheduled work, as job functions (resolvers/jobs.py schedules them). Each is idempotent: run
twice, or on two workers at once, it changes nothing more than once.

- `recheck_pending_domains`: a pending custom domain whose TXT record is now in place moves to
  verified exactly as `verifyStoreDomain` would move it (same audit and events); one still
  missing stays pending (no write).
- `mark_overdue_tasks` / `expire_accesses`: the task.overdue / access.expired event, once per
  task and due date / access and expiry, kept by a mark (db/jobs.py) inserted with the event.
- The money runs call the services the mutations and `shopiq payouts run` call, as a platform
  service (`scheduler`, or the payout operator): `approveDueCommissions` and
  `generateRecurringInvoices` daily, `runPayouts` for the month that ended."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import audit_capture
from db.enums import AccessStatus, DomainStatus, TaskStatus
from db.events import BY_JOB, OutboxEvent
from db.jobs import AccessExpiryMark, TaskOverdueMark
from db.models import PartnerAccess, Store, Task
from db.money import BillingTerms
from policies import Authorizer
from policies.viewer import Membership, Viewer, service_viewer
from resolvers import billing, commissions, payouts, transitions
from resolvers.context import Context
from resolvers.dns_check import DnsChecker, DnsLookupError
from resolvers.storefront import challenge

__all__ = [
    "ACCESS_EXPIRED",
    "SCHEDULER",
    "TASK_OVERDUE",
    "approve_due_commissions",
    "expire_accesses",
    "generate_recurring_invoices",
    "mark_overdue_tasks",
    "recheck_pending_domains",
    "run_payouts",
]

log = logging.getLogger(__name__)

# The platform service the scheduled runs act as (no token can name it: server/tokens.py).
SCHEDULER = "scheduler"
PAYOUT_SERVICE = "payouts"
TASK_OVERDUE = BY_JOB["tasks.mark_overdue"]
ACCESS_EXPIRED = BY_JOB["accesses.expire"]
BATCH = 500


def _context(viewer: Viewer, authz: Authorizer, sessions: Any, action: str, run: str) -> Context:
    ctx = Context(viewer=viewer, authz=authz, sessions=sessions, request_id=run)
    ctx.action = action
    return ctx


def _run_id(now: datetime, name: str) -> str:
    return f"{name}@{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}"


# --- Store domains -------------------------------------------------------------------------


async def recheck_pending_domains(
    sessions: async_sessionmaker[AsyncSession], dns: DnsChecker, *, now: datetime
) -> int:
    """Looks up the TXT record of every store whose domain awaits DNS; the ones found move to
    verified. The number verified."""
    async with sessions() as session:
        pending = (
            await session.execute(
                select(Store.id, Store.custom_domain, Store.domain_verification_token)
                .where(
                    Store.domain_status == DomainStatus.PENDING_DNS,
                    Store.custom_domain.is_not(None),
                )
                .order_by(Store.id)
            )
        ).all()
    verified = 0
    for store_id, host, token in pending:
        if host is None:
            continue
        name, expected = challenge(host, token)
        try:  # no transaction is open while DNS answers (it may take seconds)
            records = [r.strip() for r in await dns.txt_records(name)]
        except DnsLookupError as exc:
            log.info("DNS re-check of store %s failed: %s", store_id, exc)
            continue
        if expected in records and await _verify(sessions, store_id, host, token, now):
            verified += 1
    return verified


async def _verify(
    sessions: async_sessionmaker[AsyncSession],
    store_id: int,
    host: str,
    token: str | None,
    now: datetime,
) -> bool:
    """Moves the store to verified if it still awaits DNS for the same domain and token (a
    concurrent verify, disconnect or second worker got there first otherwise)."""
    async with sessions.begin() as session:
        audit_capture.start(
            session,
            actor_user_id=None,
            actor_service=SCHEDULER,
            action="verifyStoreDomain",
            request_id=_run_id(now, "stores.recheck_dns"),
        )
        store = (
            await session.execute(
                select(Store)
                .where(
                    Store.id == store_id,
                    Store.domain_status == DomainStatus.PENDING_DNS,
                    Store.custom_domain == host,
                    Store.domain_verification_token == token,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        if store is None:
            await audit_capture.finish(session)
            return False
        store.domain_status = transitions.DOMAIN.move(
            store.domain_status, DomainStatus.VERIFIED, "store_id"
        )
        store.domain_failure_reason = None
        store.domain_checked_at = now
        await session.flush()
        await audit_capture.finish(session, at=now)
    return True


# --- Once-only events ----------------------------------------------------------------------


def _insert(session: AsyncSession) -> Any:
    postgres = session.get_bind().dialect.name == "postgresql"
    return pg_insert if postgres else sqlite_insert


async def _mark_once(
    session: AsyncSession,
    mark: type[TaskOverdueMark] | type[AccessExpiryMark],
    keys: tuple[str, str],
    due: Sequence[tuple[int, Any]],
) -> set[int]:
    """Inserts the marks (subject id, due value) not there yet; the subjects whose mark this
    call made. A concurrent run that inserted the same mark first makes this one skip it (on
    PostgreSQL, ON CONFLICT DO NOTHING waits for that run's commit, then skips)."""
    if not due:
        return set()
    subject, when = keys
    statement = (
        _insert(session)(mark)
        .values([{subject: s, when: d} for s, d in due])
        .on_conflict_do_nothing(index_elements=[subject, when])
        .returning(getattr(mark, subject))
    )
    return set((await session.execute(statement)).scalars())


def _event(
    kind: str,
    *,
    subject_type: str,
    subject_id: int,
    partner_id: int,
    client_id: int,
    fields: dict[str, Any],
    internal: bool,
    action: str,
    now: datetime,
) -> dict[str, Any]:
    """An outbox row shaped like a mutation's (db/events.py); `action` names the job."""
    return {
        "event_type": kind,
        "partner_id": partner_id,
        "client_id": client_id,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": {
            "object": {"type": subject_type, "id": subject_id},
            "operation": "update",
            "fields": fields,
            "partnerId": partner_id,
            "clientId": client_id,
        },
        "internal": internal,
        "action": action,
        "request_id": _run_id(now, action),
        "occurred_at": now,
    }


async def mark_overdue_tasks(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """task.overdue for every open task whose due date is before today (UTC), once per task
    and due date: a task given a new due date can become overdue again. The number emitted."""
    action = "tasks.mark_overdue"
    today = now.astimezone(UTC).date()
    emitted = 0
    while True:
        async with sessions.begin() as session:
            rows = (
                (
                    await session.execute(
                        select(Task)
                        .outerjoin(
                            TaskOverdueMark,
                            and_(
                                TaskOverdueMark.task_id == Task.id,
                                TaskOverdueMark.due_date == Task.due_date,
                            ),
                        )
                        .where(
                            Task.status != TaskStatus.DONE,
                            Task.due_date < today,
                            TaskOverdueMark.id.is_(None),
                        )
                        .order_by(Task.id)
                        .limit(BATCH)
                    )
                )
                .scalars()
                .all()
            )
            tasks = {t.id: t for t in rows}
            made = await _mark_once(
                session,
                TaskOverdueMark,
                ("task_id", "due_date"),
                [(t.id, t.due_date) for t in rows],
            )
            events = [
                _event(
                    TASK_OVERDUE,
                    subject_type="Task",
                    subject_id=t.id,
                    partner_id=t.partner_id,
                    client_id=t.client_id,
                    fields={
                        "due_date": t.due_date.isoformat() if t.due_date else None,
                        "status": t.status.value,
                        "assignee_member_id": t.assignee_member_id,
                    },
                    # As in the audit trail: a task the merchant does not see is internal.
                    internal=not t.client_visible,
                    action=action,
                    now=now,
                )
                for t in (tasks[i] for i in sorted(made))
            ]
            if events:
                await session.execute(insert(OutboxEvent), events)
        emitted += len(events)
        if len(rows) < BATCH:
            return emitted


async def expire_accesses(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """access.expired for every active access whose expiry has passed, once per access and
    expiry (an expiry the merchant moves later can pass again). The policy already treats such
    an access as ended; this tells the partner. The number emitted."""
    action = "accesses.expire"
    emitted = 0
    while True:
        async with sessions.begin() as session:
            rows = (
                (
                    await session.execute(
                        select(PartnerAccess)
                        .outerjoin(
                            AccessExpiryMark,
                            and_(
                                AccessExpiryMark.access_id == PartnerAccess.id,
                                AccessExpiryMark.expires_at == PartnerAccess.expires_at,
                            ),
                        )
                        .where(
                            PartnerAccess.status == AccessStatus.ACTIVE,
                            PartnerAccess.expires_at <= now,
                            AccessExpiryMark.id.is_(None),
                        )
                        .order_by(PartnerAccess.id)
                        .limit(BATCH)
                    )
                )
                .scalars()
                .all()
            )
            accesses = {a.id: a for a in rows}
            made = await _mark_once(
                session,
                AccessExpiryMark,
                ("access_id", "expires_at"),
                [(a.id, a.expires_at) for a in rows],
            )
            events = [
                _event(
                    ACCESS_EXPIRED,
                    subject_type="PartnerAccess",
                    subject_id=a.id,
                    partner_id=a.partner_id,
                    client_id=a.client_id,
                    fields={
                        "status": "expired",
                        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
                        "scope": a.scope,
                    },
                    internal=False,
                    action=action,
                    now=now,
                )
                for a in (accesses[i] for i in sorted(made))
            ]
            if events:
                await session.execute(insert(OutboxEvent), events)
        emitted += len(events)
        if len(rows) < BATCH:
            return emitted


# --- Money runs ----------------------------------------------------------------------------


async def approve_due_commissions(
    sessions: async_sessionmaker[AsyncSession], authz: Authorizer, *, now: datetime
) -> int:
    """`approveDueCommissions` for today. The number approved."""
    ctx = _context(
        service_viewer(SCHEDULER),
        authz,
        sessions,
        "approveDueCommissions",
        _run_id(now, "commissions.approve_due"),
    )
    outcome = await commissions.approve_due_commissions(ctx, now.astimezone(UTC).date())
    if outcome.value is None:
        raise RuntimeError(f"approveDueCommissions refused: {outcome.problems}")
    return outcome.value


def _partner_owner(partner_id: int) -> Viewer:
    """The scheduler acting in the role of the partner's owners for one partner's run: the
    clients it bills are exactly those an owner would (access in force, billing in scope)."""
    return Viewer(
        user_id=None,
        email="",
        name=f"ShopIQ {SCHEDULER} service",
        is_platform_staff=False,
        memberships=(Membership(member_id=0, partner_id=partner_id, role="owner"),),
        merchant_grants=(),
        service=SCHEDULER,
    )


async def generate_recurring_invoices(
    sessions: async_sessionmaker[AsyncSession], authz: Authorizer, *, now: datetime
) -> int:
    """`generateRecurringInvoices` for every partner with billing terms in force, each in its
    own transaction. The number of invoices drafted."""
    today = now.astimezone(UTC).date()
    async with sessions() as session:
        partners = (
            await session.scalars(
                select(BillingTerms.partner_id)
                .where(BillingTerms.effective_from <= today)
                .distinct()
                .order_by(BillingTerms.partner_id)
            )
        ).all()
    drafted = 0
    run = _run_id(now, "invoices.generate_recurring")
    for partner_id in partners:
        ctx = _context(
            _partner_owner(partner_id), authz, sessions, "generateRecurringInvoices", run
        )
        outcome = await billing.generate_recurring_invoices(ctx, partner_id, today)
        if outcome.value is None:
            raise RuntimeError(f"generateRecurringInvoices refused: {outcome.problems}")
        drafted += len(outcome.value)
    return drafted


def period_end_before(day: date) -> date:
    """The last day of the month before the one `day` is in."""
    return day.replace(day=1) - timedelta(days=1)


async def run_payouts(
    sessions: async_sessionmaker[AsyncSession], authz: Authorizer, *, now: datetime
) -> int:
    """`runPayouts` for the month that ended before today, as `shopiq payouts run` does. The
    number of payouts written (none when that period has run)."""
    ctx = _context(
        service_viewer(PAYOUT_SERVICE),
        authz,
        sessions,
        "runPayouts",
        _run_id(now, "payouts.run"),
    )
    outcome = await payouts.run_payouts(ctx, period_end_before(now.astimezone(UTC).date()))
    if outcome.value is None:
        raise RuntimeError(f"runPayouts refused: {outcome.problems}")
    return len(outcome.value.payouts)
