"""Per-client profitability: for a period and a currency, one row per client of the partner with
the commissions earned on it, the service fees invoiced and paid, and the support minutes
logged; sortable by any of them (or the name), paged with a keyset cursor, one statement per
page.

Who gets rows: the policy's `read_profitability` on the client (the partner's owners, admins
and managers while their partner serves it, and platform staff). Each figure sums only rows the
viewer may read under their own rule (commissions: owners, admins, platform staff; invoices:
whoever works on the client in billing; time entries: whoever works on the client), and the
commissions column is None for a viewer who may not read the partner's commissions, so a
manager's report has no commission figures at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, true

from db.models import Client
from db.money import Commission, Invoice, InvoiceStatus
from db.relationship import TimeEntry
from resolvers.context import Context
from resolvers.earnings import may_read_earnings
from resolvers.pagination import Page, PageArgs, decode_cursor, encode_cursor
from resolvers.problems import InputError


class ProfitabilitySort(StrEnum):
    NAME = "name"
    COMMISSIONS = "commissions"
    FEES_INVOICED = "fees_invoiced"
    FEES_PAID = "fees_paid"
    SUPPORT_MINUTES = "support_minutes"


@dataclass(frozen=True, slots=True)
class ProfitabilityQuery:
    from_: date
    to: date
    currency: str
    sort: ProfitabilitySort = ProfitabilitySort.NAME
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ProfitabilityRow:
    client_id: int
    client_name: str
    currency: str
    commissions_minor: int | None  # None: the viewer may not read the partner's commissions
    fees_invoiced_minor: int
    fees_paid_minor: int
    support_minutes: int


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _rows(
    ctx: Context, partner_id: int, q: ProfitabilityQuery
) -> Select[int, str, Any, Any, Any, Any]:
    """Every client's figures (not yet paged): grouped sums joined to the clients."""
    viewer, authz = ctx.viewer, ctx.authz
    commissions = (
        select(Commission.client_id, func.sum(Commission.amount_minor).label("total"))
        .where(
            Commission.partner_id == partner_id,
            Commission.currency == q.currency,
            Commission.earned_on >= q.from_,
            Commission.earned_on <= q.to,
            authz.filter(viewer, "read", Commission),
        )
        .group_by(Commission.client_id)
        .subquery("commissions_earned")
    )
    invoiced = (
        select(Invoice.client_id, func.sum(Invoice.total_minor).label("total"))
        .where(
            Invoice.partner_id == partner_id,
            Invoice.currency == q.currency,
            Invoice.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.PAID]),
            Invoice.issue_date >= q.from_,
            Invoice.issue_date <= q.to,
            authz.filter(viewer, "read", Invoice),
        )
        .group_by(Invoice.client_id)
        .subquery("fees_invoiced")
    )
    paid = (
        select(Invoice.client_id, func.sum(Invoice.total_minor).label("total"))
        .where(
            Invoice.partner_id == partner_id,
            Invoice.currency == q.currency,
            Invoice.status == InvoiceStatus.PAID,
            Invoice.paid_at >= _start_of(q.from_),
            # The last day included; 9999-12-31 has no next day, and nothing is paid after it.
            Invoice.paid_at < _start_of(q.to + timedelta(days=1)) if q.to < date.max else true(),
            authz.filter(viewer, "read", Invoice),
        )
        .group_by(Invoice.client_id)
        .subquery("fees_paid")
    )
    minutes = (
        select(TimeEntry.client_id, func.sum(TimeEntry.minutes).label("total"))
        .where(
            TimeEntry.partner_id == partner_id,
            TimeEntry.work_date >= q.from_,
            TimeEntry.work_date <= q.to,
            authz.filter(viewer, "read", TimeEntry),
        )
        .group_by(TimeEntry.client_id)
        .subquery("support_minutes")
    )
    return (
        select(
            Client.id.label("client_id"),
            Client.business_name.label("client_name"),
            func.coalesce(commissions.c.total, 0).label("commissions"),
            func.coalesce(invoiced.c.total, 0).label("fees_invoiced"),
            func.coalesce(paid.c.total, 0).label("fees_paid"),
            func.coalesce(minutes.c.total, 0).label("support_minutes"),
        )
        .outerjoin(commissions, commissions.c.client_id == Client.id)
        .outerjoin(invoiced, invoiced.c.client_id == Client.id)
        .outerjoin(paid, paid.c.client_id == Client.id)
        .outerjoin(minutes, minutes.c.client_id == Client.id)
        .where(Client.partner_id == partner_id, authz.filter(viewer, "read_profitability", Client))
    )


