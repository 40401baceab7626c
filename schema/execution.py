"""The executor's short way for plain leaf fields.

graphql-core executes every field the same way: it builds a resolve info and a response path,
calls the resolver, asks whether the result is awaitable, then completes it through the
non-null, list and leaf branches, a dozen Python calls and three new objects per field. Most of
a page's fields are a scalar or enum read off a row (a task's title, status and due date), and
for those the whole of that comes down to reading the attribute and coercing it. `leaf_reads`
finds such fields once per schema; `PartnerExecutionContext` answers them in one call and gives
every other field, and any leaf whose value is null, awaitable, an error or refused by its type,
to graphql-core's own path, which then answers exactly as it would have (including the error).
An object whose selected fields are all such leaves is answered in one pass over them, and a
list of such objects (a page of tasks) in one pass over its items.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Where the reads live: on the GraphQL schema, which every execution context holds.
LEAF_READS = "shopiq-leaf-reads"

Read = Callable[[Any], Any]
Reads = dict[GraphQLObjectType, dict[str, Read]]
# Resolver functions whose answer can often be read at once, with the read that gives it (None
# when it cannot: the resolver then runs as usual). `answers_at_once` fills it.
AT_ONCE: dict[Callable[..., Any], Read] = {}


def answers_at_once(read: Read) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a resolver (taking the source alone) whose answer `read` gives when it is already
    known, such as a count a batch brought: the field is then a leaf read like a plain
    attribute (`direct_resolvers` records it)."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        AT_ONCE[function] = read
        return function

    return mark


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


def _typename(name: str) -> Read:
    def typename(_source: Any) -> str:
        return name

    return typename


def _answer(reads: list[tuple[str, Read]], source: Any) -> dict[str, Any] | None:
    """The object's answer from its leaf reads, or None when one of them cannot answer."""
    results: dict[str, Any] = {}
    for name, read in reads:
        value = read(source)
        if value is None:
            return None
        results[name] = value
    return results


class PartnerExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the short way for plain leaf fields. With a
    middleware in place (a schema extension that wraps each resolver), every field takes the
    full path so the middleware sees it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        plain = manager is None or manager._middleware_resolvers is None
        self._leaf_reads: Reads = self.schema.extensions.get(LEAF_READS, {}) if plain else {}
        # Per selection of an object type (graphql-core memoises each and keeps it alive for
        # the execution, so its id is stable): the reads of its fields when all are plain
        # leaves, else None. The selection itself is kept with it, as graphql-core does.
        self._all_leaves: dict[int, tuple[Any, list[tuple[str, Read]] | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        # An object whose selected fields are all plain leaves (a task's title, status and due
        # date) is answered in one pass, without a response path or a call per field; any
        # value the short way cannot answer sends the whole object down graphql-core's path.
        fields = self._leaf_reads.get(parent_type)
        if fields is not None and position_context is None:
            reads = self._reads_of(parent_type, fields, grouped_field_set)
            if reads is not None:
                results = _answer(reads, source_value)
                if results is not None:
                    return results
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        # A list of objects whose selected fields are all plain leaves (a page of tasks' title,
        # status and due date): each item answered in one pass, without the response path and
        # the completion calls graphql-core makes per item. Anything the short way cannot
        # answer (a null, an awaitable, a type check that fails) sends the whole list down
        # graphql-core's path, which reads the same attributes again and answers as it would.
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if (
            position_context is None
            and isinstance(object_type, GraphQLObjectType)
            and isinstance(items, list | tuple)
        ):
            fields = self._leaf_reads.get(object_type)
            if fields is not None and not self.get_stream_usage(field_details_list, path):
                completed = self._leaf_items(object_type, fields, field_details_list, info, items)
                if completed is not None:
                    return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _leaf_items(
        self,
        object_type: GraphQLObjectType,
        fields: dict[str, Read],
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        items: Any,
    ) -> list[dict[str, Any]] | None:
        grouped_field_set, deferred, _forbidden = self.collect_subfields(
            object_type, field_details_list
        )
        if deferred:
            return None
        reads = self._reads_of(object_type, fields, grouped_field_set)
        if reads is None:
            return None
        is_type_of = object_type.is_type_of
        completed: list[dict[str, Any]] = []
        for item in items:
            if is_type_of is not None and is_type_of(item, info) is not True:
                return None
            results = _answer(reads, item)
            if results is None:
                return None
            completed.append(results)
        return completed

    def _reads_of(
        self, parent_type: GraphQLObjectType, fields: dict[str, Read], grouped_field_set: Any
    ) -> list[tuple[str, Read]] | None:
        found = self._all_leaves.get(id(grouped_field_set))
        if found is not None:
            return found[1]
        reads: list[tuple[str, Read]] = []
        for name, field_details_list in grouped_field_set.items():
            field_name = field_details_list[0].node.name.value
            if field_name == "__typename":
                read: Read | None = _typename(parent_type.name)
            else:
                read = fields.get(field_name)
            if read is None:
                break
            reads.append((name, read))
        else:
            self._all_leaves[id(grouped_field_set)] = (grouped_field_set, reads)
            return reads
        self._all_leaves[id(grouped_field_set)] = (grouped_field_set, None)
        return None

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
