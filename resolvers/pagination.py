"""Keyset pagination for Relay connections: opaque cursors over the ordering columns, so a page
costs the same wherever it starts (no OFFSET) and concurrent inserts do not shift pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from resolvers.problems import InputError

MAX_PAGE_SIZE = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validated(self) -> PageArgs:
        if self.first is None and self.last is None:
            raise InputError("pass `first` or `last` to page through this list")
        if self.first is not None and self.last is not None:
            raise InputError("pass either `first` or `last`, not both")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise InputError(f"`{name}` must be between 0 and {MAX_PAGE_SIZE}")
        return self


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InputError("that cursor is not valid for this list") from exc
    if not isinstance(values, list) or len(values) != width:
        raise InputError("that cursor is not valid for this list")
    return values


async def paginate(
    sessions: async_sessionmaker[AsyncSession],
    stmt: Select[T],
    order: Sequence[InstrumentedAttribute[Any]],
    args: PageArgs,
) -> Page[T]:
    """One page of `stmt` (already filtered by policy) in `order`, which must end in a unique
    column. The total count is a separate lazily run query, paid only when asked for."""
    args = args.validated()
    keys = tuple_(*order)
    page_stmt = stmt
    if args.after is not None:
        page_stmt = page_stmt.where(keys > tuple_(*decode_cursor(args.after, len(order))))
    if args.before is not None:
        page_stmt = page_stmt.where(keys < tuple_(*decode_cursor(args.before, len(order))))
    backwards = args.last is not None
    size = args.last if backwards else args.first
    assert size is not None
    page_stmt = page_stmt.order_by(*(c.desc() if backwards else c.asc() for c in order))
    page_stmt = page_stmt.limit(size + 1)
    async with sessions() as session:
        rows = list((await session.execute(page_stmt)).scalars().all())
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    cursors = [encode_cursor([_json_value(getattr(r, c.key)) for c in order]) for r in rows]

    async def count() -> int:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        async with sessions() as session:
            return int((await session.execute(count_stmt)).scalar_one())

    return Page(
        items=rows,
        cursors=cursors,
        has_next_page=has_more if not backwards else args.before is not None,
        has_previous_page=has_more if backwards else args.after is not None,
        count=count,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
