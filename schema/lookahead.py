"""Look-ahead on a request's selection, and fields answered at once from loaded rows.

A page resolver that knows which fields its items ask for can load their batches before it
returns (`prime_many`); the items' fields then find their answers settled and return them
without a coroutine, a task and an event-loop turn each (`loaded`). A field nobody primed still
works: it returns an awaitable, which graphql-core awaits as an async resolver's result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

from resolvers.shared_loader import SharedLoader
from schema.info import Info

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


def _raw(info: Info) -> GraphQLResolveInfo[Any]:
    # Strawberry's Info keeps graphql-core's; its `selected_fields` would convert the whole
    # selection into Strawberry's own types on every call.
    raw: GraphQLResolveInfo[Any] = info._raw_info
    return raw


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, Any]
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


def children(info: Info, nodes: Iterable[FieldNode], name: str) -> list[FieldNode]:
    """The fields called `name` selected under `nodes`, through fragments. A field under
    @skip/@include is left out: priming what the request may not ask for would cost a
    statement for nothing (the field then loads itself)."""
    return [
        field
        for node in nodes
        for field in _fields(node.selection_set, _raw(info).fragments)
        if field.name.value == name and not field.directives
    ]


def item_fields(info: Info) -> list[FieldNode]:
    """The fields a connection's items select, under `edges { node }` and `nodes`."""
    own = _raw(info).field_nodes
    return [*children(info, children(info, own, "edges"), "node"), *children(info, own, "nodes")]


def selected(info: Info, nodes: Sequence[FieldNode]) -> set[str]:
    """The names of the fields selected under `nodes` (those under @skip/@include left out)."""
    return {
        field.name.value
        for node in nodes
        for field in _fields(node.selection_set, _raw(info).fragments)
        if not field.directives
    }


def arguments(info: Info, field: FieldNode) -> dict[str, Any]:
    """The arguments given to `field`, by their GraphQL names, variables replaced by their
    values; not coerced to the argument types (a caller reads plain scalars only)."""
    given: Any = _raw(info).variable_values
    # graphql-core declares its own container; the executor hands resolvers the plain dict.
    variables: dict[str, Any] = given.coerced if isinstance(given, VariableValues) else given
    given_values = {
        argument.name.value: value_from_ast_untyped(argument.value, variables)
        for argument in field.arguments or ()
    }
    # A variable the request left out is as an argument not given.
    return {name: value for name, value in given_values.items() if value is not Undefined}


def loaded(loader: SharedLoader[K, V], key: K, wrap: Callable[[V], R]) -> R:
    """`wrap` of the key's answer at once when a batch already brought it; otherwise an
    awaitable of the same, which graphql-core awaits as it would an async resolver's result
    (hence the cast: the declared type is what the field answers)."""
    done = loader.answered(key)
    if done is not None:
        return wrap(done.result())
    return cast(R, _later(loader.load(key), wrap))


async def _later(answer: Awaitable[V], wrap: Callable[[V], R]) -> R:
    return wrap(await answer)
