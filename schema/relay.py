"""Relay plumbing: opaque global ids, the Node interface, generic connections."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from resolvers.pagination import Page, PageArgs

N = TypeVar("N")
MAX_DATABASE_ID = 2**31 - 1


def to_global_id(type_name: str, id_: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{id_}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """(type name, database id), or None for anything that is not an id we issued."""
    try:
        raw = base64.b64decode(global_id.encode(), validate=True).decode()
        type_name, _, number = raw.partition(":")
        # Ids are 32-bit keys: anything larger was never issued (and PostgreSQL would reject it).
        if not type_name or not number.isascii() or not number.isdigit() or len(number) > 10:
            return None
        value = int(number)
        return (type_name, value) if 0 < value <= MAX_DATABASE_ID else None
    except (binascii.Error, UnicodeError, ValueError):
        return None


def id_of(global_id: str, type_name: str) -> int | None:
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


@strawberry.interface(description="An object with a globally unique, opaque id.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    nodes: list[N]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="All items of the list that the viewer may see.")
    async def total_count(self) -> int:
        return await self._count()


def page_args(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageArgs:
    return PageArgs(first=first, after=after, last=last, before=before)


def to_connection(page: Page[object], wrap: Callable[[object], N]) -> Connection[N]:
    nodes: Sequence[N] = [wrap(item) for item in page.items]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        nodes=list(nodes),
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _count=page.count,
    )
