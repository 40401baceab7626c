"""Hypothesis strategies for GraphQL documents, derived from the schema alone: whatever types and
fields the schema gains later are generated without a change here.

A document is one query with a few root fields. Each field is picked from its parent type; a
field may be aliased (and asked twice under two aliases); its arguments are drawn by type:
ids from a pool the test gives (every tenant's objects, ids never issued, garbage), `first` and
`last` as small page sizes, enums from their values, input objects field by field. Object
selections nest to a bounded depth, sometimes through a named fragment or an inline fragment;
abstract types (`Node`) select `__typename` and an inline fragment per possible type. Ids go
inline or through variables. Documents stay within the server's limits by construction (depth,
aliases, cost) so that nearly all of them run; `valid_document` drops the few that still break
a GraphQL validation rule (two fragments asking one field with different arguments)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    parse,
    validate,
)
from hypothesis import strategies as st

# Rare choices are the largest value of a range: hypothesis shrinks towards the plain document.
MAX_DEPTH = 4  # levels of object selections below the root
MAX_ALIASES = 12  # well within the server's limit, counting fragments used twice
PAGE_SIZES = st.integers(min_value=0, max_value=8)
OTHER_INTS = st.integers(min_value=-2, max_value=40)
PLAIN_STRINGS = st.sampled_from(["", "a", "zz", "Lumen", "2026-01-01", "x" * 40])


@dataclass
class _Document:
    """What one document being drawn has accumulated besides its operation."""

    draw: Any
    schema: GraphQLSchema
    ids: st.SearchStrategy[str]
    fragments: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    variable_types: dict[str, str] = field(default_factory=dict)
    aliases: int = 0

    def alias(self) -> str | None:
        if self.aliases >= MAX_ALIASES:
            return None
        self.aliases += 1
        return f"a{self.aliases}"


def _type_str(type_: GraphQLInputType) -> str:
    return str(type_)


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _value_literal(doc: _Document, type_: GraphQLInputType, name: str) -> str | None:
    """A literal of the input type, or None when nothing sensible can be drawn for it."""
    draw = doc.draw
    if isinstance(type_, GraphQLNonNull):
        return _value_literal(doc, type_.of_type, name)
    if isinstance(type_, GraphQLList):
        count = draw(st.integers(min_value=0, max_value=3))
        items = [_value_literal(doc, type_.of_type, name) for _ in range(count)]
        if any(item is None for item in items):
            return None
        return "[" + ", ".join(str(item) for item in items) + "]"
    if isinstance(type_, GraphQLEnumType):
        return str(draw(st.sampled_from(sorted(type_.values))))
    if isinstance(type_, GraphQLInputObjectType):
        parts = []
        for field_name, input_field in type_.fields.items():
            required = isinstance(input_field.type, GraphQLNonNull)
            if not required and not draw(st.booleans()):
                continue
            literal = _value_literal(doc, input_field.type, field_name)
            if literal is None:
                if required:
                    return None
                continue
            parts.append(f"{field_name}: {literal}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(type_, GraphQLScalarType):
        if type_.name == "ID":
            return json.dumps(draw(doc.ids))
        if type_.name == "Int":
            return str(draw(PAGE_SIZES if name in ("first", "last") else OTHER_INTS))
        if type_.name == "Boolean":
            return "true" if draw(st.booleans()) else "false"
        if type_.name == "String":
            return json.dumps(draw(PLAIN_STRINGS))
    return None  # a custom scalar (dates, decimals): left out


def _arguments(doc: _Document, gql_field: GraphQLField) -> str | None:
    """The argument list of a field (with its parentheses), or None if a required argument
    cannot be drawn. A required `ID!` sometimes goes through a variable."""
    draw = doc.draw
    parts = []
    for name, arg in gql_field.args.items():
        required = isinstance(arg.type, GraphQLNonNull)
        # Connections want a page size: `first` is always given, `last` never (not both may
        # be), a cursor seldom (a made-up one is refused), other optional arguments now and then.
        if not required and name != "first":
            rarity = 29 if name == "after" else 3
            if name in ("last", "before") or draw(st.integers(0, rarity)) != rarity:
                continue
        named = get_named_type(arg.type)
        is_id = isinstance(named, GraphQLScalarType) and named.name == "ID"
        if required and is_id and draw(st.booleans()):
            var = f"v{len(doc.variables)}"
            doc.variables[var] = draw(doc.ids)
            doc.variable_types[var] = _type_str(arg.type)
            parts.append(f"{name}: ${var}")
            continue
        literal = _value_literal(doc, arg.type, name)
        if literal is None:
            if required:
                return None
            continue
        parts.append(f"{name}: {literal}")
    return f"({', '.join(parts)})" if parts else ""


def _selection(doc: _Document, type_: Any, depth: int, in_fragment: bool = False) -> str:
    """A selection set (with braces) on a composite type."""
    draw = doc.draw
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        possible = list(doc.schema.get_possible_types(type_))
        chosen = draw(st.lists(st.sampled_from(possible), unique=True, max_size=3))
        parts = ["__typename"]
        if isinstance(type_, GraphQLInterfaceType) and "id" in type_.fields:
            parts.append("id")
        for concrete in sorted(chosen, key=lambda t: t.name):
            # Fields of one response name must agree across the possible types: alias them per
            # type (aliases stay rare: at most three types, few fields each).
            body = _object_selection(doc, concrete, depth, in_fragment, prefix=concrete.name)
            parts.append(f"... on {concrete.name} {body}")
        return "{ " + " ".join(parts) + " }"
    if (
        not in_fragment
        and depth < MAX_DEPTH
        and len(doc.fragments) < 3
        and draw(st.integers(0, 5)) == 5
    ):
        name = f"F{len(doc.fragments)}"
        doc.fragments.append("")  # reserve the name
        body = _object_selection(doc, type_, depth, in_fragment=True)
        doc.fragments[int(name[1:])] = f"fragment {name} on {type_.name} {body}"
        uses = draw(st.integers(1, 2))
        extra = " ".join(f"...{name}" for _ in range(uses))
        return "{ __typename " + extra + " }"
    return _object_selection(doc, type_, depth, in_fragment)


def _object_selection(
    doc: _Document,
    type_: GraphQLObjectType,
    depth: int,
    in_fragment: bool,
    prefix: str | None = None,
) -> str:
    draw = doc.draw
    names = sorted(type_.fields)
    if depth >= MAX_DEPTH:  # scalars only from here on
        names = [n for n in names if not _is_composite(type_.fields[n].type)] or names[:1]
    chosen = draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=5))
    parts = ["id"] if "id" in type_.fields else []
    for name in chosen:
        gql_field = type_.fields[name]
        for repeat in range(draw(st.integers(1, 2)) if gql_field.args else 1):
            args = _arguments(doc, gql_field)
            if args is None:
                break
            alias = None
            # Arguments differ from one ask to the next: a second ask, an ask inside a
            # fragment (merged with its siblings) and a type-prefixed ask get their own name.
            if repeat or (args and in_fragment) or (prefix and name not in ("id", "__typename")):
                alias = doc.alias()
                if alias is None:
                    break
            elif draw(st.integers(0, 6)) == 6:
                alias = doc.alias()
            head = f"{alias}: {name}{args}" if alias else f"{name}{args}"
            target = _unwrap(gql_field.type)
            if _is_composite(target):
                if depth >= MAX_DEPTH:
                    break
                head += " " + _selection(doc, target, depth + 1, in_fragment)
            parts.append(head)
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def _is_composite(type_: GraphQLOutputType) -> bool:
    return isinstance(_unwrap(type_), GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


@dataclass(frozen=True)
class Drawn:
    """A generated request: the document and its variables."""

    query: str
    variables: dict[str, Any]


def documents(schema: GraphQLSchema, ids: Sequence[str]) -> st.SearchStrategy[Drawn]:
    """Query documents over `schema`; ID arguments are drawn from `ids` and from garbage."""
    issued = st.sampled_from(list(ids))
    id_values = st.one_of(
        *([issued] * 6),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12),
        st.text(max_size=4),
    )

    @st.composite
    def draw_document(draw: Any) -> Drawn:
        doc = _Document(draw=draw, schema=schema, ids=id_values)
        root = schema.query_type
        assert root is not None
        body = _object_selection(doc, root, 0, in_fragment=False)
        params = ", ".join(f"${name}: {type_}" for name, type_ in doc.variable_types.items())
        head = f"query Generated({params})" if params else "query Generated"
        query = " ".join([f"{head} {body}", *doc.fragments])
        return Drawn(query, dict(doc.variables))

    return draw_document()


def valid_document(schema: GraphQLSchema, drawn: Drawn) -> bool:
    """Does the document pass GraphQL's own validation?"""
    return not validate(schema, parse(drawn.query))
