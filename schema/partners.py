"""Partners: agencies, consultants and service providers, with their team, clients and
workflows."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from db import models
from db.money import CommissionStatus
from resolvers import queries
from resolvers.audit_queries import audit_page
from resolvers.billing_queries import partner_invoices_page
from resolvers.client_filters import DEFAULT_ORDER
from resolvers.commission_queries import partner_commission_terms_page, partner_commissions_page
from resolvers.dashboard import partner_dashboard
from resolvers.earnings import EarningsGroup, partner_balance, partner_earnings
from resolvers.pagination import PageArgs
from resolvers.payout_queries import partner_payouts_page
from resolvers.profitability import profitability_page
from resolvers.reports import reports_page
from resolvers.template_queries import templates_page
from resolvers.webhooks import endpoints_page
from schema.audit import AuditEvent, AuditEventFilterInput
from schema.billing import Invoice, InvoiceFilterInput
from schema.client_filters import ClientFilterInput, ClientOrderInput
from schema.clients import Client, prime_clients
from schema.commissions import Commission, CommissionTerms
from schema.connections import Connection, connection, to_connection
from schema.dashboard import PartnerDashboard
from schema.earnings import (
    Balance,
    ClientProfitability,
    EarningsRow,
    ProfitabilityOrder,
    profitability_query,
)
from schema.enums import PartnerTier
from schema.info import Info
from schema.money import CurrencyCode
from schema.payouts import Payout, PayoutFilterInput
from schema.relay import Node, RowType, node
from schema.reports import SavedReport
from schema.templates import WorkflowTemplate
from schema.users import PartnerMember
from schema.webhooks import WebhookEndpoint


@node(queries.get_partner)
@strawberry.type(description="An agency, consultant or service provider in the partner program.")
class Partner(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; mutations take it as `partnerId`."
    )
    name: str = strawberry.field(description="Display name (at most 200 characters).")
    slug: str = strawberry.field(description="Unique, URL-safe short name (at most 63 characters).")
    tier: PartnerTier = strawberry.field(description="Tier in the ShopIQ partner program.")
    _row: strawberry.Private[models.Partner]

    @strawberry.field(description="The team; empty unless the viewer may see it.")
    async def members(self, info: Info) -> list[PartnerMember]:
        rows = await info.context.loaders.members_by_partner.load(self._row.id)
        return [PartnerMember.of(r) for r in rows]

    @connection("The partner's clients that the viewer may see.")
    async def clients(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            ClientFilterInput | None, strawberry.argument(description="Only clients matching this.")
        ] = None,
        order_by: Annotated[
            ClientOrderInput | None,
            strawberry.argument(description="The order; by business name if not given."),
        ] = None,
    ) -> Connection[Client]:
        flt = filter.to_filter() if filter else None
        order = order_by.to_order() if order_by else DEFAULT_ORDER
        rows = await queries.clients_page(
            info.context, page, flt, partner_id=self._row.id, order=order
        )
        await prime_clients(info, rows.items)
        return to_connection(rows, Client.of)

    @strawberry.field(
        description="The partner's front page: client, set-up, launch and work counts (team "
        "members and platform staff; null for anyone else)."
    )
    async def dashboard(self, info: Info) -> PartnerDashboard | None:
        found = await partner_dashboard(info.context, self._row.id)
        return PartnerDashboard.of(found, self._row.id) if found is not None else None

    @connection("The partner's repeatable workflows (team members only).")
    async def workflow_templates(self, info: Info, page: PageArgs) -> Connection[WorkflowTemplate]:
        rows = await templates_page(info.context, self._row.id, page)
        return to_connection(rows, WorkflowTemplate.of)

    @connection("The partner's saved reports, by name (team members only).")
    async def reports(self, info: Info, page: PageArgs) -> Connection[SavedReport]:
        rows = await reports_page(info.context, self._row.id, page)
        return to_connection(rows, SavedReport.of)

    @connection(
        "Who changed what for this partner, newest first (owners and admins only): every "
        "change to its team, workflows and the clients it works for."
    )
    async def audit_events(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            AuditEventFilterInput | None,
            strawberry.argument(description="Only events matching this."),
        ] = None,
    ) -> Connection[AuditEvent]:
        flt = filter.to_filter() if filter else None
        rows = await audit_page(info.context, page, flt, partner_id=self._row.id)
        return to_connection(rows, AuditEvent.of)

    @connection("The partner's service invoices that the viewer may see, oldest first.")
    async def invoices(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            InvoiceFilterInput | None,
            strawberry.argument(description="Only invoices matching this."),
        ] = None,
    ) -> Connection[Invoice]:
        flt = filter.to_filter() if filter else None
        rows = await partner_invoices_page(info.context, self._row.id, page, flt)
        return to_connection(rows, Invoice.of)

    @connection(
        "The partner's commissions and reversals, oldest first (its owners and admins, and "
        "platform staff)."
    )
    async def commissions(
        self,
        info: Info,
        page: PageArgs,
        status: Annotated[
            list[CommissionStatus] | None,
            strawberry.argument(description="Only commissions in one of these statuses."),
        ] = None,
    ) -> Connection[Commission]:
        rows = await partner_commissions_page(info.context, self._row.id, page, status or ())
        return to_connection(rows, Commission.of)

    @connection(
        "The partner's payouts and balances carried forward, oldest period first (its owners "
        "and admins, and platform staff)."
    )
    async def payouts(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            PayoutFilterInput | None,
            strawberry.argument(description="Only payouts matching this."),
        ] = None,
    ) -> Connection[Payout]:
        flt = filter.to_filter() if filter else None
        rows = await partner_payouts_page(info.context, self._row.id, page, flt)
        return to_connection(rows, Payout.of)

    @connection("The commission terms that apply to the partner: its overrides and its tier's.")
    async def commission_terms(self, info: Info, page: PageArgs) -> Connection[CommissionTerms]:
        rows = await partner_commission_terms_page(info.context, self._row.id, page)
        return to_connection(rows, CommissionTerms.of)

    @connection(
        "The partner's webhook endpoints, oldest first (its owners and admins, and platform staff)."
    )
    async def webhook_endpoints(self, info: Info, page: PageArgs) -> Connection[WebhookEndpoint]:
        rows = await endpoints_page(info.context, self._row.id, page)
        return to_connection(rows, WebhookEndpoint.of)

    @strawberry.field(
        description="The partner's commission ledger (commissions and reversals, every status) "
        "summed in SQL per currency and per the chosen keys, in key order. Its owners and "
        "admins, and platform staff; an empty list for anyone else."
    )
    async def earnings(
        self,
        info: Info,
        group_by: Annotated[
            list[EarningsGroup] | None,
            strawberry.argument(description="Group by these keys; none: one row per currency."),
        ] = None,
        from_: Annotated[
            date | None,
            strawberry.argument(name="from", description="Earned on or after this day (UTC)."),
        ] = None,
        to: Annotated[
            date | None, strawberry.argument(description="Earned on or before this day (UTC).")
        ] = None,
        currency: Annotated[
            CurrencyCode | None, strawberry.argument(description="Only this currency.")
        ] = None,
    ) -> list[EarningsRow]:
        rows = await partner_earnings(
            info.context,
            self._row.id,
            group_by=group_by or (),
            from_=from_,
            to=to,
            currency=currency,
        )
        return [EarningsRow.of(row) for row in rows]

    @strawberry.field(
        description="Where the partner's commissions stand, per currency: pending, approved, "
        "in a payout, carried forward, paid. Its owners and admins, and platform staff; an "
        "empty list for anyone else."
    )
    async def balance(self, info: Info) -> list[Balance]:
        return [Balance.of(row) for row in await partner_balance(info.context, self._row.id)]

    @connection(
        "Per-client profitability over a period in one currency: commissions earned, service "
        "fees invoiced and paid, support minutes logged; one row per client of the partner. "
        "Owners and admins see every figure; managers every figure but the commissions "
        "(null); anyone else gets an empty list."
    )
    async def profitability(
        self,
        info: Info,
        page: PageArgs,
        from_: Annotated[
            date, strawberry.argument(name="from", description="The period's first day (UTC).")
        ],
        to: Annotated[date, strawberry.argument(description="The period's last day (UTC).")],
        currency: Annotated[
            CurrencyCode,
            strawberry.argument(description="The currency of every amount (never converted)."),
        ],
        order_by: Annotated[
            ProfitabilityOrder | None,
            strawberry.argument(description="The order; by client name when not given."),
        ] = None,
    ) -> Connection[ClientProfitability]:
        query = profitability_query(from_, to, currency, order_by)
        rows = await profitability_page(info.context, self._row.id, query, page)
        return to_connection(rows, ClientProfitability.of)
