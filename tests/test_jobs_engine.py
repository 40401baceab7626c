"""The job engine (server/jobs.py): procrastinate runs the registry's jobs, retries a failing
one with backoff and leaves it failed (a dead letter platform staff can read) after its last
retry. In memory as on the SQLite default, and with real workers on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import croniter
import pytest
from procrastinate import RetryStrategy
from procrastinate.testing import InMemoryConnector
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.enums import TaskStatus
from db.events import OutboxEvent
from db.jobs import FailedJob
from db.models import Task
from policies import Authorizer
from resolvers.jobs import JOBS, Job, JobEnv, by_name, daily, every, monthly
from server.cli import main
from server.jobs import build_app, connector_for, defer, running_worker
from tests.conftest import World

# Retried twice, at once: three runs in all.
FAST_RETRY = RetryStrategy(max_attempts=2, wait=0)
NEVER = "0 0 1 1 *"  # a schedule that does not come round during a test


class Calls:
    def __init__(self) -> None:
        self.ok: list[datetime] = []
        self.failed = 0

    async def succeed(self, _env: JobEnv, now: datetime) -> str:
        self.ok.append(now)
        return "done"

    async def fail(self, _env: JobEnv, _now: datetime) -> None:
        self.failed += 1
        raise RuntimeError("the payment provider is down")

    def jobs(self, prefix: str) -> tuple[Job, ...]:
        return (
            Job(f"{prefix}.succeeds", self.succeed, NEVER, "A job that works."),
            Job(f"{prefix}.fails", self.fail, NEVER, "A job that always fails."),
        )


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def _failed_jobs(sessions: async_sessionmaker[AsyncSession], name: str) -> list[FailedJob]:
    async with sessions() as session:
        return list(await session.scalars(select(FailedJob).where(FailedJob.job_name == name)))


def test_the_registry_names_each_job_once_with_a_valid_schedule() -> None:
    assert len(by_name()) == len(JOBS)
    for job in JOBS:
        assert croniter.croniter.is_valid(job.schedule), job.name
        assert job.description
    assert (every(seconds=5), every(minutes=10)) == ("* * * * * */5", "*/10 * * * *")
    assert (daily(hour=1), monthly(day=1, hour=2)) == ("0 1 * * *", "0 2 1 * *")
    with pytest.raises(ValueError, match="divide"):
        every(seconds=7)


async def test_in_memory_a_job_runs_and_a_failing_one_ends_failed_after_its_retries(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    calls = Calls()
    app = build_app(InMemoryConnector(), jobs=calls.jobs("mem"), retry=FAST_RETRY)
    async with running_worker(app, sessions, authz, polling_seconds=0.05):
        assert await defer(app, "mem.succeeds") is not None
        assert await defer(app, "mem.fails") is not None

        async def settled() -> bool:
            found = list(await app.job_manager.list_jobs_async())
            return bool(found) and all(j.status in ("succeeded", "failed") for j in found)

        await _until(settled)
        jobs = {j.task_name: j for j in await app.job_manager.list_jobs_async()}
    assert len(calls.ok) == 1
    assert calls.failed == 3
    assert jobs["mem.fails"].status == "failed"
    (dead,) = await _failed_jobs(sessions, "mem.fails")
    assert dead.attempts == 3
    assert "the payment provider is down" in dead.error
    assert await _failed_jobs(sessions, "mem.succeeds") == []


async def test_a_job_queued_twice_is_queued_once(world: World) -> None:
    app = build_app(InMemoryConnector(), jobs=Calls().jobs("twice"), periodic=False)
    async with app.open_async():
        assert await defer(app, "twice.succeeds") is not None
        assert await defer(app, "twice.succeeds") is None


async def test_periodic_jobs_run_in_process_on_their_schedule(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    calls = Calls()
    job = Job("tick.every_second", calls.succeed, every(seconds=1), "Ticks.")
    app = build_app(InMemoryConnector(), jobs=(job,), retry=FAST_RETRY)
    async with running_worker(app, sessions, authz, polling_seconds=0.05):

        async def ticked_twice() -> bool:
            return len(calls.ok) >= 2

        await _until(ticked_twice)


@pytest.fixture
async def clean_queue(committed_engine: AsyncEngine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("procrastinate's queue lives in PostgreSQL")
    async with committed_engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs"))


async def _queue_status(engine: AsyncEngine, name: str) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name = :n"),
            {"n": name},
        )
        return [(status, attempts) for status, attempts in rows]


async def test_postgresql_workers_run_a_job_and_dead_letter_a_failing_one(
    committed_world: World,
    clean_queue: None,
    sessions: async_sessionmaker[AsyncSession],
    committed_engine: AsyncEngine,
    authz: Authorizer,
    database_url: str,
) -> None:
    calls = Calls()
    feeder = build_app(connector_for(database_url), jobs=calls.jobs("pg"), periodic=False)
    async with feeder.open_async():
        # Queued once: a job waiting in the queue is not queued again.
        queued = [await defer(feeder, "pg.succeeds") for _ in range(3)]
        await defer(feeder, "pg.fails")
    assert queued[0] is not None
    assert queued[1:] == [None, None]
    # Two workers share the queue, as two `shopiq worker` processes would.
    app = build_app(connector_for(database_url), jobs=calls.jobs("pg"), retry=FAST_RETRY)
    other = build_app(connector_for(database_url), jobs=calls.jobs("pg"), retry=FAST_RETRY)
    async with (
        running_worker(app, sessions, authz, polling_seconds=0.1, name="one"),
        running_worker(other, sessions, authz, polling_seconds=0.1, name="two"),
    ):

        async def settled() -> bool:
            ok = await _queue_status(committed_engine, "pg.succeeds")
            failed = await _queue_status(committed_engine, "pg.fails")
            return ok == [] and bool(failed) and failed[0][0] == "failed" and len(calls.ok) == 1

        await _until(settled)
    assert len(calls.ok) == 1  # done, and its row deleted (delete_jobs="successful")
    assert calls.failed == 3
    assert await _queue_status(committed_engine, "pg.fails") == [("failed", 3)]
    (dead,) = await _failed_jobs(sessions, "pg.fails")
    assert dead.attempts == 3
    assert dead.engine_job_id is not None


async def test_a_real_job_runs_on_a_postgresql_worker(
    committed_world: World,
    clean_queue: None,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    database_url: str,
) -> None:
    async with sessions.begin() as session:
        task = await session.scalar(select(Task).where(Task.status != TaskStatus.DONE).limit(1))
        assert task is not None
        task.due_date = datetime.now(UTC).date() - timedelta(days=2)
        task_id = task.id
    app = build_app(connector_for(database_url), periodic=False)
    async with running_worker(app, sessions, authz, polling_seconds=0.1):
        await defer(app, "tasks.mark_overdue")

        async def told() -> bool:
            async with sessions() as session:
                found = await session.scalar(
                    select(func.count(OutboxEvent.id)).where(
                        OutboxEvent.event_type == "task.overdue",
                        OutboxEvent.subject_id == task_id,
                    )
                )
            return found == 1

        await _until(told)


def test_the_command_line_lists_jobs_and_the_failed_ones(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert main(["jobs", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(job.name in listed for job in JOBS)
    monkeypatch.setenv("SHOPIQ_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SHOPIQ_JWT_SECRET", "x" * 40)
    assert main(["worker"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert main(["jobs", "failed"]) == 0
    assert "0 failed job(s)" in capsys.readouterr().err
    assert main(["jobs", "run", "no.such.job"]) == 1
