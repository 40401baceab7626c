"""Limits on the shape of a document: depth, aliases, directives and operations, found in ONE pass
over the document in which every fragment is summarised once and its summary reused at each
spread. (Strawberry's depth and alias validators walk a fragment again at every spread, so 30
fragments that each spread the previous one twice take 2^30 steps.)"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    parse,
)
from graphql.language.visitor import BREAK, VisitorAction
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# The `extensions.code` of each refusal.
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_DIRECTIVES = "TOO_MANY_DIRECTIVES"
TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"


@dataclass(frozen=True, slots=True)
class Shape:
    """What a selection set (with every fragment it spreads, expanded) amounts to."""

    depth: int = 0  # nesting of fields that have selections (introspection fields ignored)
    aliases: int = 0
    directives: int = 0

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.directives + other.directives,
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
        total = EMPTY
        for selection in selection_set.selections if selection_set else ():
            directives: tuple[DirectiveNode, ...] = tuple(selection.directives or ())
            own = Shape(directives=len(directives))
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                nested = (
                    selection.selection_set is not None
                    and not selection.name.value.startswith("__")
                )
                own = own + Shape(
                    depth=inner.depth + 1 if nested else 0,
                    aliases=inner.aliases + (1 if selection.alias else 0),
                    directives=inner.directives,
                )
            elif isinstance(selection, InlineFragmentNode):
                own = own + self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                own = own + self.fragment(selection.name.value)
            total = total + own
        return total


def _error(message: str, code: str, nodes: Any = None, **extra: Any) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": code, **extra})


def document_limit_errors(
    document: DocumentNode,
    *,
    max_depth: int,
    max_aliases: int,
    max_directives: int,
    max_operations: int,
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
    return errors


def document_limits_rule(
    *, max_depth: int, max_aliases: int, max_directives: int, max_operations: int
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


class LimitedParsing(SchemaExtension):
    """Parses with the token limit (graphql-core stops counting at the limit, comments
    included, before it builds anything big) and caches parsed and validated documents by their
    text in bounded caches. Replaces Strawberry's ParserCache and ValidationCache, which hold
    any document that was parsed, whatever its size."""

    def __init__(self, max_tokens: int, parsed: BoundedCache, validated: BoundedCache) -> None:
        self.max_tokens = max_tokens
        self.parsed = parsed
        self.validated = validated

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
        if query is not None and document is not None and self.parsed.get(query) is document:
            errors = self.validated.get(query)
            if errors is None:
                errors = validate_document(
                    context.schema._schema, document, context.validation_rules
                )
                self.validated.put(query, errors)
            context.pre_execution_errors = list(errors)
        yield
