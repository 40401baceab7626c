"""`shopiq worker` and `shopiq jobs`: run the background jobs, list them, run one now, and read
the failed ones (the dead letters)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from sqlalchemy import select

from db.engine import create_engine, create_session_factory, is_sqlite
from db.jobs import FailedJob
from policies import build_authorizer
from resolvers.jobs import JOBS, JobEnv, by_name
from server.jobs import build_app, connector_for, defer
from server.mail_config import mail_settings
from server.settings import Settings

FAILED_SHOWN = 50


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _work(settings: Settings, concurrency: int) -> None:
    from server.worker import run_jobs

    engine = create_engine(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run_jobs(
            create_session_factory(engine),
            stop,
            connector=connector_for(settings.database_url, pool_size=concurrency + 3),
            concurrency=concurrency,
            mail=mail_settings(settings),
        )
    finally:
        await engine.dispose()


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if is_sqlite(settings.database_url):
        _say(
            "on SQLite the serving process runs the jobs itself (`shopiq serve`); "
            "`shopiq worker` needs PostgreSQL (SHOPIQ_DATABASE_URL)"
        )
        return 2
    if args.concurrency < 1:
        _say("--concurrency must be at least 1")
        return 2
    names = ", ".join(job.name for job in JOBS)
    _say(f"running background jobs ({names}), {args.concurrency} at a time; Ctrl-C stops")
    asyncio.run(_work(settings, args.concurrency))
    return 0


def cmd_list(_: Settings, __: argparse.Namespace) -> int:
    for job in JOBS:
        print(f"{job.name:30} {job.schedule:16} {job.description}")
    return 0


async def _run_now(settings: Settings, name: str) -> str:
    if not is_sqlite(settings.database_url):
        app = build_app(connector_for(settings.database_url), periodic=False)
        async with app.open_async():
            job_id = await defer(app, name)
        if job_id is None:
            return f"{name} is queued already"
        return f"{name} queued (job {job_id}); a worker runs it"
    # SQLite: no shared queue; run it here, once.
    import httpx

    from db.base import utcnow

    engine = create_engine(settings.database_url)
    try:
        async with httpx.AsyncClient() as http:
            env = JobEnv(
                sessions=create_session_factory(engine),
                authz=build_authorizer(),
                http=http,
                mail=mail_settings(settings),
            )
            result = await by_name()[name].run(env, utcnow())
    finally:
        await engine.dispose()
    return f"{name} ran: {result}"


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if args.name not in by_name():
        _say(f"no job named {args.name!r}; `shopiq jobs list` lists them")
        return 1
    _say(asyncio.run(_run_now(settings, args.name)))
    return 0


async def _failed(settings: Settings) -> list[FailedJob]:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.scalars(
                select(FailedJob).order_by(FailedJob.id.desc()).limit(FAILED_SHOWN)
            )
            return list(rows)
    finally:
        await engine.dispose()


def cmd_failed(settings: Settings, _: argparse.Namespace) -> int:
    failed = asyncio.run(_failed(settings))
    for job in failed:
        error = job.error.splitlines()[-1] if job.error else ""
        print(f"{job.id}\t{job.failed_at.isoformat()}\t{job.job_name}\t{job.attempts}\t{error}")
    _say(f"{len(failed)} failed job(s) shown (newest first, at most {FAILED_SHOWN})")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = sub.add_parser(
        "worker", help="run the background jobs (PostgreSQL) on their schedules until stopped"
    )
    worker.add_argument(
        "--concurrency", type=int, default=4, help="jobs this process runs at once (default 4)"
    )
    worker.set_defaults(handler=cmd_worker)

    jobs = sub.add_parser("jobs", help="background jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_sub.add_parser("list", help="every job with its schedule (cron, UTC)").set_defaults(
        handler=cmd_list, needs_settings=False
    )
    run = jobs_sub.add_parser("run", help="run a job now (queue it on PostgreSQL)")
    run.add_argument("name", help="a job's name, e.g. tasks.mark_overdue")
    run.set_defaults(handler=cmd_run)
    jobs_sub.add_parser(
        "failed", help="the jobs that failed their last attempt, newest first"
    ).set_defaults(handler=cmd_failed)
