"""Query cost: how many nodes an operation may return, computed before it runs.

A connection field asked for n items (its `first` or `last`, variables resolved; unknown counts
as the largest page) costs n x (1 + the cost of what each item selects); the connection's own
wrappers (`nodes`, `edges`, `edges.node`, `pageInfo`) add nothing themselves. Any other field
that returns an object costs 1 + the cost of its selection; scalars cost nothing. Fragments are
costed once per operation (memoised) and reused at every spread. Accepted operations report their
cost in `extensions.cost` with Shopify's names when the request asks for it (header
ShopIQ-GraphQL-Cost: 1)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import NoneType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from resolvers.pagination import MAX_PAGE_SIZE

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
PAGE_ARGUMENTS = ("first", "last")


def _is_connection(kind: GraphQLNamedType) -> bool:
    return isinstance(kind, GraphQLObjectType) and {"edges", "nodes", "pageInfo"} <= set(
        kind.fields
    )


class CostModel:
    """The schema's connection and edge types, found once per schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.connections = {name for name, kind in schema.type_map.items() if _is_connection(kind)}
        self.edges = {
            get_named_type(schema.type_map[name].fields["edges"].type).name  # type: ignore[attr-defined]  # a connection type has fields
            for name in self.connections
        }

        # Per (document text, operation): the variables the cost depends on (page sizes) and
        # the cost for each combination of their values seen, so a document is walked once.
        self._known: OrderedDict[tuple[str, str | None], _Known] = OrderedDict()

    def cost(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        text: str | None = None,
    ) -> int:
        variables = variables or {}
        if text is None:
            return self._walk(document, operation_name, variables)[0]
        key = (text, operation_name)
        known = self._known.get(key)
        if known is not None:
            self._known.move_to_end(key)
            values = _values(known.names, variables)
            found = known.costs.get(values)
            if found is not None:
                return found
        cost, names = self._walk(document, operation_name, variables)
        if known is None or known.names != names:
            known = _Known(names, {})
            self._known[key] = known
            if len(self._known) > KNOWN_DOCUMENTS:
                self._known.popitem(last=False)
        if len(known.costs) < KNOWN_VARIANTS:
            known.costs[_values(names, variables)] = cost
        return cost

    def _walk(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any],
    ) -> tuple[int, tuple[str, ...]]:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return 0, ()
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0, ()
        costing = _Costing(self, document, operation, variables)
        cost = costing.selection_set(operation.selection_set, root)
        return cost, tuple(sorted(costing.read))


KNOWN_DOCUMENTS = 512
KNOWN_VARIANTS = 32
_ABSENT = object()


@dataclass(slots=True)
class _Known:
    names: tuple[str, ...]
    costs: dict[tuple[Any, ...], int]


def _values(names: tuple[str, ...], variables: Mapping[str, Any]) -> tuple[Any, ...]:
    """The page-size variables' values as a hashable key (type included: 1 and True differ)."""
    return tuple(
        (type(v), v if isinstance(v, int | float | str | NoneType) else repr(v))
        for v in (variables.get(name, _ABSENT) for name in names)
    )


class _Costing:
    def __init__(
        self,
        model: CostModel,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.model = model
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.defaults = {
            v.variable.name.value: v.default_value for v in operation.variable_definitions or ()
        }
        self.variables = variables
        self.read: set[str] = set()  # the variables the cost depends on
        self._memo: dict[str, int] = {}
        self._open: set[str] = set()

    def page_size(self, value: ValueNode) -> int:
        """The page asked for, within 0..MAX_PAGE_SIZE: a larger or invalid value fails as an
        argument error anyway, so it counts as the largest page a connection gives."""
        if isinstance(value, VariableNode):
            name = value.name.value
            self.read.add(name)
            if name in self.variables:
                given = self.variables[name]
                valid = isinstance(given, int) and not isinstance(given, bool)
                return min(max(given, 0), MAX_PAGE_SIZE) if valid else MAX_PAGE_SIZE
            default = self.defaults.get(name)
            return self.page_size(default) if default is not None else MAX_PAGE_SIZE
        if isinstance(value, IntValueNode):
            return min(max(int(value.value), 0), MAX_PAGE_SIZE)
        return MAX_PAGE_SIZE  # null or invalid: the request fails anyway, count the most

    def fragment(self, name: str) -> int:
        if name in self._memo:
            return self._memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._open:
            return 0
        kind = self.model.schema.type_map.get(definition.type_condition.name.value)
        if kind is None:
            return 0
        self._open.add(name)
        try:
            cost = self.selection_set(definition.selection_set, kind)
        finally:
            self._open.discard(name)
        self._memo[name] = cost
        return cost

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType
    ) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.model.schema.type_map.get(condition.name.value) if condition else parent
                if kind is not None:
                    total += self.selection_set(selection.selection_set, kind)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        definition: GraphQLField | None = parent.fields.get(name)
        if definition is None:
            return 0
        kind = get_named_type(definition.type)
        if not is_composite_type(kind):
            return 0
        below = self.selection_set(node.selection_set, kind)
        if kind.name in self.model.connections and any(
            a in definition.args for a in PAGE_ARGUMENTS
        ):
            sizes = [
                self.page_size(argument.value)
                for argument in node.arguments or ()
                if argument.name.value in PAGE_ARGUMENTS
            ]
            return max(sizes, default=MAX_PAGE_SIZE) * (1 + below)
        if parent.name in self.model.connections or parent.name in self.model.edges:
            return below  # nodes / edges / node / pageInfo: the items are counted above
        return 1 + below


class QueryCostLimit(SchemaExtension):
    """Costs the operation when execution starts (variables are known then), refuses it over
    the limit with QUERY_TOO_COSTLY, and reports the cost in `extensions.cost`."""

    def __init__(self, model: CostModel, max_cost: int) -> None:
        self.model = model
        self.max_cost = max_cost
        self.requested: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and not context.result:
            cost = self.model.cost(
                context.graphql_document, context.operation_name, context.variables, context.query
            )
            self.requested = cost
            if cost > self.max_cost:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"Query cost {cost} exceeds the maximum of {self.max_cost}: "
                            "ask for smaller pages (`first`/`last`) or fewer nested lists.",
                            extensions={
                                "code": QUERY_TOO_COSTLY,
                                "requestedQueryCost": cost,
                                "maximumAvailable": self.max_cost,
                            },
                        )
                    ],
                )
        yield

    def get_results(self) -> dict[str, Any]:
        # Reported on request only (header ShopIQ-GraphQL-Cost: 1): answers stay as lean as they
        # were for clients that do not budget their queries.
        context = self.execution_context.context
        if self.requested is None or not getattr(context, "report_cost", False):
            return {}
        return {"cost": {"requestedQueryCost": self.requested, "maximumAvailable": self.max_cost}}
