"""The quickest signal that the slice works end to end: sign in, list, see only your own."""

from tests.conftest import GraphQL, World


async def test_owner_lists_clients(gql: GraphQL, world: World) -> None:
    body = await gql(
        "owner@northwind.test", "{ clients(first: 100) { totalCount nodes { businessName } } }"
    )
    assert "errors" not in body
    names = {n["businessName"] for n in body["data"]["clients"]["nodes"]}
    assert "Lumen Candles" in names
    assert "Harbor Coffee" not in names
    assert body["data"]["clients"]["totalCount"] == len(names)
