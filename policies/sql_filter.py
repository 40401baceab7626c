"""Oso data-filtering adapter that turns a policy's partial result into one SQLAlchemy boolean
predicate on the root model. It never executes anything.

Each disjunct becomes a conjunction of column conditions on the root model plus, for every
related type the disjunct touches, a correlated EXISTS over that relation (nested along the
relation path). A predicate, unlike Oso's bundled join-based example, can be ANDed into any list,
loader, count or single-object query without duplicating rows. Operators map one by one; anything
unrecognised raises `UnsupportedFilterError`, so a policy we cannot express fails closed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from polar.data.adapter import DataAdapter
from polar.data.filter import Condition, DataFilter, Projection
from polar.data_filtering import Relation
from sqlalchemy import ColumnElement, and_, exists, false, inspect, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass


class UnsupportedFilterError(Exception):
    """The policy produced a filter this adapter cannot translate faithfully."""


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "Eq": lambda a, b: a == b,
    "Neq": lambda a, b: a != b,
    "Lt": lambda a, b: a < b,
    "Leq": lambda a, b: a <= b,
    "Gt": lambda a, b: a > b,
    "Geq": lambda a, b: a >= b,
}
# Polar's filter classes carry no annotations.
_new_condition: Callable[[Any, str, Any], Condition] = Condition
_MIRROR = {"Eq": "Eq", "Neq": "Neq", "Lt": "Gt", "Leq": "Geq", "Gt": "Lt", "Geq": "Leq"}


@dataclass
class _Edge:
    child: type[Any]
    my_field: str
    other_field: str


@dataclass
class _Plan:
    root: type[Any]
    edges: dict[type[Any], list[_Edge]] = field(default_factory=lambda: defaultdict(list))


class SqlFilterAdapter(DataAdapter):
    def build_query(self, data_filter: DataFilter) -> ColumnElement[bool]:
        return compile_filter(data_filter)

    def execute_query(self, query: Any) -> Any:
        raise UnsupportedFilterError("the policy adapter builds predicates; it never executes them")


def compile_filter(data_filter: DataFilter) -> ColumnElement[bool]:
    plan = _Plan(root=data_filter.model)
    for rel in data_filter.relations:
        spec = data_filter.types[rel.left].fields.get(rel.name)
        if not isinstance(spec, Relation):
            raise UnsupportedFilterError(
                f"{rel.left.__name__}.{rel.name} is not a declared relation"
            )
        if data_filter.types[spec.other_type].cls is not rel.right:
            raise UnsupportedFilterError(
                f"relation {rel.name} does not lead to {rel.right.__name__}"
            )
        plan.edges[rel.left].append(_Edge(rel.right, spec.my_field, spec.other_field))
    if data_filter.conditions:  # no disjunct at all is simply "nothing"
        _refuse_bare_relations(plan, data_filter)
    disjuncts = [_conjunction(plan, conj) for conj in merge_alike(data_filter.conditions)]
    if not disjuncts:
        return false()
    return or_(*disjuncts) if len(disjuncts) > 1 else disjuncts[0]


def merge_alike(disjuncts: list[list[Condition]]) -> list[list[Condition]]:
    """The disjuncts, those alike but for the value one column equals merged into one that asks
    the column IN every such value: (C and x = a) or (C and x = b) is C and x IN (a, b), C the same
    conditions on the same rows. Polar answers `x in [...]` with one disjunct per value (an
    access scope that covers the implementation: full, or implementation); compiled apart, each
    repeats the same EXISTS, and PostgreSQL reads the same index once per disjunct."""
    merged = [list(conj) for conj in disjuncts]
    while (pair := _alike_pair(merged)) is not None:
        (first, first_at), (second, second_at) = pair
        column = _oriented(merged[first][first_at])[0]
        values = [*_choice(merged[first][first_at]), *_choice(merged[second][second_at])]
        merged[first][first_at] = _new_condition(column, "In", list(dict.fromkeys(values)))
        del merged[second]
    return merged


def _alike_pair(
    disjuncts: list[list[Condition]],
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(disjunct, condition) twice: two disjuncts equal but for the values of that condition."""
    seen: dict[tuple[Any, ...], tuple[int, int]] = {}
    for index, conj in enumerate(disjuncts):
        keys = [_key(c) for c in conj]
        for position, cond in enumerate(conj):
            values = _choice(cond)
            if not values:
                continue
            rest = Counter(keys[:position] + keys[position + 1 :])
            alike = (keys[position][0], type(values[0]), frozenset(rest.items()))
            found = seen.setdefault(alike, (index, position))
            if found[0] != index:
                return found, (index, position)
    return None


