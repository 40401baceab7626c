"""The demo's money: billing terms (with a change of terms), a year and more of service invoices
in every state (paid, issued, overdue, draft, void), commission terms, and 14 months of ShopIQ
subscription charges with the commissions earned on them (paid, approved, pending, reversed by
refunds) and the reasons where none was, so the billing and earnings screens show real shapes.
Dates count back from the day of seeding."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Client, Partner, PartnerAccess
from db.money import (
    BillingCycle,
    BillingTerms,
    ChargeKind,
    Commission,
    CommissionStatus,
    CommissionTerms,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    NoCommissionReason,
    SubscriptionCharge,
)
from db.payouts import Payout, PayoutItem, PayoutMinimum, PayoutStatus

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
    await seed_commissions(session)
    await seed_payouts(session)


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


# --- Commissions ------------------------------------------------------------------------------

# The program's terms per tier (rate in basis points, duration in months, hold in days), and
# Bluefin's own override.
PROGRAM = (("gold", 2000, 24, 30), ("silver", 1500, 12, 30), ("platinum", 2500, 36, 14))
OVERRIDES = ((BF, 1750, 18, 21),)
# The ShopIQ plan every partnered demo client pays monthly (minor units of USD), and the clients
# charged: 14 months each, so the commission of each partner's access shows up where it applied.
PLAN_FEE = 7_900
CHARGED = (
    "Lumen Candles",
    "Aster Apparel",
    "Copperleaf Tea",
    "Harbor Coffee",
    "Tidal Threads",
    "Alpine Honey",
    "Solo Soaps",
)
HISTORY_MONTHS = 14


def _half_even(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


async def seed_commissions(session: AsyncSession) -> None:
    """Commission terms, 14 months of subscription charges with their commissions (older ones
    paid, then approved, the last month's pending), two refunds with their reversals, and the
    charges that earned nothing with the reason why."""
    now = utcnow()
    today = now.date()
    program = [
        CommissionTerms(
            is_program=True,
            tier=tier,
            effective_from=date(2020, 1, 1),
            rate_bp=rate,
            duration_months=months,
            hold_days=hold,
        )
        for tier, rate, months, hold in PROGRAM
    ]
    partners = {p.slug: p for p in (await session.execute(select(Partner))).scalars()}
    overrides = [
        CommissionTerms(
            partner_id=partners[slug].id,
            effective_from=date(2020, 1, 1),
            rate_bp=rate,
            duration_months=months,
            hold_days=hold,
        )
        for slug, rate, months, hold in OVERRIDES
    ]
    session.add_all([*program, *overrides])
    await session.flush()
    by_partner = {t.partner_id: t for t in overrides}
    by_tier = {t.tier: t for t in program}
    clients = dict((await session.execute(select(Client.business_name, Client.id))).all())
    accesses = (await session.execute(select(PartnerAccess))).scalars().all()
    charges: list[tuple[SubscriptionCharge, Commission | None]] = []
    for name in CHARGED:
        client_id = clients[name]
        for back in range(HISTORY_MONTHS, -1, -1):
            start = months_back(today, back)
            charged_at = datetime.combine(start, time(9), UTC)
            charge = SubscriptionCharge(
                external_id=f"demo-{client_id}-{start:%Y%m}",
                client_id=client_id,
                kind=ChargeKind.SUBSCRIPTION,
                amount_minor=PLAN_FEE,
                currency="USD",
                period_start=start,
                period_end=_add_months(start, 1) - timedelta(days=1),
                charged_at=charged_at,
                payload_hash=f"{client_id:032d}{start:%Y%m%d}".ljust(64, "0"),
            )
            charges.append((charge, _commission(charge, accesses, partners, by_partner, by_tier)))
    session.add_all(c for c, _ in charges)
    await session.flush()
    for charge, commission in charges:
        if commission is not None:
            commission.charge_id = charge.id
            age = (today - charge.period_start).days
            if age > 120:
                commission.status = CommissionStatus.PAID
            elif commission.hold_until < today:
                commission.status = CommissionStatus.APPROVED
            session.add(commission)
    await session.flush()
    earned = [(c, m) for c, m in charges if m is not None]
    # Refunds: half of one recent charge, and all of an older one.
    for (charge, commission), share in ((earned[-1], 2), (earned[len(earned) // 2], 1)):
        assert commission is not None
        refund_minor = -(charge.amount_minor // share)
        refund = SubscriptionCharge(
            external_id=f"{charge.external_id}-refund",
            client_id=charge.client_id,
            partner_id=charge.partner_id,
            kind=ChargeKind.REFUND,
            amount_minor=refund_minor,
            currency=charge.currency,
            period_start=charge.period_start,
            period_end=charge.period_end,
            charged_at=charge.charged_at + timedelta(days=5),
            refunds_charge_id=charge.id,
            payload_hash=f"{charge.payload_hash[:60]}ffff",
        )
        session.add(refund)
        await session.flush()
        amount = -_half_even(
            Decimal(commission.amount_minor) * Decimal(-refund_minor) / Decimal(charge.amount_minor)
        )
        session.add(
            Commission(
                partner_id=commission.partner_id,
                client_id=commission.client_id,
                charge_id=refund.id,
                terms_id=commission.terms_id,
                access_id=commission.access_id,
                reverses_commission_id=commission.id,
                rate_bp=commission.rate_bp,
                base_minor=refund_minor,
                amount_minor=amount,
                currency=commission.currency,
                earned_on=refund.charged_at.date(),
                hold_until=refund.charged_at.date(),
                status=CommissionStatus.PENDING,
            )
        )
    await session.flush()


def _commission(
    charge: SubscriptionCharge,
    accesses: Sequence[PartnerAccess],
    partners: dict[str, Partner],
    by_partner: dict[int | None, CommissionTerms],
    by_tier: dict[str | None, CommissionTerms],
) -> Commission | None:
    """The commission the rules give (see resolvers/commissions.py), or the reason for none."""
    start = datetime.combine(charge.period_start, time(), UTC)
    client_accesses = [a for a in accesses if a.client_id == charge.client_id]
    if not client_accesses:
        charge.no_commission_reason = NoCommissionReason.NO_PARTNER
        return None
    covering = [
        a
        for a in client_accesses
        if a.activated_at is not None
        and a.activated_at <= start
        and (a.ended_at is None or a.ended_at > start)
        and (a.expires_at is None or a.expires_at > start)
    ]
    if not covering:
        charge.no_commission_reason = NoCommissionReason.ACCESS_NOT_ACTIVE
        return None
    access = covering[-1]
    assert access.activated_at is not None
    charge.partner_id = access.partner_id
    partner = next(p for p in partners.values() if p.id == access.partner_id)
    terms = by_partner.get(partner.id) or by_tier[str(partner.tier)]
    if charge.period_start >= _add_months(access.activated_at.date(), terms.duration_months):
        charge.no_commission_reason = NoCommissionReason.OUTSIDE_DURATION
        return None
    charged_on = charge.charged_at.date()
    return Commission(
        partner_id=partner.id,
        client_id=charge.client_id,
        terms_id=terms.id,
        access_id=access.id,
        rate_bp=terms.rate_bp,
        base_minor=charge.amount_minor,
        amount_minor=_half_even(Decimal(charge.amount_minor) * terms.rate_bp / 10_000),
        currency=charge.currency,
        earned_on=charged_on,
        hold_until=charged_on + timedelta(days=terms.hold_days),
    )


# The payout minimum of the demo's one currency (minor units of USD).
PAYOUT_MINIMUM = 5_000


async def seed_payouts(session: AsyncSession) -> None:
    """A paid payout per partner of its PAID commissions, and, where a partner's first approved
    month alone stays under the minimum, the run that carried that balance forward (its
    commissions stay approved and unpaid for the next run)."""
    session.add(PayoutMinimum(currency="USD", minimum_minor=PAYOUT_MINIMUM))
    commissions = (
        (await session.execute(select(Commission).order_by(Commission.earned_on, Commission.id)))
        .scalars()
        .all()
    )
    for partner_id in sorted({c.partner_id for c in commissions}):
        mine = [c for c in commissions if c.partner_id == partner_id and c.currency == "USD"]
        paid = [c for c in mine if c.status == CommissionStatus.PAID]
        if paid:
            last = max(c.earned_on for c in paid)
            payout = Payout(
                partner_id=partner_id,
                currency="USD",
                period_end=_add_months(last.replace(day=1), 1) - timedelta(days=1),
                status=PayoutStatus.PAID,
                amount_minor=sum(c.amount_minor for c in paid),
                minimum_minor=PAYOUT_MINIMUM,
                commission_count=len(paid),
                reference=f"DEMO-SEPA-{partner_id:04d}-{last:%Y%m}",
                paid_at=datetime.combine(last + timedelta(days=40), time(10), UTC),
            )
            session.add(payout)
            await session.flush()
            session.add_all(
                PayoutItem(commission_id=c.id, payout_id=payout.id, partner_id=partner_id)
                for c in paid
            )
        approved = [c for c in mine if c.status == CommissionStatus.APPROVED]
        if not approved:
            continue
        first = approved[0].earned_on
        balance = sum(c.amount_minor for c in approved if c.earned_on <= first)
        if 0 < balance < PAYOUT_MINIMUM:
            session.add(
                Payout(
                    partner_id=partner_id,
                    currency="USD",
                    period_end=first,
                    status=PayoutStatus.CARRIED_FORWARD,
                    amount_minor=balance,
                    minimum_minor=PAYOUT_MINIMUM,
                    commission_count=0,
                )
            )
    await session.flush()
