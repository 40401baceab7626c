"""Payouts: what ShopIQ pays a partner per currency and period, the balances carried forward
below the minimum, and the per-currency minimums: types, inputs and mutations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import payouts as tables
from db.payouts import PayoutStatus
from resolvers import payouts as service
from resolvers.billing import Amount
from resolvers.payout_queries import PayoutFilter, get_payout
from schema.enums import register_enums
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.money import CurrencyCode, Money, MoneyInput
from schema.relay import LazyNode, Node, RowType, id_of, node

if TYPE_CHECKING:
    from schema.partners import Partner

PARTNER: LazyNode[Partner] = LazyNode("Partner")

ENUMS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    PayoutStatus: (
        "What a payout run decided for a partner's balance in a currency.",
        {
            PayoutStatus.DUE: "At or over the minimum: to be paid; its commissions are linked.",
            PayoutStatus.PAID: "Paid (`reference`, `paidAt`); its commissions are PAID.",
            PayoutStatus.CARRIED_FORWARD: "Below the minimum (or not positive): nothing paid, "
            "the balance carries to the next run.",
        },
    ),
}

register_enums(ENUMS)


@node(get_payout)
@strawberry.type(
    description="A payout run's result for one partner and currency: a payout (DUE, then PAID) "
    "or a balance carried forward. Its partner's owners and admins and platform staff only."
)
class Payout(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    status: PayoutStatus = strawberry.field(description="Due, paid or carried forward.")
    period_end: date = strawberry.field(
        description="The run's period end: commissions earned by this day were counted."
    )
    commission_count: int = strawberry.field(
        description="How many commissions and reversals it pays (0 when carried forward)."
    )
    reference: str | None = strawberry.field(description="The payment's reference once paid.")
    paid_at: datetime | None = strawberry.field(description="When it was marked paid (UTC).")
    created_at: datetime = strawberry.field(description="When the run wrote it (UTC).")
    version: int = strawberry.field(description="Optimistic-concurrency version.")
    _row: strawberry.Private[tables.Payout]

    @strawberry.field(
        description="The net of the approved commissions and reversals counted; for a "
        "carried-forward row, the balance carried."
    )
    def amount(self) -> Money:
        return Money.minor(self._row.amount_minor, self._row.currency)

    @strawberry.field(description="The currency's payout minimum in force at the run.")
    def minimum(self) -> Money:
        return Money.minor(self._row.minimum_minor, self._row.currency)

    @strawberry.field(description="The partner paid.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))


@strawberry.input(description="Which payouts to list.")
class PayoutFilterInput:
    status: list[PayoutStatus] | None = strawberry.field(
        default=None, description="Only payouts in one of these statuses."
    )
    currency_code: CurrencyCode | None = strawberry.field(
        default=None, description="Only payouts in this currency."
    )
    period_from: date | None = strawberry.field(
        default=None, description="Only periods ending on or after this day."
    )
    period_to: date | None = strawberry.field(
        default=None, description="Only periods ending on or before this day."
    )

    def to_filter(self) -> PayoutFilter:
        return PayoutFilter(
            statuses=tuple(self.status or ()),
            currency=str(self.currency_code).upper() if self.currency_code else None,
            period_from=self.period_from,
            period_to=self.period_to,
        )


@strawberry.type(description="A currency's payout minimum.")
class PayoutMinimum:
    minimum: Money = strawberry.field(description="Balances below it are carried forward.")
    updated_at: datetime = strawberry.field(description="When it was last set (UTC).")

    @classmethod
    def maybe(cls, row: tables.PayoutMinimum | None) -> PayoutMinimum | None:
        if row is None:
            return None
        return cls(minimum=Money.minor(row.minimum_minor, row.currency), updated_at=row.updated_at)


# --- Mutations ------------------------------------------------------------------------------


@strawberry.input(description="A payout run.")
class RunPayoutsInput:
    period_end: date = strawberry.field(
        description="The period's last day: approved commissions earned by then are counted."
    )


@strawberry.type(description="The result of runPayouts.")
class RunPayoutsPayload:
    payouts: list[Payout] = strawberry.field(
        description="What the run wrote: payouts DUE and balances CARRIED_FORWARD; empty on a "
        "re-run for the same period."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was run; empty on success."
    )


@strawberry.input(description="A due payout that was paid.")
class MarkPayoutPaidInput:
    payout_id: strawberry.ID = strawberry.field(description="The Payout, DUE.")
    version: int = strawberry.field(description="Its current `version`; stale is a CONFLICT.")
    reference: str = strawberry.field(description="The payment's reference (1 to 200 characters).")


@strawberry.type(description="The result of markPayoutPaid.")
class PayoutPayload:
    payout: Payout | None = strawberry.field(description="The payout; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.input(description="A currency's payout minimum.")
class SetPayoutMinimumInput:
    minimum: MoneyInput = strawberry.field(
        description="The smallest balance paid out in its currency (0 or more)."
    )


@strawberry.type(description="The result of setPayoutMinimum.")
class PayoutMinimumPayload:
    payout_minimum: PayoutMinimum | None = strawberry.field(
        description="The minimum now in force; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type
class PayoutMutation:
    @strawberry.mutation(
        description="Run payouts for a period (platform staff): per partner and currency, the "
        "approved commissions earned by `periodEnd` and in no payout, net of reversals, become a "
        "DUE payout when they reach the currency's minimum, else a CARRIED_FORWARD balance. "
        "Running it again for the same period writes nothing new."
    )
    async def run_payouts(
        self,
        info: Info,
        input: Annotated[RunPayoutsInput, strawberry.argument(description="The period.")],
    ) -> RunPayoutsPayload:
        outcome = await service.run_payouts(info.context, input.period_end)
        return RunPayoutsPayload(
            payouts=[Payout.of(p) for p in (outcome.value.payouts if outcome.value else [])],
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Record that a due payout was paid (platform staff); its commissions "
        "become PAID."
    )
    async def mark_payout_paid(
        self,
        info: Info,
        input: Annotated[MarkPayoutPaidInput, strawberry.argument(description="The payout.")],
    ) -> PayoutPayload:
        outcome = await service.mark_payout_paid(
            info.context, id_of(input.payout_id, "Payout"), input.version, input.reference
        )
        return PayoutPayload(
            payout=Payout.maybe(outcome.value), user_errors=user_errors(outcome.problems)
        )

    @strawberry.mutation(
        description="Set a currency's payout minimum from the next run on (platform staff)."
    )
    async def set_payout_minimum(
        self,
        info: Info,
        input: Annotated[SetPayoutMinimumInput, strawberry.argument(description="The minimum.")],
    ) -> PayoutMinimumPayload:
        outcome = await service.set_payout_minimum(
            info.context, Amount(input.minimum.amount, input.minimum.currency_code)
        )
        return PayoutMinimumPayload(
            payout_minimum=PayoutMinimum.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )
