"""Idempotency keys: the first result of a creating mutation, by the key its caller sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

# Longest key a caller may send (the `Idempotency-Key` header).
IDEMPOTENCY_KEY_LIMIT = 255


class IdempotencyKey(Base):
    """One key of one user: which request first used it (a fingerprint of its document and
    variables), what it created, and until when a retry gets that back. Written in the same
    transaction as what it created, so a refused or failed mutation leaves no key behind."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # One user's key names one request; a concurrent duplicate waits here for the first.
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LIMIT))
    # SHA-256 (hex) of the request's document, operation name and variables.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The model and id of the row the mutation created.
    result_type: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
