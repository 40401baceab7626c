"""Billing terms and service invoices: setting a new version of a client's terms, writing,
issuing, settling and voiding invoices, and drafting the invoices the terms imply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import AccessStatus
from db.models import Client, Partner, PartnerAccess
from db.money import (
    BillingCycle,
    BillingTerms,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
)
from resolvers.billing_rules import (
    INVOICE,
    Period,
    Version,
    line_amounts,
    periods,
    to_basis_points,
    to_thousandths,
)
from resolvers.changes import Changes
from resolvers.context import Context
from resolvers.money import Money, MoneyError
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, FieldName, Problem, Refused, refuse
from resolvers.task_queries import today

MAX_LINES = 100
MAX_PAYMENT_DAYS = 365
MAX_QUANTITY_THOUSANDTHS = 1_000_000_000  # a million units
MAX_AMOUNT_MINOR = 10**15
DEFAULT_PAYMENT_DAYS = 30
INVOICE_FIELD = "invoice_id"


@dataclass(frozen=True, slots=True)
class Amount:
    """A decimal amount and currency code as the caller gave them."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None


def money_at(field: FieldName, value: Amount, *, allow_negative: bool = False) -> Money:
    """The amount as exact money, or a refusal at `field` saying why it is not."""
    try:
        money = Money.of(value.amount, value.currency)
    except MoneyError as exc:
        raise refuse(field, str(exc), ErrorCode.INVALID) from None
    if (money.minor < 0 and not allow_negative) or abs(money.minor) > MAX_AMOUNT_MINOR:
        raise refuse(field, "Use an amount from 0 up to a trillion.", ErrorCode.INVALID)
    return money


async def serving_partner(session: AsyncSession, client: Client) -> int:
    """The partner whose access to the client is active (the one that bills it)."""
    partner_id = (
        await session.execute(
            select(PartnerAccess.partner_id).where(
                PartnerAccess.client_id == client.id, PartnerAccess.status == AccessStatus.ACTIVE
            )
        )
    ).scalar_one_or_none()
    if partner_id is None:  # the policy let a manager through, so an access is active
        raise refuse("client_id", "No partner serves this client.", ErrorCode.NOT_FOUND)
    return partner_id


def _days(field: FieldName, days: int) -> int:
    if not 0 <= days <= MAX_PAYMENT_DAYS:
        raise refuse(field, f"Use 0 to {MAX_PAYMENT_DAYS} days.", ErrorCode.INVALID)
    return days


# --- Billing terms --------------------------------------------------------------------------


