"""Limits on the shape of a document: depth, aliases, directives and operations, found in ONE pass
over the document in which every fragment is summarised once and its summary reused at each
spread. (Strawberry's depth and alias validators walk a fragment again at every spread, so 30
fragments that each spread the previous one twice take 2^30 steps.)"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OverlappingFieldsCanBeMergedRule,
    SelectionSetNode,
    ValidationContext,
    parse,
)
from graphql.language.visitor import BREAK, VisitorAction
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# The `extensions.code` of each refusal.
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_DIRECTIVES = "TOO_MANY_DIRECTIVES"
TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"
TOO_MANY_FIELDS = "TOO_MANY_FIELDS"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True, slots=True)
class Shape:
    """What a selection set (with every fragment it spreads, expanded) amounts to."""

    depth: int = 0  # nesting of fields that have selections (introspection fields ignored)
    aliases: int = 0
    directives: int = 0
    # Fields selected at this level (inline fragments and spread fragments flattened into it, as
    # GraphQL merges them), and the most at any one level of the selection, this one included.
    fields: int = 0
    widest: int = 0

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.directives + other.directives,
            self.fields + other.fields,
            max(self.widest, other.widest),
        )


EMPTY = Shape()


class DocumentAnalysis:
    """The shape of each operation of a document. Each fragment definition is summarised at most
    once (memoised by name), so the work is linear in the document's size whatever its spreads.
    A fragment spread inside its own expansion (a cycle, which graphql's NoFragmentCyclesRule
    refuses anyway) counts as empty instead of recursing."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.operations = [
            d for d in document.definitions if isinstance(d, OperationDefinitionNode)
        ]
        self._summaries: dict[str, Shape] = {}
        self._open: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> Shape:
        directives = len(operation.directives or ()) + sum(
            len(v.directives or ()) for v in operation.variable_definitions or ()
        )
        return Shape(directives=directives) + self.selection_set(operation.selection_set)

    def fragment(self, name: str) -> Shape:
        summary = self._summaries.get(name)
        if summary is not None:
            return summary
        definition = self.fragments.get(name)
        if definition is None or name in self._open:
            return EMPTY
        self._open.add(name)
        try:
            summary = Shape(directives=len(definition.directives or ())) + self.selection_set(
                definition.selection_set
            )
        finally:
            self._open.discard(name)
        self._summaries[name] = summary
        return summary

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        # Plain integers in the loop: this runs once per field of the document.
        depth = aliases = directives = fields = widest = 0
        for selection in selection_set.selections if selection_set else ():
            directives += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                fields += 1
                if selection.alias:
                    aliases += 1
                if selection.selection_set is None:
                    continue
                inner = self.selection_set(selection.selection_set)
                if not selection.name.value.startswith("__"):
                    depth = max(depth, inner.depth + 1)
                aliases += inner.aliases
                directives += inner.directives
                widest = max(widest, inner.widest)
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            else:
                continue
            depth = max(depth, inner.depth)
            aliases += inner.aliases
            directives += inner.directives
            fields += inner.fields
            widest = max(widest, inner.widest)
        return Shape(depth, aliases, directives, fields, max(widest, fields))


def _error(message: str, code: str, nodes: Any = None, **extra: Any) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": code, **extra})


def document_limit_errors(
    document: DocumentNode,
    *,
    max_depth: int,
    max_aliases: int,
    max_directives: int,
    max_operations: int,
    max_selection_fields: int,
) -> list[GraphQLError]:
    """Every limit the document goes over, each as one error with its code."""
    analysis = DocumentAnalysis(document)
    if len(analysis.operations) > max_operations:
        return [
            _error(
                f"{len(analysis.operations)} operations found. Allowed: {max_operations}",
                TOO_MANY_OPERATIONS,
            )
        ]
    errors: list[GraphQLError] = []
    total = EMPTY
    try:
        shapes = [(op, analysis.operation(op)) for op in analysis.operations]
    except RecursionError:
        return [_error("The document is nested too deeply.", QUERY_TOO_DEEP)]
    for operation, shape in shapes:
        total = total + shape
        if shape.depth > max_depth:
            name = operation.name.value if operation.name else "anonymous"
            # The message Strawberry's QueryDepthLimiter gave, kept for clients that match it.
            errors.append(
                _error(
                    f"'{name}' exceeds maximum operation depth of {max_depth}",
                    QUERY_TOO_DEEP,
                    [operation],
                )
            )
    # Counted over the whole document, as Strawberry's MaxAliasesLimiter did (same message).
    if total.aliases > max_aliases:
        errors.append(
            _error(f"{total.aliases} aliases found. Allowed: {max_aliases}", TOO_MANY_ALIASES)
        )
    if total.directives > max_directives:
        errors.append(
            _error(
                f"{total.directives} directives found. Allowed: {max_directives}",
                TOO_MANY_DIRECTIVES,
            )
        )
    if total.widest > max_selection_fields:
        errors.append(
            _error(
                f"{total.widest} fields selected at one level (fragments included). "
                f"Allowed: {max_selection_fields}",
                TOO_MANY_FIELDS,
            )
        )
    return errors


