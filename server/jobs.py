"""The job engine: procrastinate runs the registry's jobs (resolvers/jobs.py).

Each `Job` becomes a procrastinate task of the same name, with a retry strategy (exponential
backoff) and a periodic schedule. On PostgreSQL the queue is procrastinate's tables (migration
0015) and any number of `shopiq worker` processes share it: a job is taken by one worker
(SELECT ... FOR UPDATE SKIP LOCKED), a periodic tick is deferred once however many workers
schedule it, and a job still queued (or waiting for its retry) is not queued again. On SQLite
the serving process runs the same worker on procrastinate's in-memory queue (`make run`).

A job that fails its last attempt is left by procrastinate in the `failed` state, and recorded
as a `FailedJob` (db/jobs.py) that platform staff read (`failedJobs`, `shopiq jobs failed`)."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx
import procrastinate
from procrastinate import JobContext, RetryStrategy
from procrastinate.testing import InMemoryConnector
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.engine import is_sqlite
from db.jobs import ERROR_LIMIT, FailedJob
from policies import Authorizer
from resolvers.dns_check import DnsChecker, PublicDnsChecker
from resolvers.jobs import JOBS, Job, JobEnv, by_name
from resolvers.notifications_transport import MailSettings
from resolvers.webhook_dispatch import DispatchSettings

__all__ = [
    "DEFAULT_RETRY",
    "QUEUE",
    "Engine",
    "build_app",
    "connector_for",
    "defer",
    "running_worker",
]

log = logging.getLogger(__name__)
QUEUE = "jobs"
# A failed run is retried 5 times, after 4, 16, 64, 256 and 1024 s (exponential_wait ** n).
DEFAULT_RETRY = RetryStrategy(max_attempts=5, exponential_wait=4)


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL (postgresql+asyncpg://...) as a libpq connection string for psycopg."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def connector_for(database_url: str, *, pool_size: int = 5) -> Any:
    """procrastinate's queue: the PostgreSQL database itself, or in memory on SQLite (jobs then
    run only in the process that holds them: the serving process)."""
    if is_sqlite(database_url):
        return InMemoryConnector()
    return procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url), min_size=1, max_size=pool_size
    )


def _body(job: Job, retry: RetryStrategy) -> Any:
    async def run(context: JobContext, timestamp: int) -> None:
        env: JobEnv = context.additional_context["env"]
        try:
            result = await job.run(env, utcnow())
        except Exception as exc:
            if retry.get_retry_exception(exc, context.job) is None:
                await _record_failure(env.sessions, job, context, timestamp, exc)
            raise
        log.debug("job %s done: %s", job.name, result)

    run.__name__ = run.__qualname__ = job.name.replace(".", "_")
    run.__doc__ = job.description
    return run


async def _record_failure(
    sessions: async_sessionmaker[AsyncSession],
    job: Job,
    context: JobContext,
    timestamp: int,
    exc: BaseException,
) -> None:
    """The dead letter: what failed its last attempt, for platform staff to look into."""
    error = "".join(traceback.format_exception_only(exc)).strip()[:ERROR_LIMIT]
    try:
        async with sessions.begin() as session:
            session.add(
                FailedJob(
                    job_name=job.name,
                    engine_job_id=context.job.id,
                    arguments={"timestamp": timestamp},
                    attempts=context.job.attempts + 1,
                    error=error,
                )
            )
    except Exception:  # the job's own failure is what the engine must see
        log.exception("could not record the failure of job %s", job.name)


def build_app(
    connector: Any,
    *,
    jobs: Iterable[Job] = JOBS,
    retry: RetryStrategy = DEFAULT_RETRY,
    periodic: bool = True,
) -> procrastinate.App:
    """A procrastinate App with one task per job (and its schedule unless `periodic` is off).
    A job is locked by its name: one run of it at a time, and one queued at a time."""
    jobs = tuple(jobs)
    by_name(jobs)  # names are unique
    app = procrastinate.App(connector=connector)
    for job in jobs:
        task = app.task(
            name=job.name,
            pass_context=True,
            retry=retry,
            queue=QUEUE,
            lock=job.name,
            queueing_lock=job.name,
        )(_body(job, retry))
        if periodic:
            app.periodic(cron=job.schedule, periodic_id=job.name)(task)
    return app


async def defer(app: procrastinate.App, name: str) -> int | None:
    """Queues one run of the job named `name` now; None when one is queued already."""
    try:
        return await app.tasks[name].defer_async(timestamp=int(utcnow().timestamp()))
    except procrastinate.exceptions.AlreadyEnqueued:
        return None


@dataclass(frozen=True, slots=True)
class Engine:
    app: procrastinate.App
    env: JobEnv


@asynccontextmanager
async def running_worker(
    app: procrastinate.App,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    *,
    concurrency: int = 1,
    dns: DnsChecker | None = None,
    webhooks: DispatchSettings | None = None,
    mail: MailSettings | None = None,
    polling_seconds: float = 5.0,
    name: str = "worker",
) -> AsyncIterator[Engine]:
    """Opens the app and runs a worker (and the periodic deferrer) until the block ends; then
    lets the jobs running finish (at most a minute) and stops it."""
    async with httpx.AsyncClient() as http, app.open_async():
        env = JobEnv(
            sessions=sessions,
            authz=authz,
            http=http,
            dns=dns or PublicDnsChecker(),
            webhooks=webhooks or DispatchSettings(),
            mail=mail,
        )
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=name,
                wait=True,
                install_signal_handlers=False,
                delete_jobs="successful",
                fetch_job_polling_interval=polling_seconds,
                abort_job_polling_interval=polling_seconds,
                shutdown_graceful_timeout=60,
                additional_context={"env": env},
            )
        )
        try:
            yield Engine(app, env)
        finally:
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker
