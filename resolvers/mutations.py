"""The frame every mutation runs in: one transaction, policy-checked targets, version checks,
and one way to turn a refusal into userErrors with nothing left behind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from policies.authorize import Action
from resolvers.context import Context
from resolvers.problems import ErrorCode, Problem, Refused, refuse

T = TypeVar("T")
M = TypeVar("M")

CONFLICT_MESSAGE = "Someone else changed this meanwhile; nothing was saved. Reload and try again."


@dataclass(slots=True)
class Outcome(Generic[T]):
    value: T | None = None
    problems: list[Problem] = field(default_factory=list)


async def transact(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> Outcome[T]:
    """Run `work` in one transaction; any refusal or conflict rolls all of it back."""
    # Reads before the write end first: the write must not nest inside the read transaction, and
    # the request holds one connection at a time.
    await ctx.end_reading()
    try:
        async with ctx.sessions.begin() as session:
            value = await work(session)
    except Refused as refusal:
        return Outcome(problems=refusal.problems)
    except (StaleDataError, IntegrityError):
        # A concurrent write won: a version moved on or a unique value was taken meanwhile.
        return Outcome(problems=[Problem(None, CONFLICT_MESSAGE, ErrorCode.CONFLICT)])
    await ctx.end_reading()  # the payload's reads must see this commit
    return Outcome(value=value)


async def target(
    session: AsyncSession,
    ctx: Context,
    model: type[M],
    id_: int | None,
    action: Action,
    field: tuple[str, ...],
    noun: str,
) -> M:
    """The object the mutation acts on. Unreadable and missing look the same (NOT_FOUND);
    readable without the permission is FORBIDDEN."""
    if id_ is None:
        raise refuse(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
    obj, allowed = await ctx.authz.one_with_permission(session, ctx.viewer, model, id_, action)
    if obj is None:
        raise refuse(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
    if not allowed:
        raise refuse(field, f"Your role does not allow this on that {noun}.", ErrorCode.FORBIDDEN)
    return obj


def expect_version(obj: Any, version: int, field: tuple[str, ...] = ("input", "version")) -> None:
    if obj.version != version:
        raise refuse(field, CONFLICT_MESSAGE, ErrorCode.CONFLICT)
