"""How a client list is narrowed and ordered: `filter: ClientFilterInput` and
`orderBy: ClientOrderInput` on the root `clients` and on `partner.clients`, and the order
direction every ordered list shares."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from resolvers.client_filters import (
    ClientFilter,
    ClientOrder,
    ClientOrderField,
    OrderDirection,
    SetUpSection,
    TimeRange,
)
from schema.enums import ClientStatus, register_enums
from schema.relay import id_of

ENUMS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    SetUpSection: (
        "A section of a store's set-up that can hold back its launch (the dashboard's set-up "
        "funnel).",
        {
            SetUpSection.DOMAIN: "A custom domain is connected but not verified.",
            SetUpSection.PAYMENTS: "Payments are not active.",
            SetUpSection.LOGISTICS: "Shipping is not active.",
            SetUpSection.CATALOG: "The catalog is not ready or has no products.",
            SetUpSection.COMPLIANCE: "The business is not verified or its tax registration is "
            "not complete.",
        },
    ),
    ClientOrderField: (
        "What a client list is ordered by; clients with the same value follow by id.",
        {
            ClientOrderField.NAME: "The business name (the default).",
            ClientOrderField.CREATED_AT: "When the client was created.",
            ClientOrderField.LAUNCHED_AT: "When the store launched; clients not launched come "
            "last in either direction.",
            ClientOrderField.NEXT_DUE_AT: "The due date of the client's open task due soonest "
            "(among those the viewer may see); clients with none come last in either direction.",
        },
    ),
    OrderDirection: (
        "Which way an ordered list runs.",
        {
            OrderDirection.ASC: "Smallest, earliest or A first.",
            OrderDirection.DESC: "Largest, latest or Z first.",
        },
    ),
}
register_enums(ENUMS)


@strawberry.input(description="A span of time: from `from` (included) to `before` (excluded).")
class TimeRangeInput:
    start: datetime | None = strawberry.field(
        default=None, name="from", description="The earliest moment included (UTC if no offset)."
    )
    before: datetime | None = strawberry.field(
        default=None, description="The first moment no longer included (UTC if no offset)."
    )

    def to_range(self) -> TimeRange:
        return TimeRange(start=self.start, before=self.before)


@strawberry.input(description="Narrow a list of clients; every condition given must hold.")
class ClientFilterInput:
    status: list[ClientStatus] | None = strawberry.field(
        default=None, description="Only clients in one of these statuses."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive match on business or legal name, email, or the store's "
        "subdomain or custom domain (% and _ match themselves).",
    )
    blocked_on: list[SetUpSection] | None = strawberry.field(
        default=None,
        description="Only clients whose store is not launched and still blocked on one of "
        "these set-up sections (the dashboard's set-up funnel).",
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only clients this PartnerMember is assigned to (none if the viewer may not "
        "see that member). An id that is not a PartnerMember id is an error.",
    )
    unassigned: bool | None = strawberry.field(
        default=None,
        description="True: only clients nobody of their partner is assigned to (the "
        "dashboard's clientsWithoutAssignee); false: only clients somebody is. Null: both.",
    )
    created: TimeRangeInput | None = strawberry.field(
        default=None, description="Only clients created in this span."
    )
    launched: TimeRangeInput | None = strawberry.field(
        default=None, description="Only clients whose store launched in this span."
    )

    def to_filter(self) -> ClientFilter:
        assignee = id_of(self.assignee_id, "PartnerMember") if self.assignee_id else None
        return ClientFilter(
            statuses=tuple(self.status or ()),
            search=self.search,
            blocked_on=tuple(self.blocked_on or ()),
            assignee_member_id=assignee,
            unresolvable_assignee=self.assignee_id is not None and assignee is None,
            unassigned=self.unassigned,
            created=self.created.to_range() if self.created else None,
            launched=self.launched.to_range() if self.launched else None,
        )


@strawberry.input(description="The order of a client list; pages continue in the same order.")
class ClientOrderInput:
    field: ClientOrderField = strawberry.field(
        default=ClientOrderField.NAME, description="What to order by."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Which way."
    )

    def to_order(self) -> ClientOrder:
        return ClientOrder(field=self.field, direction=self.direction)
