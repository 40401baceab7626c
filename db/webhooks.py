"""Partner webhooks: the endpoints a partner registers, and one delivery per (event, endpoint)
with its attempts' outcome. Deliveries are made by resolvers/webhook_dispatch.py from the outbox
(db/events.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps, str_enum, utcnow


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet, or to be tried again at `next_attempt_at`
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # given up: retried for the whole retry window, or its endpoint disabled


# The most endpoints one partner registers.
MAX_ENDPOINTS = 20


class WebhookEndpoint(Timestamps, Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # The event types it receives (db.events catalogue).
    event_types: Mapped[list[str]] = mapped_column(JSON)
    # Signs each delivery (HMAC-SHA256); shown once, when the endpoint is created.
    secret: Mapped[str] = mapped_column(String(100), info={"secret": True})
    enabled: Mapped[bool] = mapped_column(default=True)
    # Failed attempts in a row; reset by a success. At the limit the endpoint is disabled.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What it is for, in the partner's words.
    description: Mapped[str | None] = mapped_column(String(500))
    # Counts the changes made through the API (optimistic concurrency); the delivery counters
    # the dispatcher keeps (failures, disabling) do not move it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))


class WebhookDelivery(Base):
    """One event for one endpoint: made at most once (unique pair), so a fan-out run twice
    delivers nothing twice."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    # The endpoint's partner (the tenant key the read policy and the audit trail use).
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    # Attempts made so far, and the outcome of the last one.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class OutboxCursor(Base):
    """How far a reader of the outbox has got (the webhook fan-out: "webhooks")."""

    __tablename__ = "outbox_cursors"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
