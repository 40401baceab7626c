"""The money tables: billing terms (versions by effective date) and the service invoices a
partner sends its clients, with their lines and the per-partner invoice number sequence.

Amounts are integers of the currency's minor unit (`*_minor`, next to a `currency` column);
quantities are thousandths and rates basis points (1/100 of a percent), so no column holds a
float or a decimal that SQLite would round."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamps, str_enum, utcnow


class BillingCycle(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class InvoiceKind(StrEnum):
    IMPLEMENTATION = "implementation"
    RECURRING = "recurring"
    MANUAL = "manual"


class BillingTerms(Base):
    """One version of what a partner charges a client, in force from `effective_from` until the
    next version's date (or `end_date`, the last day billed). Rows never change: a change of
    terms is a new version, so history is never rewritten."""

    __tablename__ = "billing_terms"
    __table_args__ = (UniqueConstraint("partner_id", "client_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    implementation_fee_minor: Mapped[int] = mapped_column(BigInteger)
    recurring_fee_minor: Mapped[int] = mapped_column(BigInteger)
    cycle: Mapped[BillingCycle] = mapped_column(str_enum(BillingCycle))
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class Invoice(Timestamps, Base):
    """A partner's invoice to a client. Drafts have no number; issuing takes the partner's next
    number (no gaps: a rolled-back issue gives its number back). Totals are the exact sums of the
    lines, kept in step with them by the service."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("partner_id", "number", name="uq_invoices_partner_id_number"),
        # A recurring period (or the implementation fee) is drafted once per partner and client.
        UniqueConstraint(
            "partner_id", "client_id", "kind", "period_start", name="uq_invoices_partner_id_period"
        ),
        Index("ix_invoices_client_id_id", "client_id", "id"),
        Index("ix_invoices_partner_id_status_due_date", "partner_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    billing_terms_id: Mapped[int | None] = mapped_column(ForeignKey("billing_terms.id"))
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind))
    status: Mapped[InvoiceStatus] = mapped_column(
        str_enum(InvoiceStatus), default=InvoiceStatus.DRAFT
    )
    number: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[datetime | None]
    payment_reference: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class InvoiceLine(Base):
    """One line: quantity (thousandths) x unit price, rounded once half to even to `amount_minor`;
    tax is `amount_minor` x the rate, rounded once likewise."""

    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_invoice_id_position", "invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity_thousandths: Mapped[int] = mapped_column(BigInteger)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)


class InvoiceSequence(Base):
    """A partner's last issued invoice number. Issuing increments it in the issuing
    transaction; the row lock makes concurrent issuers take turns, so numbers never repeat or
    skip."""

    __tablename__ = "invoice_sequences"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# --- Commissions ------------------------------------------------------------------------------


class ChargeKind(StrEnum):
    SUBSCRIPTION = "subscription"
    USAGE = "usage"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class CommissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"
    REVERSED = "reversed"


class NoCommissionReason(StrEnum):
    NO_PARTNER = "no_partner"
    ACCESS_NOT_ACTIVE = "access_not_active"
    OUTSIDE_DURATION = "outside_duration"
    NO_TERMS = "no_terms"
    NOTHING_TO_REVERSE = "nothing_to_reverse"


class CommissionTerms(Base):
    """What ShopIQ pays partners, from `effective_from` on: the program's rate for a tier
    (`is_program`, `tier` set) or one partner's own override (`partner_id` set). Rows never
    change; a change is a new row with a later date, so history is never rewritten."""

    __tablename__ = "commission_terms"
    __table_args__ = (Index("ix_commission_terms_lookup", "partner_id", "tier", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    is_program: Mapped[bool] = mapped_column(default=False)
    tier: Mapped[str | None] = mapped_column(String(32))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    rate_bp: Mapped[int] = mapped_column(Integer)
    duration_months: Mapped[int] = mapped_column(Integer)
    hold_days: Mapped[int] = mapped_column(Integer)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class SubscriptionCharge(Base):
    """A merchant's ShopIQ subscription charge, ingested from platform billing once per external
    id. `partner_id` is the partner whose access covered the charge's period (if any), and
    `no_commission_reason` says why no commission was earned on it."""

    __tablename__ = "subscription_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[ChargeKind] = mapped_column(str_enum(ChargeKind))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    charged_at: Mapped[datetime]
    refunds_charge_id: Mapped[int | None] = mapped_column(ForeignKey("subscription_charges.id"))
    # SHA-256 of the charge as given: the same id with another payload is refused.
    payload_hash: Mapped[str] = mapped_column(String(64))
    no_commission_reason: Mapped[NoCommissionReason | None] = mapped_column(
        str_enum(NoCommissionReason)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class Commission(Base):
    """A partner's earning on a charge (positive), or the reversal of part of one on a refund
    (negative, `reverses_commission_id` set). Amount = base x rate, rounded once half to even."""

    __tablename__ = "commissions"
    __table_args__ = (
        Index("ix_commissions_partner_id_status", "partner_id", "status", "hold_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("subscription_charges.id"), unique=True)
    terms_id: Mapped[int] = mapped_column(ForeignKey("commission_terms.id"))
    access_id: Mapped[int] = mapped_column(ForeignKey("partner_accesses.id"))
    reverses_commission_id: Mapped[int | None] = mapped_column(
        ForeignKey("commissions.id"), index=True
    )
    rate_bp: Mapped[int] = mapped_column(Integer)
    base_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[CommissionStatus] = mapped_column(
        str_enum(CommissionStatus), default=CommissionStatus.PENDING
    )
    earned_on: Mapped[date] = mapped_column(Date)
    hold_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}
