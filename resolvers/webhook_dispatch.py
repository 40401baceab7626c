"""Webhook deliveries, as job functions: `fan_out` turns new outbox events into deliveries for
the endpoints that may receive them, `deliver` makes one attempt of one delivery, `run_due`
attempts every delivery that is due. Each is idempotent: a delivery exists once per (event,
endpoint) and an attempt is claimed by a compare-and-set on the delivery row before the POST, so
two workers (or a job run twice) never send the same attempt twice.

Who receives what: an endpoint of partner P gets an event of P's (its `partner_id`) of a type it
chose, and, when the event concerns a client, only while P's access to that client is in force
(active, not expired, opened before the event) - checked when the delivery is made and again
before each attempt, so a merchant's events never reach a partner whose access has ended."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import AccessStatus
from db.events import OutboxEvent
from db.models import PartnerAccess
from db.webhooks import DeliveryStatus, OutboxCursor, WebhookDelivery, WebhookEndpoint
from resolvers.webhook_security import (
    SIGNATURE_HEADER,
    Resolver,
    signature_header,
    system_resolver,
    unsafe_url_reason,
)

__all__ = ["DispatchSettings", "backoff", "deliver", "fan_out", "run_due"]

CURSOR = "webhooks"


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    # Tests only: deliver over http to loopback and private addresses.
    allow_private: bool = False
    timeout_seconds: float = 10.0
    # How long a failing delivery is retried, from its event.
    retry_window: timedelta = timedelta(days=3)
    first_retry: timedelta = timedelta(seconds=30)
    longest_retry: timedelta = timedelta(hours=6)
    # Failed attempts in a row after which an endpoint is disabled.
    disable_after: int = 25
    # An event younger than this may still have a lower-numbered neighbour in an uncommitted
    # transaction: the fan-out looks at it again next time (its deliveries are made once).
    settle: timedelta = timedelta(seconds=30)
    resolve: Resolver = system_resolver


def backoff(attempt: int, settings: DispatchSettings) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2, ...): doubling, capped."""
    wait: timedelta = settings.first_retry * (2 ** min(attempt - 1, 30))
    return wait if wait < settings.longest_retry else settings.longest_retry


async def _served(
    session: AsyncSession, pairs: set[tuple[int, int]], now: datetime
) -> dict[tuple[int, int], datetime]:
    """(partner, client) -> since when its access is in force, for the pairs served now."""
    if not pairs:
        return {}
    partners = {p for p, _ in pairs}
    clients = {c for _, c in pairs}
    rows = await session.execute(
        select(
            PartnerAccess.partner_id,
            PartnerAccess.client_id,
            PartnerAccess.activated_at,
            PartnerAccess.requested_at,
        ).where(
            PartnerAccess.partner_id.in_(partners),
            PartnerAccess.client_id.in_(clients),
            PartnerAccess.status == AccessStatus.ACTIVE,
            or_(PartnerAccess.expires_at.is_(None), PartnerAccess.expires_at > now),
        )
    )
    return {(p, c): activated or requested for p, c, activated, requested in rows}


def _may_receive(event: OutboxEvent, served: dict[tuple[int, int], datetime]) -> bool:
    if event.client_id is None:
        return True
    assert event.partner_id is not None
    since = served.get((event.partner_id, event.client_id))
    return since is not None and since <= event.occurred_at


async def fan_out(
    sessions: async_sessionmaker[AsyncSession],
    settings: DispatchSettings,
    *,
    batch: int = 500,
    now: datetime | None = None,
) -> list[int]:
    """Makes the deliveries of the outbox events not yet fanned out. The ids of the new
    deliveries."""
    now = now or utcnow()
    made: list[int] = []
    async with sessions.begin() as session:
        cursor = await session.get(OutboxCursor, CURSOR, with_for_update=True)
        if cursor is None:
            cursor = OutboxCursor(name=CURSOR, last_event_id=0)
            session.add(cursor)
            await session.flush()
        events = list(
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.id > cursor.last_event_id, OutboxEvent.partner_id.is_not(None))
                .order_by(OutboxEvent.id)
                .limit(batch)
            )
        )
        if not events:
            return made
        partners = {e.partner_id for e in events}
        endpoints = list(
            await session.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.partner_id.in_(partners), WebhookEndpoint.enabled.is_(True)
                )
            )
        )
        served = await _served(
            session,
            {(e.partner_id, e.client_id) for e in events if e.partner_id and e.client_id},
            now,
        )
        done = {
            (event_id, endpoint_id)
            for event_id, endpoint_id in await session.execute(
                select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id).where(
                    WebhookDelivery.event_id.in_([e.id for e in events])
                )
            )
        }
        for event in events:
            if not _may_receive(event, served):
                continue
            for endpoint in endpoints:
                # An endpoint receives the events of its partner since it was registered.
                if (
                    endpoint.partner_id != event.partner_id
                    or event.occurred_at < endpoint.created_at
                ):
                    continue
                if event.event_type not in endpoint.event_types:
                    continue
                if (event.id, endpoint.id) in done:
                    continue
                delivery = WebhookDelivery(
                    endpoint_id=endpoint.id,
                    partner_id=endpoint.partner_id,
                    event_id=event.id,
                    next_attempt_at=now,
                )
                session.add(delivery)
                await session.flush()
                made.append(delivery.id)
        settled = [e.id for e in events if e.occurred_at <= now - settings.settle]
        # Only past a prefix of settled events: a younger one is looked at again.
        last = cursor.last_event_id
        for event in events:
            if event.id not in settled:
                break
            last = event.id
        cursor.last_event_id = last
    return made


