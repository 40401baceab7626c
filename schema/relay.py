"""Relay plumbing: opaque global ids, the Node interface and the registry behind `node(id:)`,
and `RowType`, which builds a type from its database row without listing the columns again."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

import strawberry
from strawberry.types.base import get_object_definition

from resolvers.context import Context

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
    id: strawberry.ID = strawberry.field(description="Opaque global id; `node(id:)` finds it.")


class RowType:
    """A GraphQL object type over one database row. Its plain fields are read off the row by
    name (declared once, in the type); `id` becomes the global id; the row stays in `_row` for
    the resolvers of related fields. `of` copies nothing: each plain field is a view that reads
    the row only when a query selects it (a value passed to the constructor wins)."""

    _viewed: ClassVar[bool] = False

    @classmethod
    def of(cls, row: Any) -> Self:
        if not cls.__dict__.get("_viewed"):
            _install_views(cls)
        obj = cls.__new__(cls)
        obj._row = row  # type: ignore[attr-defined]  # every row type declares a Private `_row`
        return obj

    @classmethod
    def maybe(cls, row: Any | None) -> Self | None:
        return cls.of(row) if row is not None else None


class _Column:
    """A plain field read off the row. A non-data descriptor: a value set on the instance (by
    the constructor) takes precedence."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj._row, self.name)


class _GlobalId:
    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return to_global_id(self.type_name, obj._row.id)


def _install_views(cls: type[RowType]) -> None:
    definition = get_object_definition(cls, strict=True)
    for f in definition.fields:
        if f.base_resolver is not None or f.python_name.startswith("_"):  # resolved or Private
            continue
        view = _GlobalId(cls.__name__) if f.python_name == "id" else _Column(f.python_name)
        setattr(cls, f.python_name, view)
    cls._viewed = True


Lookup = Callable[[Context, int], Awaitable[Any]]
R = TypeVar("R", bound=type[RowType])
NODES: dict[str, tuple[Lookup, type[RowType]]] = {}


def node(lookup: Lookup) -> Callable[[R], R]:
    """Registers a Node type with the policy-filtered lookup that backs `node(id:)`."""

    def register(cls: R) -> R:
        NODES[cls.__name__] = (lookup, cls)
        return cls

    return register


class LazyNode(Generic[N]):
    """A Node type of another module, wrapped at run time through the registry: modules whose
    types refer to each other use this and `strawberry.lazy` instead of importing each other."""

    def __init__(self, type_name: str) -> None:
        self._type_name = type_name

    def of(self, row: Any) -> N:
        return cast(N, NODES[self._type_name][1].of(row))

    def maybe(self, row: Any | None) -> N | None:
        return self.of(row) if row is not None else None
