"""Bulk operations: one change asked for many clients or tasks at once, run in the background
item by item (resolvers/bulk_jobs.py). The operation keeps the ids it was asked for, in order;
each finished item leaves one result row (unique per operation and position), written in the
same transaction as the item's own change, so an item is done exactly once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow

# The most ids one operation may name.
MAX_ITEMS = 1000


class BulkKind(StrEnum):
    APPLY_WORKFLOW_TEMPLATE = "apply_workflow_template"
    ASSIGN_MEMBER = "assign_member"
    UPDATE_TASKS = "update_tasks"


class BulkStatus(StrEnum):
    QUEUED = "queued"  # waiting for a runner
    RUNNING = "running"  # a runner holds it (until `lease_until`)
    SUCCEEDED = "succeeded"  # every item done
    PARTIAL = "partial"  # some items done, some refused
    FAILED = "failed"  # every item refused


class BulkOperation(Base):
    """Who asked (`created_by_user_id`: the items run with that user's permissions as they are
    when each item runs), what (`kind`, `params`) and for which ids (`subject_ids`, database ids
    of clients or tasks, in the order given)."""

    __tablename__ = "bulk_operations"
    __table_args__ = (
        Index("ix_bulk_operations_created_by_user_id_id", "created_by_user_id", "id"),
        Index("ix_bulk_operations_status_lease_until", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BulkKind] = mapped_column(str_enum(BulkKind))
    status: Mapped[BulkStatus] = mapped_column(str_enum(BulkStatus), default=BulkStatus.QUEUED)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The partner the change concerns (the template's or the member's), when there is one.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # The change itself, as the single mutation's service takes it (ids are database ids).
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    subject_ids: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    # Items finished (succeeded + failed), and those refused.
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # The request that created it; every item's audit events and domain events carry it.
    request_id: Mapped[str] = mapped_column(String(64))
    # The runner holding it and until when; another runner may take it over after that.
    runner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class BulkResult(Base):
    """The outcome of one item: `errors` holds the userErrors the single mutation answered
    (field, message, code), empty when it succeeded."""

    __tablename__ = "bulk_results"
    __table_args__ = (UniqueConstraint("operation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("bulk_operations.id"))
    # The item's place in `subject_ids`, from 0.
    position: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(Integer)
    succeeded: Mapped[bool] = mapped_column()
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