async def set_billing_terms(
    ctx: Context,
    client_id: int | None,
    changes: Changes,
    *,
    recurring_fee: Amount,
    implementation_fee: Amount | None,
) -> Outcome[BillingTerms]:
    """A new version of the client's terms with the viewer's partner. Versions only ever follow
    the latest one: an effective date on or before it is refused, so history stays as it was."""

    async def work(session: AsyncSession) -> BillingTerms:
        client = await target(
            session, ctx, Client, client_id, action="manage_billing", field="client_id"
        )
        partner_id = await serving_partner(session, client)
        recurring = money_at("recurring_fee", recurring_fee)
        implementation = (
            money_at("implementation_fee", implementation_fee)
            if implementation_fee is not None
            else Money.zero(recurring.currency)
        )
        if implementation.currency != recurring.currency:
            raise refuse(
                "implementation_fee",
                f"Use the recurring fee's currency ({recurring.currency}).",
                ErrorCode.INVALID,
            )
        effective: date = changes.get("effective_from")
        end: date | None = changes.get("end_date")
        if end is not None and end < effective:
            raise refuse("end_date", "End on or after the effective date.", ErrorCode.INVALID)
        latest = (
            await session.execute(
                select(BillingTerms.effective_from)
                .where(BillingTerms.partner_id == partner_id, BillingTerms.client_id == client.id)
                .order_by(BillingTerms.effective_from.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if latest is not None and effective <= latest:
            raise refuse(
                "effective_from",
                f"Terms change from a date after the latest version ({latest.isoformat()}).",
                ErrorCode.INVALID,
            )
        terms = BillingTerms(
            partner_id=partner_id,
            client_id=client.id,
            effective_from=effective,
            end_date=end,
            currency=recurring.currency,
            implementation_fee_minor=implementation.minor,
            recurring_fee_minor=recurring.minor,
            cycle=BillingCycle(changes.get("cycle")),
            payment_terms_days=_days("payment_terms_days", changes.get("payment_terms_days")),
            created_by_user_id=ctx.viewer.user_id,
        )
        session.add(terms)
        await session.flush()
        return terms

    return await transact(ctx, work)


# --- Invoices -------------------------------------------------------------------------------


def _lines(invoice: Invoice, lines: Sequence[LineInput], currency: str) -> list[InvoiceLine]:
    """The invoice's lines, every problem of every line reported at once; sets the totals."""
    problems: list[Problem] = []
    if not lines:
        problems.append(Problem.at("lines", "Add at least one line.", ErrorCode.REQUIRED))
    if len(lines) > MAX_LINES:
        problems.append(Problem.at("lines", f"Use at most {MAX_LINES} lines.", ErrorCode.TOO_LONG))
    rows: list[InvoiceLine] = []
    for position, line in enumerate(lines[:MAX_LINES], start=1):
        at = ("lines", position - 1)
        description = line.description.strip()
        if not description or len(description) > 500:
            problems.append(
                Problem.at((*at, "description"), "Use 1 to 500 characters.", ErrorCode.INVALID)
            )
        quantity = to_thousandths(line.quantity)
        if quantity is None or not 0 < quantity <= MAX_QUANTITY_THOUSANDTHS:
            problems.append(
                Problem.at(
                    (*at, "quantity"),
                    "Use a positive quantity with at most 3 decimals.",
                    ErrorCode.INVALID,
                )
            )
        rate = None if line.tax_rate is None else to_basis_points(line.tax_rate)
        if line.tax_rate is not None and (rate is None or not 0 <= rate <= 10_000):
            problems.append(
                Problem.at(
                    (*at, "tax_rate"),
                    "Use a rate from 0 to 1 (0.2 is 20 %) with at most 4 decimals.",
                    ErrorCode.INVALID,
                )
            )
        try:
            unit = money_at(
                (*at, "unit_price"), Amount(line.unit_price, currency), allow_negative=True
            )
        except Refused as refusal:
            problems += refusal.problems
            continue
        if problems:
            continue
        assert quantity is not None
        amounts = line_amounts(quantity, unit.minor, rate)
        rows.append(
            InvoiceLine(
                partner_id=invoice.partner_id,
                client_id=invoice.client_id,
                position=position,
                description=description,
                quantity_thousandths=quantity,
                unit_price_minor=unit.minor,
                tax_rate_bp=rate,
                amount_minor=amounts.amount_minor,
                tax_minor=amounts.tax_minor,
            )
        )
    if problems:
        raise Refused(*problems)
    _total(invoice, rows)
    return rows


def _total(invoice: Invoice, lines: Sequence[InvoiceLine]) -> None:
    invoice.subtotal_minor = sum(line.amount_minor for line in lines)
    invoice.tax_minor = sum(line.tax_minor for line in lines)
    invoice.total_minor = invoice.subtotal_minor + invoice.tax_minor


async def create_invoice(
    ctx: Context,
    client_id: int | None,
    currency: str,
    lines: Sequence[LineInput],
    payment_terms_days: int | None,
) -> Outcome[Invoice]:
    """A draft invoice of the viewer's partner to the client (no number until issued)."""

    async def work(session: AsyncSession) -> Invoice:
        client = await target(
            session, ctx, Client, client_id, action="manage_billing", field="client_id"
        )
        partner_id = await serving_partner(session, client)
        days = DEFAULT_PAYMENT_DAYS if payment_terms_days is None else payment_terms_days
        invoice = Invoice(
            partner_id=partner_id,
            client_id=client.id,
            kind=InvoiceKind.MANUAL,
            status=InvoiceStatus.DRAFT,
            currency=currency,
            payment_terms_days=_days("payment_terms_days", days),
        )
        rows = _lines(invoice, lines, currency)
        session.add(invoice)
        await session.flush()
        for row in rows:
            row.invoice_id = invoice.id
        session.add_all(rows)
        await session.flush()
        return invoice

    return await transact(ctx, work)


async def next_invoice_number(session: AsyncSession, partner_id: int) -> int:
    """The partner's next invoice number, taken inside the caller's transaction. The UPDATE
    locks the partner's sequence row until the transaction ends, so concurrent issuers take
    turns on PostgreSQL (SQLite has one writer anyway); a rollback gives the number back."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    await session.execute(
        insert(InvoiceSequence)
        .values(partner_id=partner_id, last_number=0)
        .on_conflict_do_nothing(index_elements=[InvoiceSequence.partner_id])
    )
    number = (
        await session.execute(
            update(InvoiceSequence)
            .where(InvoiceSequence.partner_id == partner_id)
            .values(last_number=InvoiceSequence.last_number + 1)
            .returning(InvoiceSequence.last_number)
        )
    ).scalar_one()
    return int(number)


async def issue_invoice(
    ctx: Context, invoice_id: int | None, version: int, issue_date: date | None
) -> Outcome[Invoice]:
    """DRAFT -> ISSUED: the partner's next number, the issue date (today unless given) and the
    due date (issue date + payment terms)."""

    async def work(session: AsyncSession) -> Invoice:
        invoice = await target(
            session, ctx, Invoice, invoice_id, action="manage", field=INVOICE_FIELD
        )
        expect_version(invoice, version)
        invoice.status = INVOICE.move(invoice.status, InvoiceStatus.ISSUED, "invoice_id")
        issued = issue_date or today()
        invoice.issue_date = issued
        invoice.due_date = issued + timedelta(days=invoice.payment_terms_days)
        invoice.number = await next_invoice_number(session, invoice.partner_id)
        await session.flush()
        return invoice

    return await transact(ctx, work)


async def mark_invoice_paid(
    ctx: Context, invoice_id: int | None, version: int, reference: str | None
) -> Outcome[Invoice]:
    async def work(session: AsyncSession) -> Invoice:
        invoice = await target(
            session, ctx, Invoice, invoice_id, action="manage", field=INVOICE_FIELD
        )
        expect_version(invoice, version)
        invoice.status = INVOICE.move(invoice.status, InvoiceStatus.PAID, "invoice_id")
        invoice.paid_at = utcnow()
        cleaned = (reference or "").strip() or None
        if cleaned is not None and len(cleaned) > 200:
            raise refuse("reference", "Use at most 200 characters.", ErrorCode.TOO_LONG)
        invoice.payment_reference = cleaned
        await session.flush()
        return invoice

    return await transact(ctx, work)


async def void_invoice(ctx: Context, invoice_id: int | None, version: int) -> Outcome[Invoice]:
    """A draft or issued invoice becomes void; an issued one keeps its number (no gaps)."""

    async def work(session: AsyncSession) -> Invoice:
        invoice = await target(
            session, ctx, Invoice, invoice_id, action="manage", field=INVOICE_FIELD
        )
        expect_version(invoice, version)
        invoice.status = INVOICE.move(invoice.status, InvoiceStatus.VOID, "invoice_id")
        invoice.voided_at = utcnow()
        await session.flush()
        return invoice

    return await transact(ctx, work)


# --- Recurring invoices ---------------------------------------------------------------------


def _cycle_name(cycle: BillingCycle) -> str:
    return {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Annual"}[cycle.value]


def _draft(terms: BillingTerms, kind: InvoiceKind, start: date, end: date | None) -> Invoice:
    return Invoice(
        partner_id=terms.partner_id,
        client_id=terms.client_id,
        billing_terms_id=terms.id,
        kind=kind,
        status=InvoiceStatus.DRAFT,
        currency=terms.currency,
        period_start=start,
        period_end=end,
        payment_terms_days=terms.payment_terms_days,
    )


def _fee_line(invoice: Invoice, description: str, fee_minor: int) -> InvoiceLine:
    line = InvoiceLine(
        partner_id=invoice.partner_id,
        client_id=invoice.client_id,
        position=1,
        description=description,
        quantity_thousandths=1000,
        unit_price_minor=fee_minor,
        tax_rate_bp=None,
        amount_minor=fee_minor,
        tax_minor=0,
    )
    _total(invoice, [line])
    return line


async def generate_recurring_invoices(
    ctx: Context, partner_id: int | None, as_of: date
) -> Outcome[list[Invoice]]:
    """Draft, for every client whose billing the viewer manages for the partner, the invoices
    its terms imply up to `as_of`: the implementation fee once, and one invoice per recurring
    period that has started. What was drafted before (in any status) is not drafted again, so
    re-running creates nothing new."""

    async def work(session: AsyncSession) -> list[Invoice]:
        partner = await target(session, ctx, Partner, partner_id, action="read", field="partner_id")
        managed = select(Client.id).where(ctx.authz.filter(ctx.viewer, "manage_billing", Client))
        versions = (
            (
                await session.execute(
                    select(BillingTerms)
                    .where(
                        BillingTerms.partner_id == partner.id,
                        BillingTerms.client_id.in_(managed),
                        BillingTerms.effective_from <= as_of,
                    )
                    .order_by(BillingTerms.client_id, BillingTerms.effective_from)
                )
            )
            .scalars()
            .all()
        )
        by_client: dict[int, list[BillingTerms]] = {}
        for terms in versions:
            by_client.setdefault(terms.client_id, []).append(terms)
        found = (
            await session.execute(
                select(Invoice.client_id, Invoice.kind, Invoice.period_start).where(
                    Invoice.partner_id == partner.id,
                    Invoice.client_id.in_(by_client),
                    Invoice.kind.in_([InvoiceKind.RECURRING, InvoiceKind.IMPLEMENTATION]),
                )
            )
        ).all()
        existing = {(row[0], InvoiceKind(row[1]), row[2]) for row in found}
        implemented = {client for client, kind, _ in existing if kind == InvoiceKind.IMPLEMENTATION}
        created: list[tuple[Invoice, InvoiceLine]] = []
        for client_id, client_versions in by_client.items():
            first_fee = next((t for t in client_versions if t.implementation_fee_minor), None)
            if first_fee is not None and client_id not in implemented:
                invoice = _draft(
                    first_fee, InvoiceKind.IMPLEMENTATION, first_fee.effective_from, None
                )
                created.append(
                    (
                        invoice,
                        _fee_line(
                            invoice, "Implementation fee", first_fee.implementation_fee_minor
                        ),
                    )
                )
            by_id = {t.id: t for t in client_versions}
            specs = [Version(t.id, t.effective_from, t.end_date, t.cycle) for t in client_versions]
            for period in periods(specs, as_of):
                if (client_id, InvoiceKind.RECURRING, period.start) in existing:
                    continue
                terms = by_id[period.version_id]
                if terms.recurring_fee_minor == 0:
                    continue
                invoice = _draft(terms, InvoiceKind.RECURRING, period.start, period.end)
                created.append(
                    (
                        invoice,
                        _fee_line(invoice, _describe(terms, period), terms.recurring_fee_minor),
                    )
                )
        session.add_all([invoice for invoice, _ in created])
        await session.flush()
        for invoice, line in created:
            line.invoice_id = invoice.id
        session.add_all([line for _, line in created])
        await session.flush()
        return [invoice for invoice, _ in created]

    return await transact(ctx, work)


def _describe(terms: BillingTerms, period: Period) -> str:
    return f"{_cycle_name(terms.cycle)} fee, {period.start.isoformat()} to {period.end.isoformat()}"