def body_of(event: OutboxEvent) -> bytes:
    document: dict[str, Any] = {
        "id": event.id,
        "type": event.event_type,
        "occurredAt": event.occurred_at.isoformat(),
        "requestId": event.request_id,
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: DispatchSettings,
    delivery_id: int,
    *,
    now: datetime | None = None,
) -> DeliveryStatus | None:
    """One attempt of a due delivery; None when it was not due (done, or another worker has
    it) or is gone (its endpoint deleted). The delivery's status after the attempt."""
    now = now or utcnow()
    async with sessions.begin() as session:
        found = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint, OutboxEvent)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).one_or_none()
        if found is None:
            return None
        delivery, endpoint, event = found
        if delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at > now:
            return None
        if not endpoint.enabled:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "The endpoint is disabled."
            return delivery.status
        served = await _served(
            session,
            {(endpoint.partner_id, event.client_id)} if event.client_id else set(),
            now,
        )
        if not _may_receive(event, served):
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "The partner no longer serves this client."
            return delivery.status
        # The claim: whoever moves the attempt on first makes it.
        attempt = delivery.attempt + 1
        lease = now + timedelta(seconds=settings.timeout_seconds * 3)
        claimed = await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery.id,
                WebhookDelivery.attempt == delivery.attempt,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .values(attempt=attempt, next_attempt_at=lease)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result
            return None
        url, secret, body = endpoint.url, endpoint.secret, body_of(event)
        event_id, event_at, endpoint_id = event.id, event.occurred_at, endpoint.id

    code, error, latency = await _post(client, settings, url, secret, body, event_id, attempt)
    ok = code is not None and 200 <= code < 300
    async with sessions.begin() as session:
        found_delivery = await session.get(WebhookDelivery, delivery_id)
        found_endpoint = await session.get(WebhookEndpoint, endpoint_id)
        if found_delivery is None or found_endpoint is None:
            return None  # the endpoint was deleted (with its log) while the POST was out
        delivery, endpoint = found_delivery, found_endpoint
        delivery.response_code, delivery.latency_ms, delivery.last_error = code, latency, error
        if ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            endpoint.consecutive_failures = 0
            return delivery.status
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= settings.disable_after and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_reason = (
                f"Disabled after {endpoint.consecutive_failures} failed deliveries in a row."
            )
        retry_at = now + backoff(attempt, settings)
        if not endpoint.enabled or retry_at > event_at + settings.retry_window:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = retry_at
        return delivery.status


async def _post(
    client: httpx.AsyncClient,
    settings: DispatchSettings,
    url: str,
    secret: str,
    body: bytes,
    event_id: int,
    attempt: int,
) -> tuple[int | None, str | None, int | None]:
    """(response code, error, latency in ms) of one POST."""
    # Checked again before each attempt: the name may resolve elsewhere by now.
    reason = await unsafe_url_reason(
        url, resolve=settings.resolve, allow_private=settings.allow_private
    )
    if reason is not None:
        return None, reason, None
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(secret, int(time.time()), body),
        "ShopIQ-Event-Id": str(event_id),
        "ShopIQ-Delivery-Attempt": str(attempt),
        "User-Agent": "ShopIQ-Webhooks/1",
    }
    started = time.perf_counter()
    try:
        response = await client.post(
            url,
            content=body,
            headers=headers,
            timeout=settings.timeout_seconds,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], None
    latency = int((time.perf_counter() - started) * 1000)
    error = None if response.is_success else f"HTTP {response.status_code}"
    return response.status_code, error, latency


async def due(
    sessions: async_sessionmaker[AsyncSession], *, limit: int = 100, now: datetime | None = None
) -> Sequence[int]:
    now = now or utcnow()
    async with sessions() as session:
        rows = await session.scalars(
            select(WebhookDelivery.id)
            .where(
                and_(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                )
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        return list(rows)


async def run_due(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: DispatchSettings,
    *,
    now: datetime | None = None,
) -> int:
    """Fans out new events, then attempts every due delivery. The number of attempts made."""
    await fan_out(sessions, settings, now=now)
    made = 0
    for delivery_id in await due(sessions, now=now):
        if await deliver(sessions, client, settings, delivery_id, now=now) is not None:
            made += 1
    return made
