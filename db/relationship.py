"""The client relationship: the communication log (with read markers and the revisions of edited
entries), support plans and time entries, and handover documents (links).

Every table carries its tenant keys (client_id, and partner_id for the partner whose team wrote
the row) and a `visibility`: INTERNAL rows belong to that partner's team alone, SHARED rows are
the merchant's too (and the history any later partner of the client sees)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps, str_enum
from db.enums import CommunicationKind, DocumentKind, Visibility

# Longest body of a communication entry.
BODY_LIMIT = 20_000
# Longest description of a support plan's scope, or of a time entry.
SCOPE_LIMIT = 10_000
MINUTES_PER_DAY = 24 * 60


class Communication(Timestamps, Base):
    """One entry of a client's communication log. `partner_id` is the partner whose team wrote
    it, or the client's partner when the merchant wrote it (null when it had none)."""

    __tablename__ = "communications"
    __table_args__ = (Index("ix_communications_client_occurred", "client_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[CommunicationKind] = mapped_column(str_enum(CommunicationKind))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, info={"max_length": BODY_LIMIT})
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    occurred_at: Mapped[datetime]
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility))
    # A reply points at its parent, an entry of the same client.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("communications.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class CommunicationRevision(Base):
    """The subject and body an edit replaced, with the entry's visibility at that time."""

    __tablename__ = "communication_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    communication_id: Mapped[int] = mapped_column(
        ForeignKey("communications.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    # The entry's version whose text this was.
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, info={"max_length": BODY_LIMIT})
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility))
    edited_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime]


class CommunicationRead(Timestamps, Base):
    """How far a user has read a client's log: every entry up to `last_read_id` is read."""

    __tablename__ = "communication_reads"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    last_read_id: Mapped[int] = mapped_column(Integer)


class SupportPlan(Timestamps, Base):
    """What a partner's support covers for a client. One plan is current (`superseded_at` null);
    setting a new one supersedes it and keeps it as history. Plans are always shown to the
    merchant (`visibility` SHARED)."""

    __tablename__ = "support_plans"
    __table_args__ = (
        Index(
            "uq_support_plans_current_client",
            "client_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        CheckConstraint("included_minutes >= 0", name="included_minutes"),
        CheckConstraint("first_response_hours > 0", name="first_response_hours"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    in_scope: Mapped[str] = mapped_column(Text, info={"max_length": SCOPE_LIMIT})
    out_of_scope: Mapped[str | None] = mapped_column(Text, info={"max_length": SCOPE_LIMIT})
    included_minutes: Mapped[int] = mapped_column(Integer)
    first_response_hours: Mapped[int] = mapped_column(Integer)
    channel_email: Mapped[bool] = mapped_column(Boolean)
    channel_phone: Mapped[bool] = mapped_column(Boolean)
    channel_chat: Mapped[bool] = mapped_column(Boolean)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    superseded_at: Mapped[datetime | None]
    set_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility), default=Visibility.SHARED, server_default="shared"
    )


class TimeEntry(Timestamps, Base):
    """Minutes a partner member spent on a client on one day."""

    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_client_date", "client_id", "work_date", "id"),
        Index("ix_time_entries_user_date", "user_id", "work_date"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    # Null once the member leaves the team; the entry stays with the client's history.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_members.id", ondelete="SET NULL")
    )
    # The member's user, copied (a membership never changes user) for the policy's "own entry".
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    work_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": SCOPE_LIMIT})
    billable: Mapped[bool] = mapped_column(Boolean)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class ClientDocument(Timestamps, Base):
    """A document of a client, as a link (no file storage of our own). `version` counts edits;
    an edit of a shared document's link or title asks the merchant to acknowledge it again."""

    __tablename__ = "client_documents"
    __table_args__ = (Index("ix_client_documents_client_id_id", "client_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    url: Mapped[str] = mapped_column(String(2048))
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}
