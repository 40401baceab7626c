"""Filters and orders of the client lists (the root `clients` and `partner.clients`): what a
report narrows a book of clients by, and the keyset orders it reads them in. Everything here is
SQL added to the list's policy-filtered statement; nothing is filtered in Python.

Each set-up section uses the rule of launch readiness and of the dashboard's set-up funnel, so a
funnel figure and the list behind it agree. The store of a client is readable by whoever reads
the client (policies/authorization.polar), so its columns narrow and order the list as the
client's own; the next due date counts only the tasks the viewer may read, as
`Client.nextDueTask` does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, exists, func, literal, or_, select

from db.base import UTCDateTime
from db.enums import (
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentStatus,
    TaskStatus,
    TaxStatus,
)
from db.models import Assignment, Client, PartnerMember, Store, Task
from resolvers.context import Context
from resolvers.pagination import Order, OrderName, SortKey
from resolvers.problems import InputError

MAX_SEARCH_LENGTH = 200


class SetUpSection(StrEnum):
    DOMAIN = "domain"
    PAYMENTS = "payments"
    LOGISTICS = "logistics"
    CATALOG = "catalog"
    COMPLIANCE = "compliance"


class ClientOrderField(StrEnum):
    NAME = "name"
    CREATED_AT = "created_at"
    LAUNCHED_AT = "launched_at"
    NEXT_DUE_AT = "next_due_at"


class OrderDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """From `start` (inclusive) to `before` (exclusive); either end may be open."""

    start: datetime | None = None
    before: datetime | None = None

    def where(self, column: Any) -> ColumnElement[bool]:
        conditions = [column.is_not(None)]
        if self.start is not None:
            conditions.append(column >= _utc(self.start))
        if self.before is not None:
            conditions.append(column < _utc(self.before))
        return and_(*conditions)


def _utc(moment: datetime) -> datetime:
    """A time without an offset is read as UTC (every timestamp of the API is UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+05:00 is before the first day
        raise InputError("that time is out of range") from exc


@dataclass(frozen=True, slots=True)
class ClientFilter:
    statuses: tuple[ClientStatus, ...] = ()
    search: str | None = None
    # Not launched yet and still blocked on at least one of these sections.
    blocked_on: tuple[SetUpSection, ...] = ()
    # Clients this member (one the viewer may see) is assigned to.
    assignee_member_id: int | None = None
    unresolvable_assignee: bool = False
    # True: nobody of the client's partner is assigned; False: somebody is.
    unassigned: bool | None = None
    created: TimeRange | None = None
    launched: TimeRange | None = None


@dataclass(frozen=True, slots=True)
class ClientOrder:
    field: ClientOrderField = ClientOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC

    @property
    def name(self) -> str:
        return f"{self.field.name}:{self.direction.name}"

    @property
    def descending(self) -> bool:
        return self.direction == OrderDirection.DESC


DEFAULT_ORDER = ClientOrder()


def _not_launched() -> ColumnElement[bool]:
    return Store.launch_status != LaunchStatus.LIVE


# The set-up funnel's rules (resolvers/dashboard.py, resolvers/readiness.py), per section.
SECTION_BLOCKS: dict[SetUpSection, ColumnElement[bool]] = {
    SetUpSection.DOMAIN: and_(
        Store.custom_domain.is_not(None), Store.domain_status != DomainStatus.VERIFIED
    ),
    SetUpSection.PAYMENTS: Store.payment_status != PaymentStatus.ACTIVE,
    SetUpSection.LOGISTICS: Store.logistics_status != LogisticsStatus.ACTIVE,
    SetUpSection.CATALOG: or_(Store.catalog_status != CatalogStatus.READY, Store.product_count < 1),
    SetUpSection.COMPLIANCE: or_(
        Store.kyc_status != KycStatus.VERIFIED,
        Store.tax_status.not_in([TaxStatus.REGISTERED, TaxStatus.EXEMPT]),
    ),
}


def _store_where(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """The client's store matches every condition."""
    return exists(select(Store.id).where(Store.client_id == Client.id, *conditions))


def _search(term: str) -> ColumnElement[bool]:
    """Case-insensitive substring of the business or legal name, the contact email, or the
    store's subdomain or custom domain; `%`, `_` and the escape character match themselves."""
    return or_(
        Client.business_name.icontains(term, autoescape=True),
        Client.legal_name.icontains(term, autoescape=True),
        Client.contact_email.icontains(term, autoescape=True),
        _store_where(
            or_(
                Store.subdomain.icontains(term, autoescape=True),
                Store.custom_domain.icontains(term, autoescape=True),
            )
        ),
    )


def filtered(ctx: Context, stmt: Select[Client], flt: ClientFilter | None) -> Select[Client]:
    """`stmt` (the viewer's readable clients) narrowed by `flt`."""
    if flt is None:
        return stmt
    if flt.unresolvable_assignee:
        raise InputError("that id does not name a team member")
    if flt.statuses:
        stmt = stmt.where(Client.status.in_(flt.statuses))
    # NUL cannot appear in stored text (PostgreSQL refuses it in a parameter).
    term = (flt.search or "").replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]
    if term:
        stmt = stmt.where(_search(term))
    if flt.blocked_on:
        sections = [SECTION_BLOCKS[s] for s in dict.fromkeys(flt.blocked_on)]
        stmt = stmt.where(_store_where(_not_launched(), or_(*sections)))
    if flt.assignee_member_id is not None:
        # Only by a member the viewer may see: a merchant must not learn who works on what.
        readable = select(PartnerMember.id).where(
            PartnerMember.id == flt.assignee_member_id,
            ctx.authz.filter(ctx.viewer, "read", PartnerMember),
        )
        stmt = stmt.where(
            exists(
                select(Assignment.id).where(
                    Assignment.client_id == Client.id, Assignment.member_id.in_(readable)
                )
            )
        )
    if flt.unassigned is not None:
        # As the dashboard's "clients without assignee": nobody of the client's own partner.
        assigned = exists(
            select(Assignment.id).where(
                Assignment.client_id == Client.id, Assignment.partner_id == Client.partner_id
            )
        )
        stmt = stmt.where(~assigned if flt.unassigned else assigned)
    if flt.created is not None:
        stmt = stmt.where(flt.created.where(Client.created_at))
    if flt.launched is not None:
        stmt = stmt.where(_store_where(flt.launched.where(Store.launched_at)))
    return stmt


# NULLs (never launched, nothing due) come last in both directions: they sort as the latest
# possible value ascending and as the earliest descending. One column, no NULL in the keyset
# comparison, the same on SQLite and PostgreSQL.
_LATEST_TIME = datetime(9999, 12, 31, tzinfo=UTC)
_EARLIEST_TIME = datetime(1, 1, 2, tzinfo=UTC)
_LATEST_DAY = date(9999, 12, 31)
_EARLIEST_DAY = date(1, 1, 1)


def aware(value: Any) -> datetime:
    """A cursor's time (ValueError unless it is an ISO time with its offset)."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("a cursor's time is out of range") from exc


def _time_key(expression: ColumnElement[Any], descending: bool, selected: bool) -> SortKey:
    sentinel = literal(_EARLIEST_TIME if descending else _LATEST_TIME, UTCDateTime())
    return SortKey(
        expression=func.coalesce(expression, sentinel),
        value_of=lambda value: value.isoformat(),
        parse=aware,
        selected=selected,
    )


def _day_key(expression: ColumnElement[Any], descending: bool) -> SortKey:
    sentinel = literal(_EARLIEST_DAY if descending else _LATEST_DAY, Date)
    return SortKey(
        expression=func.coalesce(expression, sentinel),
        value_of=lambda value: value.isoformat(),
        parse=lambda value: date.fromisoformat(str(value)),
        selected=True,
    )


def client_order(ctx: Context, order: ClientOrder) -> Order:
    """The keyset of `order`: its name, its value, and the id for ties."""
    name = OrderName(order.name)
    descending = order.descending
    match order.field:
        case ClientOrderField.NAME:
            return (name, Client.business_name, Client.id)
        case ClientOrderField.CREATED_AT:
            created = SortKey(
                expression=Client.created_at.expression,
                value_of=lambda row: row.created_at.isoformat(),
                parse=aware,
            )
            return (name, created, Client.id)
        case ClientOrderField.LAUNCHED_AT:
            launched = (
                select(Store.launched_at).where(Store.client_id == Client.id).scalar_subquery()
            )
            return (name, _time_key(launched, descending, selected=True), Client.id)
        case ClientOrderField.NEXT_DUE_AT:
            next_due = (
                select(func.min(Task.due_date))
                .where(
                    Task.client_id == Client.id,
                    Task.status != TaskStatus.DONE,
                    Task.due_date.is_not(None),
                    ctx.authz.filter(ctx.viewer, "read", Task),
                )
                .scalar_subquery()
            )
            return (name, _day_key(next_due, descending), Client.id)
