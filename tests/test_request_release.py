"""What a request loaded is freed when it is answered, by reference counting: the cyclic garbage
collector, whose passes over a busy process's loaded rows took tens of milliseconds in the middle
of later requests, has nothing of it to find (`Context.end`, `Loaders.release`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from db import models
from tests.conftest import GraphQL, World

OWNER = "owner@northwind.test"
NESTED = """query { clients(first: 50) { nodes { businessName
  store { subdomain } assignees { user { email } } openTaskCount nextDueTask { title }
  tasks(first: 5) { totalCount nodes { title } } } } }"""


@pytest.fixture
def no_cycle_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _alive(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


async def test_the_rows_a_request_loaded_are_freed_when_it_is_answered(
    gql: GraphQL, world: World, no_cycle_collection: None
) -> None:
    tasks, stores = _alive(models.Task), _alive(models.Store)
    body = await gql(OWNER, NESTED)
    nodes = body["data"]["clients"]["nodes"]
    assert any(n["tasks"]["nodes"] for n in nodes), "the demo's clients have tasks"
    assert all(n["store"] for n in nodes)
    assert _alive(models.Task) == tasks
    assert _alive(models.Store) == stores
