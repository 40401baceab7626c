"""The frame every mutation runs in: one transaction, policy-checked targets, version checks,
and one way to turn a refusal into userErrors with nothing left behind."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from policies.authorize import Action
from resolvers.context import Context
from resolvers.problems import (
    CONFLICT_MESSAGE,
    ErrorCode,
    FieldName,
    Problem,
    Refused,
    refuse,
)

__all__ = ["CONFLICT_MESSAGE", "Outcome", "expect_version", "target", "transact"]

T = TypeVar("T")
M = TypeVar("M")


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
        return Outcome(problems=[Problem.at(None, CONFLICT_MESSAGE, ErrorCode.CONFLICT)])
    await ctx.end_reading()  # the payload's reads must see this commit
    return Outcome(value=value)


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
    obj, allowed = await ctx.authz.one_with_permission(session, ctx.viewer, model, id_, action)
    if obj is None:
        raise refuse(field, f"No {noun} with that id.", ErrorCode.NOT_FOUND)
    if not allowed:
        raise refuse(field, f"Your role does not allow this on that {noun}.", ErrorCode.FORBIDDEN)
    return obj


def expect_version(obj: Any, version: int, field: FieldName = "version") -> None:
    if obj.version != version:
        raise refuse(field, CONFLICT_MESSAGE, ErrorCode.CONFLICT)
