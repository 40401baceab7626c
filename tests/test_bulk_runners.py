"""Bulk operations under real commits and concurrent runners: two runners in the same round
share the queued operations without both taking one, and two runners working the same
operation at once (one taking over from the other) still do each item exactly once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.bulk import BulkOperation, BulkResult, BulkStatus
from db.models import Client, Task, WorkflowTemplate
from policies import Authorizer, load_viewer
from resolvers import bulk_jobs
from resolvers.bulk import bulk_apply_template
from resolvers.bulk_jobs import run_bulk_operations
from resolvers.context import Context
from tests.conftest import World

Sessions = async_sessionmaker[AsyncSession]
OWNER = "owner@northwind.test"
CLIENTS = ("Lumen Candles", "Aster Apparel", "Copperleaf Tea", "Ember Ceramics", "Fable Books")


async def queue(sessions: Sessions, authz: Authorizer, world: World) -> int:
    """Standard launch for the five clients, queued by Northwind's owner."""
    async with sessions() as session:
        viewer = await load_viewer(session, world.users[OWNER])
        template = (
            await session.execute(
                select(WorkflowTemplate.id).where(WorkflowTemplate.name == "Standard launch")
            )
        ).scalar_one()
    assert viewer is not None
    ctx = Context(viewer, authz, sessions)
    ctx.action = "bulkApplyWorkflowTemplate"
    outcome = await bulk_apply_template(ctx, template, [world.clients[n] for n in CLIENTS], None)
    assert outcome.value is not None, outcome.problems
    return outcome.value.id


async def tasks_per_client(sessions: Sessions, world: World) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(Client.business_name, func.count(Task.id))
            .join(Task, Task.client_id == Client.id)
            .where(Client.business_name.in_(CLIENTS))
            .group_by(Client.business_name)
        )
        return {name: count for name, count in rows.all()}


async def check_done_once(
    sessions: Sessions, world: World, operation_ids: list[int], before: dict[str, int]
) -> None:
    after = await tasks_per_client(sessions, world)
    per_operation = len(operation_ids)
    added = {n: after.get(n, 0) - before.get(n, 0) for n in CLIENTS}
    assert len(set(added.values())) == 1, added  # every client got the same tasks
    items = next(iter(added.values())) // per_operation
    assert items > 0
    async with sessions() as session:
        for operation_id in operation_ids:
            operation = await session.get(BulkOperation, operation_id)
            assert operation is not None
            assert (operation.status, operation.done, operation.failed) == (
                BulkStatus.SUCCEEDED,
                len(CLIENTS),
                0,
            )
            results = await session.execute(
                select(func.count(BulkResult.id)).where(BulkResult.operation_id == operation_id)
            )
            assert results.scalar_one() == len(CLIENTS)


async def test_two_runners_in_one_round_take_each_operation_once(
    committed_world: World, sessions: Sessions, authz: Authorizer
) -> None:
    before = await tasks_per_client(sessions, committed_world)
    operations = [await queue(sessions, authz, committed_world) for _ in range(3)]
    finished = await asyncio.gather(
        run_bulk_operations(sessions, authz=authz, runner="a"),
        run_bulk_operations(sessions, authz=authz, runner="b"),
    )
    assert sum(finished) == 3 * len(CLIENTS)
    # A double run afterwards finds nothing to do.
    assert await run_bulk_operations(sessions, authz=authz) == 0
    await check_done_once(sessions, committed_world, operations, before)


async def test_two_runners_on_the_same_operation_do_each_item_once(
    committed_world: World, sessions: Sessions, authz: Authorizer, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite runs one writer at a time)")
    before = await tasks_per_client(sessions, committed_world)
    operation = await queue(sessions, authz, committed_world)
    now = bulk_jobs.utcnow()
    assert await bulk_jobs._claim(sessions, operation, "a", now)
    # Runner b takes it over as if a's lease had run out, while a still works on it.
    assert await bulk_jobs._claim(sessions, operation, "b", now + 2 * bulk_jobs.LEASE)
    finished = await asyncio.gather(
        bulk_jobs._run(sessions, authz, operation, "a", now),
        bulk_jobs._run(sessions, authz, operation, "b", now),
    )
    assert sum(finished) == len(CLIENTS)  # each item recorded by one of them
    await check_done_once(sessions, committed_world, [operation], before)
