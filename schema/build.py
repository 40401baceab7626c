"""The root schema, built once per process."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from strawberry.extensions import SchemaExtension

from schema.limits import DEFAULT_LIMITS, Limits, limit_extensions, mask_errors
from schema.mutation import Mutation
from schema.query import Query
from schema.relay import NODES


def node_types() -> list[type]:
    """Every Node type: each registered itself, with its lookup, where it is defined."""
    return [node_type for _, node_type in NODES.values()]


Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


def build_schema(
    *,
    production: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    innermost: Sequence[Extension] = (),
) -> strawberry.Schema:
    """`innermost`: extensions of the server that must see parse and validation errors before
    any other extension here (error masking) does."""
    built: list[strawberry.Schema] = []
    extensions: list[Extension] = [*limit_extensions(limits, lambda: built[0]._schema)]
    if production:
        extensions.append(mask_errors)
    extensions.extend(innermost)
    schema = strawberry.Schema(
        query=Query, mutation=Mutation, types=node_types(), extensions=extensions
    )
    built.append(schema)
    return schema


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