def document_limits_rule(
    *,
    max_depth: int,
    max_aliases: int,
    max_directives: int,
    max_operations: int,
    max_selection_fields: int,
) -> type[ASTValidationRule]:
    """A validation rule (built once per schema, so the validation cache keeps hitting) that
    checks the document's shape when validation enters it, then leaves the rest of the walk."""

    class DocumentLimitsRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def enter_document(self, node: DocumentNode, *_: Any) -> VisitorAction:
            for error in document_limit_errors(
                node,
                max_depth=max_depth,
                max_aliases=max_aliases,
                max_directives=max_directives,
                max_operations=max_operations,
                max_selection_fields=max_selection_fields,
            ):
                self.report_error(error)
            return BREAK

    return DocumentLimitsRule


class BoundedCache:
    """An LRU cache bounded by entries AND by the total length of its keys (the query texts).
    A text longer than `max_item_chars` is never kept: the AST of a document is a few hundred
    bytes per character, so this is what bounds the memory the cache can hold."""

    def __init__(self, *, max_entries: int, max_total_chars: int, max_item_chars: int) -> None:
        self.max_entries = max_entries
        self.max_total_chars = max_total_chars
        self.max_item_chars = max_item_chars
        self._items: OrderedDict[str, Any] = OrderedDict()
        self.total_chars = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> None:
        if len(key) > self.max_item_chars or key in self._items:
            return
        self._items[key] = value
        self.total_chars += len(key)
        while len(self._items) > self.max_entries or self.total_chars > self.max_total_chars:
            old, _ = self._items.popitem(last=False)
            self.total_chars -= len(old)


@cache
def bounded_merge_rule(budget: int) -> type[ASTValidationRule]:
    """graphql-core's OverlappingFieldsCanBeMergedRule with a smaller work budget: it compares
    every pair of fields that share a response name, which is quadratic in how often a field is
    repeated (and more through nested repetitions); past `budget` units it aborts the validation.
    graphql-core's own default (500,000) allows ~0.4 s of work."""

    class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = budget

    return BoundedOverlappingFields


def _too_complex(errors: list[GraphQLError], budget: int) -> list[GraphQLError]:
    """`errors`, with graphql-core's bare "Validation aborted." (the merge rule's budget spent,
    or nesting past the interpreter's recursion limit) replaced by a coded error."""
    return [
        _error(
            "The document is too complex to validate: it repeats fields that must be compared "
            f"with each other more than the validation budget ({budget}) allows. "
            "Select each field once per level.",
            QUERY_TOO_COMPLEX,
            validationBudget=budget,
        )
        if isinstance(error, ValidationAbortedError) and error.message == "Validation aborted."
        else error
        for error in errors
    ]


ShapeCheck = Callable[[DocumentNode], list[GraphQLError]]


def validate_limited(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: Iterable[type[ASTValidationRule]],
    shape_check: ShapeCheck | None,
    merge_budget: int,
) -> list[GraphQLError]:
    """The shape limits first (linear in the document's size, fragments summarised once); only
    a document within them meets GraphQL's `rules`, the field-merging one with `merge_budget`
    (0: graphql-core's own)."""
    errors = shape_check(document) if shape_check else []
    if errors:
        return errors
    if merge_budget:
        bounded = bounded_merge_rule(merge_budget)
        rules = [bounded if r is OverlappingFieldsCanBeMergedRule else r for r in rules]
    errors = validate_document(schema, document, tuple(rules))
    return _too_complex(errors, merge_budget) if merge_budget else errors


class LimitedParsing(SchemaExtension):
    """Parses with the token limit (graphql-core stops counting at the limit, comments
    included, before it builds anything big) and caches parsed and validated documents by their
    text in bounded caches. Replaces Strawberry's ParserCache and ValidationCache, which hold
    any document that was parsed, whatever its size.

    Validation runs the document's shape limits first (`shape_check`, linear in the document's
    size); only a document within them meets GraphQL's own rules, whose field-merging rule
    runs with `merge_budget`."""

    def __init__(
        self,
        max_tokens: int,
        parsed: BoundedCache,
        validated: BoundedCache,
        shape_check: ShapeCheck | None = None,
        merge_budget: int = 0,
    ) -> None:
        self.max_tokens = max_tokens
        self.parsed = parsed
        self.validated = validated
        self.shape_check = shape_check
        self.merge_budget = merge_budget

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            document = self.parsed.get(query)
            if document is None:
                try:
                    document = parse(query, max_tokens=self.max_tokens)
                except GraphQLError as error:
                    if "tokens. Parsing aborted" in error.message:
                        raise _error(
                            f"The document has more than {self.max_tokens} tokens "
                            f"(the limit). Send a smaller document.",
                            QUERY_TOO_LARGE,
                            maxTokens=self.max_tokens,
                        ) from None
                    raise
                self.parsed.put(query, document)
            context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query, document = context.query, context.graphql_document
        if query is not None and document is not None and context.pre_execution_errors is None:
            errors = self.validated.get(query)
            if errors is None:
                errors = validate_limited(
                    context.schema._schema,
                    document,
                    context.validation_rules,
                    self.shape_check,
                    self.merge_budget,
                )
                self.validated.put(query, errors)
            context.pre_execution_errors = list(errors)
        yield
