"""Keyset pagination for Relay connections: opaque cursors over the ordering columns, so a page
costs the same wherever it starts (no OFFSET) and concurrent inserts do not shift pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
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


@dataclass(frozen=True, slots=True)
class SortKey:
    """An ordering expression that is not a plain column: how to read its value off a row for
    the cursor, and how to turn the cursor's JSON value back into a SQL parameter. `selected`:
    the value is not on the row (e.g. a related row's column or a correlated aggregate), so the
    page statement selects the expression beside the row and `value_of` receives that value."""

    expression: ColumnElement[Any]
    value_of: Callable[[Any], Any]
    parse: Callable[[Any], Any]
    selected: bool = False


@dataclass(frozen=True, slots=True)
class OrderName:
    """Names an order of a list that can be read in several orders (e.g. "CREATED_AT:DESC").
    Placed first in the order: it is written into every cursor and checked when a cursor comes
    back, so a cursor issued for another order of the list is refused rather than misread. It
    adds nothing to the SQL."""

    name: str


Key = InstrumentedAttribute[Any] | SortKey | OrderName
Order = Sequence[Key]


def sql_keys(order: Order) -> list[ColumnElement[Any] | InstrumentedAttribute[Any]]:
    """The SQL expressions an order sorts by, in order."""
    return [
        k.expression if isinstance(k, SortKey) else k for k in order if not isinstance(k, OrderName)
    ]


def selected_keys(order: Order) -> list[ColumnElement[Any]]:
    """The expressions whose values the page statement selects beside the row, labelled."""
    keys = [k for k in order if isinstance(k, SortKey) and k.selected]
    return [k.expression.label(f"sort_key_{i}") for i, k in enumerate(keys)]


class LazyCursors(Sequence[str]):
    """The cursors of a page's rows, each encoded when first read: a page answered without
    `edges { cursor }` or `pageInfo`'s cursors (a nested list's `nodes`, say) encodes none."""

    __slots__ = ("_found", "_made", "_order")

    def __init__(self, found: Sequence[tuple[Any, tuple[Any, ...]]], order: Order) -> None:
        self._found = found
        self._order = order
        self._made: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._found)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = range(len(self._found))[index]  # IndexError as a list's
        made = self._made.get(position)
        if made is None:
            row, values = self._found[position]
            made = self._made[position] = make_cursor(row, values, self._order)
        return made


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]
    # The count when it is already known without waiting (a batch brought it), else None.
    counted: Callable[[], int | None] = lambda: None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int | None) -> list[Any]:
    """The values of a cursor, refused unless it is a list of `width` (any, if None) values."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: a cursor that decodes to deeply nested JSON.
        raise InputError("that cursor is not valid for this list") from exc
    if not isinstance(values, list) or (width is not None and len(values) != width):
        raise InputError("that cursor is not valid for this list")
    return values


async def paginate(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    stmt: Select[T],
    order: Order,
    args: PageArgs,
    *,
    descending: bool = False,
) -> Page[T]:
    """One page of `stmt` (already filtered by policy) in `order`, which must end in a unique
    column (`descending`: the list runs from the largest key down, e.g. newest first). The total
    count is a separate lazily run query, paid only when asked for and when the page does not
    hold the whole list already (no cursor and no more rows: its length is the count)."""
    args = args.validated()
    columns = sql_keys(order)
    keys = tuple_(*columns)
    extra = selected_keys(order)
    page_stmt = stmt.add_columns(*extra) if extra else stmt
    if args.after is not None:
        after = tuple_(*cursor_params(args.after, order))
        page_stmt = page_stmt.where(keys < after if descending else keys > after)
    if args.before is not None:
        before = tuple_(*cursor_params(args.before, order))
        page_stmt = page_stmt.where(keys > before if descending else keys < before)
    backwards = args.last is not None
    size = args.last if backwards else args.first
    assert size is not None
    ascending = backwards == descending
    page_stmt = page_stmt.order_by(*(c.asc() if ascending else c.desc() for c in columns))
    page_stmt = page_stmt.limit(size + 1)
    async with sessions() as session:
        result = await session.execute(page_stmt)
        found = [(r[0], tuple(r[1:])) for r in result.all()] if extra else None
        if found is None:
            found = [(r, ()) for r in result.scalars().all()]
    has_more = len(found) > size
    whole = args.after is None and args.before is None and not has_more
    total = len(found) if whole else None
    found = found[:size]
    if backwards:
        found.reverse()
    rows = [r for r, _ in found]
    cursors = LazyCursors(found, order)

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
        counted=lambda: total,
    )


def make_cursor(row: Any, selected: Sequence[Any], order: Order) -> str:
    """The cursor of `row`; `selected`: the values of the order's selected keys, in order."""
    values = iter(selected)
    return encode_cursor(
        [
            cursor_value(row, k, next(values) if isinstance(k, SortKey) and k.selected else None)
            for k in order
        ]
    )


def cursor_value(row: Any, key: Key, selected: Any = None) -> Any:
    if isinstance(key, OrderName):
        return key.name
    if isinstance(key, SortKey):
        value = key.value_of(selected if key.selected else row)
    else:
        value = getattr(row, key.key)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def cursor_params(cursor: str, order: Order) -> list[Any]:
    named = next((k.name for k in order if isinstance(k, OrderName)), None)
    if named is not None:
        # Checked before the width: another order of the list may have another number of keys.
        issued = decode_cursor(cursor, None)
        if issued and issued[0] != named:
            raise InputError(
                f"that cursor was not issued for this list in {named} order (orderBy); page "
                f"with the order the cursor came from, or start again without a cursor"
            )
    values = decode_cursor(cursor, len(order))
    params: list[Any] = []
    for key, value in zip(order, values, strict=True):
        if isinstance(key, OrderName):
            continue  # checked above
        if isinstance(key, SortKey):
            try:
                params.append(literal(key.parse(value), key.expression.type))
            except (TypeError, ValueError) as exc:
                raise InputError("that cursor is not valid for this list") from exc
        else:
            # A tampered cursor must be a clear input error, not a database type error.
            if not isinstance(value, key.type.python_type) or isinstance(value, bool):
                raise InputError("that cursor is not valid for this list")
            if isinstance(value, int) and not -(2**31) <= value < 2**31:
                raise InputError("that cursor is not valid for this list")
            params.append(literal(value, key.type))
    return params
