"""Commission terms, ShopIQ subscription charges and the commissions partners earn on them:
types, inputs and mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import money as tables
from db.money import ChargeKind, CommissionStatus, NoCommissionReason
from resolvers import commissions as service
from resolvers.billing import Amount
from resolvers.billing_rules import BASIS_POINTS
from resolvers.commission_queries import get_charge, get_commission, get_commission_terms
from resolvers.commissions import ChargeOutcome
from schema.enums import PartnerTier, register_enums
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.money import Money, MoneyInput
from schema.relay import LazyNode, Node, RowType, id_of, node

if TYPE_CHECKING:
    from schema.clients import Client
    from schema.partners import Partner

CLIENT: LazyNode[Client] = LazyNode("Client")
PARTNER: LazyNode[Partner] = LazyNode("Partner")

ENUMS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    ChargeOutcome: (
        "What became of one charge of a batch.",
        {
            ChargeOutcome.CREATED: "Recorded now.",
            ChargeOutcome.DUPLICATE: "Recorded before with the same payload; nothing changed.",
            ChargeOutcome.REFUSED: "Invalid; see the userErrors at its index.",
        },
    ),
    ChargeKind: (
        "What a ShopIQ subscription charge is for.",
        {
            ChargeKind.SUBSCRIPTION: "The plan's subscription fee.",
            ChargeKind.USAGE: "Usage billed on top of the plan.",
            ChargeKind.REFUND: "Money given back on an earlier charge (`refundsExternalId`).",
            ChargeKind.ADJUSTMENT: "A correction; may be negative.",
        },
    ),
    CommissionStatus: (
        "Where a commission is: PENDING -> APPROVED (after the hold) -> PAID, or REVERSED.",
        {
            CommissionStatus.PENDING: "Earned, within its hold period.",
            CommissionStatus.APPROVED: "Past its hold period, awaiting payout.",
            CommissionStatus.PAID: "Paid out to the partner.",
            CommissionStatus.REVERSED: "Refunded in full before approval (it and its reversals "
            "count for nothing).",
        },
    ),
    NoCommissionReason: (
        "Why a charge earned no commission.",
        {
            NoCommissionReason.NO_PARTNER: "The client never had a partner.",
            NoCommissionReason.ACCESS_NOT_ACTIVE: "No partner's access covered the charge's "
            "period start.",
            NoCommissionReason.OUTSIDE_DURATION: "The period started after the terms' duration "
            "from the access's activation.",
            NoCommissionReason.NO_TERMS: "No commission terms were in force for the partner.",
            NoCommissionReason.NOTHING_TO_REVERSE: "A refund of a charge that earned nothing "
            "(or whose commission is already reversed in full).",
        },
    ),
}

register_enums(ENUMS)


def _rate(bp: int) -> Decimal:
    return Decimal(bp) / BASIS_POINTS


@node(get_commission_terms)
@strawberry.type(
    description="What ShopIQ pays partners from a date on: the program's terms for a tier, or a "
    "partner's own override. Terms never change; later terms apply from their date."
)
class CommissionTerms(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    is_program: bool = strawberry.field(description="The program's terms for a tier.")
    effective_from: date = strawberry.field(description="The first period start they apply to.")
    duration_months: int = strawberry.field(
        description="Commission is earned on periods starting this many months from the start "
        "of the partner's access to the client."
    )
    hold_days: int = strawberry.field(description="Days a commission is held before approval.")
    created_at: datetime = strawberry.field(description="When they were set (UTC).")
    _row: strawberry.Private[tables.CommissionTerms]

    @strawberry.field(description="The tier they apply to (program terms); null for overrides.")
    def tier(self) -> PartnerTier | None:
        return PartnerTier(self._row.tier) if self._row.tier else None

    @strawberry.field(description="The rate as a fraction of the charge (0.2 is 20 %).")
    def rate(self) -> Decimal:
        return _rate(self._row.rate_bp)

    @strawberry.field(description="The partner of an override; null for program terms.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        if self._row.partner_id is None:
            return None
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))


@node(get_charge)
@strawberry.type(description="A merchant's ShopIQ subscription charge (platform staff only).")
class SubscriptionCharge(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    external_id: str = strawberry.field(description="Platform billing's id; unique.")
    kind: ChargeKind = strawberry.field(description="What the charge is for.")
    period_start: date = strawberry.field(description="The first day the charge covers.")
    period_end: date = strawberry.field(description="The last day the charge covers.")
    charged_at: datetime = strawberry.field(description="When it was charged (UTC).")
    no_commission_reason: NoCommissionReason | None = strawberry.field(
        description="Why it earned (or reversed) no commission; null when it did."
    )
    _row: strawberry.Private[tables.SubscriptionCharge]

    @strawberry.field(description="The amount charged; negative for refunds.")
    def amount(self) -> Money:
        return Money.minor(self._row.amount_minor, self._row.currency)


@node(get_commission)
@strawberry.type(
    description="A partner's earning on a charge, or (negative) the reversal of part of one on "
    "a refund. Its partner's owners and admins and platform staff only."
)
class Commission(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    status: CommissionStatus = strawberry.field(description="Where the commission is.")
    earned_on: date = strawberry.field(description="The day of the charge (UTC).")
    hold_until: date = strawberry.field(description="Approved once this day has passed.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    _row: strawberry.Private[tables.Commission]

    @strawberry.field(description="The rate applied (0.2 is 20 %).")
    def rate(self) -> Decimal:
        return _rate(self._row.rate_bp)

    @strawberry.field(description="The charge (or refund) amount the rate was applied to.")
    def base(self) -> Money:
        return Money.minor(self._row.base_minor, self._row.currency)

    @strawberry.field(description="Base x rate, rounded once, half to even; negative reversals.")
    def amount(self) -> Money:
        return Money.minor(self._row.amount_minor, self._row.currency)

    @strawberry.field(description="True for a reversal (on a refund).")
    def is_reversal(self) -> bool:
        return self._row.reverses_commission_id is not None

    @strawberry.field(description="The client charged; null if the viewer may not see it.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))


# --- Mutations ------------------------------------------------------------------------------


@strawberry.input(description="New commission terms: for a tier (program) or one partner.")
class SetCommissionTermsInput:
    effective_from: date = strawberry.field(
        description="The first period start they apply to; after the latest of the same kind."
    )
    rate: Decimal = strawberry.field(description="A fraction from 0 to 1 (0.2 is 20 %).")
    duration_months: int = strawberry.field(description="1 to 120 months from access start.")
    hold_days: int = strawberry.field(description="0 to 365 days held before approval.")
    tier: PartnerTier | None = strawberry.field(
        default=None, description="The program's terms for this tier; or give `partnerId`."
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="An override for this Partner; or give `tier`."
    )


@strawberry.type(description="The result of setCommissionTerms.")
class CommissionTermsPayload:
    commission_terms: CommissionTerms | None = strawberry.field(
        description="The new terms; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.input(description="One charge from ShopIQ's platform billing.")
class SubscriptionChargeInput:
    external_id: str = strawberry.field(description="Platform billing's id (1-100 characters).")
    client_id: strawberry.ID = strawberry.field(description="The Client charged.")
    amount: MoneyInput = strawberry.field(
        description="The amount; a refund's amount is what is given back (either sign)."
    )
    kind: ChargeKind = strawberry.field(description="What the charge is for.")
    period_start: date = strawberry.field(description="The first day the charge covers.")
    period_end: date = strawberry.field(description="The last day the charge covers.")
    charged_at: datetime = strawberry.field(description="When it was charged.")
    refunds_external_id: str | None = strawberry.field(
        default=None, description="For a REFUND: the external id of the charge refunded."
    )


@strawberry.input(description="A batch of charges (at most 500).")
class RecordSubscriptionChargesInput:
    charges: list[SubscriptionChargeInput] = strawberry.field(
        description="The charges, each recorded (or refused) on its own."
    )


@strawberry.type(description="What became of one charge of the batch.")
class ChargeResult:
    index: int = strawberry.field(description="Its position in the input, from 0.")
    external_id: str = strawberry.field(description="Its external id, as given.")
    outcome: ChargeOutcome = strawberry.field(description="Recorded, duplicate or refused.")
    charge: SubscriptionCharge | None = strawberry.field(
        description="The stored charge; null when refused."
    )
    commission: Commission | None = strawberry.field(
        description="The commission earned or reversed; null when none (see the charge's "
        "`noCommissionReason`)."
    )


@strawberry.type(description="The result of recordSubscriptionCharges.")
class RecordSubscriptionChargesPayload:
    results: list[ChargeResult] = strawberry.field(
        description="One per charge, in input order; empty when the whole call was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Problems of single charges (their path names the index) or of the call."
    )


def _charge(row: SubscriptionChargeInput) -> service.ChargeInput:
    return service.ChargeInput(
        external_id=row.external_id,
        client_id=id_of(row.client_id, "Client"),
        amount=Amount(row.amount.amount, row.amount.currency_code),
        kind=row.kind,
        period_start=row.period_start,
        period_end=row.period_end,
        charged_at=row.charged_at,
        refunds_external_id=row.refunds_external_id,
    )


@strawberry.input(description="The day up to which holds have ended.")
class ApproveDueCommissionsInput:
    as_of: date = strawberry.field(
        description="Commissions whose `holdUntil` is before this day are approved."
    )


@strawberry.type(description="The result of approveDueCommissions.")
class ApproveDueCommissionsPayload:
    approved_count: int = strawberry.field(
        description="How many commissions (and reversals) this run approved; 0 on a re-run."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was approved; empty on success."
    )


@strawberry.type
class CommissionMutation:
    @strawberry.mutation(
        description="Approve every PENDING commission (and reversal) whose hold ended before "
        "`asOf` (platform staff). Running it again for the same day approves nothing new."
    )
    async def approve_due_commissions(
        self,
        info: Info,
        input: Annotated[ApproveDueCommissionsInput, strawberry.argument(description="The day.")],
    ) -> ApproveDueCommissionsPayload:
        outcome = await service.approve_due_commissions(info.context, input.as_of)
        return ApproveDueCommissionsPayload(
            approved_count=outcome.value or 0, user_errors=user_errors(outcome.problems)
        )

    @strawberry.mutation(
        description="Set commission terms from a date on (platform staff): the program's for a "
        "tier, or one partner's override. Earlier terms and commissions stay as they were."
    )
    async def set_commission_terms(
        self,
        info: Info,
        input: Annotated[SetCommissionTermsInput, strawberry.argument(description="The terms.")],
    ) -> CommissionTermsPayload:
        outcome = await service.set_commission_terms(
            info.context,
            tier=input.tier.value if input.tier is not None else None,
            partner_id=id_of(input.partner_id, "Partner") if input.partner_id else None,
            partner_given=input.partner_id is not None,
            effective_from=input.effective_from,
            rate=input.rate,
            duration_months=input.duration_months,
            hold_days=input.hold_days,
        )
        return CommissionTermsPayload(
            commission_terms=CommissionTerms.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Record charges from ShopIQ's platform billing (platform staff or the "
        "billing service token). Idempotent by external id: a known charge is a DUPLICATE and "
        "changes nothing, a different payload under a known id is refused (CONFLICT). Each "
        "charge earns, in the same transaction, the commission of the partner whose access "
        "covered its period (or records why none); a refund reverses its share."
    )
    async def record_subscription_charges(
        self,
        info: Info,
        input: Annotated[
            RecordSubscriptionChargesInput, strawberry.argument(description="The charges.")
        ],
    ) -> RecordSubscriptionChargesPayload:
        outcome = await service.record_charges(info.context, [_charge(c) for c in input.charges])
        return RecordSubscriptionChargesPayload(
            results=[
                ChargeResult(
                    index=r.index,
                    external_id=r.external_id,
                    outcome=r.outcome,
                    charge=SubscriptionCharge.maybe(r.charge),
                    commission=Commission.maybe(r.commission),
                )
                for r in outcome.value or []
            ],
            user_errors=user_errors(outcome.problems),
        )
