"""The root schema, built once per process."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from schema.limits import mask_errors, validation_rules
from schema.mutation import Mutation
from schema.query import Query
from schema.relay import NODES


def node_types() -> list[type]:
    """Every Node type: each registered itself, with its lookup, where it is defined."""
    return [node_type for _, node_type in NODES.values()]


def build_schema(*, production: bool = False) -> strawberry.Schema:
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        validation_rules,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if production:
        extensions.append(mask_errors)
    return strawberry.Schema(
        query=Query, mutation=Mutation, types=node_types(), extensions=extensions
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
