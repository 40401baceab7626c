"""The background jobs' runner: a procrastinate worker over the job registry (server/jobs.py,
resolvers/jobs.py) until `stop` is set. `shopiq worker` runs it as its own process on
PostgreSQL (any number of them, each with its concurrency); on the SQLite default the serving
process runs it as an asyncio task on an in-memory queue (`Settings.in_process_jobs`)."""

from __future__ import annotations

import asyncio
import logging

from procrastinate import RetryStrategy
from procrastinate.testing import InMemoryConnector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from policies import Authorizer, build_authorizer
from resolvers.dns_check import DnsChecker
from resolvers.jobs import JOBS, Job
from resolvers.notifications_transport import MailSettings
from resolvers.webhook_dispatch import DispatchSettings
from server.jobs import DEFAULT_RETRY, build_app, running_worker

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


async def run_jobs(
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    connector: object | None = None,
    authz: Authorizer | None = None,
    settings: DispatchSettings | None = None,
    dns: DnsChecker | None = None,
    mail: MailSettings | None = None,
    concurrency: int = 1,
    poll_seconds: float = POLL_SECONDS,
    jobs: tuple[Job, ...] = JOBS,
    retry: RetryStrategy = DEFAULT_RETRY,
) -> None:
    """Runs the jobs on their schedules until `stop` is set. `connector`: procrastinate's
    queue (server.jobs.connector_for); in memory when not given."""
    app = build_app(connector or InMemoryConnector(), jobs=jobs, retry=retry)
    async with running_worker(
        app,
        sessions,
        authz or build_authorizer(),
        concurrency=concurrency,
        dns=dns,
        webhooks=settings,
        mail=mail,
        polling_seconds=poll_seconds,
    ):
        log.info("background jobs running: %s", ", ".join(j.name for j in jobs))
        await stop.wait()
