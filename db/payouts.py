"""Payouts: what ShopIQ pays a partner for its approved commissions, per currency and period.

A payout run (`runPayouts(periodEnd)`) writes one row per partner and currency that had approved,
unpaid commissions earned up to the period's end: a DUE payout linking them (through
`payout_items`) when their net sum reaches the currency's minimum, else a CARRIED_FORWARD row
that records the balance left for the next run and links nothing. Commissions become PAID when
their payout is marked paid."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, str_enum, utcnow


class PayoutStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    CARRIED_FORWARD = "carried_forward"


class PayoutMinimum(Base):
    """The smallest net balance of a currency paid out; below it the balance is carried
    forward. A currency without a row has no minimum (any positive balance is paid)."""

    __tablename__ = "payout_minimums"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), unique=True)
    minimum_minor: Mapped[int] = mapped_column(BigInteger)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class Payout(Base):
    """One partner's result of a payout run in one currency. `amount_minor` is the net sum of
    the approved commissions (reversals included) unpaid at `period_end`; `minimum_minor` the
    minimum in force then. A run for a period already run (or an earlier one) writes nothing."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint(
            "partner_id", "currency", "period_end", name="uq_payouts_partner_id_currency_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[PayoutStatus] = mapped_column(str_enum(PayoutStatus))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    minimum_minor: Mapped[int] = mapped_column(BigInteger)
    commission_count: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class PayoutItem(Base):
    """A commission (or reversal) paid by a payout; a commission is in one payout at most."""

    __tablename__ = "payout_items"

    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id"), primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
