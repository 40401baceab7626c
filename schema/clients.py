"""Clients (merchant businesses), who is assigned to them, and client lists."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from graphql import FieldNode

from db import models
from resolvers import access_queries, queries
from resolvers import readiness as launch_rules
from resolvers.audit_queries import audit_page
from resolvers.billing_queries import client_invoices_page, client_terms_page
from resolvers.loaders import OpenTasks
from resolvers.pagination import PageArgs
from resolvers.problems import InputError
from resolvers.task_queries import CHECKLIST, TASKS, client_tasks_page, prime_client_tasks_pages
from schema.access_types import MerchantUser, PartnerAccess
from schema.audit import AuditEvent, AuditEventFilterInput
from schema.billing import BillingTerms, Invoice, InvoiceFilterInput
from schema.client_relationship import ClientRelationship
from schema.connections import Connection, connection, to_connection
from schema.enums import AssignmentRole, ClientStatus
from schema.info import Info
from schema.lookahead import arguments, children, item_fields, loaded, selected
from schema.readiness import LaunchReadiness
from schema.relay import LazyNode, Node, RowType, node
from schema.stores import Store
from schema.tasks import Task, TaskFilterInput, TaskOrderInput
from schema.users import PartnerMember, User

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
    def user(self, info: Info) -> User:
        return loaded(info.context.loaders.user, self._row.user_id, User.of)

    @strawberry.field(description="The membership; null unless the viewer may see the team.")
    def member(self, info: Info) -> PartnerMember | None:
        return loaded(info.context.loaders.member, self._row.member_id, PartnerMember.maybe)


def _assignees(rows: list[models.Assignment]) -> list[Assignment]:
    ordered = sorted(rows, key=lambda r: (r.role != AssignmentRole.LEAD, r.id))
    return [Assignment.of(r) for r in ordered]


# What a page of clients loads ahead for the fields its items select: one batch per loader,
# the same statements the fields would run by themselves.
_AHEAD: dict[str, tuple[str, ...]] = {
    "store": ("store_by_client",),
    "launchReadiness": ("store_by_client", "open_blocking_count"),
    "assignees": ("assignments_by_client",),
    "openTaskCount": ("open_tasks",),
    "nextDueTask": ("open_tasks",),
}


def _open_count(found: OpenTasks) -> int:
    return found.count


def _next_due(found: OpenTasks) -> Task | None:
    return Task.maybe(found.next_due)


async def prime_clients(info: Info, rows: list[models.Client]) -> None:
    """Loads the batches the page's selected client fields need before the page is answered,
    so those fields answer at once (schema/lookahead.py). Assignees' users follow their
    assignments when selected."""
    items = item_fields(info)
    wanted = selected(info, items)
    loaders = info.context.loaders
    ids = [row.id for row in rows]
    if not ids:
        return
    names = {name for field in wanted & _AHEAD.keys() for name in _AHEAD[field]}
    primes = [getattr(loaders, name).prime_many(ids) for name in sorted(names)]
    if "partner" in wanted:
        partner_ids = {row.partner_id for row in rows if row.partner_id is not None}
        primes.append(loaders.partner.prime_many(sorted(partner_ids)))
    tasks = _plain_task_pages(info, items)
    if tasks is not None:
        primes.append(_prime_task_pages(info, ids, tasks))
    await asyncio.gather(*primes)
    below = selected(info, children(info, items, "assignees")) & {"user", "member"}
    if below:
        assignments = [
            assignment
            for client_id in ids
            if (done := loaders.assignments_by_client.answered(client_id)) is not None
            for assignment in done.result()
        ]
        users = sorted({a.user_id for a in assignments})
        members = sorted({a.member_id for a in assignments})
        await asyncio.gather(
            *([loaders.user.prime_many(users)] if "user" in below else []),
            *([loaders.member.prime_many(members)] if "member" in below else []),
        )


PAGING = frozenset({"first", "after", "last", "before"})


def _plain_task_pages(info: Info, items: list[FieldNode]) -> tuple[PageArgs, bool] | None:
    """The paging arguments of the items' one `tasks` list, if it has neither filter nor order
    (with whether it asks for totalCount); None otherwise (those load by themselves)."""
    fields = children(info, items, "tasks")
    if len(fields) != 1:
        return None
    args = arguments(info, fields[0])
    if args.keys() - PAGING:  # a filter or an order (even null): the field loads it
        return None
    values = {name: args.get(name) for name in PAGING}
    if not all(isinstance(v, int | None) for k, v in values.items() if k in ("first", "last")):
        return None
    if not all(isinstance(v, str | None) for k, v in values.items() if k in ("after", "before")):
        return None
    paging = PageArgs(**values)
    return paging, "totalCount" in selected(info, fields)


async def _prime_task_pages(info: Info, ids: list[int], tasks: tuple[PageArgs, bool]) -> None:
    paging, counted = tasks
    ctx = info.context
    try:
        await prime_client_tasks_pages(ctx, ids, paging)
    except InputError:
        return  # bad paging arguments or cursor: each field reports it
    if counted:
        await ctx.loaders.pages.prime_counts(TASKS, (None, CHECKLIST), ids)


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

    # The fields below answer at once when the page primed their loaders (`prime_clients`),
    # else load by themselves (schema/lookahead.py).
    @strawberry.field(description="The client's one store; null if the viewer may not see it.")
    def store(self, info: Info) -> Store | None:
        return loaded(info.context.loaders.store_by_client, self._row.id, Store.maybe)

    @strawberry.field(description="The partner the client currently works with, if visible.")
    def partner(self, info: Info) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        if self._row.partner_id is None:
            return None
        return loaded(info.context.loaders.partner, self._row.partner_id, PARTNER.maybe)

    @connection("The client's tasks the viewer may see, in checklist order unless `orderBy` says.")
    def tasks(
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
        if filter is None and order_by is None:
            # At once when the page of clients loaded these pages (`prime_clients`).
            done = info.context.loaders.pages.answered(TASKS, (None, CHECKLIST), self._row.id, page)
            if done is not None:
                return to_connection(done, Task.of)
        return cast(Connection[Task], self._tasks(info, page, filter, order_by))

    async def _tasks(
        self,
        info: Info,
        page: PageArgs,
        filter: TaskFilterInput | None,
        order_by: TaskOrderInput | None,
    ) -> Connection[Task]:
        flt = filter.to_filter() if filter else None
        order = order_by.to_order() if order_by else CHECKLIST
        rows = await client_tasks_page(info.context, self._row.id, page, flt, order)
        return to_connection(rows, Task.of)

    @strawberry.field(description="Open tasks the viewer may see.")
    def open_task_count(self, info: Info) -> int:
        return loaded(info.context.loaders.open_tasks, self._row.id, _open_count)

    @strawberry.field(description="The open task due soonest, among those the viewer may see.")
    def next_due_task(self, info: Info) -> Task | None:
        return loaded(info.context.loaders.open_tasks, self._row.id, _next_due)

    @strawberry.field(description="Whether the store can launch, and what blocks it.")
    def launch_readiness(self, info: Info) -> LaunchReadiness:
        loaders = info.context.loaders
        store = loaders.store_by_client.answered(self._row.id)
        blocking = loaders.open_blocking_count.answered(self._row.id)
        if store is not None and blocking is not None:
            return LaunchReadiness.of(launch_rules.readiness(store.result(), blocking.result()))
        return cast(LaunchReadiness, self._launch_readiness(info))

    async def _launch_readiness(self, info: Info) -> LaunchReadiness:
        store = await info.context.loaders.store_by_client.load(self._row.id)
        blocking = await info.context.loaders.open_blocking_count.load(self._row.id)
        return LaunchReadiness.of(launch_rules.readiness(store, blocking))

    @strawberry.field(description="Partner members assigned to this client (leads first).")
    def assignees(self, info: Info) -> list[Assignment]:
        return loaded(info.context.loaders.assignments_by_client, self._row.id, _assignees)

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