SORT_COLUMN = {
    ProfitabilitySort.NAME: "client_name",
    ProfitabilitySort.COMMISSIONS: "commissions",
    ProfitabilitySort.FEES_INVOICED: "fees_invoiced",
    ProfitabilitySort.FEES_PAID: "fees_paid",
    ProfitabilitySort.SUPPORT_MINUTES: "support_minutes",
}


def _after(
    keys: list[ColumnElement[Any]], values: list[Any], descending: list[bool]
) -> ColumnElement[bool]:
    """Rows after the cursor's `values` in the order of `keys` (each ascending or descending):
    the first key beyond its value, or equal to it and the rest after theirs."""
    key, *rest_keys = keys
    value, *rest_values = values
    beyond: ColumnElement[bool] = key < value if descending[0] else key > value
    if not rest_keys:
        return beyond
    return or_(beyond, and_(key == value, _after(rest_keys, rest_values, descending[1:])))


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**62) < value < 2**62


def _cursor_values(cursor: str, q: ProfitabilityQuery) -> list[Any]:
    values = decode_cursor(cursor, 3)
    sort_value, name, id_ = values
    numeric = q.sort != ProfitabilitySort.NAME
    ok = (
        isinstance(name, str)
        and isinstance(id_, int)
        and not isinstance(id_, bool)
        and 0 < id_ < 2**31
        and (
            isinstance(sort_value, int)
            and not isinstance(sort_value, bool)
            and -(2**62) < sort_value < 2**62
            if numeric
            else isinstance(sort_value, str)
        )
    )
    if not ok:
        raise InputError("that cursor is not valid for this list")
    return [sort_value, name, id_]


async def profitability_page(
    ctx: Context, partner_id: int, q: ProfitabilityQuery, args: PageArgs
) -> Page[ProfitabilityRow]:
    """One page of the report in the chosen order (then name, then id: a stable keyset), one
    statement; its total count is a second statement, run only when asked for."""
    args = args.validated()
    if q.to < q.from_:
        raise InputError("`to` must be on or after `from`")
    commissions_visible = may_read_earnings(ctx, partner_id)
    rows = _rows(ctx, partner_id, q).subquery("profitability")
    sort = rows.c[SORT_COLUMN[q.sort]]
    keys: list[ColumnElement[Any]] = [sort, rows.c.client_name, rows.c.client_id]
    # The name and id always run ascending, so that ties read alphabetically either way.
    down = [q.descending, False, False]
    backwards = args.last is not None
    size = args.last if backwards else args.first
    assert size is not None
    stmt = select(rows)
    if args.after is not None:
        stmt = stmt.where(_after(keys, _params(_cursor_values(args.after, q), keys), down))
    if args.before is not None:
        flipped = [not d for d in down]
        stmt = stmt.where(_after(keys, _params(_cursor_values(args.before, q), keys), flipped))
    # Read backwards from `before` (or the end) for `last`, then turn the page round.
    order = [not d for d in down] if backwards else down
    stmt = stmt.order_by(*(k.desc() if d else k.asc() for k, d in zip(keys, order, strict=True)))
    stmt = stmt.limit(size + 1)
    async with ctx.reading() as session:
        found = list((await session.execute(stmt)).all())
    has_more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    items = [
        ProfitabilityRow(
            client_id=int(r.client_id),
            client_name=str(r.client_name),
            currency=q.currency,
            commissions_minor=int(r.commissions) if commissions_visible else None,
            fees_invoiced_minor=int(r.fees_invoiced),
            fees_paid_minor=int(r.fees_paid),
            support_minutes=int(r.support_minutes),
        )
        for r in found
    ]
    cursors = [
        encode_cursor([_sort_value(row, q.sort), row.client_name, row.client_id]) for row in items
    ]

    async def count() -> int:
        count_stmt = select(func.count()).select_from(_rows(ctx, partner_id, q).subquery())
        async with ctx.reading() as session:
            return int((await session.execute(count_stmt)).scalar_one())

    return Page(
        items=items,
        cursors=cursors,
        has_next_page=has_more if not backwards else args.before is not None,
        has_previous_page=has_more if backwards else args.after is not None,
        count=count,
    )


def _params(values: list[Any], keys: list[ColumnElement[Any]]) -> list[Any]:
    return [literal(v, k.type) for v, k in zip(values, keys, strict=True)]


def _sort_value(row: ProfitabilityRow, sort: ProfitabilitySort) -> Any:
    if sort == ProfitabilitySort.NAME:
        return row.client_name
    if sort == ProfitabilitySort.COMMISSIONS:
        # The cursor carries what the statement sorted by (0 where the column is hidden).
        return row.commissions_minor or 0
    if sort == ProfitabilitySort.FEES_INVOICED:
        return row.fees_invoiced_minor
    if sort == ProfitabilitySort.FEES_PAID:
        return row.fees_paid_minor
    return row.support_minutes
