"""The webhook API end to end, against a real receiver on loopback (the API's and the
dispatcher's https-only and public-address rules relaxed by their test settings): an endpoint
registered through the API receives a mutation's event signed with the secret the API showed
once, the delivery shows in its log, and a redelivery sends it again. And the statement budget
of the nested lists: as many statements for 2 endpoints with 2 deliveries each as for 20 with
100."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import TaskStatus
from db.models import Task
from db.webhooks import MAX_ENDPOINTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from resolvers.webhook_dispatch import deliver, run_due
from resolvers.webhook_security import SIGNATURE_HEADER, verify
from server.app import create_app
from server.settings import Settings
from tests.conftest import GraphQL, World, token_for
from tests.helpers import FakeDns, gid
from tests.test_webhook_api import (
    CREATE,
    DELETE,
    ENDPOINT,
    NORTHWIND,
    OWNER,
    REDELIVER,
    add_delivery,
    create_input,
)
from tests.test_webhook_delivery import SETTINGS, Receiver

LUMEN = "Lumen Candles"
COMPLETE_TASK = """
mutation Complete($taskId: ID!, $version: Int!) {
  completeTask(input: { taskId: $taskId, version: $version }) { userErrors { field code } }
}"""


@pytest.fixture(scope="module")
async def loopback_http(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    fake_dns: FakeDns,
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the test setting that lets endpoints be http on loopback."""
    app = create_app(
        replace(settings, webhooks_allow_private=True),
        engine=engine,
        dns=fake_dns,
        sessions=sessions,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def loopback_gql(loopback_http: httpx.AsyncClient, world: World, dns: FakeDns) -> GraphQL:
    async def run(email: str, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token_for(world.users[email], email)}"}
        response = await loopback_http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    import asyncio

    found = Receiver()
    # Looked up at each connection, so a test may replace the handler.
    server = await asyncio.start_server(lambda r, w: found.handle(r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    found.url = f"http://127.0.0.1:{port}/hooks"
    async with server:
        yield found
        server.close()


async def test_an_endpoint_made_through_the_api_receives_signed_events_and_redeliveries(
    loopback_gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    made = await loopback_gql(
        OWNER, CREATE, input=create_input(world, url=receiver.url, eventTypes=["task.completed"])
    )
    payload = made["data"]["createWebhookEndpoint"]
    assert payload["userErrors"] == []
    endpoint_id, secret = payload["endpoint"]["id"], payload["secret"]

    async with sessions() as session:
        task = await session.scalar(
            select(Task)
            .where(Task.client_id == world.clients[LUMEN], Task.status != TaskStatus.DONE)
            .order_by(Task.id)
            .limit(1)
        )
    assert task is not None
    done = await loopback_gql(
        OWNER, COMPLETE_TASK, taskId=gid("Task", task.id), version=task.version
    )
    assert done["data"]["completeTask"]["userErrors"] == []

    async with httpx.AsyncClient() as client:
        assert await run_due(sessions, client, SETTINGS) == 1
        ((headers, body),) = receiver.received
        assert verify(secret, headers[SIGNATURE_HEADER.lower()], body, now=int(time.time()))
        sent = json.loads(body)
        assert sent["type"] == "task.completed"
        assert sent["data"]["object"] == {"type": "Task", "id": task.id}

        log = (await loopback_gql(OWNER, ENDPOINT, id=endpoint_id))["data"]["node"]["deliveries"]
        (delivery,) = log["nodes"]
        assert (delivery["eventType"], delivery["eventId"], delivery["status"]) == (
            "task.completed",
            sent["id"],
            "SUCCEEDED",
        )
        assert (delivery["attempt"], delivery["responseCode"], delivery["lastError"]) == (
            1,
            200,
            None,
        )
        assert delivery["latencyMs"] is not None

        again = await loopback_gql(OWNER, REDELIVER, id=delivery["id"])
        assert again["data"]["redeliverWebhook"]["delivery"]["status"] == "PENDING"
        assert await run_due(sessions, client, SETTINGS) == 1
    assert len(receiver.received) == 2
    (headers, second) = receiver.received[1]
    assert second == body  # the same event, signed again
    assert headers["shopiq-delivery-attempt"] == "2"
    assert verify(secret, headers[SIGNATURE_HEADER.lower()], second, now=int(time.time()))
    log = (await loopback_gql(OWNER, ENDPOINT, id=endpoint_id))["data"]["node"]["deliveries"]
    assert [(d["status"], d["attempt"]) for d in log["nodes"]] == [("SUCCEEDED", 2)]


async def test_without_the_test_setting_loopback_is_refused(
    dns_gql: GraphQL, world: World, receiver: Receiver
) -> None:
    body = await dns_gql(OWNER, CREATE, input=create_input(world, url=receiver.url))
    assert [e["code"] for e in body["data"]["createWebhookEndpoint"]["userErrors"]] == ["INVALID"]


# The viewer (3), the partner, its endpoints, the deliveries of all endpoints, the failed ones
# (each page counting its lists too), the deliveries' event types and endpoints.
NESTED_BUDGET = 9
NESTED = """
query Hooks($partner: ID!, $endpoints: Int!, $deliveries: Int!) {
  partner(id: $partner) {
    webhookEndpoints(first: $endpoints) {
      totalCount
      nodes {
        id url partner { id }
        deliveries(first: $deliveries) {
          totalCount
          nodes { id eventType status endpoint { id } }
        }
        failed: deliveries(first: $deliveries, status: [FAILED]) { totalCount nodes { id } }
      }
    }
  }
}"""


async def test_nested_webhook_lists_cost_the_same_for_2_and_20_endpoints(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    statements: list[str],
) -> None:
    partner = world.partners[NORTHWIND]
    async with sessions.begin() as session:
        for n in range(MAX_ENDPOINTS):
            session.add(
                WebhookEndpoint(
                    partner_id=partner,
                    url=f"https://hooks.example.com/{n}",
                    event_types=["task.completed"],
                    secret="whsec_x",
                )
            )
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(WebhookEndpoint.id).where(WebhookEndpoint.partner_id == partner)
            )
        )
    for endpoint_id in ids:
        for status in (DeliveryStatus.FAILED, DeliveryStatus.SUCCEEDED, DeliveryStatus.PENDING):
            await add_delivery(sessions, gid("WebhookEndpoint", endpoint_id), status)

    async def measure(endpoints: int, deliveries: int) -> tuple[dict[str, Any], int]:
        statements.clear()
        body = await gql(
            OWNER,
            NESTED,
            partner=gid("Partner", partner),
            endpoints=endpoints,
            deliveries=deliveries,
        )
        assert "errors" not in body, body
        return body["data"]["partner"]["webhookEndpoints"], len(statements)

    small, few = await measure(2, 2)
    large, many = await measure(20, 100)
    assert len(small["nodes"]) == 2
    assert all(len(n["deliveries"]["nodes"]) == 2 for n in small["nodes"])
    assert len(large["nodes"]) == MAX_ENDPOINTS
    for node in large["nodes"]:
        assert node["deliveries"]["totalCount"] == 3
        assert [d["endpoint"]["id"] for d in node["deliveries"]["nodes"]] == [node["id"]] * 3
        assert all(d["eventType"] == "task.completed" for d in node["deliveries"]["nodes"])
        assert node["failed"]["totalCount"] == 1
    assert few == many == NESTED_BUDGET, "\n".join(s[:90] for s in statements)


async def test_an_endpoint_deleted_while_its_post_is_out_leaves_the_job_none_the_worse(
    loopback_gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    made = await loopback_gql(
        OWNER, CREATE, input=create_input(world, url=receiver.url, eventTypes=["task.completed"])
    )
    endpoint_id = made["data"]["createWebhookEndpoint"]["endpoint"]["id"]
    delivery = await add_delivery(sessions, endpoint_id, DeliveryStatus.PENDING)
    async with sessions.begin() as session:
        row = await session.get_one(WebhookDelivery, delivery)
        row.next_attempt_at = utcnow()
    answered = receiver.handle

    async def delete_meanwhile(reader: Any, writer: Any) -> None:
        # The team deletes the endpoint while the receiver has the POST.
        gone = await loopback_gql(OWNER, DELETE, id=endpoint_id)
        assert gone["data"]["deleteWebhookEndpoint"]["userErrors"] == []
        await answered(reader, writer)

    receiver.handle = delete_meanwhile  # type: ignore[method-assign]  # the server calls it late
    async with httpx.AsyncClient() as client:
        assert await deliver(sessions, client, SETTINGS, delivery) is None
    assert len(receiver.received) == 1
    async with sessions() as session:
        assert await session.get(WebhookDelivery, delivery) is None
