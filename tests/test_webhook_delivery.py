"""From the outbox to a real receiver on loopback (the https-only and private-address rules
relaxed by the dispatcher's test setting): signed POSTs, retries with backoff on errors,
disabling after failures in a row, the giving up after the retry window, the partner's
visibility when access ends, and idempotence when jobs run twice."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import AccessStatus, TaskStatus
from db.models import PartnerAccess, Task
from db.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from resolvers.jobs import by_name
from resolvers.webhook_dispatch import DispatchSettings, deliver, fan_out, run_due
from resolvers.webhook_security import SIGNATURE_HEADER, verify
from server.settings import load_settings
from server.worker import run_jobs
from tests.conftest import GraphQL, World
from tests.helpers import gid

OWNER = "owner@northwind.test"
SECRET = "whsec_test"
LUMEN = "Lumen Candles"
SETTINGS = DispatchSettings(allow_private=True, settle=timedelta(0), disable_after=3)
COMPLETE_TASK = """
mutation Complete($taskId: ID!, $version: Int!) {
  completeTask(input: { taskId: $taskId, version: $version }) { userErrors { field code } }
}"""


@dataclass
class Receiver:
    """An HTTP server on loopback answering each POST with the next of `statuses` (the last
    one repeats), remembering what it got."""

    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append((headers, body))
        status = self.statuses[min(len(self.received) - 1, len(self.statuses) - 1)]
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> Any:
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    found.url = f"http://127.0.0.1:{port}/hooks"
    async with server:
        yield found
        server.close()


@pytest.fixture
async def client() -> Any:
    async with httpx.AsyncClient() as http_client:
        yield http_client


async def add_endpoint(
    sessions: async_sessionmaker[AsyncSession],
    world: World,
    url: str,
    partner: str = "northwind-digital",
) -> int:
    async with sessions.begin() as session:
        endpoint = WebhookEndpoint(
            partner_id=world.partners[partner],
            url=url,
            event_types=["task.completed"],
            secret=SECRET,
        )
        session.add(endpoint)
        await session.flush()
        return endpoint.id


async def complete_a_task(
    gql: GraphQL, sessions: async_sessionmaker[AsyncSession], world: World, client_name: str = LUMEN
) -> Task:
    async with sessions() as session:
        task = await session.scalar(
            select(Task)
            .where(Task.client_id == world.clients[client_name], Task.status != TaskStatus.DONE)
            .order_by(Task.id)
            .limit(1)
        )
    assert task is not None
    done = await gql(OWNER, COMPLETE_TASK, taskId=gid("Task", task.id), version=task.version)
    assert done["data"]["completeTask"]["userErrors"] == []
    return task


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[WebhookDelivery]:
    async with sessions() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def test_an_event_is_posted_signed_to_the_endpoint(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    await add_endpoint(sessions, world, receiver.url)
    task = await complete_a_task(gql, sessions, world)
    assert await run_due(sessions, client, SETTINGS) == 1

    ((headers, body),) = receiver.received
    assert verify(SECRET, headers[SIGNATURE_HEADER.lower()], body, now=int(time.time()))
    assert not verify("whsec_other", headers[SIGNATURE_HEADER.lower()], body, now=int(time.time()))
    sent = json.loads(body)
    assert sent["type"] == "task.completed"
    assert sent["data"]["object"] == {"type": "Task", "id": task.id}
    assert headers["shopiq-event-id"] == str(sent["id"])
    (delivery,) = await deliveries(sessions)
    assert (delivery.status, delivery.attempt, delivery.response_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    assert delivery.latency_ms is not None
    # Nothing is due any more: a second run sends nothing.
    assert await run_due(sessions, client, SETTINGS) == 0
    assert len(receiver.received) == 1


async def test_a_failed_attempt_is_retried_after_a_growing_wait(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    receiver.statuses = [500, 503, 200]
    await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    start = utcnow()
    await run_due(sessions, client, SETTINGS, now=start)
    (first,) = await deliveries(sessions)
    assert (first.status, first.attempt, first.response_code) == (DeliveryStatus.PENDING, 1, 500)
    assert first.next_attempt_at == start + SETTINGS.first_retry
    # Not due before its time.
    assert await run_due(sessions, client, SETTINGS, now=start + timedelta(seconds=29)) == 0
    second_at = start + timedelta(seconds=30)
    await run_due(sessions, client, SETTINGS, now=second_at)
    (second,) = await deliveries(sessions)
    assert second.next_attempt_at == second_at + 2 * SETTINGS.first_retry
    await run_due(sessions, client, SETTINGS, now=second_at + timedelta(minutes=1))
    (third,) = await deliveries(sessions)
    assert (third.status, third.attempt, third.response_code) == (DeliveryStatus.SUCCEEDED, 3, 200)
    assert len(receiver.received) == 3
    # The attempts carry the same event and body, each signed.
    assert len({body for _, body in receiver.received}) == 1


async def test_an_endpoint_failing_again_and_again_is_disabled(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    receiver.statuses = [500]
    endpoint_id = await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    now = utcnow()
    for _ in range(5):
        await run_due(sessions, client, SETTINGS, now=now)
        now += timedelta(hours=7)
    assert len(receiver.received) == SETTINGS.disable_after
    async with sessions() as session:
        endpoint = await session.get_one(WebhookEndpoint, endpoint_id)
        assert not endpoint.enabled
        assert endpoint.disabled_reason
    (delivery,) = await deliveries(sessions)
    assert delivery.status == DeliveryStatus.FAILED


async def test_retries_end_after_the_retry_window(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    receiver.statuses = [500]
    await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    settings = DispatchSettings(allow_private=True, settle=timedelta(0), disable_after=1000)
    now = utcnow()
    while (await deliveries(sessions) or [None])[0] is None or (
        (await deliveries(sessions))[0].status == DeliveryStatus.PENDING
    ):
        await run_due(sessions, client, settings, now=now)
        now += settings.longest_retry
        assert now < utcnow() + timedelta(days=4)
    (delivery,) = await deliveries(sessions)
    assert delivery.status == DeliveryStatus.FAILED
    # Attempts ran for about three days, not longer.
    assert 10 < delivery.attempt < 25


async def test_a_partner_whose_access_ended_receives_nothing(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    # The access ends before the event goes out.
    async with sessions.begin() as session:
        await session.execute(
            update(PartnerAccess)
            .where(
                PartnerAccess.client_id == world.clients[LUMEN],
                PartnerAccess.status == AccessStatus.ACTIVE,
            )
            .values(status=AccessStatus.REVOKED, ended_at=utcnow())
        )
    await run_due(sessions, client, SETTINGS)
    assert receiver.received == []
    assert await deliveries(sessions) == []


async def test_access_ending_between_attempts_stops_the_retries(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    receiver.statuses = [500, 200]
    await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    now = utcnow()
    await run_due(sessions, client, SETTINGS, now=now)
    async with sessions.begin() as session:
        await session.execute(
            update(PartnerAccess)
            .where(PartnerAccess.client_id == world.clients[LUMEN])
            .values(status=AccessStatus.ENDED, ended_at=now)
        )
    await run_due(sessions, client, SETTINGS, now=now + timedelta(hours=1))
    assert len(receiver.received) == 1
    (delivery,) = await deliveries(sessions)
    assert delivery.status == DeliveryStatus.FAILED


async def test_another_partners_endpoint_gets_nothing(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    await add_endpoint(sessions, world, receiver.url, partner="bluefin-studio")
    await complete_a_task(gql, sessions, world)
    await run_due(sessions, client, SETTINGS)
    assert receiver.received == []


async def test_jobs_run_twice_deliver_once(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    client: httpx.AsyncClient,
) -> None:
    await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    made = await fan_out(sessions, SETTINGS)
    assert len(made) == 1
    assert await fan_out(sessions, SETTINGS) == []
    now = utcnow()
    first = await deliver(sessions, client, SETTINGS, made[0], now=now)
    again = await deliver(sessions, client, SETTINGS, made[0], now=now)
    assert (first, again) == (DeliveryStatus.SUCCEEDED, None)
    assert len(receiver.received) == 1


async def test_the_in_process_runner_delivers_until_stopped(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    await add_endpoint(sessions, world, receiver.url)
    await complete_a_task(gql, sessions, world)
    stop = asyncio.Event()
    webhooks = (by_name()["webhooks.dispatch"],)
    runner = asyncio.create_task(
        run_jobs(sessions, stop, settings=SETTINGS, poll_seconds=0.01, jobs=webhooks)
    )
    for _ in range(500):
        if receiver.received:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await runner
    assert len(receiver.received) == 1
    (delivery,) = await deliveries(sessions)
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_sqlite_runs_jobs_in_process_and_postgresql_in_workers() -> None:
    base = {"SHOPIQ_JWT_SECRET": "x" * 40}
    sqlite = load_settings({**base, "SHOPIQ_DATABASE_URL": "sqlite+aiosqlite:///x.db"})
    postgres = load_settings({**base, "SHOPIQ_DATABASE_URL": "postgresql+asyncpg://h/db"})
    assert (sqlite.in_process_jobs, postgres.in_process_jobs) == (True, False)
    forced = {**base, "SHOPIQ_DATABASE_URL": "postgresql+asyncpg://h/db"}
    assert load_settings({**forced, "SHOPIQ_IN_PROCESS_JOBS": "1"}).in_process_jobs
