"""The executor's short way for plain leaf fields.

graphql-core executes every field the same way: it builds a resolve info and a response path,
calls the resolver, asks whether the result is awaitable, then completes it through the
non-null, list and leaf branches, a dozen Python calls and three new objects per field. Most of
a page's fields are a scalar or enum read off a row (a task's title, status and due date), and
for those the whole of that comes down to reading the attribute and coercing it. `leaf_reads`
finds such fields once per schema; `PartnerExecutionContext` answers them in one call and gives
every other field, and any leaf whose value is null, awaitable, an error or refused by its type,
to graphql-core's own path, which then answers exactly as it would have (including the error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Where the reads live: on the GraphQL schema, which every execution context holds.
LEAF_READS = "shopiq-leaf-reads"

Read = Callable[[Any], Any]
Reads = dict[GraphQLObjectType, dict[str, Read]]


def leaf_reads(schema: GraphQLSchema, attributes: dict[int, Read]) -> int:
    """Records, for each object type, its fields that read a plain attribute (their resolver is
    in `attributes`: the field's id to the function that reads it) and have a scalar or enum
    type; returns how many. Call it after the leaf types' coercions are final."""
    reads: Reads = {}
    for gql_type in schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType):
            continue
        for name, field in gql_type.fields.items():
            read = _plan(field, attributes)
            if read is not None:
                reads.setdefault(gql_type, {})[name] = read
    schema.extensions[LEAF_READS] = reads
    return sum(len(fields) for fields in reads.values())


def _plan(field: GraphQLField, attributes: dict[int, Read]) -> Read | None:
    attribute = attributes.get(id(field.resolve))
    if attribute is None or field.args:
        return None
    leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not is_leaf_type(leaf):
        return None
    return _read(attribute, leaf)


def _read(attribute: Read, leaf: GraphQLLeafType) -> Read:
    coerce = leaf.coerce_output_value

    def read(source: Any) -> Any:
        # None means "not here": graphql-core's path answers it (null, or the error it gives).
        try:
            value = attribute(source)
            if value is None or isinstance(value, BaseException):
                return None
            coerced = coerce(value)
        except Exception:  # graphql-core's path raises it again, located
            return None
        return None if coerced is Undefined else coerced

    return read


class PartnerExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the short way for plain leaf fields. With a
    middleware in place (a schema extension that wraps each resolver), every field takes the
    full path so the middleware sees it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        plain = manager is None or manager._middleware_resolvers is None
        self._leaf_reads: Reads = self.schema.extensions.get(LEAF_READS, {}) if plain else {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        fields = self._leaf_reads.get(parent_type)
        if fields is not None:
            read = fields.get(field_details_list[0].node.name.value)
            if read is not None:
                value = read(source)
                if value is not None:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
