"""The registry of background jobs: each job is a name, an async function and a schedule.

    Job("tasks.mark_overdue", mark_overdue_tasks, every(minutes=5), "Overdue tasks ...")

A job function takes the worker's `JobEnv` (sessions, policy, DNS, an HTTP client) and the
time it runs at, and must be idempotent: the engine may run it twice (a retry after a crash
mid-way, two workers on one tick), so a second run changes nothing more. `JOBS` lists every
scheduled job; the engine (server/jobs.py) turns each into a task of its queue with the same
name, a retry strategy and its periodic schedule. Adding a job is one line in `JOBS`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.statistics import analyze_if_sqlite
from policies import Authorizer
from resolvers import scheduled
from resolvers.bulk_jobs import run_bulk_operations
from resolvers.dns_check import DnsChecker, PublicDnsChecker
from resolvers.notifications import send_daily_digests, send_pending_mail
from resolvers.notifications_transport import MailSettings
from resolvers.webhook_dispatch import DispatchSettings, run_due

__all__ = ["JOBS", "Job", "JobEnv", "by_name", "daily", "every", "monthly"]


@dataclass(frozen=True, slots=True)
class JobEnv:
    """What a job function may use: built once per worker process."""

    sessions: async_sessionmaker[AsyncSession]
    authz: Authorizer
    http: httpx.AsyncClient
    dns: DnsChecker = field(default_factory=PublicDnsChecker)
    webhooks: DispatchSettings = field(default_factory=DispatchSettings)
    # None: no mail is made or sent (a process built without mail settings).
    mail: MailSettings | None = None

    @staticmethod
    def run_id() -> str:
        """Names one run in the events and audit events it writes (their request id)."""
        return "job-" + uuid.uuid4().hex


JobFunction = Callable[[JobEnv, datetime], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: JobFunction
    # A cron expression in UTC: five fields, or six with seconds last (`every` builds one).
    schedule: str
    description: str


def every(*, seconds: int = 0, minutes: int = 0) -> str:
    """A period that divides a minute (seconds) or an hour (minutes), as a cron expression."""
    if bool(seconds) == bool(minutes):
        raise ValueError("give seconds or minutes")
    if seconds:
        if 60 % seconds:
            raise ValueError("seconds must divide 60")
        return f"* * * * * */{seconds}"
    if 60 % minutes:
        raise ValueError("minutes must divide 60")
    return f"*/{minutes} * * * *"


def daily(*, hour: int, minute: int = 0) -> str:
    return f"{minute} {hour} * * *"


def monthly(*, day: int, hour: int, minute: int = 0) -> str:
    return f"{minute} {hour} {day} * *"


async def _webhooks(env: JobEnv, now: datetime) -> int:
    return await run_due(env.sessions, env.http, env.webhooks, now=now)


async def _mail(env: JobEnv, now: datetime) -> int:
    return 0 if env.mail is None else await send_pending_mail(env.sessions, env.mail, now)


async def _digests(env: JobEnv, now: datetime) -> int:
    return 0 if env.mail is None else len(await send_daily_digests(env.sessions, env.mail, now))


async def _analyze(env: JobEnv) -> bool:
    async with env.sessions.begin() as session:
        return await analyze_if_sqlite(session)


JOBS: tuple[Job, ...] = (
    Job(
        "webhooks.dispatch",
        _webhooks,
        every(seconds=5),
        "New outbox events become webhook deliveries; due deliveries are attempted.",
    ),
    Job(
        "mail.send",
        _mail,
        every(seconds=10),
        "New events become mails (resolvers/notifications.py); due mails are sent.",
    ),
    Job(
        "mail.digests",
        _digests,
        every(minutes=15),
        "Today's digest of overdue tasks, once per member who turned it on.",
    ),
    Job(
        "bulk.run",
        lambda env, now: run_bulk_operations(env.sessions, now, authz=env.authz),
        every(seconds=5),
        "Queued bulk operations run their items, each as the single mutation would.",
    ),
    Job(
        "stores.recheck_dns",
        lambda env, now: scheduled.recheck_pending_domains(env.sessions, env.dns, now=now),
        every(minutes=10),
        "Pending custom domains whose TXT record is now in place become verified.",
    ),
    Job(
        "tasks.mark_overdue",
        lambda env, now: scheduled.mark_overdue_tasks(env.sessions, now=now),
        every(minutes=5),
        "task.overdue, once per task and due date, for open tasks past their due date.",
    ),
    Job(
        "accesses.expire",
        lambda env, now: scheduled.expire_accesses(env.sessions, now=now),
        every(minutes=1),
        "access.expired, once per access and expiry, for accesses past their expiry.",
    ),
    Job(
        "commissions.approve_due",
        lambda env, now: scheduled.approve_due_commissions(env.sessions, env.authz, now=now),
        daily(hour=0, minute=10),
        "Commissions past their hold become approved (approveDueCommissions).",
    ),
    Job(
        "invoices.generate_recurring",
        lambda env, now: scheduled.generate_recurring_invoices(env.sessions, env.authz, now=now),
        daily(hour=0, minute=20),
        "Each partner's recurring invoices are drafted (generateRecurringInvoices).",
    ),
    Job(
        "database.analyze",
        lambda env, now: _analyze(env),
        daily(hour=3, minute=30),
        "SQLite's planner statistics are refreshed (ANALYZE); PostgreSQL's autovacuum does this.",
    ),
    Job(
        "payouts.run",
        lambda env, now: scheduled.run_payouts(env.sessions, env.authz, now=now),
        monthly(day=1, hour=2),
        "Payouts for the month that ended (runPayouts).",
    ),
)


def by_name(jobs: tuple[Job, ...] = JOBS) -> dict[str, Job]:
    found = {job.name: job for job in jobs}
    if len(found) != len(jobs):
        raise ValueError("two jobs share a name")
    return found
