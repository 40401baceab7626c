"""Saved reports: a partner's named GraphQL queries with their default variables. A report is
only the text of a query; whoever runs it sees what their own permissions let them see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps

# Longest document of a saved report (characters).
DOCUMENT_LIMIT = 20_000


class SavedReport(Timestamps, Base):
    """A named query of a partner. `author_member_id` is the membership that saved it."""

    __tablename__ = "saved_reports"
    __table_args__ = (UniqueConstraint("partner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    author_member_id: Mapped[int] = mapped_column(ForeignKey("partner_members.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text, info={"max_length": DOCUMENT_LIMIT})
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}
