"""Object types of the partner graph. Plain columns are copied into plain attributes (cheapest to
resolve); anything related is an async field that awaits a per-request loader."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import enums, models
from resolvers import readiness as launch_rules
from resolvers.context import Context
from resolvers.queries import ClientFilter, clients_page
from resolvers.store_setup import STORE_HOST
from resolvers.task_queries import client_tasks_page
from schema.enums import (
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    LaunchStatus,
    LogisticsStatus,
    MemberStatus,
    PartnerRole,
    PartnerTier,
    PaymentStatus,
)
from schema.relay import Connection, Node, page_args, to_connection, to_global_id

if TYPE_CHECKING:
    from schema.launch import LaunchReadiness
    from schema.store_setup import (
        StoreBrand,
        StoreCatalog,
        StoreCompliance,
        StoreDomain,
        StoreLogistics,
        StorePayments,
    )
    from schema.tasks import Task, TaskFilterInput
    from schema.templates import WorkflowTemplate

Info = strawberry.Info[Context, None]
SETUP = "schema.store_setup"


@strawberry.type(description="A person who signs in.")
class User:
    id: strawberry.ID
    email: str
    name: str

    @staticmethod
    def of(row: models.User) -> User:
        return User(id=to_global_id("User", row.id), email=row.email, name=row.name)


async def _user(info: Info, user_id: int) -> User:
    row: models.User = await info.context.loaders.user.load(user_id)
    return User.of(row)


@strawberry.type(description="A user's membership of a partner's team.")
class PartnerMember(Node):
    id: strawberry.ID
    role: PartnerRole  # type: ignore[valid-type]
    status: MemberStatus  # type: ignore[valid-type]
    accepted_at: datetime | None
    created_at: datetime
    version: int
    _row: strawberry.Private[models.PartnerMember]

    @staticmethod
    def of(row: models.PartnerMember) -> PartnerMember:
        return PartnerMember(
            id=to_global_id("PartnerMember", row.id),
            role=row.role,
            status=row.status,
            accepted_at=row.accepted_at,
            created_at=row.created_at,
            version=row.version,
            _row=row,
        )

    @strawberry.field(
        description="The member; for a pending invitation, the email invited and the name the "
        "inviter gave (the invited person's own profile stays theirs until they accept)."
    )
    async def user(self, info: Info) -> User:
        user = await _user(info, self._row.user_id)
        if self._row.status == enums.MemberStatus.INVITED:
            name = self._row.invited_name or user.email.split("@")[0]
            return User(id=user.id, email=user.email, name=name)
        return user

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        row = await info.context.loaders.partner.load(self._row.partner_id)
        return Partner.of(row) if row is not None else None


@strawberry.input(description="Narrow a list of clients.")
class ClientFilterInput:
    status: list[ClientStatus] | None = None  # type: ignore[valid-type]
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive match on business or legal name or email."
    )

    def to_filter(self) -> ClientFilter:
        return ClientFilter(statuses=tuple(self.status or ()), search=self.search)


@strawberry.type(description="An agency, consultant or service provider in the partner program.")
class Partner(Node):
    id: strawberry.ID
    name: str
    slug: str
    tier: PartnerTier  # type: ignore[valid-type]
    _row: strawberry.Private[models.Partner]

    @staticmethod
    def of(row: models.Partner) -> Partner:
        return Partner(
            id=to_global_id("Partner", row.id),
            name=row.name,
            slug=row.slug,
            tier=row.tier,
            _row=row,
        )

    @strawberry.field(description="The team; empty unless the viewer may see it.")
    async def members(self, info: Info) -> list[PartnerMember]:
        rows = await info.context.loaders.members_by_partner.load(self._row.id)
        return [PartnerMember.of(r) for r in rows]

    @strawberry.field(description="The partner's clients that the viewer may see.")
    async def clients(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ClientFilterInput | None = None,
    ) -> Connection[Client]:
        flt = filter.to_filter() if filter else None
        page = await clients_page(
            info.context, page_args(first, after, last, before), flt, partner_id=self._row.id
        )
        return to_connection(page, Client.of)  # type: ignore[arg-type]

    @strawberry.field(description="The partner's repeatable workflows (team members only).")
    async def workflow_templates(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated[WorkflowTemplate, strawberry.lazy("schema.templates")]]:
        from resolvers.template_queries import templates_page
        from schema.templates import WorkflowTemplate

        args = page_args(first, after, last, before)
        page = await templates_page(info.context, self._row.id, args)
        return to_connection(page, WorkflowTemplate.of)  # type: ignore[arg-type]


@strawberry.type(description="The client's one ShopIQ website and the state of its set-up.")
class Store(Node):
    id: strawberry.ID
    name: str
    subdomain: str
    custom_domain: str | None
    domain_status: DomainStatus  # type: ignore[valid-type]
    payment_status: PaymentStatus  # type: ignore[valid-type]
    logistics_status: LogisticsStatus  # type: ignore[valid-type]
    catalog_status: CatalogStatus  # type: ignore[valid-type]
    launch_status: LaunchStatus  # type: ignore[valid-type]
    launched_at: datetime | None
    version: int
    _row: strawberry.Private[models.Store]

    @strawberry.field
    def domain(self) -> Annotated[StoreDomain, strawberry.lazy(SETUP)]:
        from schema.store_setup import domain_of

        return domain_of(self._row)

    @strawberry.field
    def payments(self) -> Annotated[StorePayments, strawberry.lazy(SETUP)]:
        from schema.store_setup import payments_of

        return payments_of(self._row)

    @strawberry.field
    def logistics(self) -> Annotated[StoreLogistics, strawberry.lazy(SETUP)]:
        from schema.store_setup import logistics_of

        return logistics_of(self._row)

    @strawberry.field
    def catalog(self) -> Annotated[StoreCatalog, strawberry.lazy(SETUP)]:
        from schema.store_setup import catalog_of

        return catalog_of(self._row)

    @strawberry.field(description="Logo, theme and published policies.")
    def brand(self) -> Annotated[StoreBrand, strawberry.lazy(SETUP)]:
        from schema.store_setup import brand_of

        return brand_of(self._row)

    @strawberry.field(description="Business verification and tax registration.")
    def compliance(self) -> Annotated[StoreCompliance, strawberry.lazy(SETUP)]:
        from schema.store_setup import compliance_of

        return compliance_of(self._row)

    @strawberry.field(
        description="Where shoppers go: the verified custom domain, else the subdomain."
    )
    def url(self) -> str:
        if self.custom_domain and self.domain_status == enums.DomainStatus.VERIFIED:
            return f"https://{self.custom_domain}"
        return f"https://{self.subdomain}.{STORE_HOST}"

    @staticmethod
    def of(row: models.Store) -> Store:
        return Store(
            id=to_global_id("Store", row.id),
            name=row.name,
            subdomain=row.subdomain,
            custom_domain=row.custom_domain,
            domain_status=row.domain_status,
            payment_status=row.payment_status,
            logistics_status=row.logistics_status,
            catalog_status=row.catalog_status,
            launch_status=row.launch_status,
            launched_at=row.launched_at,
            version=row.version,
            _row=row,
        )


@strawberry.type(description="A partner member assigned to a client.")
class Assignment(Node):
    id: strawberry.ID
    role: AssignmentRole  # type: ignore[valid-type]
    _row: strawberry.Private[models.Assignment]

    @staticmethod
    def of(row: models.Assignment) -> Assignment:
        return Assignment(id=to_global_id("Assignment", row.id), role=row.role, _row=row)

    @strawberry.field(description="Who is assigned.")
    async def user(self, info: Info) -> User:
        return await _user(info, self._row.user_id)

    @strawberry.field(description="The membership; null unless the viewer may see the team.")
    async def member(self, info: Info) -> PartnerMember | None:
        row = await info.context.loaders.member.load(self._row.member_id)
        return PartnerMember.of(row) if row is not None else None


@strawberry.type(description="A merchant business: one ShopIQ account with one store.")
class Client(Node):
    id: strawberry.ID
    business_name: str
    legal_name: str | None
    contact_email: str
    contact_phone: str | None
    industry: str | None
    country: str
    currency: str
    status: ClientStatus  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    version: int
    _row: strawberry.Private[models.Client]

    @staticmethod
    def of(row: models.Client) -> Client:
        return Client(
            id=to_global_id("Client", row.id),
            business_name=row.business_name,
            legal_name=row.legal_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            industry=row.industry,
            country=row.country,
            currency=row.currency,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
            _row=row,
        )

    @strawberry.field
    async def store(self, info: Info) -> Store | None:
        row = await info.context.loaders.store_by_client.load(self._row.id)
        return Store.of(row) if row is not None else None

    @strawberry.field(description="The partner the client currently works with, if visible.")
    async def partner(self, info: Info) -> Partner | None:
        if self._row.partner_id is None:
            return None
        row = await info.context.loaders.partner.load(self._row.partner_id)
        return Partner.of(row) if row is not None else None

    @strawberry.field(description="The client's tasks the viewer may see, in checklist order.")
    async def tasks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: Annotated[TaskFilterInput, strawberry.lazy("schema.tasks")] | None = None,
    ) -> Connection[Annotated[Task, strawberry.lazy("schema.tasks")]]:
        from schema.tasks import Task

        flt = filter.to_filter() if filter else None
        page = await client_tasks_page(
            info.context, self._row.id, page_args(first, after, last, before), flt
        )
        return to_connection(page, Task.of)  # type: ignore[arg-type]

    @strawberry.field(description="Open tasks the viewer may see.")
    async def open_task_count(self, info: Info) -> int:
        count: int = await info.context.loaders.open_task_count.load(self._row.id)
        return count

    @strawberry.field(description="The open task due soonest, among those the viewer may see.")
    async def next_due_task(
        self, info: Info
    ) -> Annotated[Task, strawberry.lazy("schema.tasks")] | None:
        from schema.tasks import Task

        row = await info.context.loaders.next_due_task.load(self._row.id)
        return Task.of(row) if row is not None else None

    @strawberry.field(description="Whether the store can launch, and what blocks it.")
    async def launch_readiness(
        self, info: Info
    ) -> Annotated[LaunchReadiness, strawberry.lazy("schema.launch")]:
        from schema.launch import LaunchReadiness

        store = await info.context.loaders.store_by_client.load(self._row.id)
        blocking = await info.context.loaders.open_blocking_count.load(self._row.id)
        return LaunchReadiness.of(launch_rules.readiness(store, blocking))

    @strawberry.field(description="Partner members assigned to this client (leads first).")
    async def assignees(self, info: Info) -> list[Assignment]:
        rows = await info.context.loaders.assignments_by_client.load(self._row.id)
        ordered = sorted(rows, key=lambda r: (r.role != enums.AssignmentRole.LEAD, r.id))
        return [Assignment.of(r) for r in ordered]
