"""Merchant consent: the one-time access codes a merchant owner hands to a partner."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps


class AccessCode(Timestamps, Base):
    """A one-time code: only its SHA-256 is stored; it works once, until `expires_at`, for the
    client it was created for, and grants at most `scope`."""

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(32))
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The access the code granted when a partner redeemed it.
    used_by_access_id: Mapped[int | None] = mapped_column(ForeignKey("partner_accesses.id"))


def hash_code(code: str) -> str:
    """What is stored of an access code: its SHA-256 (codes are random, 144 bits)."""
    return hashlib.sha256(code.strip().encode()).hexdigest()
