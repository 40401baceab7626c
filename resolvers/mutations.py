"""The frame every mutation runs in: one transaction, policy-checked targets, version checks,
and one way to turn a refusal into userErrors with nothing left behind."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from db import audit_capture
from policies.authorize import Action
from resolvers.context import Context, IdempotencyRequest
from resolvers.db_errors import race_problem
from resolvers.idempotency import Recalled, claim, key_problem, recall
from resolvers.problems import (
    CONFLICT_MESSAGE,
    ErrorCode,
    FieldName,
    Problem,
    Refused,
    UnexpectedError,
    refuse,
)
from resolvers.webhook_security import RedactSecrets

__all__ = ["CONFLICT_MESSAGE", "Outcome", "expect_version", "target", "transact"]

T = TypeVar("T")
M = TypeVar("M")

log = logging.getLogger(__name__)
# A database error may quote a refused row, with a webhook endpoint's secret in it.
log.addFilter(RedactSecrets())
# The action recorded when a service runs outside a GraphQL mutation (a script, a test).
UNNAMED_ACTION = "unnamed"


@dataclass(slots=True)
class Outcome(Generic[T]):
    value: T | None = None
    problems: list[Problem] = field(default_factory=list)


async def transact(
    ctx: Context,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    idempotent: type[Any] | None = None,
) -> Outcome[T]:
    """Run `work` in one transaction; any refusal, conflict or error rolls all of it back.
    What it changes is written to the audit trail in that same transaction.

    A stale version, or a unique value a concurrent write took first, is the user's to retry
    (a userError). Any other database error is a fault of ours: it is logged with the request id,
    and the client learns only that id (never SQL).

    `idempotent`: the model of the row `work` creates; the request's `Idempotency-Key` (if it
    sent one) is then honoured (resolvers/idempotency.py)."""
    # Reads before the write end first: the write must not nest inside the read transaction, and
    # the request holds one connection at a time.
    await ctx.end_reading()
    request = ctx.idempotency if idempotent is not None else None
    if request is not None and idempotent is not None:
        problem = key_problem(request)
        if problem is not None:
            return Outcome(problems=[problem])
        earlier = await recall(ctx, idempotent, request)
        if earlier is not None:
            return _recalled(earlier)
        work = _claiming(ctx, idempotent, request, work)
    try:
        async with ctx.sessions.begin() as session:
            # Every change the work makes is recorded in the same transaction (db/audit_capture).
            audit_capture.start(
                session,
                actor_user_id=ctx.viewer.user_id,
                actor_service=ctx.viewer.service,
                action=ctx.action or UNNAMED_ACTION,
                request_id=ctx.request_id,
            )
            value = await work(session)
            await audit_capture.finish(session)
    except Refused as refusal:
        return Outcome(problems=refusal.problems)
    except StaleDataError:
        return Outcome(problems=[Problem.at(None, CONFLICT_MESSAGE, ErrorCode.CONFLICT)])
    except IntegrityError as exc:
        if request is not None and idempotent is not None:
            # A concurrent request with the same key committed first: its result is ours.
            earlier = await recall(ctx, idempotent, request)
            if earlier is not None:
                return _recalled(earlier)
        problem = race_problem(exc)
        if problem is None:
            raise _unexpected(ctx) from None
        return Outcome(problems=[problem])
    except StatementError:  # every DBAPIError, and SQLAlchemy's own errors around SQL
        raise _unexpected(ctx) from None
    await ctx.end_reading()  # the payload's reads must see this commit
    return Outcome(value=value)


def _claiming(
    ctx: Context,
    model: type[Any],
    request: IdempotencyRequest,
    work: Callable[[AsyncSession], Awaitable[T]],
) -> Callable[[AsyncSession], Awaitable[T]]:
    """`work`, preceded by taking the key and followed by recording what it created."""

    async def claimed(session: AsyncSession) -> T:
        record = await claim(session, ctx, model, request)
        value = await work(session)
        record.result_id = value.id  # type: ignore[attr-defined]  # every model has an `id`
        await session.flush()
        return value

    return claimed


def _recalled(earlier: Recalled) -> Outcome[Any]:
    if earlier.problem is not None:
        return Outcome(problems=[earlier.problem])
    return Outcome(value=earlier.value)


def _unexpected(ctx: Context) -> UnexpectedError:
    """Log the fault (called while handling it) and make the error the client sees."""
    log.exception(
        "Database error in a mutation (request %s, viewer %s); rolled back",
        ctx.request_id,
        ctx.viewer.user_id,
        extra={"request_id": ctx.request_id, "viewer_id": ctx.viewer.user_id},
    )
    return UnexpectedError(ctx.request_id)


def _noun(model: type[Any]) -> str:
    """`WorkflowTemplate` -> "workflow template"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


async def target(
    session: AsyncSession,
    ctx: Context,
    model: type[M],
    id_: int | None,
    *,
    action: Action,
    field: FieldName,
    noun: str | None = None,
) -> M:
    """The object the mutation acts on. Unreadable and missing look the same (NOT_FOUND);
    readable without the permission is FORBIDDEN. `noun` names it in messages (default: from
    the model's name)."""
    noun = noun or _noun(model)
    if id_ is None:
        raise refuse(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
    obj, allowed = await ctx.authz.one_with_permission(
        session, ctx.viewer, model, id_, action=action
    )
    if obj is None:
        raise refuse(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
    if not allowed:
        raise refuse(field, f"Your role does not allow this on that {noun}.", ErrorCode.FORBIDDEN)
    return obj


def expect_version(obj: Any, version: int, field: FieldName = "version") -> None:
    if obj.version != version:
        raise refuse(field, CONFLICT_MESSAGE, ErrorCode.CONFLICT)
