"""The executor's short way for plain leaf fields (schema/execution.py) answers exactly what
graphql-core's own path answers, errors included, for any value a row may hold; it is taken for
plain scalar and enum attributes only; a resolver middleware still sees every field."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

import hypothesis.strategies as st
import pytest
import strawberry
from hypothesis import given, settings
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.build import build_schema, direct_resolvers, enum_names_by_value
from schema.connections import Connection, PageInfo
from schema.execution import LEAF_READS, PartnerExecutionContext, Read, leaf_reads


@strawberry.enum
class Kind(enum.Enum):
    SHOP = "shop"
    AGENCY = "agency"


@strawberry.type
class Item:
    name: str
    count: int
    ratio: float | None
    kind: Kind
    note: str | None
    flag: bool

    @strawberry.field
    def shout(self) -> str:
        return f"{self.name}!"


ROWS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ROWS


# Mixed: a computed field beside the leaves (each leaf answered on its own). Leaves only: each
# item answered in one pass.
DOCUMENT = "{ items { name count ratio kind note flag shout again: name } }"
LEAVES = "{ items { __typename name count ratio kind note flag again: name } }"


def _schema(*, short: bool, extensions: list[Any] | None = None) -> strawberry.Schema:
    schema = strawberry.Schema(
        query=Query,
        config=StrawberryConfig(),
        extensions=extensions or [],
        execution_context_class=PartnerExecutionContext if short else None,
    )
    attributes: dict[int, Read] = {}
    direct_resolvers(schema, attributes)
    enum_names_by_value(schema)
    leaf_reads(schema._schema, attributes)
    return schema


SHORT = _schema(short=True)
FULL = _schema(short=False)


class Row:
    """A row as the database layer hands it over: attributes of any value."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def _answer(
    schema: strawberry.Schema, rows: list[Row], document: str = DOCUMENT
) -> tuple[Any, list[Any]]:
    ROWS[:] = rows
    result = schema.execute_sync(document)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.sampled_from([Kind.SHOP, Kind.AGENCY, "shop", "AGENCY", ValueError("broken")]),
)
FIELDS = ("name", "count", "ratio", "kind", "note", "flag")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({name: ANY for name in FIELDS}), max_size=4))
def test_the_short_way_answers_as_graphql_core_for_any_value(values: list[dict[str, Any]]) -> None:
    rows = [Row(**row) for row in values]
    for document in (DOCUMENT, LEAVES):
        assert _answer(SHORT, rows, document) == _answer(FULL, rows, document)


def test_a_null_in_a_non_null_field_is_still_graphql_cores_error() -> None:
    row = Row(name=None, count=1, ratio=None, kind=Kind.SHOP, note=None, flag=True)
    data, errors = _answer(SHORT, [row])
    assert data is None
    message = "Cannot return null for non-nullable field Item.name."
    assert errors == [(message, ("items", 0, "name"))]


def test_only_computed_and_object_fields_build_a_resolve_info(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    original = PartnerExecutionContext.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, *args: Any) -> Any:
        built.append(field_nodes[0].name.value)
        return original(self, field_def, field_nodes, *args)

    monkeypatch.setattr(PartnerExecutionContext, "build_resolve_info", counting)
    rows = [Row(name="a", count=1, ratio=0.5, kind=Kind.SHOP, note="n", flag=False)] * 3
    data, errors = _answer(SHORT, rows)
    assert not errors
    assert data is not None
    assert len(data["items"]) == 3
    # The list itself and each item's computed field; no plain scalar or enum attribute.
    assert sorted(built) == ["items", "shout", "shout", "shout"]
    # A null takes graphql-core's path (which answers it): one info for it.
    built.clear()
    _answer(SHORT, [Row(name="a", count=1, ratio=None, kind=Kind.SHOP, note=None, flag=True)])
    assert sorted(built) == ["items", "note", "ratio", "shout"]
    # An item of leaves only is answered in one pass: no info at all below the list.
    built.clear()
    data, errors = _answer(SHORT, rows, LEAVES)
    assert not errors
    assert data == {
        "items": [
            {
                "__typename": "Item",
                "name": "a",
                "count": 1,
                "ratio": 0.5,
                "kind": "SHOP",
                "note": "n",
                "flag": False,
                "again": "a",
            }
        ]
        * 3
    }
    assert built == ["items"]
    # A null in one of them sends that item down graphql-core's path (which answers it).
    built.clear()
    rows = [Row(name="a", count=1, ratio=None, kind=Kind.SHOP, note="n", flag=True)]
    data, errors = _answer(SHORT, rows, LEAVES)
    assert data is not None
    assert data["items"][0]["ratio"] is None
    # (`__typename` is graphql-core's own field there, and the short way of each leaf answers
    # the others.)
    assert sorted(built) == ["__typename", "items", "ratio"]