def _choice(cond: Condition) -> list[Any]:
    """The values a `column = value` or `column IN values` condition allows, when they are plain
    scalars that IN compares as = does (not None: = None means IS NULL); else none."""
    left, op, right = _oriented(cond)
    if not isinstance(left, Projection) or isinstance(right, Projection):
        return []
    values = right if op == "In" else [right] if op == "Eq" else None
    if not isinstance(values, list | tuple):
        return []
    kinds = {type(v) for v in values}  # one kind: True and 1 are one value to Python
    return list(values) if len(kinds) == 1 and kinds <= {bool, int, str} else []


def _key(cond: Condition) -> tuple[Any, ...]:
    """A hashable identity of a condition: (the column it constrains, operator, value)."""
    left, op, right = _oriented(cond)
    return (_side(left), op, _side(right))


def _oriented(cond: Condition) -> tuple[Any, str, Any]:
    """The condition with its column on the left where it has one (`'full' = scope` is
    `scope = 'full'`); In and Nin keep their sides (a value in a column is not supported)."""
    if (
        not isinstance(cond.left, Projection)
        and isinstance(cond.right, Projection)
        and cond.cmp in _MIRROR
    ):
        return cond.right, _MIRROR[cond.cmp], cond.left
    return cond.left, cond.cmp, cond.right


def _side(side: Any) -> tuple[Any, ...]:
    if isinstance(side, Projection):
        return ("column", side.source, side.field)
    if isinstance(side, list | tuple | set | frozenset):
        return ("values", tuple(_side(v) for v in side))
    if isinstance(side, bool | int | str | float) or side is None:
        return ("value", type(side), side)
    return ("object", id(side))  # the same object only


def _conjunction(plan: _Plan, conditions: Iterable[Condition]) -> ColumnElement[bool]:
    by_type: dict[type[Any], list[Condition]] = defaultdict(list)
    constant: list[ColumnElement[bool]] = []
    reachable = _reachable(plan)
    for cond in conditions:
        if cond.cmp not in _COMPARISONS and cond.cmp not in ("In", "Nin"):
            raise UnsupportedFilterError(f"operator {cond.cmp!r} is not supported")
        owners = {s.source for s in (cond.left, cond.right) if isinstance(s, Projection)}
        if not owners:
            constant.append(true() if _evaluate_constant(cond) else false())
        elif len(owners) > 1:
            raise UnsupportedFilterError("a condition comparing two tables is not supported")
        else:
            owner = owners.pop()
            if owner not in reachable:
                raise UnsupportedFilterError(f"{owner.__name__} is not on a relation path")
            by_type[owner].append(cond)
    return and_(*constant, _node(plan, plan.root, plan.root, by_type))


def _refuse_bare_relations(plan: _Plan, data_filter: DataFilter) -> None:
    """A relation no condition mentions means "a related row exists", which Oso's format does
    not tie to a disjunct; dropping it would let every row through, so refuse instead."""
    mentioned = {
        side.source
        for conj in data_filter.conditions
        for cond in conj
        for side in (cond.left, cond.right)
        if isinstance(side, Projection)
    }
    for edges in plan.edges.values():
        for edge in edges:
            if not _subtree_mentions(plan, edge.child, mentioned):
                raise UnsupportedFilterError(
                    f"a rule only requires a related {edge.child.__name__} to exist; "
                    "compare one of its fields instead"
                )


def _subtree_mentions(plan: _Plan, cls: type[Any], mentioned: set[type[Any]]) -> bool:
    if cls in mentioned:
        return True
    return any(_subtree_mentions(plan, e.child, mentioned) for e in plan.edges.get(cls, []))


def _reachable(plan: _Plan) -> set[type[Any]]:
    seen = {plan.root}
    stack = [plan.root]
    while stack:
        for edge in plan.edges.get(stack.pop(), []):
            if edge.child in seen:
                raise UnsupportedFilterError(
                    f"{edge.child.__name__} appears twice on a relation path"
                )
            seen.add(edge.child)
            stack.append(edge.child)
    return seen


def _subtree_has_conditions(
    plan: _Plan, cls: type[Any], by_type: dict[type[Any], list[Condition]]
) -> bool:
    if by_type.get(cls):
        return True
    return any(_subtree_has_conditions(plan, e.child, by_type) for e in plan.edges.get(cls, []))


def _node(
    plan: _Plan,
    cls: type[Any],
    entity: type[Any] | AliasedClass[Any],
    by_type: dict[type[Any], list[Condition]],
) -> ColumnElement[bool]:
    clauses = [_condition(entity, cls, c) for c in by_type.get(cls, [])]
    for edge in plan.edges.get(cls, []):
        if _subtree_has_conditions(plan, edge.child, by_type):
            clauses.append(_related(plan, edge, entity, by_type))
    return and_(true(), *clauses)


