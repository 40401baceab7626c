"""The query cost is computed once per document text and page-size values, and a cached cost is
always the cost a fresh walk gives."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.build import build_schema
from schema.cost import CostModel

DOCUMENT = """
query Costed($n: Int!, $m: Int = 7, $id: ID) {
  clients(first: $n) { nodes { ...C } }
  client(id: $id) { tasks(first: $m) { totalCount } }
}
fragment C on Client { tasks(first: $m) { totalCount } }
"""


@pytest.fixture(scope="module")
def model() -> CostModel:
    return CostModel(build_schema()._schema)


def walks(model: CostModel, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []
    walk = model._walk

    def counting(*args: Any) -> Any:
        counted.append(1)
        return walk(*args)

    monkeypatch.setattr(model, "_walk", counting)
    return counted


def test_the_same_text_and_page_sizes_are_walked_once(
    model: CostModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = walks(model, monkeypatch)
    document = parse(DOCUMENT)
    text = DOCUMENT + "# once"
    first = model.cost(document, None, {"n": 3, "id": "a"}, text)
    # Another id does not change the cost: not walked again.
    again = model.cost(document, None, {"n": 3, "id": "b"}, text)
    assert first == again == 3 * (1 + 7) + 1 + 7
    assert len(counted) == 1
    # Another page size does.
    assert model.cost(document, None, {"n": 3, "m": 2, "id": "b"}, text) == 3 * 3 + 1 + 2
    assert len(counted) == 2


@settings(max_examples=60, deadline=None)
@given(
    n=st.one_of(st.integers(-5, 200), st.booleans(), st.none(), st.text(max_size=3)),
    m=st.one_of(st.integers(-5, 200), st.booleans(), st.none()),
    give_m=st.booleans(),
)
def test_a_cached_cost_equals_a_fresh_one(model: CostModel, n: Any, m: Any, give_m: bool) -> None:
    document = parse(DOCUMENT)
    variables: dict[str, Any] = {"n": n}
    if give_m:
        variables["m"] = m
    fresh = model.cost(document, None, variables)
    assert model.cost(document, None, variables, DOCUMENT) == fresh
    assert model.cost(document, None, variables, DOCUMENT) == fresh
