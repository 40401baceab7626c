"""The background job of bulk operations: `run_bulk_operations` claims queued operations and
runs their items one by one.

- Claiming is a compare-and-set on the operation (QUEUED, or RUNNING with an expired lease, ->
  RUNNING for this runner), so two runners never take the same operation in one round, and an
  operation whose runner died is taken over when its lease runs out.
- Each item runs through the single mutation's own service (and so `transact`, the audit trail
  and the outbox) with the creator's viewer rebuilt from the database for that item: the policy
  decides as if the creator did it then, one by one. A creator removed since, or without the
  role any more, gets failures, not writes.
- An item's result row is inserted in the same transaction as its change (a unique pair of
  operation and position; a second insert does nothing and rolls the second change back), so an
  item is done exactly once however many runners try it, and a restarted runner skips every
  item that already has a result.
- A refused item records the single mutation's userErrors and the next item runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.bulk import BulkKind, BulkOperation, BulkResult, BulkStatus
from db.enums import AssignmentRole
from db.models import Task
from policies import Authorizer, build_authorizer, load_viewer
from resolvers import tasks as task_service
from resolvers import team as team_service
from resolvers import templates as template_service
from resolvers.bulk import task_changes
from resolvers.changes import Changes
from resolvers.context import Context
from resolvers.mutations import Outcome
from resolvers.problems import ErrorCode, Problem

__all__ = ["LEASE", "run_bulk_operations"]

log = logging.getLogger(__name__)

# How long a runner holds an operation before another may take it over.
LEASE = timedelta(minutes=10)
# Operations claimed per round, and items between checks that the operation is still ours.
OPERATIONS_PER_ROUND = 5
CHECK_EVERY = 50
# A task changed meanwhile by someone else is tried again with its new version, this often.
TASK_ATTEMPTS = 3

# The single mutation each kind runs per item (the audit trail and the outbox name it), and the
# field its NOT_FOUND names.
ACTION = {
    BulkKind.APPLY_WORKFLOW_TEMPLATE: "applyWorkflowTemplate",
    BulkKind.ASSIGN_MEMBER: "assignMember",
    BulkKind.UPDATE_TASKS: "updateTask",
}
SUBJECT = {
    BulkKind.APPLY_WORKFLOW_TEMPLATE: ("client_id", "client"),
    BulkKind.ASSIGN_MEMBER: ("client_id", "client"),
    BulkKind.UPDATE_TASKS: ("task_id", "task"),
}

Sessions = async_sessionmaker[AsyncSession]
_authorizer: Authorizer | None = None


class _AlreadyDone(Exception):  # noqa: N818  (a control-flow signal, not a fault)
    """Another runner recorded this item first: roll this attempt back."""


async def run_bulk_operations(
    sessions: Sessions,
    now: datetime | None = None,
    *,
    authz: Authorizer | None = None,
    runner: str | None = None,
) -> int:
    """One round: claims up to a few due operations and runs their unfinished items. Returns
    how many items this round finished."""
    now = now or utcnow()
    authz = authz or _default_authorizer()
    token = runner or uuid.uuid4().hex[:16]
    finished = 0
    for operation_id in await _candidates(sessions, now):
        if await _claim(sessions, operation_id, token, now):
            finished += await _run(sessions, authz, operation_id, token, now)
    return finished


def _default_authorizer() -> Authorizer:
    global _authorizer
    if _authorizer is None:
        _authorizer = build_authorizer()
    return _authorizer


def _due(now: datetime) -> Any:
    return or_(
        BulkOperation.status == BulkStatus.QUEUED,
        and_(BulkOperation.status == BulkStatus.RUNNING, BulkOperation.lease_until < now),
    )


async def _candidates(sessions: Sessions, now: datetime) -> list[int]:
    async with sessions() as session:
        stmt = (
            select(BulkOperation.id)
            .where(_due(now))
            .order_by(BulkOperation.id)
            .limit(OPERATIONS_PER_ROUND)
        )
        return list((await session.execute(stmt)).scalars().all())


async def _claim(sessions: Sessions, operation_id: int, token: str, now: datetime) -> bool:
    """Compare-and-set: the operation is this runner's if it was still due."""
    started = literal(now, BulkOperation.__table__.c.started_at.type)
    stmt = (
        update(BulkOperation)
        .where(BulkOperation.id == operation_id, _due(now))
        .values(
            status=BulkStatus.RUNNING,
            runner=token,
            lease_until=now + LEASE,
            started_at=func.coalesce(BulkOperation.started_at, started),
        )
        .returning(BulkOperation.id)
        .execution_options(synchronize_session=False)
    )
    async with sessions.begin() as session:
        return (await session.execute(stmt)).first() is not None


