"""Nested connections batched per level: `client.tasks` on a page of 100 clients is one
statement, not 100. Every call for the same list with the same paging arguments, made while
graphql-core resolves one level, lands in one dataloader batch; the batch runs the list's own
(policy-filtered) statement for all parents at once, numbering each parent's rows with
ROW_NUMBER() OVER (PARTITION BY parent ORDER BY the list's order) and keeping the first n per
parent, so each parent gets its own `first`/`after` page; COUNT(*) over the same partition
tells whether more follow. Works alike on SQLite and PostgreSQL.

A nested list opts in by scoping through `NestedPages.page` instead of adding
`WHERE parent = :id` itself and calling `paginate` (README "Adding a field")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from resolvers.pagination import (
    LazyCursors,
    Order,
    Page,
    PageArgs,
    cursor_params,
    selected_keys,
    sql_keys,
)
from resolvers.shared_loader import SharedLoader

T = TypeVar("T")
Reading = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# The parent: a column of the list's rows (`Task.client_id`), or of a table the list's statement
# joins when a row belongs to several parents (a tier's commission terms apply to every partner
# of the tier).
Parent = InstrumentedAttribute[Any] | ColumnElement[Any]
RANK = "page_rank"
ROW = "page_row"
TOTAL = "page_total"
PARENT = "page_parent"


class NestedPages:
    """Per request: one dataloader per (list, variant, paging arguments) for the pages, one per
    (list, variant) for the total counts. `list_name` names the list (e.g. "Client.tasks");
    `variant` is anything hashable that changes its statement besides the parent, e.g. a frozen
    filter dataclass."""

    def __init__(self, reading: Reading) -> None:
        self._reading = reading
        self._pages: dict[Hashable, SharedLoader[Any, Page[Any]]] = {}
        self._counts: dict[Hashable, SharedLoader[Any, int]] = {}

    async def page(
        self,
        list_name: str,
        stmt: Select[T] | Callable[[], Select[T]],
        parent: Parent,
        parent_id: Any,
        order: Order,
        args: PageArgs,
        variant: Hashable = None,
        *,
        descending: bool = False,
    ) -> Page[T]:
        """The page of `stmt` (already filtered by policy, NOT scoped to the parent) whose
        `parent` column equals `parent_id`, in `order` (ending in a unique column;
        `descending`: the list runs from the largest key down, e.g. newest first, as in
        `paginate`). A list always passes the same `descending`: it is part of its order.
        `stmt` may be a function that builds it: only the first parent of a batch needs it,
        so a page of 100 parents builds one statement instead of 100."""
        loader = self._loader(list_name, stmt, parent, order, args, variant, descending)
        page: Page[T] = await loader.load(parent_id)
        return page

    async def prime(
        self,
        list_name: str,
        stmt: Select[T] | Callable[[], Select[T]],
        parent: Parent,
        parent_ids: list[Any],
        order: Order,
        args: PageArgs,
        variant: Hashable = None,
        *,
        descending: bool = False,
    ) -> None:
        """Loads the pages `page` would give these parents, in one batch, so that `answered`
        has them. Raises what `page` would raise for the arguments."""
        loader = self._loader(list_name, stmt, parent, order, args, variant, descending)
        await loader.prime_many(parent_ids)

    def _loader(
        self,
        list_name: str,
        stmt: Select[T] | Callable[[], Select[T]],
        parent: Parent,
        order: Order,
        args: PageArgs,
        variant: Hashable,
        descending: bool,
    ) -> SharedLoader[Any, Page[Any]]:
        args = args.validated()
        key = (list_name, variant, args)
        loader = self._pages.get(key)
        if loader is None:
            if callable(stmt):
                stmt = stmt()
            counts = self._count_loader(list_name, variant, stmt, parent)
            loader = SharedLoader(
                _page_batch(self._reading, stmt, parent, order, args, counts, descending)
            )
            self._pages[key] = loader
        return loader

    def release(self) -> None:
        """Lets go of every page and count at the end of the request (`Loaders.release`)."""
        for loaders in (self._pages, self._counts):
            for loader in loaders.values():
                loader.clear_all()
            loaders.clear()

    def answered(
        self, list_name: str, variant: Hashable, parent_id: Any, args: PageArgs
    ) -> Page[Any] | None:
        """The page `page` would return when a batch has already brought it, else None."""
        loader = self._pages.get((list_name, variant, args))
        done = loader.answered(parent_id) if loader is not None else None
        return done.result() if done is not None else None

    async def prime_counts(self, list_name: str, variant: Hashable, parent_ids: list[Any]) -> None:
        """Loads the total counts of a list whose pages were asked for, in one batch."""
        loader = self._counts.get((list_name, variant))
        if loader is not None:
            await loader.prime_many(parent_ids)

    def _count_loader(
        self,
        list_name: str,
        variant: Hashable,
        stmt: Select[Any],
        parent: Parent,
    ) -> SharedLoader[Any, int]:
        key = (list_name, variant)
        loader = self._counts.get(key)
        if loader is None:
            loader = SharedLoader(_count_batch(self._reading, stmt, parent))
            self._counts[key] = loader
        return loader


def _page_batch(
    reading: Reading,
    stmt: Select[Any],
    parent: Parent,
    order: Order,
    args: PageArgs,
    counts: SharedLoader[Any, int],
    descending: bool,
) -> Callable[[list[Any]], Any]:
    columns = sql_keys(order)
    keys = tuple_(*columns)
    extra = selected_keys(order)
    backwards = args.last is not None
    size = args.last if backwards else args.first
    assert size is not None  # validated
    scoped = stmt
    # Cursors are checked (and refused with an input error) before any statement runs.
    if args.after is not None:
        after = tuple_(*cursor_params(args.after, order))
        scoped = scoped.where(keys < after if descending else keys > after)
    if args.before is not None:
        before = tuple_(*cursor_params(args.before, order))
        scoped = scoped.where(keys > before if descending else keys < before)
    # Each parent's rows numbered in the direction the page is read from (as `paginate`).
    ascending = backwards == descending
    rank = (
        func.row_number()
        .over(
            partition_by=parent,
            order_by=[c.asc() if ascending else c.desc() for c in columns],
        )
        .label(RANK)
    )
    # The window counts the rows it numbers: more follow the page when there are more than it
    # keeps. Without a cursor it sees each parent's whole list, so that count is the list's
    # `totalCount` too, which then needs no statement of its own; after a cursor it sees only
    # the rest, and the count loader counts.
    whole = args.after is None and args.before is None
    total = func.count().over(partition_by=parent).label(TOTAL)
    model = stmt.column_descriptions[0]["entity"]
    (key,) = sa_inspect(model).primary_key

    async def load(parent_ids: list[Any]) -> list[Page[Any]]:
        # The rows are numbered in a narrow subquery (key, rank, parent, sort values) and only
        # the page's rows are read whole, by key: numbering the lists' whole rows had the
        # database sort every column of every row (a task's description included).
        ranked = (
            scoped.where(parent.in_(parent_ids))
            .with_only_columns(key.label(ROW), rank, parent.label(PARENT), total, *extra)
            .subquery()
        )
        page_stmt = (
            select(model, ranked.c[PARENT], ranked.c[TOTAL], *(ranked.c[e.name] for e in extra))
            .join(ranked, key == ranked.c[ROW])
            # A page of none still reads each parent's first row, for its count.
            .where(ranked.c[RANK] <= max(size, 1))
            .order_by(ranked.c[PARENT], ranked.c[RANK])
        )
        async with reading() as session:
            rows = (await session.execute(page_stmt)).all()
        groups: dict[Any, list[tuple[Any, tuple[Any, ...]]]] = defaultdict(list)
        totals: dict[Any, int] = {}
        for item, parent_id, size_of_list, *values in rows:
            groups[parent_id].append((item, tuple(values)))
            totals[parent_id] = size_of_list
        if whole:
            for pid in parent_ids:
                counts.prime(pid, int(totals.get(pid, 0)))
        return [
            _page(groups.get(pid, []), int(totals.get(pid, 0)), pid, order, args, size, counts)
            for pid in parent_ids
        ]

    return load


def _page(
    found: list[tuple[Any, tuple[Any, ...]]],
    rows: int,
    parent_id: Any,
    order: Order,
    args: PageArgs,
    size: int,
    counts: SharedLoader[Any, int],
) -> Page[Any]:
    """`found`: the parent's rows, each with the values of the order's selected keys; `rows`:
    how many the parent has from the cursor on (the page's rows and those beyond it)."""
    backwards = args.last is not None
    has_more = rows > size
    found = found[:size]
    if backwards:
        found.reverse()

    async def count() -> int:
        total: int = await counts.load(parent_id)
        return total

    def counted() -> int | None:
        done = counts.answered(parent_id)
        return done.result() if done is not None else None

    return Page(
        items=[r for r, _ in found],
        cursors=LazyCursors(found, order),
        has_next_page=has_more if not backwards else args.before is not None,
        has_previous_page=has_more if backwards else args.after is not None,
        count=count,
        counted=counted,
    )


def _count_batch(reading: Reading, stmt: Select[Any], parent: Parent) -> Callable[[list[Any]], Any]:
    async def load(parent_ids: list[Any]) -> Sequence[int]:
        scoped = (
            stmt.where(parent.in_(parent_ids))
            .add_columns(parent.label(PARENT))
            .order_by(None)
            .subquery()
        )
        column = scoped.c[PARENT]
        count_stmt = select(column, func.count()).group_by(column)
        async with reading() as session:
            found = {pid: n for pid, n in await session.execute(count_stmt)}
        return [int(found.get(pid, 0)) for pid in parent_ids]

    return load
