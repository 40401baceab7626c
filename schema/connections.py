"""Relay connections: the paging arguments declared once (a field extension adds them to every
connection field), and one typed way to turn a page of rows into a connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar, cast

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    FieldExtension,
    SyncExtensionResolver,
)
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from resolvers.pagination import MAX_PAGE_SIZE, Page, PageArgs
from schema.execution import answers_at_once

N = TypeVar("N")
R = TypeVar("R")


# Cursors are encoded when a field asks for one (`LazyCursors`), not for every row of a page.
# The resolvers take `self` so that graphql-core calls them directly (schema/build.py).
def _start_cursor(self: PageInfo) -> str | None:
    return self._cursors[0] if self._cursors else None


def _end_cursor(self: PageInfo) -> str | None:
    return self._cursors[-1] if self._cursors else None


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="More items precede this page.")
    start_cursor: str | None = strawberry.field(
        resolver=_start_cursor, description="Cursor of the first item."
    )
    end_cursor: str | None = strawberry.field(
        resolver=_end_cursor, description="Cursor of the last item."
    )
    _cursors: strawberry.Private[Sequence[str]]


def _edge_cursor(self: Edge[Any]) -> str:
    return self._cursors[self._index]


@strawberry.type(description="An item of a list with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        resolver=_edge_cursor, description="Pass as `after` or `before` to page from here."
    )
    node: N = strawberry.field(description="The item.")
    _cursors: strawberry.Private[Sequence[str]]
    _index: strawberry.Private[int]


def _known_total(connection: Connection[Any]) -> int | None:
    return connection._counted()


@strawberry.type(description="A page of a list, with the list's size.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The items with their cursors.")
    nodes: list[N] = strawberry.field(description="The items alone.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    _counted: strawberry.Private[Callable[[], int | None]]

    @strawberry.field(description="All items of the list that the viewer may see.")
    @answers_at_once(_known_total)
    def total_count(self) -> int:
        # At once when a batch already counted this list (a primed page), else awaited.
        counted = self._counted()
        return counted if counted is not None else cast(int, self._count())


def to_connection(page: Page[R], wrap: Callable[[R], N]) -> Connection[N]:
    nodes = [wrap(item) for item in page.items]
    cursors = page.cursors
    if len(cursors) != len(nodes):
        raise ValueError("a page needs one cursor per item")
    return Connection(
        edges=[Edge(node=n, _cursors=cursors, _index=i) for i, n in enumerate(nodes)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            _cursors=cursors,
        ),
        _count=page.count,
        _counted=page.counted,
    )


def _argument(name: str, kind: type, description: str) -> StrawberryArgument:
    return StrawberryArgument(
        python_name=name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(kind | None),
        description=description,
        default=None,
    )


PAGE_ARGUMENTS = (
    ("first", int, f"The first n items (at most {MAX_PAGE_SIZE}); this or `last` is required."),
    ("after", str, "Start after this cursor."),
    ("last", int, f"The last n items (at most {MAX_PAGE_SIZE})."),
    ("before", str, "End before this cursor."),
)


class Paged(FieldExtension):
    """Adds first/after/last/before to the field and hands the resolver one `page: PageArgs`."""

    def apply(self, field: StrawberryField) -> None:
        own = [a for a in field.arguments if a.python_name != "page"]
        field.arguments = [_argument(*spec) for spec in PAGE_ARGUMENTS] + own

    def resolve(
        self,
        next_: SyncExtensionResolver,
        source: Any,
        info: strawberry.Info,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        **kwargs: Any,
    ) -> Any:
        # A resolver that answers at once when its page is loaded (or returns an awaitable).
        page = PageArgs(first=first, after=after, last=last, before=before)
        return next_(source, info, page=page, **kwargs)

    async def resolve_async(
        self,
        next_: AsyncExtensionResolver,
        source: Any,
        info: strawberry.Info,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        **kwargs: Any,
    ) -> Any:
        page = PageArgs(first=first, after=after, last=last, before=before)
        return await next_(source, info, page=page, **kwargs)


def direct_paged(
    function: Callable[..., Any],
    info_name: str,
    info_class: type[strawberry.Info],
    field: StrawberryField,
    fallback: Callable[..., Any],
) -> Callable[..., Any]:
    """What Strawberry's resolver chain does for a field whose one extension is `Paged`, for a
    call with the paging arguments alone: the page's arguments need no conversion (plain ints
    and strings), so the resolver is called with them at once. A nested connection is resolved
    once per parent (`client.tasks` a hundred times on a client page), and the chain converts its
    arguments each time. Any other argument given (a filter, an order) takes the chain
    (`fallback`), which converts input objects and names."""

    def paged(
        source: Any,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        **others: Any,
    ) -> Any:
        for value in others.values():
            if value is not None:
                return fallback(
                    source, info, first=first, after=after, last=last, before=before, **others
                )
        page = PageArgs(first=first, after=after, last=last, before=before)
        return function(source, **{info_name: info_class(_raw_info=info, _field=field)}, page=page)

    return paged


def only_paged(field: StrawberryField) -> bool:
    """The field's one extension is `Paged`."""
    return len(field.extensions) == 1 and isinstance(field.extensions[0], Paged)


def connection(description: str) -> Any:
    """Decorates a connection resolver that takes `page: PageArgs`."""
    return strawberry.field(description=description, extensions=[Paged()])