async def _run(
    sessions: Sessions, authz: Authorizer, operation_id: int, token: str, now: datetime
) -> int:
    async with sessions() as session:
        operation = await session.get(BulkOperation, operation_id)
        assert operation is not None
        session.expunge(operation)
        done = set(
            (
                await session.execute(
                    select(BulkResult.position).where(BulkResult.operation_id == operation_id)
                )
            )
            .scalars()
            .all()
        )
    pending = [(p, s) for p, s in enumerate(operation.subject_ids) if p not in done]
    finished = 0
    for count, (position, subject_id) in enumerate(pending, start=1):
        if await _run_item(sessions, authz, operation, position, subject_id):
            finished += 1
        if count % CHECK_EVERY == 0 and not await _still_ours(sessions, operation_id, token):
            return finished  # taken over after our lease ran out: the other runner goes on
    await _finish(sessions, operation_id, token, now)
    return finished


async def _still_ours(sessions: Sessions, operation_id: int, token: str) -> bool:
    async with sessions() as session:
        runner = await session.execute(
            select(BulkOperation.runner).where(BulkOperation.id == operation_id)
        )
        return runner.scalar_one() == token


async def _finish(sessions: Sessions, operation_id: int, token: str, now: datetime) -> None:
    """Every item has its result: SUCCEEDED, PARTIAL or FAILED by the counts."""
    async with sessions.begin() as session:
        operation = await session.get(BulkOperation, operation_id)
        assert operation is not None
        if operation.status != BulkStatus.RUNNING or operation.done < operation.total:
            return
        if operation.failed == 0:
            status = BulkStatus.SUCCEEDED
        elif operation.failed == operation.total:
            status = BulkStatus.FAILED
        else:
            status = BulkStatus.PARTIAL
        await session.execute(
            update(BulkOperation)
            .where(BulkOperation.id == operation_id, BulkOperation.status == BulkStatus.RUNNING)
            .values(status=status, finished_at=now, lease_until=None)
            .execution_options(synchronize_session=False)
        )


# --- One item ------------------------------------------------------------------------------------


