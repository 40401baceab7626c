"""Clients (merchant businesses), who is assigned to them, and client lists."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers import access_queries, queries
from resolvers import readiness as launch_rules
from resolvers.audit_queries import audit_page
from resolvers.billing_queries import client_invoices_page, client_terms_page
from resolvers.pagination import PageArgs
from resolvers.task_queries import CHECKLIST, client_tasks_page
from schema.access_types import MerchantUser, PartnerAccess
from schema.audit import AuditEvent, AuditEventFilterInput
from schema.billing import BillingTerms, Invoice, InvoiceFilterInput
from schema.client_relationship import ClientRelationship
from schema.connections import Connection, connection, to_connection
from schema.enums import AssignmentRole, ClientStatus
from schema.info import Info
from schema.readiness import LaunchReadiness
from schema.relay import LazyNode, Node, RowType, node
from schema.stores import Store
from schema.tasks import Task, TaskFilterInput, TaskOrderInput
from schema.users import PartnerMember, User, load_user

if TYPE_CHECKING:
    from schema.partners import Partner

PARTNER: LazyNode[Partner] = LazyNode("Partner")


@node(queries.get_assignment)
@strawberry.type(description="A partner member assigned to a client.")
class Assignment(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id; unassignMember takes it.")
    role: AssignmentRole = strawberry.field(description="Lead or contributor.")
    _row: strawberry.Private[models.Assignment]

    @strawberry.field(description="Who is assigned.")
    async def user(self, info: Info) -> User:
        return await load_user(info, self._row.user_id)

    @strawberry.field(description="The membership; null unless the viewer may see the team.")
    async def member(self, info: Info) -> PartnerMember | None:
        return PartnerMember.maybe(await info.context.loaders.member.load(self._row.member_id))


@node(queries.get_client)
@strawberry.type(description="A merchant business: one ShopIQ account with one store.")
class Client(RowType, Node, ClientRelationship):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    business_name: str = strawberry.field(
        description="The name the business trades under (at most 200 characters); lists sort by it."
    )
    legal_name: str | None = strawberry.field(
        description="The registered company name, when given (at most 200 characters)."
    )
    contact_email: str = strawberry.field(
        description="Lower-cased; the merchant owner was invited at this address."
    )
    contact_phone: str | None = strawberry.field(
        description="As entered: digits, spaces and + ( ) - . (at most 32 characters)."
    )
    industry: str | None = strawberry.field(
        description="Free text, e.g. Home & Garden (at most 100 characters)."
    )
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. FR.")
    currency: str = strawberry.field(description="ISO 4217 code the store sells in, e.g. EUR.")
    status: ClientStatus = strawberry.field(description="Where the client is in its lifecycle.")
    created_at: datetime = strawberry.field(description="When the client was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the client last changed (UTC).")
    version: int = strawberry.field(
        description="Increases with every change of the client; starts at 1."
    )
    _row: strawberry.Private[models.Client]

    @strawberry.field(description="The client's one store; null if the viewer may not see it.")
    async def store(self, info: Info) -> Store | None:
        return Store.maybe(await info.context.loaders.store_by_client.load(self._row.id))

    @strawberry.field(description="The partner the client currently works with, if visible.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        if self._row.partner_id is None:
            return None
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))

    @connection("The client's tasks the viewer may see, in checklist order unless `orderBy` says.")
    async def tasks(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            TaskFilterInput | None, strawberry.argument(description="Only tasks matching this.")
        ] = None,
        order_by: Annotated[
            TaskOrderInput | None,
            strawberry.argument(description="The order; the checklist's if not given."),
        ] = None,
    ) -> Connection[Task]:
        flt = filter.to_filter() if filter else None
        order = order_by.to_order() if order_by else CHECKLIST
        rows = await client_tasks_page(info.context, self._row.id, page, flt, order)
        return to_connection(rows, Task.of)

    @strawberry.field(description="Open tasks the viewer may see.")
    async def open_task_count(self, info: Info) -> int:
        count: int = await info.context.loaders.open_task_count.load(self._row.id)
        return count

    @strawberry.field(description="The open task due soonest, among those the viewer may see.")
    async def next_due_task(self, info: Info) -> Task | None:
        return Task.maybe(await info.context.loaders.next_due_task.load(self._row.id))

    @strawberry.field(description="Whether the store can launch, and what blocks it.")
    async def launch_readiness(self, info: Info) -> LaunchReadiness:
        store = await info.context.loaders.store_by_client.load(self._row.id)
        blocking = await info.context.loaders.open_blocking_count.load(self._row.id)
        return LaunchReadiness.of(launch_rules.readiness(store, blocking))

    @strawberry.field(description="Partner members assigned to this client (leads first).")
    async def assignees(self, info: Info) -> list[Assignment]:
        rows = await info.context.loaders.assignments_by_client.load(self._row.id)
        ordered = sorted(rows, key=lambda r: (r.role != AssignmentRole.LEAD, r.id))
        return [Assignment.of(r) for r in ordered]

    @connection(
        "Who changed what here, newest first: owners and admins see their partner's events "
        "on the client; the merchant owner sees every change to their business (values of "
        "internal work hidden)."
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
        rows = await audit_page(info.context, page, flt, client_id=self._row.id)
        return to_connection(rows, AuditEvent.of)

    @connection(
        "Partners' accesses and requests for this client, oldest first: the merchant sees every "
        "one (its history), a partner's team only its own partner's."
    )
    async def partner_accesses(self, info: Info, page: PageArgs) -> Connection[PartnerAccess]:
        rows = await access_queries.client_accesses_page(info.context, self._row.id, page)
        return to_connection(rows, PartnerAccess.of)

    @connection("The client's merchant users (owner, staff, invitations); merchants only.")
    async def merchant_users(self, info: Info, page: PageArgs) -> Connection[MerchantUser]:
        rows = await access_queries.merchant_users_page(info.context, self._row.id, page)
        return to_connection(rows, MerchantUser.of)

    @connection("Every version of the client's billing terms the viewer may see, oldest first.")
    async def billing_terms(self, info: Info, page: PageArgs) -> Connection[BillingTerms]:
        rows = await client_terms_page(info.context, self._row.id, page)
        return to_connection(rows, BillingTerms.of)

    @connection("Service invoices to the client that the viewer may see, oldest first.")
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
        rows = await client_invoices_page(info.context, self._row.id, page, flt)
        return to_connection(rows, Invoice.of)
