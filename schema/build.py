"""The root schema, built once per process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, FieldExtension, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from schema.audit import audit_mutations
from schema.limits import DEFAULT_LIMITS, Limits, limit_extensions, mask_errors
from schema.money import SCALARS
from schema.mutation import Mutation
from schema.query import Query
from schema.relay import NODES

log = logging.getLogger("strawberry.execution")


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
    )
    built.append(schema)
    return schema


def _on_root_fields(make: Callable[[], FieldExtension]) -> None:
    for root in (Query, Mutation):
        for field in get_object_definition(root, strict=True).fields:
            kind = type(make())
            if not any(isinstance(e, kind) for e in field.extensions):
                # Outermost: it sees the arguments as the caller gave them.
                field.extensions.insert(0, make())


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
