"""The root schema, built once per process."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from schema.limits import mask_errors, validation_rules
from schema.mutation import Mutation
from schema.query import Query
from schema.tasks import Task
from schema.templates import WorkflowTemplate
from schema.types import Assignment, Client, Partner, PartnerMember, Store

NODE_TYPES = [Client, Partner, PartnerMember, Store, Assignment, Task, WorkflowTemplate]


def build_schema(*, production: bool = False) -> strawberry.Schema:
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        validation_rules,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if production:
        extensions.append(mask_errors)
    return strawberry.Schema(
        query=Query, mutation=Mutation, types=NODE_TYPES, extensions=extensions
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
