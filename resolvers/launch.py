"""launchStore: re-derive readiness inside the transaction, then go live or refuse with every
blocker as a userError."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import ClientStatus, LaunchStatus
from db.models import Client, Store
from resolvers.context import Context
from resolvers.lifecycle import advance
from resolvers.mutations import Outcome, target, transact
from resolvers.problems import ErrorCode, Problem, Refused
from resolvers.readiness import open_blocking_tasks_stmt, readiness
from resolvers.transitions import LAUNCH


async def launch_store(ctx: Context, client_id: int | None) -> Outcome[Client]:
    async def work(session: AsyncSession) -> Client:
        client = await target(session, ctx, Client, client_id, action="launch", field="client_id")
        store = (
            await session.execute(select(Store).where(Store.client_id == client.id))
        ).scalar_one_or_none()
        counts = dict((await session.execute(open_blocking_tasks_stmt([client.id]))).all())
        state = readiness(store, int(counts.get(client.id, 0)))
        if not state.ready:
            raise Refused(
                *[Problem.at("client_id", b.message, ErrorCode.NOT_READY) for b in state.blockers]
            )
        assert store is not None
        store.launch_status = LAUNCH.move(store.launch_status, LaunchStatus.LIVE, "client_id")
        store.launched_at = utcnow()
        advance(client, ClientStatus.LIVE)
        return client

    return await transact(ctx, work)