def _related(
    plan: _Plan,
    edge: _Edge,
    entity: type[Any] | AliasedClass[Any],
    by_type: dict[type[Any], list[Condition]],
) -> ColumnElement[bool]:
    """EXISTS a related row (along `edge`) that meets its subtree's conditions."""
    onward = _pass_through(plan, edge, by_type)
    if onward is not None:
        # The related row is only a hop to the next: ask the next rows directly (see below).
        return and_(
            *(
                _related(plan, _Edge(step.child, edge.my_field, step.other_field), entity, by_type)
                for step in onward
            )
        )
    # An alias keeps the subquery's FROM its own even if the outer query joins the same table.
    child = aliased(edge.child)
    link = getattr(child, edge.other_field) == getattr(entity, edge.my_field)
    inner = _node(plan, edge.child, child, by_type)
    return exists(select(1).select_from(child).where(link, inner))


def _pass_through(
    plan: _Plan, edge: _Edge, by_type: dict[type[Any], list[Condition]]
) -> list[_Edge] | None:
    """The onward edges when the related row is a pure hop, else None.

    "A task's client has an active access" compiles to EXISTS(client c WHERE c.id =
    task.client_id AND EXISTS(access a WHERE a.client_id = c.id AND ...)). When the client has
    no condition of its own and every onward relation leaves from the very column the task
    links to, and that relation's column is a foreign key to it, the hop adds nothing: an access
    with a.client_id = task.client_id has its client (the database enforces it), and that client
    is the one c.id = task.client_id finds. Dropping it is the same predicate, and on PostgreSQL
    it keeps the planner from building the set of every client a partner may see (scanning all
    clients) in each statement that reads tasks, stores or assignments."""
    if by_type.get(edge.child):
        return None
    onward = [
        step
        for step in plan.edges.get(edge.child, [])
        if _subtree_has_conditions(plan, step.child, by_type)
    ]
    if not onward:
        return None
    for step in onward:
        if step.my_field != edge.other_field or not _references(
            step.child, step.other_field, edge.child, edge.other_field
        ):
            return None
    return onward


def _references(source: type[Any], field: str, target: type[Any], target_field: str) -> bool:
    """Is `source.field` a foreign key to `target.target_field`?"""
    column = inspect(source).columns.get(field)
    referenced = inspect(target).columns.get(target_field)
    if column is None or referenced is None:
        return False
    return any(key.column is referenced for key in column.foreign_keys)


def _condition(entity: Any, cls: type[Any], cond: Condition) -> ColumnElement[bool]:
    left, op, right = _oriented(cond)
    if not isinstance(left, Projection):  # only In and Nin keep a value on the left
        raise UnsupportedFilterError("membership of a value in a column is not supported")
    column = _column(entity, cls, left)
    if isinstance(right, Projection):
        raise UnsupportedFilterError("comparing two columns is not supported")
    if op in ("In", "Nin"):
        if not isinstance(right, list | tuple | set | frozenset):
            raise UnsupportedFilterError(f"{op} needs a list of values")
        values = [_literal(v) for v in right]
        clause: ColumnElement[bool] = column.in_(values) if op == "In" else column.not_in(values)
        return clause
    compared: ColumnElement[bool] = _COMPARISONS[op](column, _literal(right))
    return compared


def _column(entity: Any, cls: type[Any], projection: Projection) -> Any:
    name = projection.field or inspect(cls).primary_key[0].name
    if name not in inspect(cls).columns:
        raise UnsupportedFilterError(f"{cls.__name__}.{name} is not a column")
    return getattr(entity, name)


def _literal(value: Any) -> Any:
    mapper = inspect(type(value), raiseerr=False)
    if mapper is not None and getattr(mapper, "is_mapper", False):
        return getattr(value, mapper.primary_key[0].name)
    if isinstance(value, bool | int | str | float) or value is None:
        return value
    raise UnsupportedFilterError(f"cannot use a {type(value).__name__} as a SQL value")


def _evaluate_constant(cond: Condition) -> bool:
    left = _literal(cond.left)
    if cond.cmp in ("In", "Nin"):
        if not isinstance(cond.right, list | tuple | set | frozenset):
            raise UnsupportedFilterError(f"{cond.cmp} needs a list of values")
        found = left in [_literal(v) for v in cond.right]
        return found if cond.cmp == "In" else not found
    try:
        return bool(_COMPARISONS[cond.cmp](left, _literal(cond.right)))
    except TypeError as exc:  # e.g. None < 1: not something a policy should ask
        raise UnsupportedFilterError(f"cannot compare {left!r} {cond.cmp} {cond.right!r}") from exc
