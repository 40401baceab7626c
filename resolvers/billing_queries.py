"""Reading billing terms and invoices: node look-ups and the connections, every statement
ANDed with the viewer's policy filter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

from db.money import BillingTerms, Invoice, InvoiceStatus
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs
from resolvers.task_queries import today

TERMS_ORDER = (BillingTerms.effective_from, BillingTerms.id)
INVOICE_ORDER = (Invoice.id,)


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    statuses: tuple[InvoiceStatus, ...] = ()
    overdue: bool | None = None


async def get_billing_terms(ctx: Context, id_: int) -> BillingTerms | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, BillingTerms, id_)


async def get_invoice(ctx: Context, id_: int) -> Invoice | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, Invoice, id_)


async def client_terms_page(ctx: Context, client_id: int, args: PageArgs) -> Page[BillingTerms]:
    """Every version of the client's terms the viewer may see, oldest first (batched per level:
    one statement for every client of a page)."""
    return await ctx.loaders.pages.page(
        "Client.billingTerms",
        ctx.authz.readable(ctx.viewer, BillingTerms),
        BillingTerms.client_id,
        client_id,
        TERMS_ORDER,
        args,
    )


def _invoices(ctx: Context, flt: InvoiceFilter | None) -> Select[Invoice]:
    stmt = ctx.authz.readable(ctx.viewer, Invoice)
    if flt is None:
        return stmt
    if flt.statuses:
        stmt = stmt.where(Invoice.status.in_(flt.statuses))
    if flt.overdue is True:
        stmt = stmt.where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < today())
    elif flt.overdue is False:
        stmt = stmt.where(
            (Invoice.status != InvoiceStatus.ISSUED)
            | Invoice.due_date.is_(None)
            | (Invoice.due_date >= today())
        )
    return stmt


async def client_invoices_page(
    ctx: Context, client_id: int, args: PageArgs, flt: InvoiceFilter | None
) -> Page[Invoice]:
    return await ctx.loaders.pages.page(
        "Client.invoices",
        _invoices(ctx, flt),
        Invoice.client_id,
        client_id,
        INVOICE_ORDER,
        args,
        flt,
    )


async def partner_invoices_page(
    ctx: Context, partner_id: int, args: PageArgs, flt: InvoiceFilter | None
) -> Page[Invoice]:
    return await ctx.loaders.pages.page(
        "Partner.invoices",
        _invoices(ctx, flt),
        Invoice.partner_id,
        partner_id,
        INVOICE_ORDER,
        args,
        flt,
    )
