"""Query limits, with their defaults in one place (`Limits`; server.settings reads each from the
environment).

Checked in this order: tokens while parsing (QUERY_TOO_LARGE), then the document's operations,
depth, aliases, directives and fields per level (TOO_MANY_OPERATIONS, QUERY_TOO_DEEP,
TOO_MANY_ALIASES, TOO_MANY_DIRECTIVES, TOO_MANY_FIELDS) in one memoised pass BEFORE GraphQL's
own rules, which only a document within those limits meets (their field-merging rule with a
work budget: QUERY_TOO_COMPLEX); then at execution start the cost with the variables resolved
(QUERY_TOO_COSTLY)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import MaskErrors, SchemaExtension

from resolvers.problems import InputError, UnexpectedError
from schema.cost import CostModel, QueryCostLimit
from schema.document_limits import (
    BoundedCache,
    LimitedParsing,
    ShapeCheck,
    document_limit_errors,
    document_limits_rule,
)


@dataclass(frozen=True, slots=True)
class Limits:
    max_tokens: int = 20_000  # SHOPIQ_MAX_TOKENS
    max_depth: int = 12  # SHOPIQ_MAX_DEPTH
    max_aliases: int = 30  # SHOPIQ_MAX_ALIASES
    max_directives: int = 50  # SHOPIQ_MAX_DIRECTIVES
    max_operations: int = 20  # SHOPIQ_MAX_OPERATIONS
    max_cost: int = 50_000  # SHOPIQ_MAX_COST
    # Fields at one level of a selection, fragments flattened into it (as GraphQL merges them).
    max_selection_fields: int = 200  # SHOPIQ_MAX_SELECTION_FIELDS
    # Work units of GraphQL's field-merging validation (a comparison of two fields costs 2).
    validation_budget: int = 10_000  # SHOPIQ_VALIDATION_BUDGET
    # Parsed and validated documents kept per process: at most this many, of at most this many
    # characters each, and this many characters in all.
    cache_entries: int = 256  # SHOPIQ_CACHE_ENTRIES
    cache_document_chars: int = 20_000  # SHOPIQ_CACHE_DOCUMENT_CHARS
    cache_total_chars: int = 1_000_000  # SHOPIQ_CACHE_TOTAL_CHARS


DEFAULT_LIMITS = Limits()
MAX_DEPTH = DEFAULT_LIMITS.max_depth
MAX_ALIASES = DEFAULT_LIMITS.max_aliases


def limit_rules(limits: Limits) -> list[type[ASTValidationRule]]:
    return [
        document_limits_rule(
            max_depth=limits.max_depth,
            max_aliases=limits.max_aliases,
            max_directives=limits.max_directives,
            max_operations=limits.max_operations,
            max_selection_fields=limits.max_selection_fields,
        )
    ]


def shape_check(limits: Limits) -> ShapeCheck:
    """The document's shape limits, checked before GraphQL's own rules run."""

    def check(document: DocumentNode) -> list[GraphQLError]:
        return document_limit_errors(
            document,
            max_depth=limits.max_depth,
            max_aliases=limits.max_aliases,
            max_directives=limits.max_directives,
            max_operations=limits.max_operations,
            max_selection_fields=limits.max_selection_fields,
        )

    return check


# The default rules, for checking a document outside a request (trusted documents).
VALIDATION_RULES: list[type[ASTValidationRule]] = limit_rules(DEFAULT_LIMITS)


def limit_extensions(
    limits: Limits, schema: Callable[[], GraphQLSchema]
) -> list[Callable[[], SchemaExtension]]:
    """The extensions that enforce `limits`, as factories (one instance per request); their
    caches and rules are made here, once. `schema` gives the built GraphQL schema (the cost model
    reads its connection types on first use)."""
    check = shape_check(limits)

    def cache() -> BoundedCache:
        return BoundedCache(
            max_entries=limits.cache_entries,
            max_total_chars=limits.cache_total_chars,
            max_item_chars=limits.cache_document_chars,
        )

    parsed, validated = cache(), cache()
    models: list[CostModel] = []

    def cost_model() -> CostModel:
        if not models:
            models.append(CostModel(schema()))
        return models[0]

    return [
        lambda: LimitedParsing(
            limits.max_tokens, parsed, validated, check, limits.validation_budget
        ),
        lambda: QueryCostLimit(cost_model(), limits.max_cost),
    ]


def _should_mask(error: GraphQLError) -> bool:
    # Errors about the caller's own arguments stay readable: a bad argument (InputError), and a
    # variable the request itself gave a wrong value (it points into the document, at no field
    # that ran). So does an UnexpectedError (it says only the request id that finds the fault in
    # the log). Anything else that broke while a field resolved is masked.
    if error.original_error is None or isinstance(
        error.original_error, InputError | UnexpectedError
    ):
        return False
    return not (error.path is None and error.nodes)


def mask_errors() -> SchemaExtension:
    return MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error.")