async def _run_item(
    sessions: Sessions,
    authz: Authorizer,
    operation: BulkOperation,
    position: int,
    subject_id: int,
) -> bool:
    """Runs the item unless another runner finished it; True when this call recorded it."""
    kind = BulkKind(operation.kind)
    field, noun = SUBJECT[kind]
    async with sessions() as session:
        viewer = await load_viewer(
            session, operation.created_by_user_id, issued_at=operation.created_at
        )
    if viewer is None:  # the creator was removed: nothing runs in their name any more
        problem = Problem.at(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
        return await _record_failure(sessions, operation, position, subject_id, [problem])

    async def seal(session: AsyncSession) -> None:
        if not await _insert_result(session, operation, position, subject_id, []):
            raise _AlreadyDone
        await _count(session, operation.id, failed=False)

    sealing = _SealingSessions(sessions, seal)
    ctx = Context(
        viewer=viewer,
        authz=authz,
        # The same factory, except that the item's transaction also records its result.
        sessions=cast(Sessions, sealing),
        request_id=operation.request_id,
    )
    ctx.action = ACTION[kind]
    try:
        outcome = await _service(ctx, sessions, operation, subject_id)
    except _AlreadyDone:
        return False
    except Exception:  # one bad item never spoils the others
        log.exception(
            "Bulk operation %s: item %s failed unexpectedly",
            operation.id,
            position,
            extra={"request_id": operation.request_id},
        )
        problem = Problem.at(
            None,
            f"Unexpected error (request {operation.request_id}); nothing was saved for this "
            "item. Try it again.",
            ErrorCode.CONFLICT,
        )
        return await _record_failure(sessions, operation, position, subject_id, [problem])
    finally:
        await ctx.end_reading()
    if outcome.problems:
        return await _record_failure(sessions, operation, position, subject_id, outcome.problems)
    return sealing.sealed


async def _service(
    ctx: Context, sessions: Sessions, operation: BulkOperation, subject_id: int
) -> Outcome[Any]:
    params = operation.params
    kind = BulkKind(operation.kind)
    if kind == BulkKind.APPLY_WORKFLOW_TEMPLATE:
        return await template_service.apply_template(ctx, subject_id, params["template_id"])
    if kind == BulkKind.ASSIGN_MEMBER:
        changes = Changes(
            {"member_id": params["member_id"], "role": AssignmentRole(params["role"])},
            {"member_id": ("member_id",), "role": ("role",)},
        )
        return await team_service.assign_member(ctx, subject_id, changes)
    # updateTask needs the version the caller saw: here, the one the task has now. A change by
    # someone else in between is a CONFLICT, tried again with the newer version.
    outcome: Outcome[Any] = Outcome()
    for _ in range(TASK_ATTEMPTS):
        async with sessions() as session:
            version = await session.execute(select(Task.version).where(Task.id == subject_id))
            current = version.scalar_one_or_none() or 0
        outcome = await task_service.update_task(
            ctx, subject_id, current, task_changes(params["changes"])
        )
        if [p.code for p in outcome.problems] != [ErrorCode.CONFLICT]:
            break
    return outcome


async def _insert_result(
    session: AsyncSession,
    operation: BulkOperation,
    position: int,
    subject_id: int,
    problems: list[Problem],
) -> bool:
    """Inserts the item's result unless it has one; True when inserted."""
    values = {
        "operation_id": operation.id,
        "position": position,
        "subject_id": subject_id,
        "succeeded": not problems,
        "errors": [
            {"field": list(p.field) if p.field else None, "message": p.message, "code": p.code}
            for p in problems
        ],
        "finished_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(BulkResult)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["operation_id", "position"])
        .returning(BulkResult.id)
    )
    return (await session.execute(stmt)).first() is not None


async def _count(session: AsyncSession, operation_id: int, *, failed: bool) -> None:
    values: dict[str, Any] = {"done": BulkOperation.done + 1}
    if failed:
        values["failed"] = BulkOperation.failed + 1
    await session.execute(
        update(BulkOperation)
        .where(BulkOperation.id == operation_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def _record_failure(
    sessions: Sessions,
    operation: BulkOperation,
    position: int,
    subject_id: int,
    problems: list[Problem],
) -> bool:
    async with sessions.begin() as session:
        if not await _insert_result(session, operation, position, subject_id, problems):
            return False
        await _count(session, operation.id, failed=True)
    return True


class _SealingSessions:
    """A session factory like `sessions`, whose `begin()` block also runs `seal` in the same
    transaction, after the block's own work and before the commit (once). Mutations commit
    their work in one `begin()` block (resolvers/mutations.transact); an exception from the
    work or from `seal` rolls back both."""

    def __init__(self, sessions: Sessions, seal: Callable[[AsyncSession], Awaitable[None]]) -> None:
        self._sessions = sessions
        self._seal = seal
        self.sealed = False

    def __call__(self, **kw: Any) -> AsyncSession:
        return self._sessions(**kw)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions.begin() as session:
            yield session
            if not self.sealed:
                await self._seal(session)
                self.sealed = True
