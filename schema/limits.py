"""Query limits. Validation rules are built once so Strawberry's validation cache keeps hitting
(a per-request rule class would make every document a cache miss)."""

from __future__ import annotations

from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from resolvers.problems import InputError, UnexpectedError

MAX_DEPTH = 12
MAX_ALIASES = 30

VALIDATION_RULES: list[type[ASTValidationRule]] = [
    max_depth_rule(MAX_DEPTH, None, None),
    max_aliases_rule(MAX_ALIASES),
]


def validation_rules() -> SchemaExtension:
    return AddValidationRules(VALIDATION_RULES)


def _should_mask(error: GraphQLError) -> bool:
    # Errors about the caller's own arguments stay readable, and so does an UnexpectedError
    # (it says only the request id that finds the fault in the log); anything else is masked.
    return error.original_error is not None and not isinstance(
        error.original_error, InputError | UnexpectedError
    )


def mask_errors() -> SchemaExtension:
    return MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error.")
