"""The partner webhook API: registering, changing, rotating, deleting endpoints and sending a
delivery again, through GraphQL, with every refusal (https only, private addresses directly or
by name, unknown event types, the limit), the secret shown once and never again, and reading
the delivery log."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.base import utcnow
from db.events import OutboxEvent, event_types
from db.webhooks import MAX_ENDPOINTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from resolvers import webhooks as webhook_service
from resolvers.changes import Changes
from schema.build import build_schema
from tests.conftest import GraphQL, World
from tests.helpers import FakeDns, codes, db_id, gid

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
NORTHWIND = "northwind-digital"
URL = "https://hooks.example.com/shopiq"

CREATE = """
mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    endpoint { id url eventTypes description enabled disabledReason consecutiveFailures
               createdAt version partner { id } }
    secret
    userErrors { field code message }
  }
}"""
UPDATE = """
mutation Update($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    endpoint { id url eventTypes description enabled disabledReason consecutiveFailures version }
    userErrors { field code message }
  }
}"""
ROTATE = """
mutation Rotate($id: ID!) {
  rotateWebhookSecret(input: { endpointId: $id }) {
    endpoint { id version } secret userErrors { field code message }
  }
}"""
DELETE = """
mutation Delete($id: ID!) {
  deleteWebhookEndpoint(input: { endpointId: $id }) {
    deletedEndpointId userErrors { field code message }
  }
}"""
REDELIVER = """
mutation Redeliver($id: ID!) {
  redeliverWebhook(input: { deliveryId: $id }) {
    delivery { id status attempt nextAttemptAt } userErrors { field code message }
  }
}"""
ENDPOINT = """
query Endpoint($id: ID!) {
  node(id: $id) {
    ... on WebhookEndpoint {
      id url enabled
      deliveries(first: 10) {
        totalCount
        nodes { id eventType eventId status attempt responseCode latencyMs lastError
                nextAttemptAt createdAt endpoint { id } }
      }
    }
  }
}"""


def create_input(world: World, **given: Any) -> dict[str, Any]:
    return {
        "partnerId": gid("Partner", world.partners[NORTHWIND]),
        "url": URL,
        "eventTypes": ["task.completed", "invoice.issued"],
        "description": "Our CRM",
        **given,
    }


async def create(gql: GraphQL, world: World, email: str = OWNER, **given: Any) -> dict[str, Any]:
    body = await gql(email, CREATE, input=create_input(world, **given))
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createWebhookEndpoint"]
    return payload


async def created(gql: GraphQL, world: World, **given: Any) -> dict[str, Any]:
    payload = await create(gql, world, **given)
    assert payload["userErrors"] == [], payload
    return payload


async def add_delivery(
    sessions: async_sessionmaker[AsyncSession],
    endpoint_gid: str,
    status: DeliveryStatus = DeliveryStatus.FAILED,
    event_type: str = "task.completed",
) -> int:
    """A delivery of a new event to the endpoint, as the background jobs leave one."""
    async with sessions.begin() as session:
        endpoint = await session.get_one(WebhookEndpoint, db_id(endpoint_gid))
        event = OutboxEvent(
            event_type=event_type,
            partner_id=endpoint.partner_id,
            subject_type="Task",
            subject_id=1,
            payload={},
            action="completeTask",
            request_id="test",
        )
        session.add(event)
        await session.flush()
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            partner_id=endpoint.partner_id,
            event_id=event.id,
            status=status,
            attempt=2,
            response_code=500,
            last_error="HTTP 500",
            next_attempt_at=utcnow() + timedelta(hours=1),
        )
        session.add(delivery)
        await session.flush()
        return delivery.id


async def stored(sessions: async_sessionmaker[AsyncSession], endpoint_gid: str) -> WebhookEndpoint:
    async with sessions() as session:
        return await session.get_one(WebhookEndpoint, db_id(endpoint_gid))


# --- Creating -----------------------------------------------------------------------------------


async def test_an_owner_registers_an_endpoint_and_sees_its_secret_once(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    payload = await created(dns_gql, world)
    endpoint = payload["endpoint"]
    assert endpoint["url"] == URL
    assert endpoint["eventTypes"] == ["invoice.issued", "task.completed"]  # sorted
    assert endpoint["description"] == "Our CRM"
    assert (endpoint["enabled"], endpoint["disabledReason"], endpoint["consecutiveFailures"]) == (
        True,
        None,
        0,
    )
    assert endpoint["version"] == 1
    assert endpoint["partner"]["id"] == gid("Partner", world.partners[NORTHWIND])
    secret = payload["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 30
    row = await stored(sessions, endpoint["id"])
    assert row.secret == secret
    assert row.created_by_user_id == world.users[OWNER]


async def test_an_admin_registers_one_too(dns_gql: GraphQL, world: World) -> None:
    assert (await create(dns_gql, world, ADMIN))["userErrors"] == []


async def test_the_secret_is_no_field_and_in_no_audit_event_or_outbox_row(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    schema = build_schema()._schema
    for type_name in ("WebhookEndpoint", "WebhookDelivery"):
        assert "secret" not in schema.type_map[type_name].fields  # type: ignore[union-attr]  # object types
    async with sessions() as session:
        last_outbox = (await session.execute(select(func.max(OutboxEvent.id)))).scalar() or 0
    payload = await created(dns_gql, world)
    rotated = await dns_gql(OWNER, ROTATE, id=payload["endpoint"]["id"])
    secrets = [payload["secret"], rotated["data"]["rotateWebhookSecret"]["secret"]]
    async with sessions() as session:
        changes = [
            json.dumps(c)
            for c in await session.scalars(
                select(AuditEvent.changes).where(
                    AuditEvent.target_type == "WebhookEndpoint",
                    AuditEvent.target_id == db_id(payload["endpoint"]["id"]),
                )
            )
        ]
        outbox = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.id > last_outbox)
        )
    assert len(changes) == 2  # created, then rotated
    assert all(s not in c for s in secrets for c in changes)
    assert any("[secret]" in c for c in changes)  # the created row: marked, not its value
    assert outbox == 0  # endpoint changes are not events


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/shopiq",
        "ftp://hooks.example.com/",
        "https://user:pw@hooks.example.com/",
        "https:///nohost",
        "not a url",
    ],
)
async def test_only_https_urls_with_a_host_are_taken(
    dns_gql: GraphQL, world: World, url: str
) -> None:
    payload = await create(dns_gql, world, url=url)
    assert codes(payload) == [(["input", "url"], "INVALID")]
    assert payload["endpoint"] is None
    assert payload["secret"] is None


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "127.0.0.1", "::1", "169.254.169.254", "192.168.0.10", "fd00::1"]
)
async def test_private_loopback_and_link_local_addresses_are_refused(
    dns_gql: GraphQL, world: World, dns: FakeDns, address: str
) -> None:
    host = f"[{address}]" if ":" in address else address
    direct = await create(dns_gql, world, url=f"https://{host}/hooks")
    assert codes(direct) == [(["input", "url"], "INVALID")]
    # A name that resolves to it, alone or among public addresses.
    dns.hosts["sneaky.example.com"] = ["93.184.215.14", address]
    by_name = await create(dns_gql, world, url="https://sneaky.example.com/hooks")
    assert codes(by_name) == [(["input", "url"], "INVALID")]
    assert "private" in by_name["userErrors"][0]["message"]


async def test_a_name_that_does_not_resolve_is_refused(
    dns_gql: GraphQL, world: World, dns: FakeDns
) -> None:
    dns.failure = "NXDOMAIN"
    payload = await create(dns_gql, world)
    assert codes(payload) == [(["input", "url"], "INVALID")]
    assert "resolve" in payload["userErrors"][0]["message"]


async def test_event_types_come_from_the_catalogue(dns_gql: GraphQL, world: World) -> None:
    unknown = await create(dns_gql, world, eventTypes=["task.completed", "task.exploded"])
    assert codes(unknown) == [(["input", "eventTypes", "1"], "INVALID")]
    empty = await create(dns_gql, world, eventTypes=[])
    assert codes(empty) == [(["input", "eventTypes"], "REQUIRED")]
    every = await create(dns_gql, world, eventTypes=[*event_types(), "task.completed"])
    assert every["userErrors"] == []
    assert every["endpoint"]["eventTypes"] == event_types()
    listed = await dns_gql(OWNER, "{ webhookEventTypes }")
    assert listed["data"]["webhookEventTypes"] == event_types()


async def test_a_partner_registers_at_most_the_limit(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        existing = await session.scalar(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(WebhookEndpoint.partner_id == world.partners[NORTHWIND])
        )
        for n in range(MAX_ENDPOINTS - 1 - (existing or 0)):
            session.add(
                WebhookEndpoint(
                    partner_id=world.partners[NORTHWIND],
                    url=f"https://hooks.example.com/{n}",
                    event_types=["task.completed"],
                    secret="whsec_x",
                )
            )
    assert (await create(dns_gql, world))["userErrors"] == []  # the last one
    refused = await create(dns_gql, world)
    assert codes(refused) == [(["input", "partnerId"], "LIMIT_REACHED")]
    # Another partner's endpoints are counted apart.
    other = await create(
        dns_gql,
        world,
        "owner@bluefin.test",
        partnerId=gid("Partner", world.partners["bluefin-studio"]),
    )
    assert other["userErrors"] == []


async def test_text_is_trimmed_and_limited(dns_gql: GraphQL, world: World) -> None:
    long = await create(dns_gql, world, description="x" * 501)
    assert codes(long) == [(["input", "description"], "TOO_LONG")]
    trimmed = await created(dns_gql, world, description="  CRM  ")
    assert trimmed["endpoint"]["description"] == "CRM"


# --- Changing -----------------------------------------------------------------------------------


async def update(gql: GraphQL, email: str = OWNER, **given: Any) -> dict[str, Any]:
    body = await gql(email, UPDATE, input=given)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["updateWebhookEndpoint"]
    return payload


async def test_only_the_fields_given_change_and_the_version_moves_on(
    dns_gql: GraphQL, world: World
) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    changed = await update(
        dns_gql,
        endpointId=endpoint["id"],
        version=1,
        url="https://other.example.com/in",
        eventTypes=["store.launched"],
    )
    assert changed["userErrors"] == []
    assert changed["endpoint"]["url"] == "https://other.example.com/in"
    assert changed["endpoint"]["eventTypes"] == ["store.launched"]
    assert changed["endpoint"]["description"] == "Our CRM"
    assert changed["endpoint"]["version"] == 2
    cleared = await update(
        dns_gql, endpointId=endpoint["id"], version=2, description="x", clearDescription=True
    )
    assert cleared["endpoint"]["description"] is None
    stale = await update(dns_gql, endpointId=endpoint["id"], version=2, description="Stale")
    assert codes(stale) == [(["input", "version"], "CONFLICT")]


async def test_a_new_url_is_checked_again(dns_gql: GraphQL, world: World, dns: FakeDns) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    dns.hosts["internal.example.com"] = ["10.0.0.7"]
    refused = await update(
        dns_gql, endpointId=endpoint["id"], version=1, url="https://internal.example.com/x"
    )
    assert codes(refused) == [(["input", "url"], "INVALID")]
    plain = await update(dns_gql, endpointId=endpoint["id"], version=1, url="http://a.example")
    assert codes(plain) == [(["input", "url"], "INVALID")]
    unknown = await update(dns_gql, endpointId=endpoint["id"], version=1, eventTypes=["nope"])
    assert codes(unknown) == [(["input", "eventTypes", "0"], "INVALID")]


async def test_disabling_and_enabling_again_resets_the_failures(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    off = await update(dns_gql, endpointId=endpoint["id"], version=1, enabled=False)
    assert (off["endpoint"]["enabled"], off["endpoint"]["disabledReason"]) == (
        False,
        "Disabled by the partner's team.",
    )
    # The dispatcher's counters meanwhile (as after 25 failures in a row).
    async with sessions.begin() as session:
        row = await session.get_one(WebhookEndpoint, db_id(endpoint["id"]))
        row.consecutive_failures = 25
        row.disabled_reason = "Disabled after 25 failed deliveries in a row."
    on = await update(dns_gql, endpointId=endpoint["id"], version=2, enabled=True)
    assert on["userErrors"] == []
    assert (
        on["endpoint"]["enabled"],
        on["endpoint"]["disabledReason"],
        on["endpoint"]["consecutiveFailures"],
    ) == (True, None, 0)


async def test_rotating_gives_a_new_secret_that_signs_from_now_on(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    payload = await created(dns_gql, world)
    body = await dns_gql(OWNER, ROTATE, id=payload["endpoint"]["id"])
    rotated = body["data"]["rotateWebhookSecret"]
    assert rotated["userErrors"] == []
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != payload["secret"]
    assert rotated["endpoint"]["version"] == 2
    assert (await stored(sessions, payload["endpoint"]["id"])).secret == rotated["secret"]


async def test_deleting_takes_the_delivery_log_with_it(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    await add_delivery(sessions, endpoint["id"], DeliveryStatus.PENDING)
    body = await dns_gql(OWNER, DELETE, id=endpoint["id"])
    assert body["data"]["deleteWebhookEndpoint"] == {
        "deletedEndpointId": endpoint["id"],
        "userErrors": [],
    }
    async with sessions() as session:
        assert await session.get(WebhookEndpoint, db_id(endpoint["id"])) is None
        left = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == db_id(endpoint["id"]))
        )
    assert left == 0
    assert (await dns_gql(OWNER, ENDPOINT, id=endpoint["id"]))["data"]["node"] is None
    again = await dns_gql(OWNER, DELETE, id=endpoint["id"])
    assert codes(again["data"]["deleteWebhookEndpoint"]) == [(["input", "endpointId"], "NOT_FOUND")]


# --- The delivery log and redelivery -------------------------------------------------------------


async def test_the_delivery_log_newest_first_and_by_status(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    failed = await add_delivery(sessions, endpoint["id"], DeliveryStatus.FAILED)
    done = await add_delivery(
        sessions, endpoint["id"], DeliveryStatus.SUCCEEDED, event_type="invoice.issued"
    )
    body = await dns_gql(OWNER, ENDPOINT, id=endpoint["id"])
    log = body["data"]["node"]["deliveries"]
    assert log["totalCount"] == 2
    assert [db_id(d["id"]) for d in log["nodes"]] == [done, failed]
    first = log["nodes"][0]
    assert first["eventType"] == "invoice.issued"
    assert (first["status"], first["attempt"], first["responseCode"], first["lastError"]) == (
        "SUCCEEDED",
        2,
        500,
        "HTTP 500",
    )
    assert first["endpoint"]["id"] == endpoint["id"]
    only = await dns_gql(
        OWNER,
        """query($id: ID!) { node(id: $id) { ... on WebhookEndpoint {
             deliveries(first: 5, status: [FAILED]) { totalCount nodes { id status } } } } }""",
        id=endpoint["id"],
    )
    assert only["data"]["node"]["deliveries"] == {
        "totalCount": 1,
        "nodes": [{"id": gid("WebhookDelivery", failed), "status": "FAILED"}],
    }
    listed = await dns_gql(
        OWNER,
        """query($id: ID!) { partner(id: $id) { webhookEndpoints(first: 20) {
             nodes { id } } } }""",
        id=gid("Partner", world.partners[NORTHWIND]),
    )
    ids = [n["id"] for n in listed["data"]["partner"]["webhookEndpoints"]["nodes"]]
    assert endpoint["id"] in ids


async def test_redelivery_makes_a_delivery_due_now(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    delivery = await add_delivery(sessions, endpoint["id"], DeliveryStatus.FAILED)
    before = utcnow()
    body = await dns_gql(OWNER, REDELIVER, id=gid("WebhookDelivery", delivery))
    payload = body["data"]["redeliverWebhook"]
    assert payload["userErrors"] == []
    assert (payload["delivery"]["status"], payload["delivery"]["attempt"]) == ("PENDING", 2)
    async with sessions() as session:
        row = await session.get_one(WebhookDelivery, delivery)
        assert row.status == DeliveryStatus.PENDING
        assert row.next_attempt_at <= utcnow()
        assert row.next_attempt_at >= before


async def test_redelivery_is_refused_while_the_endpoint_is_disabled(
    dns_gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = (await created(dns_gql, world))["endpoint"]
    delivery = await add_delivery(sessions, endpoint["id"], DeliveryStatus.FAILED)
    await update(dns_gql, endpointId=endpoint["id"], version=1, enabled=False)
    body = await dns_gql(OWNER, REDELIVER, id=gid("WebhookDelivery", delivery))
    assert codes(body["data"]["redeliverWebhook"]) == [
        (["input", "deliveryId"], "ENDPOINT_DISABLED")
    ]
    async with sessions() as session:
        assert (await session.get_one(WebhookDelivery, delivery)).status == DeliveryStatus.FAILED


async def test_a_database_fault_logs_no_secret(
    dns_gql: GraphQL,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug that loses the URL on its way to the database (a NOT NULL violation): the log has
    the statement without its values, and PostgreSQL's quote of the refused row with the secret
    redacted."""
    known = "whsec_" + "k" * 40
    real = webhook_service.apply

    def losing_the_url(row: Any, changes: Changes) -> None:
        real(row, changes)
        row.url = None

    monkeypatch.setattr(webhook_service, "apply", losing_the_url)
    monkeypatch.setattr(webhook_service, "new_secret", lambda: known)
    with caplog.at_level(logging.ERROR):
        body = await dns_gql(OWNER, CREATE, input=create_input(world))
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "webhook_endpoints" in caplog.text  # the fault is logged
    assert known not in caplog.text
    assert known not in json.dumps(body)
