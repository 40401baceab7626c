"""The root schema, built once per process."""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLError, GraphQLObjectType
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, FieldExtension, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

from schema.audit import audit_mutations
from schema.connections import direct_paged, only_paged
from schema.execution import AT_ONCE, PartnerExecutionContext, Read, leaf_reads
from schema.limits import DEFAULT_LIMITS, Limits, limit_extensions, mask_errors
from schema.money import SCALARS
from schema.mutation import Mutation
from schema.query import Query
from schema.relay import NODES

log = logging.getLogger("strawberry.execution")
DEFINITION_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class PartnerSchema(strawberry.Schema):
    """Every error is logged under the request id its answer carries (`extensions.requestId`
    of an unexpected error), so the masked answer finds its details in the log."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = getattr(execution_context, "context", None)
        request_id = getattr(context, "request_id", None) or "-"
        for error in errors:
            log.error(
                "request %s: %s",
                request_id,
                error.message,
                exc_info=error.original_error,
                extra={"request_id": request_id},
            )


def node_types() -> list[type]:
    """Every Node type: each registered itself, with its lookup, where it is defined."""
    return [node_type for _, node_type in NODES.values()]


Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


def build_schema(
    *,
    production: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    innermost: Sequence[Extension] = (),
    on_root_fields: Callable[[], FieldExtension] | None = None,
) -> strawberry.Schema:
    """`innermost`: extensions of the server that must see parse and validation errors before
    any other extension here (error masking) does. `on_root_fields`: a field extension the
    server puts on every Query and Mutation field (and on no nested field)."""
    if on_root_fields is not None:
        _on_root_fields(on_root_fields)
    audit_mutations(Mutation)
    built: list[strawberry.Schema] = []
    extensions: list[Extension] = [*limit_extensions(limits, lambda: built[0]._schema)]
    if production:
        # Introspection off (`__typename` stays); the rule is one class, so the validation
        # cache keeps hitting.
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
        extensions.append(mask_errors)
    extensions.extend(innermost)
    schema = PartnerSchema(
        query=Query,
        mutation=Mutation,
        types=node_types(),
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=PartnerExecutionContext,
    )
    built.append(schema)
    attributes: dict[int, Read] = {}
    direct_resolvers(schema, attributes)
    enum_names_by_value(schema)
    leaf_reads(schema._schema, attributes)
    return schema


def enum_names_by_value(schema: strawberry.Schema) -> int:
    """Answers an enum field's name with one dict lookup; returns how many enum types. Strawberry
    finds the name of an enum member it serialises by scanning the enum's values in turn (a dozen
    Python calls per status field on a page); the mapping is built once here. Anything that is
    not a member of the enum still goes to Strawberry's own method (and its error)."""
    replaced = 0
    for gql_type in schema._schema.type_map.values():
        wrapped = getattr(gql_type, "wrapped_cls", None)
        if not isinstance(gql_type, GraphQLEnumType) or not (
            isinstance(wrapped, type) and issubclass(wrapped, Enum)
        ):
            continue
        names: dict[Any, str] = {}
        for name, value in gql_type.values.items():
            names.setdefault(value.value, name)
        gql_type.coerce_output_value = _named(  # type: ignore[method-assign, assignment]
            wrapped, names, gql_type.coerce_output_value
        )
        replaced += 1
    return replaced


def _named(
    wrapped: type[Enum], names: dict[Any, str], fallback: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def coerce_output_value(output_value: Any) -> Any:
        if isinstance(output_value, wrapped):
            name = names.get(output_value._value_)
            if name is not None:
                return name
        return fallback(output_value)

    return coerce_output_value


def direct_resolvers(schema: strawberry.Schema, attributes: dict[int, Read] | None = None) -> int:
    """Lets graphql-core call the resolvers that need nothing of Strawberry's per-field wrapper
    directly; returns how many. Strawberry wraps every resolver field in a chain built for
    arguments, field extensions and exception handlers (about ten Python calls per field and
    one more coroutine frame for an async resolver); a field with none of those (no arguments,
    no extensions, no `root`/`parent` parameter) only needs its function called with the source
    object and, when it asks for one, an `Info`: what the chain ends up doing. A connection whose
    one extension is `Paged` gets `direct_paged`. Other fields with arguments or extensions (root
    fields, audit's action names) keep the chain.
    Plain attribute fields get the configured default resolver called directly as well; each
    one's reader of the source alone goes into `attributes` under the resolver's id."""
    info_class = schema.config.info_class
    replaced = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        if gql_type is schema._schema.subscription_type:
            continue
        for gql_field in gql_type.fields.values():
            field = (gql_field.extensions or {}).get(DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            if field.base_resolver is None:
                # A plain attribute: Strawberry's default resolver (marked `_is_default`) reads
                # it with the configured `default_resolver`, through two frames of its own.
                if getattr(gql_field.resolve, "_is_default", False) and not field.extensions:
                    gql_field.resolve = _attribute(field.python_name, schema.config)
                    if attributes is not None:
                        attributes[id(gql_field.resolve)] = _reader(
                            field.python_name, schema.config
                        )
                    replaced += 1
                continue
            resolver = field.base_resolver
            info = resolver.info_parameter
            function = resolver.wrapped_func
            if isinstance(function, staticmethod | classmethod) or not _plain_method(resolver):
                continue
            if only_paged(field) and info is not None:
                gql_field.resolve = direct_paged(
                    function, info.name, info_class, field, gql_field.resolve
                )
                replaced += 1
                continue
            if field.extensions or field.arguments or gql_field.args:
                continue
            gql_field.resolve = _direct(function, info.name if info else None, info_class, field)
            at_once = AT_ONCE.get(function)
            if at_once is not None and attributes is not None:
                attributes[id(gql_field.resolve)] = at_once
            replaced += 1
    return replaced


def _plain_method(resolver: StrawberryResolver[Any]) -> bool:
    """A method called with the source object as `self` and nothing else of Strawberry's."""
    return (
        resolver.parent_parameter is None
        and resolver.root_parameter is None
        and resolver.self_parameter is not None
    )


def _reader(name: str, config: StrawberryConfig) -> Read:
    read = config.default_resolver
    if read is getattr:  # Strawberry's default: read in C, without a frame of our own
        return operator.attrgetter(name)

    def reader(source: Any) -> Any:
        return read(source, name)

    return reader


def _attribute(name: str, config: StrawberryConfig) -> Callable[..., Any]:
    read = config.default_resolver

    def attribute(source: Any, _info: Any) -> Any:
        return read(source, name)

    return attribute


def _direct(
    function: Callable[..., Any],
    info_name: str | None,
    info_class: type[strawberry.Info],
    field: StrawberryField,
) -> Callable[..., Any]:
    if info_name is None:

        def plain(source: Any, _info: Any) -> Any:
            return function(source)

        return plain

    def with_info(source: Any, info: Any) -> Any:
        return function(source, **{info_name: info_class(_raw_info=info, _field=field)})

    return with_info


def _on_root_fields(make: Callable[[], FieldExtension]) -> None:
    for root in (Query, Mutation):
        for field in get_object_definition(root, strict=True).fields:
            kind = type(make())
            if not any(isinstance(e, kind) for e in field.extensions):
                # Outermost: it sees the arguments as the caller gave them.
                field.extensions.insert(0, make())


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