def test_a_list_of_leaf_only_items_is_completed_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    completed: list[str] = []
    original = PartnerExecutionContext.complete_value

    def counting(self: Any, return_type: Any, *args: Any) -> Any:
        completed.append(str(return_type))
        return original(self, return_type, *args)

    monkeypatch.setattr(PartnerExecutionContext, "complete_value", counting)
    row = Row(name="a", count=1, ratio=0.5, kind=Kind.SHOP, note="n", flag=False)
    for size in (1, 50):
        completed.clear()
        data, errors = _answer(SHORT, [row] * size, LEAVES)
        assert not errors
        assert data is not None
        assert len(data["items"]) == size
        # The list field alone (non-null, then the list): nothing per item.
        assert completed == ["[Item!]!", "[Item!]"]
    # A null among them sends the whole list down graphql-core's path, item by item.
    completed.clear()
    odd = Row(name="b", count=2, ratio=None, kind=Kind.AGENCY, note=None, flag=True)
    data, errors = _answer(SHORT, [row, odd, row], LEAVES)
    assert data is not None
    assert [item["ratio"] for item in data["items"]] == [0.5, None, 0.5]
    assert completed.count("Item!") == 3


class Seen(SchemaExtension):
    """A resolver middleware: it must see every field."""

    fields: ClassVar[list[str]] = []

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        Seen.fields.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def test_a_middleware_sees_every_field() -> None:
    schema = _schema(short=True, extensions=[Seen])
    Seen.fields = []
    rows = [Row(name="a", count=1, ratio=0.5, kind=Kind.AGENCY, note="n", flag=True)]
    data, errors = _answer(schema, rows)
    assert not errors
    assert data == {
        "items": [
            {
                "name": "a",
                "count": 1,
                "ratio": 0.5,
                "kind": "AGENCY",
                "note": "n",
                "flag": True,
                "shout": "a!",
                "again": "a",
            }
        ]
    }
    assert sorted(Seen.fields) == sorted(
        ["items", "name", "count", "ratio", "kind", "note", "flag", "shout", "name"]
    )


def test_a_total_count_a_batch_brought_is_read_at_once() -> None:
    """`totalCount` is a leaf read when its page already knows it (a batch counted the list)
    and takes its resolver, which awaits the count, when it does not."""
    schema = build_schema()
    reads = schema._schema.extensions[LEAF_READS]
    total = reads[schema._schema.type_map["TaskConnection"]]["totalCount"]

    async def never() -> int:
        raise AssertionError("a known count is not counted again")

    def page(counted: int | None) -> Connection[Any]:
        return Connection(
            edges=[],
            nodes=[],
            page_info=PageInfo(has_next_page=False, has_previous_page=False, _cursors=[]),
            _count=never,
            _counted=lambda: counted,
        )

    assert total(page(7)) == 7
    assert total(page(0)) == 0
    assert total(page(None)) is None  # graphql-core's path: the resolver awaits the count
