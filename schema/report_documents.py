"""The checks a saved report's document passes when it is saved: valid against the schema, one
query and nothing else, within the document's shape limits and the cost limit, and not running
a report itself (a report that runs reports could run itself)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
)
from graphql.language import Visitor, visit

from resolvers.problems import ErrorCode, Problem
from schema.cost import CostModel
from schema.document_limits import validate_limited
from schema.limits import DEFAULT_LIMITS, shape_check

DOCUMENT = "document"
# The root field that runs a saved report: a report may not select it.
RUN_REPORT = "runReport"
_MAX_REPORTED = 5


@cache
def _cost_model(schema: GraphQLSchema) -> CostModel:
    return CostModel(schema)


class _FindsRunReport(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value == RUN_REPORT:
            self.found = True


def runs_a_report(document: DocumentNode) -> bool:
    finder = _FindsRunReport()
    visit(document, finder)
    return finder.found


def _invalid(message: str, field: str = DOCUMENT) -> Problem:
    return Problem.at(field, message, ErrorCode.INVALID)


def report_problems(
    schema: GraphQLSchema, text: str, variables: Mapping[str, Any]
) -> list[Problem]:
    """Why `text` (with `variables`) cannot be saved as a report; empty when it can."""
    limits = DEFAULT_LIMITS
    try:
        document = parse(text, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        return [_invalid(f"Not a GraphQL document: {error.message}")]
    except RecursionError:
        return [_invalid("The document is nested too deeply.")]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return [_invalid("Save exactly one operation.")]
    operation = operations[0]
    if operation.operation is not OperationType.QUERY:
        return [_invalid("Only a query can be saved as a report, never a mutation.")]
    errors = validate_limited(
        schema, document, specified_rules, shape_check(limits), limits.validation_budget
    )
    if errors:
        return [_invalid(error.message) for error in errors[:_MAX_REPORTED]]
    if runs_a_report(document):
        return [_invalid("A report cannot run another report.")]
    declared = {d.variable.name.value for d in operation.variable_definitions or ()}
    unknown = sorted(set(variables) - declared)
    if unknown:
        return [_invalid(f"The query declares no variable {unknown[0]!r}.", "variables")]
    cost = _cost_model(schema).cost(document, None, variables, text)
    if cost > limits.max_cost:
        return [
            _invalid(
                f"Query cost {cost} exceeds the maximum of {limits.max_cost}: ask for smaller "
                "pages (`first`/`last`) or fewer nested lists."
            )
        ]
    return []
