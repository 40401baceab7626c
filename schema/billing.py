"""Billing terms and the service invoices a partner sends its clients: types, inputs and
mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import money as tables
from db.money import BillingCycle, InvoiceKind, InvoiceStatus
from resolvers import billing as billing_service
from resolvers.billing_queries import InvoiceFilter, get_billing_terms, get_invoice
from resolvers.billing_rules import BASIS_POINTS, THOUSANDTHS
from resolvers.billing_rules import overdue as is_overdue
from resolvers.mutations import Outcome
from resolvers.task_queries import today
from schema.enums import register_enums
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of
from schema.money import CurrencyCode, Money, MoneyInput
from schema.relay import LazyNode, Node, RowType, id_of, node

if TYPE_CHECKING:
    from schema.clients import Client
    from schema.partners import Partner

CLIENT: LazyNode[Client] = LazyNode("Client")
PARTNER: LazyNode[Partner] = LazyNode("Partner")

ENUMS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    BillingCycle: (
        "How often the recurring fee is invoiced, counted from the terms' effective date.",
        {
            BillingCycle.MONTHLY: "Every month.",
            BillingCycle.QUARTERLY: "Every three months.",
            BillingCycle.ANNUAL: "Every twelve months.",
        },
    ),
    InvoiceStatus: (
        "Where an invoice is: DRAFT -> ISSUED -> PAID, or VOID from DRAFT or ISSUED.",
        {
            InvoiceStatus.DRAFT: "Being prepared; no number yet; the merchant does not see it.",
            InvoiceStatus.ISSUED: "Sent with the partner's next number; awaiting payment.",
            InvoiceStatus.PAID: "Paid (markInvoicePaid).",
            InvoiceStatus.VOID: "Cancelled; an issued one keeps its number.",
        },
    ),
    InvoiceKind: (
        "Why an invoice exists.",
        {
            InvoiceKind.IMPLEMENTATION: "The terms' implementation fee (drafted once).",
            InvoiceKind.RECURRING: "One period's recurring fee (generateRecurringInvoices).",
            InvoiceKind.MANUAL: "Written by hand (createInvoice).",
        },
    ),
}

register_enums(ENUMS)


@node(get_billing_terms)
@strawberry.type(
    description="One version of what a partner charges a client, in force from its effective "
    "date until the next version's (or its end date). Versions never change."
)
class BillingTerms(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    effective_from: date = strawberry.field(description="The first day these terms apply.")
    end_date: date | None = strawberry.field(
        description="The last day billed under these terms; null: until a newer version."
    )
    cycle: BillingCycle = strawberry.field(description="How often the recurring fee is invoiced.")
    payment_terms_days: int = strawberry.field(
        description="An invoice is due this many days after it is issued."
    )
    created_at: datetime = strawberry.field(description="When this version was set (UTC).")
    _row: strawberry.Private[tables.BillingTerms]

    @strawberry.field(description="Invoiced once, with the first terms that carry it.")
    def implementation_fee(self) -> Money:
        return Money.minor(self._row.implementation_fee_minor, self._row.currency)

    @strawberry.field(description="Invoiced every cycle.")
    def recurring_fee(self) -> Money:
        return Money.minor(self._row.recurring_fee_minor, self._row.currency)

    @strawberry.field(description="The client billed; null if the viewer may not see it.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(description="The partner billing; null if the viewer may not see it.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))


@strawberry.type(description="One line of an invoice.")
class InvoiceLine:
    description: str = strawberry.field(description="What is charged (at most 500 characters).")
    position: int = strawberry.field(description="Place on the invoice, from 1.")
    _row: strawberry.Private[tables.InvoiceLine]
    _currency: strawberry.Private[str]

    @classmethod
    def of(cls, row: tables.InvoiceLine, currency: str) -> InvoiceLine:
        return cls(description=row.description, position=row.position, _row=row, _currency=currency)

    @strawberry.field(description="How many units (at most 3 decimals).")
    def quantity(self) -> Decimal:
        return Decimal(self._row.quantity_thousandths) / THOUSANDTHS

    @strawberry.field(description="The price of one unit.")
    def unit_price(self) -> Money:
        return Money.minor(self._row.unit_price_minor, self._currency)

    @strawberry.field(description="The tax rate as a fraction (0.2 is 20 %); null: no tax.")
    def tax_rate(self) -> Decimal | None:
        bp = self._row.tax_rate_bp
        return None if bp is None else Decimal(bp) / BASIS_POINTS

    @strawberry.field(
        description="Quantity x unit price, rounded once, half to even, to the minor unit."
    )
    def amount(self) -> Money:
        return Money.minor(self._row.amount_minor, self._currency)

    @strawberry.field(description="Amount x tax rate, rounded once, half to even.")
    def tax(self) -> Money:
        return Money.minor(self._row.tax_minor, self._currency)


@node(get_invoice)
@strawberry.type(description="A partner's invoice to a client for its services.")
class Invoice(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; invoice mutations take it as `invoiceId`."
    )
    number: int | None = strawberry.field(
        description="Sequential per partner from 1, without gaps, given when issued; null for "
        "drafts."
    )
    kind: InvoiceKind = strawberry.field(description="Why the invoice exists.")
    status: InvoiceStatus = strawberry.field(description="Where the invoice is.")
    currency: CurrencyCode = strawberry.field(description="The currency of every amount on it.")
    period_start: date | None = strawberry.field(
        description="The first day of the period billed (recurring); null otherwise."
    )
    period_end: date | None = strawberry.field(
        description="The last day of the period billed (recurring); null otherwise."
    )
    payment_terms_days: int = strawberry.field(description="Due this many days after issue.")
    issue_date: date | None = strawberry.field(description="When issued; null for drafts.")
    due_date: date | None = strawberry.field(description="When payment is due; null for drafts.")
    paid_at: datetime | None = strawberry.field(description="When marked paid (UTC).")
    payment_reference: str | None = strawberry.field(
        description="The payment's reference, as recorded when marked paid."
    )
    voided_at: datetime | None = strawberry.field(description="When voided (UTC).")
    created_at: datetime = strawberry.field(description="When drafted (UTC).")
    version: int = strawberry.field(description="Increases with every change; starts at 1.")
    _row: strawberry.Private[tables.Invoice]

    @strawberry.field(description="Issued and past its due date (UTC), not paid or void.")
    def overdue(self) -> bool:
        return is_overdue(self._row.status, self._row.due_date, today())

    @strawberry.field(description="The sum of the lines' amounts.")
    def subtotal(self) -> Money:
        return Money.minor(self._row.subtotal_minor, self._row.currency)

    @strawberry.field(description="The sum of the lines' tax.")
    def tax(self) -> Money:
        return Money.minor(self._row.tax_minor, self._row.currency)

    @strawberry.field(description="Subtotal plus tax: what the client owes.")
    def total(self) -> Money:
        return Money.minor(self._row.total_minor, self._row.currency)

    @strawberry.field(description="The lines in order.")
    async def lines(self, info: Info) -> list[InvoiceLine]:
        rows = await info.context.loaders.invoice_lines.load(self._row.id)
        ordered = sorted(rows, key=lambda r: (r.position, r.id))
        return [InvoiceLine.of(r, self._row.currency) for r in ordered]

    @strawberry.field(description="The client billed; null if the viewer may not see it.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(description="The partner billing; null if the viewer may not see it.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))


@strawberry.input(description="Narrow a list of invoices.")
class InvoiceFilterInput:
    status: list[InvoiceStatus] | None = strawberry.field(
        default=None, description="Only invoices in one of these statuses."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="true: only overdue invoices; false: only those not overdue."
    )

    def to_filter(self) -> InvoiceFilter:
        return InvoiceFilter(statuses=tuple(self.status or ()), overdue=self.overdue)


# --- Mutations ------------------------------------------------------------------------------


@strawberry.input(description="A new version of a client's billing terms.")
class SetBillingTermsInput:
    client_id: strawberry.ID = strawberry.field(description="The Client billed.")
    effective_from: date = strawberry.field(
        description="The first day the terms apply; after the latest version's."
    )
    recurring_fee: MoneyInput = strawberry.field(
        description="Invoiced every cycle; its currency is the terms' currency."
    )
    cycle: BillingCycle = strawberry.field(description="How often the recurring fee is invoiced.")
    implementation_fee: MoneyInput | None = strawberry.field(
        default=None, description="Invoiced once; in the recurring fee's currency. Default 0."
    )
    payment_terms_days: int = strawberry.field(
        default=30, description="Invoices are due this many days (0-365) after issue."
    )
    end_date: date | None = strawberry.field(
        default=None, description="The last day billed; null: until a newer version."
    )


@strawberry.input(description="One line of a new invoice.")
class InvoiceLineInput:
    description: str = strawberry.field(description="What is charged; 1 to 500 characters.")
    unit_price: Decimal = strawberry.field(
        description="The price of one unit in the invoice's currency (at most its minor-unit "
        "digits); negative for a discount."
    )
    quantity: Decimal = strawberry.field(
        default=Decimal(1), description="How many units: positive, at most 3 decimals."
    )
    tax_rate: Decimal | None = strawberry.field(
        default=None, description="Tax rate as a fraction from 0 to 1 (0.2 is 20 %); null: none."
    )


@strawberry.input(description="A new draft invoice.")
class CreateInvoiceInput:
    client_id: strawberry.ID = strawberry.field(description="The Client billed.")
    currency_code: CurrencyCode = strawberry.field(description="The currency of every amount.")
    lines: list[InvoiceLineInput] = strawberry.field(description="1 to 100 lines, in order.")
    payment_terms_days: int | None = strawberry.field(
        default=None, description="Due this many days (0-365) after issue; default 30."
    )


@strawberry.input(description="An invoice to issue.")
class IssueInvoiceInput:
    invoice_id: strawberry.ID = strawberry.field(description="The Invoice, a DRAFT.")
    version: int = strawberry.field(description="Its current `version`; stale is a CONFLICT.")
    issue_date: date | None = strawberry.field(
        default=None, description="The issue date; default today (UTC)."
    )


@strawberry.input(description="An issued invoice the client has paid.")
class MarkInvoicePaidInput:
    invoice_id: strawberry.ID = strawberry.field(description="The Invoice, ISSUED.")
    version: int = strawberry.field(description="Its current `version`; stale is a CONFLICT.")
    reference: str | None = strawberry.field(
        default=None, description="The payment's reference (at most 200 characters)."
    )


@strawberry.input(description="An invoice to void.")
class VoidInvoiceInput:
    invoice_id: strawberry.ID = strawberry.field(description="The Invoice, DRAFT or ISSUED.")
    version: int = strawberry.field(description="Its current `version`; stale is a CONFLICT.")


@strawberry.input(description="Draft the invoices a partner's billing terms imply.")
class GenerateRecurringInvoicesInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner billing.")
    as_of: date = strawberry.field(
        description="Every recurring period started on or before this day is drafted."
    )


@strawberry.type(description="The result of setBillingTerms.")
class BillingTermsPayload:
    billing_terms: BillingTerms | None = strawberry.field(
        description="The new version; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of an invoice mutation.")
class InvoicePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of generateRecurringInvoices.")
class GenerateRecurringInvoicesPayload:
    invoices: list[Invoice] = strawberry.field(
        description="The drafts created by this run; empty when there was nothing new."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _invoice(outcome: Outcome[tables.Invoice]) -> InvoicePayload:
    return InvoicePayload(
        invoice=Invoice.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


def _amount(value: MoneyInput | None) -> billing_service.Amount | None:
    if value is None:
        return None
    return billing_service.Amount(value.amount, value.currency_code)


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="Set a client's billing terms from a date on: a new version, the earlier "
        "ones stay as they were (owners, admins and managers of the partner serving the client "
        "with FULL scope). Refused: an effective date not after the latest version's (INVALID)."
    )
    async def set_billing_terms(
        self,
        info: Info,
        input: Annotated[
            SetBillingTermsInput, strawberry.argument(description="The client and the terms.")
        ],
    ) -> BillingTermsPayload:
        recurring = _amount(input.recurring_fee)
        assert recurring is not None
        outcome = await billing_service.set_billing_terms(
            info.context,
            id_of(input.client_id, "Client"),
            changes_of(input, skip=["client_id", "recurring_fee", "implementation_fee"]),
            recurring_fee=recurring,
            implementation_fee=_amount(input.implementation_fee),
        )
        return BillingTermsPayload(
            billing_terms=BillingTerms.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Write a draft invoice to a client (owners, admins and managers of the "
        "partner serving it with FULL scope). Totals are the exact sums of the lines."
    )
    async def create_invoice(
        self,
        info: Info,
        input: Annotated[
            CreateInvoiceInput, strawberry.argument(description="The client and the lines.")
        ],
    ) -> InvoicePayload:
        lines = [
            billing_service.LineInput(
                line.description, line.quantity, line.unit_price, line.tax_rate
            )
            for line in input.lines
        ]
        return _invoice(
            await billing_service.create_invoice(
                info.context,
                id_of(input.client_id, "Client"),
                input.currency_code,
                lines,
                input.payment_terms_days,
            )
        )

    @strawberry.mutation(
        description="Issue a draft: it takes the partner's next number (no gaps, also under "
        "concurrent issuing), an issue date and a due date; the merchant sees it from now on."
    )
    async def issue_invoice(
        self,
        info: Info,
        input: Annotated[IssueInvoiceInput, strawberry.argument(description="The invoice.")],
    ) -> InvoicePayload:
        return _invoice(
            await billing_service.issue_invoice(
                info.context, id_of(input.invoice_id, "Invoice"), input.version, input.issue_date
            )
        )

    @strawberry.mutation(description="Record that an issued invoice was paid.")
    async def mark_invoice_paid(
        self,
        info: Info,
        input: Annotated[MarkInvoicePaidInput, strawberry.argument(description="The invoice.")],
    ) -> InvoicePayload:
        return _invoice(
            await billing_service.mark_invoice_paid(
                info.context, id_of(input.invoice_id, "Invoice"), input.version, input.reference
            )
        )

    @strawberry.mutation(
        description="Void a draft or issued invoice; an issued one keeps its number."
    )
    async def void_invoice(
        self,
        info: Info,
        input: Annotated[VoidInvoiceInput, strawberry.argument(description="The invoice.")],
    ) -> InvoicePayload:
        return _invoice(
            await billing_service.void_invoice(
                info.context, id_of(input.invoice_id, "Invoice"), input.version
            )
        )

    @strawberry.mutation(
        description="Draft the invoices the partner's billing terms imply up to `asOf`: the "
        "implementation fee once, and each recurring period started by then, for every client "
        "whose billing the viewer manages. Running it again creates nothing new."
    )
    async def generate_recurring_invoices(
        self,
        info: Info,
        input: Annotated[
            GenerateRecurringInvoicesInput,
            strawberry.argument(description="The partner and the day."),
        ],
    ) -> GenerateRecurringInvoicesPayload:
        outcome = await billing_service.generate_recurring_invoices(
            info.context, id_of(input.partner_id, "Partner"), input.as_of
        )
        return GenerateRecurringInvoicesPayload(
            invoices=[Invoice.of(i) for i in outcome.value or []],
            user_errors=user_errors(outcome.problems),
        )
