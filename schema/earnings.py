"""A partner's earnings reports: earnings grouped by month, client, kind and status; the balance
per currency; per-client profitability; the dashboard's earnings to date. Every figure is
aggregated in SQL over what the viewer may read."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.money import ChargeKind, CommissionStatus
from resolvers import earnings
from resolvers.earnings import EarningsGroup
from resolvers.profitability import ProfitabilityQuery, ProfitabilityRow, ProfitabilitySort
from schema.enums import register_enums
from schema.info import Info
from schema.money import CurrencyCode, Money
from schema.relay import LazyNode, to_global_id

if TYPE_CHECKING:
    from schema.clients import Client

CLIENT: LazyNode[Client] = LazyNode("Client")


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


ENUMS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    EarningsGroup: (
        "A key the earnings report is grouped by (besides the currency, always a key).",
        {
            EarningsGroup.MONTH: "The month the commission was earned in (UTC).",
            EarningsGroup.CLIENT: "The client charged.",
            EarningsGroup.KIND: "The kind of the charge the commission was earned on.",
            EarningsGroup.STATUS: "The commission's status.",
        },
    ),
    ProfitabilitySort: (
        "What the profitability report is sorted by (then by client name and id).",
        {
            ProfitabilitySort.NAME: "The client's business name.",
            ProfitabilitySort.COMMISSIONS: "Commissions earned (all zero where they are hidden).",
            ProfitabilitySort.FEES_INVOICED: "Service fees invoiced.",
            ProfitabilitySort.FEES_PAID: "Service fees paid.",
            ProfitabilitySort.SUPPORT_MINUTES: "Support minutes logged.",
        },
    ),
    SortDirection: (
        "A sort direction.",
        {SortDirection.ASC: "Smallest first.", SortDirection.DESC: "Largest first."},
    ),
}

register_enums(ENUMS)


@strawberry.type(
    description="The totals of one group of a partner's commission ledger in one currency; a "
    "key the report is not grouped by is null."
)
class EarningsRow:
    currency_code: CurrencyCode = strawberry.field(description="The totals' currency.")
    month: date | None = strawberry.field(
        description="The first day of the month (UTC) the commissions were earned in."
    )
    kind: ChargeKind | None = strawberry.field(description="The kind of the charges.")
    status: CommissionStatus | None = strawberry.field(description="The commissions' status.")
    entries: int = strawberry.field(description="Ledger entries (commissions and reversals).")
    _row: strawberry.Private[earnings.EarningsRow]

    @strawberry.field(description="Commissions earned (entries that reverse nothing).")
    def earned(self) -> Money:
        return Money.minor(self._row.earned_minor, self._row.currency)

    @strawberry.field(description="Reversals on refunds (zero or negative).")
    def reversed(self) -> Money:
        return Money.minor(self._row.reversed_minor, self._row.currency)

    @strawberry.field(description="Earned plus reversed.")
    def net(self) -> Money:
        return Money.minor(self._row.net_minor, self._row.currency)

    @strawberry.field(description="The client's id when grouped by client.")
    def client_id(self) -> strawberry.ID | None:
        return to_global_id("Client", self._row.client_id) if self._row.client_id else None

    @strawberry.field(
        description="The client when grouped by client; null if the viewer may no longer see "
        "it (e.g. its merchant ended the partner's access)."
    )
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        if self._row.client_id is None:
            return None
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @staticmethod
    def of(row: earnings.EarningsRow) -> EarningsRow:
        return EarningsRow(
            currency_code=CurrencyCode(row.currency),
            month=row.month,
            kind=row.kind,
            status=row.status,
            entries=row.entries,
            _row=row,
        )


@strawberry.type(
    description="Where a partner's commissions stand in one currency, net of reversals. "
    "REVERSED commissions and their reversals count nowhere (they cancel out)."
)
class Balance:
    currency_code: CurrencyCode = strawberry.field(description="The balance's currency.")
    _row: strawberry.Private[earnings.BalanceRow]

    def _money(self, minor: int) -> Money:
        return Money.minor(minor, self._row.currency)

    @strawberry.field(
        description="Within their hold period; negative when a refund reverses commission that "
        "was already approved or paid (it nets against the next payout)."
    )
    def pending(self) -> Money:
        return self._money(self._row.pending_minor)

    @strawberry.field(
        description="Approved and not paid yet: what is in a payout awaiting payment, what was "
        "carried forward, and what was approved since the last payout run."
    )
    def approved(self) -> Money:
        return self._money(self._row.approved_minor)

    @strawberry.field(description="Of the approved: linked to a DUE payout awaiting payment.")
    def in_payout(self) -> Money:
        return self._money(self._row.in_payout_minor)

    @strawberry.field(
        description="Of the approved: left unpaid by the payout runs so far (in no payout, "
        "earned by the latest run's period end); the next run counts it again. Right after a "
        "run it is that run's CARRIED_FORWARD amount (zero when the run paid out)."
    )
    def carried_forward(self) -> Money:
        return self._money(self._row.carried_forward_minor)

    @strawberry.field(description="Paid out (in payouts marked paid).")
    def paid(self) -> Money:
        return self._money(self._row.paid_minor)

    @staticmethod
    def of(row: earnings.BalanceRow) -> Balance:
        return Balance(currency_code=CurrencyCode(row.currency), _row=row)


@strawberry.type(
    description="One client's profitability over a period in one currency: what the client "
    "earned the partner against the support time it took."
)
class ClientProfitability:
    client_name: str = strawberry.field(description="The client's business name.")
    support_minutes: int = strawberry.field(
        description="Minutes the partner's team logged on the client (billable or not) in the "
        "period."
    )
    _row: strawberry.Private[ProfitabilityRow]

    @strawberry.field(description="The client's id.")
    def client_id(self) -> strawberry.ID:
        return to_global_id("Client", self._row.client_id)

    @strawberry.field(description="The client.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(
        description="Net commissions earned on the client in the period (reversals included); "
        "null unless the viewer may read the partner's commissions (owners, admins and "
        "platform staff)."
    )
    def commissions(self) -> Money | None:
        minor = self._row.commissions_minor
        return None if minor is None else Money.minor(minor, self._row.currency)

    @strawberry.field(description="Service invoices issued in the period (issued or paid since).")
    def fees_invoiced(self) -> Money:
        return Money.minor(self._row.fees_invoiced_minor, self._row.currency)

    @strawberry.field(description="Service invoices paid in the period (UTC days).")
    def fees_paid(self) -> Money:
        return Money.minor(self._row.fees_paid_minor, self._row.currency)

    @staticmethod
    def of(row: ProfitabilityRow) -> ClientProfitability:
        return ClientProfitability(
            client_name=row.client_name, support_minutes=row.support_minutes, _row=row
        )


@strawberry.input(description="How to sort the profitability report.")
class ProfitabilityOrder:
    field: ProfitabilitySort = strawberry.field(description="What to sort by.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Smallest or largest first."
    )


def profitability_query(
    from_: date, to: date, currency: str, order: ProfitabilityOrder | None
) -> ProfitabilityQuery:
    if order is None:
        return ProfitabilityQuery(from_, to, currency)
    return ProfitabilityQuery(
        from_, to, currency, order.field, order.direction == SortDirection.DESC
    )


@strawberry.type(description="Net commissions earned so far this month and this year (UTC).")
class EarningsToDate:
    currency_code: CurrencyCode = strawberry.field(description="The amounts' currency.")
    _row: strawberry.Private[earnings.EarningsToDate]

    @strawberry.field(description="Since the first of this month.")
    def this_month(self) -> Money:
        return Money.minor(self._row.this_month_minor, self._row.currency)

    @strawberry.field(description="Since the first of January.")
    def year_to_date(self) -> Money:
        return Money.minor(self._row.year_to_date_minor, self._row.currency)

    @staticmethod
    def of(row: earnings.EarningsToDate) -> EarningsToDate:
        return EarningsToDate(currency_code=CurrencyCode(row.currency), _row=row)
