"""Webhooks exist only for their partner's owners and admins (and, read-only, platform staff):
to another partner, a manager, a specialist or a merchant every endpoint, delivery and mutation
answers exactly as for an id that was never issued; without a token nothing runs at all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.webhooks import DeliveryStatus
from tests.conftest import GraphQL, World
from tests.helpers import gid
from tests.test_webhook_api import (
    CREATE,
    DELETE,
    ENDPOINT,
    NORTHWIND,
    REDELIVER,
    ROTATE,
    UPDATE,
    add_delivery,
    create_input,
    created,
)

OUTSIDERS = (
    "owner@bluefin.test",
    "manager@northwind.test",
    "specialist@northwind.test",
    "merchant@lumen-candles.test",
)
NEVER_ISSUED = 999_999
PARTNER_ENDPOINTS = """
query($id: ID!) {
  partner(id: $id) { webhookEndpoints(first: 20) { totalCount nodes { id } } }
}"""
DELIVERY = """
query($id: ID!) {
  node(id: $id) { ... on WebhookDelivery { id status eventType endpoint { id } } }
}"""


@pytest.fixture
async def hooks(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, str]:
    """Northwind's endpoint with one delivery in its log."""
    endpoint = (await created(dns_gql, world))["endpoint"]["id"]
    delivery = await add_delivery(sessions, endpoint, DeliveryStatus.FAILED)
    return {"endpoint": endpoint, "delivery": gid("WebhookDelivery", delivery)}


async def answers(gql: GraphQL, email: str, world: World, ids: dict[str, str]) -> dict[str, Any]:
    """What every webhook field and mutation tells `email` about these ids."""
    found: dict[str, Any] = {}
    found["endpoint"] = (await gql(email, ENDPOINT, id=ids["endpoint"]))["data"]
    found["delivery"] = (await gql(email, DELIVERY, id=ids["delivery"]))["data"]
    partner = ids["partner"]
    found["create"] = (await gql(email, CREATE, input=create_input(world, partnerId=partner)))[
        "data"
    ]
    found["update"] = (
        await gql(email, UPDATE, input={"endpointId": ids["endpoint"], "version": 1, "url": "x"})
    )["data"]
    found["rotate"] = (await gql(email, ROTATE, id=ids["endpoint"]))["data"]
    found["redeliver"] = (await gql(email, REDELIVER, id=ids["delivery"]))["data"]
    found["delete"] = (await gql(email, DELETE, id=ids["endpoint"]))["data"]
    return found


@pytest.mark.parametrize("email", OUTSIDERS)
async def test_others_get_what_an_id_never_issued_gets(
    dns_gql: GraphQL, world: World, hooks: dict[str, str], email: str
) -> None:
    real = {**hooks, "partner": gid("Partner", world.partners[NORTHWIND])}
    never = {
        "endpoint": gid("WebhookEndpoint", NEVER_ISSUED),
        "delivery": gid("WebhookDelivery", NEVER_ISSUED),
        "partner": gid("Partner", NEVER_ISSUED),
    }
    assert await answers(dns_gql, email, world, real) == await answers(dns_gql, email, world, never)
    # Whoever sees the partner itself sees no endpoint of it.
    listed = (await dns_gql(email, PARTNER_ENDPOINTS, id=real["partner"]))["data"]["partner"]
    assert listed is None or listed["webhookEndpoints"] == {"totalCount": 0, "nodes": []}
    # And the owner still has everything.
    assert (await dns_gql("owner@northwind.test", ENDPOINT, id=hooks["endpoint"]))["data"]["node"][
        "id"
    ] == hooks["endpoint"]


async def test_an_outsider_is_refused_with_not_found(
    dns_gql: GraphQL, world: World, hooks: dict[str, str]
) -> None:
    found = await answers(
        dns_gql,
        "manager@northwind.test",
        world,
        {**hooks, "partner": gid("Partner", world.partners[NORTHWIND])},
    )
    assert found["endpoint"] == {"node": None}
    assert found["delivery"] == {"node": None}
    for name, mutation in (
        ("create", "createWebhookEndpoint"),
        ("update", "updateWebhookEndpoint"),
        ("rotate", "rotateWebhookSecret"),
        ("redeliver", "redeliverWebhook"),
        ("delete", "deleteWebhookEndpoint"),
    ):
        errors = found[name][mutation]["userErrors"]
        assert [e["code"] for e in errors] == ["NOT_FOUND"], (name, errors)


async def test_platform_staff_read_every_endpoint_and_change_none(
    dns_gql: GraphQL, world: World, hooks: dict[str, str]
) -> None:
    staff = "staff@shopiq.test"
    endpoint = (await dns_gql(staff, ENDPOINT, id=hooks["endpoint"]))["data"]["node"]
    assert endpoint["id"] == hooks["endpoint"]
    assert endpoint["deliveries"]["totalCount"] == 1
    listed = await dns_gql(staff, PARTNER_ENDPOINTS, id=gid("Partner", world.partners[NORTHWIND]))
    assert hooks["endpoint"] in [
        n["id"] for n in listed["data"]["partner"]["webhookEndpoints"]["nodes"]
    ]
    found = await answers(
        dns_gql, staff, world, {**hooks, "partner": gid("Partner", world.partners[NORTHWIND])}
    )
    assert [e["code"] for e in found["create"]["createWebhookEndpoint"]["userErrors"]] == [
        "NOT_FOUND"
    ]
    for name, mutation in (
        ("update", "updateWebhookEndpoint"),
        ("rotate", "rotateWebhookSecret"),
        ("redeliver", "redeliverWebhook"),
        ("delete", "deleteWebhookEndpoint"),
    ):
        errors = found[name][mutation]["userErrors"]
        assert [e["code"] for e in errors] == ["FORBIDDEN"], (name, errors)


async def test_without_a_token_nothing_runs(
    http: httpx.AsyncClient, world: World, hooks: dict[str, str]
) -> None:
    for query, variables in (
        (ENDPOINT, {"id": hooks["endpoint"]}),
        (REDELIVER, {"id": hooks["delivery"]}),
        (CREATE, {"input": create_input(world)}),
    ):
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 401
        assert hooks["endpoint"] not in response.text
