"""Email notifications: each user's preferences, and one row per mail made for a user (from an
outbox event, or a day's digest), which is also its place in the send queue. A mail exists once
per (user, key): the key is the event ("event:42") or the digest's day ("digest:2026-11-28"), so
running the jobs twice mails nobody twice."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps, str_enum, utcnow


class NotificationKind(StrEnum):
    """The mails an event makes; a user may turn each kind off (NotificationPreference)."""

    INVITATION = "invitation"  # to the person invited to a team or a client
    ACCESS_REQUESTED = "access_requested"  # to the merchant owners of the client
    ACCESS_APPROVED = "access_approved"  # to the partner's owners and admins
    ACCESS_REVOKED = "access_revoked"  # to the partner's owners and admins
    HANDOVER = "handover"  # to the merchant owners of the client handed over
    INVOICE_ISSUED = "invoice_issued"  # to the merchant owners of the invoiced client


class MailKind(StrEnum):
    """What a mail is: one of the event kinds, or the daily digest of overdue tasks (to the
    partner members who turned it on)."""

    INVITATION = "invitation"
    ACCESS_REQUESTED = "access_requested"
    ACCESS_APPROVED = "access_approved"
    ACCESS_REVOKED = "access_revoked"
    HANDOVER = "handover"
    INVOICE_ISSUED = "invoice_issued"
    DAILY_DIGEST = "daily_digest"


class MailStatus(StrEnum):
    PENDING = "pending"  # not sent yet, or to be tried again at `next_attempt_at`
    SENT = "sent"
    FAILED = "failed"  # given up after the last attempt


class NotificationPreference(Timestamps, Base):
    """A user's choice of mails. Without a row: every event kind on, the digest off."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # The event kinds (NotificationKind values) the user does not want.
    muted_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The last day whose digest was considered (made, or nothing was overdue): the digest job
    # claims a user's day by moving it on, so each user is looked at once a day.
    digest_done_on: Mapped[date | None] = mapped_column(Date)


class SentMail(Base):
    """One mail to one user, rendered when it was made (what the recipient could read then),
    with its sending state: attempts so far, the next one, the last error."""

    __tablename__ = "sent_mails"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_sent_mails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # "event:<outbox event id>" or "digest:<day>".
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[MailKind] = mapped_column(str_enum(MailKind))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # The one-click unsubscribe link of a digest (RFC 8058 headers); null for other mails.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
