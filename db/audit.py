"""The audit trail's table: one row per object a mutation created, changed or deleted, written in
the mutation's own transaction by the capture in db/audit_capture.py."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow


class AuditOperation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


# Stored in place of the value of a column marked `info={"secret": True}`: never written at all.
SECRET_MARKER = "[secret]"


class AuditEvent(Base):
    """Who changed what, when. Rows are only ever inserted. `changes` maps each changed column
    to {"before": ..., "after": ...} (JSON values; secrets replaced by SECRET_MARKER).
    `internal`: the row was internal to the partner's team before or after the change (a
    `visibility` of "internal", or a task not shared with the merchant); its values are then
    shown only to those who may read internal work (policies/audit.polar)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_partner_id_id", "partner_id", "id"),
        Index("ix_audit_events_client_id_id", "client_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    # Who acted: a signed-in user, or (later) a service acting with its own token.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_service: Mapped[str | None] = mapped_column(String(100))
    # The tenants the change concerns (either may be empty: a platform-wide change has neither).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    # The mutation's GraphQL name, e.g. "onboardClient".
    action: Mapped[str] = mapped_column(String(100))
    operation: Mapped[AuditOperation] = mapped_column(str_enum(AuditOperation))
    # The GraphQL type name of the object changed and its database id (its global id is
    # built from the two).
    target_type: Mapped[str] = mapped_column(String(100))
    target_id: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    request_id: Mapped[str] = mapped_column(String(64))
