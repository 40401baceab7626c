"""The shared state of the per-viewer rate limit when several workers run (server.rate_limit):
one token bucket per key, updated by one atomic UPSERT per request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class RateLimitBucket(Base):
    __tablename__ = "rate_limit_buckets"

    # "user:<id>", or "address:<client address>" for a request without a viewer.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Points left after the last request, and when it was taken (the refill runs from there).
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime]
    # Whether the last request was refused (its cost was more than the bucket held).
    refused: Mapped[bool]
