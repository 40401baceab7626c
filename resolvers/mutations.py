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
from resolvers.context import Context
from resolvers.db_errors import race_problem
from resolvers.problems import (
    CONFLICT_MESSAGE,
    ErrorCode,
    FieldName,
    Problem,
    Refused,
    UnexpectedError,
    refuse,
)

__all__ = ["CONFLICT_MESSAGE", "Outcome", "expect_version", "target", "transact"]

T = TypeVar("T")
M = TypeVar("M")

log = logging.getLogger(__name__)
# The action recorded when a service runs outside a GraphQL mutation (a script, a test).
UNNAMED_ACTION = "unnamed"


@dataclass(slots=True)
class Outcome(Generic[T]):
    value: T | None = None
    problems: list[Problem] = field(default_factory=list)


async def transact(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> Outcome[T]:
    """Run `work` in one transaction; any refusal, conflict or error rolls all of it back.
    What it changes is written to the audit trail in that same transaction.

    A stale version, or a unique value a concurrent write took first, is the user's to retry
    (a userError). Any other database error is a fault of ours: it is logged with the request id,
    and the client learns only that id (never SQL)."""
    # Reads before the write end first: the write must not nest inside the read transaction, and
    # the request holds one connection at a time.
    await ctx.end_reading()
    try:
        async with ctx.sessions.begin() as session:
            # Every change the work makes is recorded in the same transaction (db/audit_capture).
            audit_capture.start(
                session,
                actor_user_id=ctx.viewer.user_id,
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
        problem = race_problem(exc)
        if problem is None:
            raise _unexpected(ctx) from None
        return Outcome(problems=[problem])
    except StatementError:  # every DBAPIError, and SQLAlchemy's own errors around SQL
        raise _unexpected(ctx) from None
    await ctx.end_reading()  # the payload's reads must see this commit
    return Outcome(value=value)


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
