"""The demo's money: billing terms (with a change of terms), and a year and more of service
invoices in every state (paid, issued, overdue, draft, void), so the billing screens show real
shapes. Dates count back from the day of seeding."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Client, Partner
from db.money import (
    BillingCycle,
    BillingTerms,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
)

NW, BF = "northwind-digital", "bluefin-studio"
MONTHLY, QUARTERLY = BillingCycle.MONTHLY, BillingCycle.QUARTERLY


@dataclass(frozen=True)
class DemoTerms:
    """A version of a partner's terms with a client, from `months_ago` months back (to
    `ended_months_ago`, if given)."""

    partner: str
    client: str
    months_ago: int
    currency: str
    implementation_fee: int  # minor units
    recurring_fee: int  # minor units
    cycle: BillingCycle
    payment_days: int
    ended_months_ago: int | None = None


TERMS = (
    DemoTerms(NW, "Lumen Candles", 14, "USD", 250_000, 39_900, MONTHLY, 14),
    # Lumen's retainer went up two months ago: a second version, the first stays as it was.
    DemoTerms(NW, "Lumen Candles", 2, "USD", 0, 49_900, MONTHLY, 14),
    DemoTerms(NW, "Aster Apparel", 13, "USD", 150_000, 120_000, QUARTERLY, 30),
    DemoTerms(NW, "Copperleaf Tea", 12, "GBP", 0, 35_000, MONTHLY, 30),
    DemoTerms(BF, "Harbor Coffee", 13, "USD", 90_000, 29_900, MONTHLY, 21),
    # Tidal Threads moved: Northwind billed it until it left, Bluefin since.
    DemoTerms(NW, "Tidal Threads", 20, "USD", 100_000, 25_000, MONTHLY, 30, ended_months_ago=9),
    DemoTerms(BF, "Tidal Threads", 8, "USD", 0, 27_500, MONTHLY, 30),
)


def months_back(today: date, months: int) -> date:
    """The first of the month `months` months before today's."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _status(period_start: date, today: date, index: int) -> InvoiceStatus:
    """Old invoices are paid; last month's is issued (and overdue where the terms are short);
    this month's is a draft. One early invoice was voided and written again."""
    age = (today.year * 12 + today.month) - (period_start.year * 12 + period_start.month)
    if age <= 0:
        return InvoiceStatus.DRAFT
    if age <= 2:
        return InvoiceStatus.ISSUED
    return InvoiceStatus.VOID if index == 1 else InvoiceStatus.PAID


async def seed_money(session: AsyncSession) -> None:
    today = utcnow().date()
    partners = dict((await session.execute(select(Partner.slug, Partner.id))).all())
    clients = dict((await session.execute(select(Client.business_name, Client.id))).all())
    invoices: list[tuple[Invoice, InvoiceLine]] = []
    by_pair: dict[tuple[str, str], list[DemoTerms]] = {}
    for spec in TERMS:
        by_pair.setdefault((spec.partner, spec.client), []).append(spec)
    for (slug, name), versions in by_pair.items():
        rows = []
        for spec in versions:
            row = BillingTerms(
                partner_id=partners[slug],
                client_id=clients[name],
                effective_from=months_back(today, spec.months_ago),
                end_date=months_back(today, spec.ended_months_ago) - timedelta(days=1)
                if spec.ended_months_ago is not None
                else None,
                currency=spec.currency,
                implementation_fee_minor=spec.implementation_fee,
                recurring_fee_minor=spec.recurring_fee,
                cycle=spec.cycle,
                payment_terms_days=spec.payment_days,
            )
            session.add(row)
            rows.append(row)
        await session.flush()
        for position, (spec, row) in enumerate(zip(versions, rows, strict=True)):
            stop = rows[position + 1].effective_from if position + 1 < len(rows) else None
            if row.end_date is not None:
                stop = row.end_date + timedelta(days=1)
            if spec.implementation_fee:
                invoices.append(
                    _invoice(row, InvoiceKind.IMPLEMENTATION, row.effective_from, None, today, 2)
                )
            step = 3 if spec.cycle == QUARTERLY else 1
            n = 0
            while True:
                start = _add_months(row.effective_from, n * step)
                if start > today or (stop is not None and start >= stop):
                    break
                end = _add_months(row.effective_from, (n + 1) * step) - timedelta(days=1)
                invoices.append(_invoice(row, InvoiceKind.RECURRING, start, end, today, n))
                n += 1
    # Numbers per partner in the order the invoices were issued; drafts have none.
    invoices.sort(key=lambda pair: (pair[0].issue_date or date.max, pair[0].client_id))
    last: dict[int, int] = {}
    for invoice, _line in invoices:
        if invoice.status != InvoiceStatus.DRAFT:
            last[invoice.partner_id] = last.get(invoice.partner_id, 0) + 1
            invoice.number = last[invoice.partner_id]
    session.add_all(invoice for invoice, _ in invoices)
    await session.flush()
    for invoice, line in invoices:
        line.invoice_id = invoice.id
    session.add_all(line for _, line in invoices)
    session.add_all(
        InvoiceSequence(partner_id=partner_id, last_number=number)
        for partner_id, number in last.items()
    )
    await session.flush()


def _invoice(
    terms: BillingTerms,
    kind: InvoiceKind,
    start: date,
    end: date | None,
    today: date,
    index: int,
) -> tuple[Invoice, InvoiceLine]:
    status = _status(start, today, index)
    fee = (
        terms.implementation_fee_minor
        if kind == InvoiceKind.IMPLEMENTATION
        else terms.recurring_fee_minor
    )
    issued = None if status == InvoiceStatus.DRAFT else start
    invoice = Invoice(
        partner_id=terms.partner_id,
        client_id=terms.client_id,
        billing_terms_id=terms.id,
        kind=kind,
        status=status,
        currency=terms.currency,
        period_start=start,
        period_end=end,
        payment_terms_days=terms.payment_terms_days,
        issue_date=issued,
        due_date=issued + timedelta(days=terms.payment_terms_days) if issued else None,
        subtotal_minor=fee,
        tax_minor=0,
        total_minor=fee,
    )
    if status == InvoiceStatus.PAID:
        invoice.paid_at = utcnow() - timedelta(days=(today - start).days - 10)
        invoice.payment_reference = f"BANK-{start:%Y%m}-{terms.client_id}"
    if status == InvoiceStatus.VOID:
        invoice.voided_at = utcnow() - timedelta(days=(today - start).days - 1)
    what = (
        "Implementation fee"
        if kind == InvoiceKind.IMPLEMENTATION
        else f"{terms.cycle.value.capitalize()} fee, {start.isoformat()} to {end}"
    )
    line = InvoiceLine(
        partner_id=terms.partner_id,
        client_id=terms.client_id,
        position=1,
        description=what,
        quantity_thousandths=1000,
        unit_price_minor=fee,
        tax_rate_bp=None,
        amount_minor=fee,
        tax_minor=0,
    )
    return invoice, line
