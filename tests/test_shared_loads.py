"""A field that fails and nulls its parent makes graphql-core cancel the parent's pending
fields. A load of the same key elsewhere in the document (under a parent that did not fail)
still gets its answer: the cancelled field must not cancel the load they share."""

from __future__ import annotations

from tests.conftest import GraphQL

# Both root fields load each client's store; the second one's tasks filter is refused for every
# client, which nulls the whole second list while the first one still waits for the stores.
SHARED = """{
  clients(first: 20) { nodes { id store { id } } }
  again: clients(first: 20) {
    nodes { id store { id } tasks(first: 1, filter: {assigneeId: "abc"}) { totalCount } }
  }
}"""


async def test_a_cancelled_field_does_not_cancel_a_shared_load(gql: GraphQL) -> None:
    for _ in range(3):
        body = await gql("owner@bluefin.test", SHARED)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
