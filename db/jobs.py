"""Background jobs' own bookkeeping: the marks that make a scheduled job's event happen once,
and the dead letters (jobs that failed after their last retry) that platform staff read.

The job engine's own tables (procrastinate's queue, PostgreSQL only) are created by migration
0015 from the SQL procrastinate ships and are not mapped here: `ENGINE_TABLE_PREFIX` names
them for whoever compares the models with the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

__all__ = [
    "ENGINE_TABLE_PREFIX",
    "ERROR_LIMIT",
    "AccessExpiryMark",
    "FailedJob",
    "TaskOverdueMark",
    "ours",
]

# procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, ...
ENGINE_TABLE_PREFIX = "procrastinate_"
ERROR_LIMIT = 2000


def ours(table_name: str) -> bool:
    """A table of our models (not the job engine's)."""
    return not table_name.startswith(ENGINE_TABLE_PREFIX)


class TaskOverdueMark(Base):
    """That task.overdue was recorded for this task and due date. A new due date can become
    overdue again: a new mark. Inserted with the event, in one transaction, by an INSERT that
    skips a mark already there, so two runs (or two workers at once) make it, and its event,
    once."""

    __tablename__ = "task_overdue_marks"
    __table_args__ = (UniqueConstraint("task_id", "due_date", name="uq_task_overdue_marks_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class AccessExpiryMark(Base):
    """That access.expired was recorded for this access and expiry (as TaskOverdueMark)."""

    __tablename__ = "access_expiry_marks"
    __table_args__ = (
        UniqueConstraint("access_id", "expires_at", name="uq_access_expiry_marks_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    access_id: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class FailedJob(Base):
    """A job that failed its last attempt (the dead letter): what ran, with which arguments,
    how often, and the last error. Platform-level: it belongs to no partner or client; platform
    staff alone read it (policies/jobs.polar)."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The registry's job name, e.g. "tasks.mark_overdue".
    job_name: Mapped[str] = mapped_column(String(100), index=True)
    # The engine's id of the job (procrastinate's), null when it ran in no queue.
    engine_job_id: Mapped[int | None] = mapped_column(Integer)
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, info={"max_length": ERROR_LIMIT})
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
