"""Commission terms and charge ingestion: each charge from ShopIQ's platform billing is stored
once (by external id) and, in the same transaction, earns the commission of the partner whose
access covered its period, or records why none; a refund reverses its share of the original."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client, Partner, PartnerAccess
from db.money import (
    ChargeKind,
    Commission,
    CommissionStatus,
    CommissionTerms,
    NoCommissionReason,
    SubscriptionCharge,
)
from resolvers.billing import Amount, money_at
from resolvers.billing_rules import to_basis_points
from resolvers.commission_rules import (
    AccessPeriod,
    TermsVersion,
    covering_access,
    earned,
    hold_until,
    reversal,
    terms_in_force,
    within_duration,
)
from resolvers.context import Context
from resolvers.mutations import Outcome, transact
from resolvers.problems import ErrorCode, Problem, Refused, refuse

MAX_CHARGES = 500
MAX_DURATION_MONTHS = 120
MAX_HOLD_DAYS = 365


class ChargeOutcome(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ChargeInput:
    external_id: str
    client_id: int | None
    amount: Amount
    kind: ChargeKind
    period_start: date
    period_end: date
    charged_at: datetime
    refunds_external_id: str | None


@dataclass(slots=True)
class ChargeResult:
    index: int
    external_id: str
    outcome: ChargeOutcome
    charge: SubscriptionCharge | None = None
    commission: Commission | None = None


def _refused(problem: Problem) -> Refused:
    return Refused(problem)


# --- Commission terms -----------------------------------------------------------------------


async def set_commission_terms(
    ctx: Context,
    *,
    tier: str | None,
    partner_id: int | None,
    partner_given: bool,
    effective_from: date,
    rate: Decimal,
    duration_months: int,
    hold_days: int,
) -> Outcome[CommissionTerms]:
    """New commission terms from a date on (platform staff): the program's for a tier, or a
    partner's own override. Earlier terms stay as they were."""

    async def work(session: AsyncSession) -> CommissionTerms:
        if not ctx.authz.allowed(ctx.viewer, "manage", CommissionTerms()):
            raise refuse(None, "Only platform staff set commission terms.", ErrorCode.FORBIDDEN)
        if (tier is None) == (not partner_given):
            raise refuse("tier", "Give either a tier or a partner.", ErrorCode.INVALID)
        if partner_given:
            partner = await ctx.authz.one(session, ctx.viewer, Partner, partner_id or 0)
            if partner is None:
                raise refuse("partner_id", "No partner with that id.", ErrorCode.NOT_FOUND)
        rate_bp = to_basis_points(rate)
        problems = []
        if rate_bp is None or not 0 <= rate_bp <= 10_000:
            problems.append(
                Problem.at("rate", "Use a rate from 0 to 1 (0.2 is 20 %).", ErrorCode.INVALID)
            )
        if not 1 <= duration_months <= MAX_DURATION_MONTHS:
            problems.append(
                Problem.at(
                    "duration_months", f"Use 1 to {MAX_DURATION_MONTHS} months.", ErrorCode.INVALID
                )
            )
        if not 0 <= hold_days <= MAX_HOLD_DAYS:
            problems.append(
                Problem.at("hold_days", f"Use 0 to {MAX_HOLD_DAYS} days.", ErrorCode.INVALID)
            )
        if problems:
            raise Refused(*problems)
        latest = (
            await session.execute(
                select(func.max(CommissionTerms.effective_from)).where(
                    CommissionTerms.partner_id == partner_id
                    if partner_given
                    else CommissionTerms.tier == tier
                )
            )
        ).scalar_one()
        if latest is not None and effective_from <= latest:
            raise refuse(
                "effective_from",
                f"Terms change from a date after the latest ({latest.isoformat()}).",
                ErrorCode.INVALID,
            )
        assert rate_bp is not None
        terms = CommissionTerms(
            is_program=not partner_given,
            tier=tier,
            partner_id=partner_id if partner_given else None,
            effective_from=effective_from,
            rate_bp=rate_bp,
            duration_months=duration_months,
            hold_days=hold_days,
            created_by_user_id=ctx.viewer.user_id,
        )
        session.add(terms)
        await session.flush()
        return terms

    return await transact(ctx, work)


# --- Charges --------------------------------------------------------------------------------


def payload_hash(charge: ChargeInput, currency: str, minor: int) -> str:
    """The charge as given, canonically: the same external id with another payload differs."""
    canonical = {
        "client": charge.client_id,
        "amount": minor,
        "currency": currency,
        "kind": charge.kind.value,
        "start": charge.period_start.isoformat(),
        "end": charge.period_end.isoformat(),
        "at": charge.charged_at.astimezone(UTC).isoformat(),
        "refunds": charge.refunds_external_id,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


async def record_charges(
    ctx: Context, charges: Sequence[ChargeInput]
) -> Outcome[list[ChargeResult]]:
    """Store each charge once and earn (or reverse) its commission, each in its own savepoint:
    an invalid charge is reported at its index and the valid ones are kept."""

    async def work(session: AsyncSession) -> tuple[list[ChargeResult], list[Problem]]:
        if not ctx.authz.allowed(ctx.viewer, "ingest", SubscriptionCharge()):
            raise refuse(None, "Only ShopIQ's billing ingests charges.", ErrorCode.FORBIDDEN)
        if len(charges) > MAX_CHARGES:
            raise refuse("charges", f"Send at most {MAX_CHARGES} charges.", ErrorCode.TOO_LONG)
        results: list[ChargeResult] = []
        problems: list[Problem] = []
        for index, charge in enumerate(charges):
            try:
                async with session.begin_nested():
                    results.append(await _record(session, index, charge))
            except Refused as refusal:
                problems += refusal.problems
                results.append(ChargeResult(index, charge.external_id, ChargeOutcome.REFUSED))
            except IntegrityError:
                # A concurrent call stored the same external id first: it is a duplicate now.
                async with session.begin_nested():
                    results.append(await _record(session, index, charge))
        return results, problems

    outcome = await transact(ctx, work)
    if outcome.value is None:
        return Outcome(problems=outcome.problems)
    results, problems = outcome.value
    # The payload shows what the caller may read (the billing service reads no tenant data).
    for result in results:
        if result.charge is not None and not ctx.authz.allowed(ctx.viewer, "read", result.charge):
            result.charge = None
        if result.commission is not None and not ctx.authz.allowed(
            ctx.viewer, "read", result.commission
        ):
            result.commission = None
    return Outcome(value=results, problems=problems)


async def _record(session: AsyncSession, index: int, charge: ChargeInput) -> ChargeResult:
    at = ("charges", index)
    external_id = charge.external_id.strip()
    if not 1 <= len(external_id) <= 100:
        raise _refused(
            Problem.at((*at, "external_id"), "Use 1 to 100 characters.", ErrorCode.INVALID)
        )
    refund = charge.kind == ChargeKind.REFUND
    money = money_at((*at, "amount"), charge.amount, allow_negative=True)
    if refund and money.minor > 0:
        money = -money  # a refund takes money back, whichever sign it was sent with
    if not refund and charge.kind != ChargeKind.ADJUSTMENT and money.minor < 0:
        raise _refused(
            Problem.at(
                (*at, "amount"), "Only refunds and adjustments are negative.", ErrorCode.INVALID
            )
        )
    if charge.period_end < charge.period_start:
        raise _refused(
            Problem.at((*at, "period_end"), "End on or after the start.", ErrorCode.INVALID)
        )
    if charge.client_id is None:
        raise _refused(
            Problem.at((*at, "client_id"), "No client with that id.", ErrorCode.NOT_FOUND)
        )
    digest = payload_hash(charge, money.currency, money.minor)
    known = (
        await session.execute(
            select(SubscriptionCharge).where(SubscriptionCharge.external_id == external_id)
        )
    ).scalar_one_or_none()
    if known is not None:
        if known.payload_hash != digest:
            raise _refused(
                Problem.at(
                    (*at, "external_id"),
                    "A different charge was recorded under this external id.",
                    ErrorCode.CONFLICT,
                )
            )
        commission = (
            await session.execute(select(Commission).where(Commission.charge_id == known.id))
        ).scalar_one_or_none()
        return ChargeResult(index, external_id, ChargeOutcome.DUPLICATE, known, commission)
    client = await session.get(Client, charge.client_id)
    if client is None:
        raise _refused(
            Problem.at((*at, "client_id"), "No client with that id.", ErrorCode.NOT_FOUND)
        )
    original: SubscriptionCharge | None = None
    if refund:
        if not charge.refunds_external_id:
            raise _refused(
                Problem.at(
                    (*at, "refunds_external_id"), "Name the charge refunded.", ErrorCode.REQUIRED
                )
            )
        original = (
            await session.execute(
                select(SubscriptionCharge).where(
                    SubscriptionCharge.external_id == charge.refunds_external_id.strip()
                )
            )
        ).scalar_one_or_none()
        if (
            original is None
            or original.client_id != client.id
            or original.kind == ChargeKind.REFUND
        ):
            raise _refused(
                Problem.at(
                    (*at, "refunds_external_id"),
                    "No charge of this client with that external id.",
                    ErrorCode.NOT_FOUND,
                )
            )
        if original.currency != money.currency:
            raise _refused(
                Problem.at((*at, "amount"), f"Refund in {original.currency}.", ErrorCode.INVALID)
            )
    row = SubscriptionCharge(
        external_id=external_id,
        client_id=client.id,
        kind=charge.kind,
        amount_minor=money.minor,
        currency=money.currency,
        period_start=charge.period_start,
        period_end=charge.period_end,
        charged_at=charge.charged_at,
        refunds_charge_id=original.id if original else None,
        payload_hash=digest,
    )
    session.add(row)
    await session.flush()
    commission = await _reverse(session, row, original) if original else await _earn(session, row)
    await session.flush()
    return ChargeResult(index, external_id, ChargeOutcome.CREATED, row, commission)


async def _earn(session: AsyncSession, charge: SubscriptionCharge) -> Commission | None:
    accesses = (
        (
            await session.execute(
                select(PartnerAccess).where(PartnerAccess.client_id == charge.client_id)
            )
        )
        .scalars()
        .all()
    )
    if not accesses:
        charge.no_commission_reason = NoCommissionReason.NO_PARTNER
        return None
    periods = [
        AccessPeriod(a.id, a.partner_id, a.activated_at, a.ended_at, a.expires_at) for a in accesses
    ]
    access = covering_access(periods, charge.period_start)
    if access is None or access.activated_at is None:
        charge.no_commission_reason = NoCommissionReason.ACCESS_NOT_ACTIVE
        return None
    charge.partner_id = access.partner_id
    partner = await session.get(Partner, access.partner_id)
    assert partner is not None
    versions = (
        (
            await session.execute(
                select(CommissionTerms).where(
                    (CommissionTerms.partner_id == partner.id)
                    | (CommissionTerms.tier == str(partner.tier))
                )
            )
        )
        .scalars()
        .all()
    )
    terms = terms_in_force(
        [
            TermsVersion(
                v.id,
                v.partner_id,
                v.tier,
                v.effective_from,
                v.rate_bp,
                v.duration_months,
                v.hold_days,
            )
            for v in versions
        ],
        partner.id,
        str(partner.tier),
        charge.period_start,
    )
    if terms is None:
        charge.no_commission_reason = NoCommissionReason.NO_TERMS
        return None
    if not within_duration(access.activated_at, terms.duration_months, charge.period_start):
        charge.no_commission_reason = NoCommissionReason.OUTSIDE_DURATION
        return None
    charged_on = charge.charged_at.astimezone(UTC).date()
    commission = Commission(
        partner_id=partner.id,
        client_id=charge.client_id,
        charge_id=charge.id,
        terms_id=terms.id,
        access_id=access.id,
        rate_bp=terms.rate_bp,
        base_minor=charge.amount_minor,
        amount_minor=earned(charge.amount_minor, terms.rate_bp),
        currency=charge.currency,
        earned_on=charged_on,
        hold_until=hold_until(charged_on, terms.hold_days),
    )
    session.add(commission)
    return commission


async def _reverse(
    session: AsyncSession, refund: SubscriptionCharge, original: SubscriptionCharge
) -> Commission | None:
    earned_row = (
        await session.execute(select(Commission).where(Commission.charge_id == original.id))
    ).scalar_one_or_none()
    if earned_row is None:
        refund.no_commission_reason = (
            original.no_commission_reason or NoCommissionReason.NOTHING_TO_REVERSE
        )
        refund.partner_id = original.partner_id
        return None
    so_far = (
        await session.execute(
            select(func.coalesce(func.sum(Commission.amount_minor), 0)).where(
                Commission.reverses_commission_id == earned_row.id
            )
        )
    ).scalar_one()
    amount = reversal(
        earned_row.amount_minor, earned_row.base_minor, refund.amount_minor, int(so_far)
    )
    refund.partner_id = earned_row.partner_id
    if amount == 0:
        refund.no_commission_reason = NoCommissionReason.NOTHING_TO_REVERSE
        return None
    charged_on = refund.charged_at.astimezone(UTC).date()
    # A pending commission refunded in full is reversed outright (it and its reversals leave the
    # balance); otherwise the reversal is a negative entry that nets in the next payout.
    whole = earned_row.status == CommissionStatus.PENDING and (
        int(so_far) + amount == -earned_row.amount_minor
    )
    commission = Commission(
        partner_id=earned_row.partner_id,
        client_id=refund.client_id,
        charge_id=refund.id,
        terms_id=earned_row.terms_id,
        access_id=earned_row.access_id,
        reverses_commission_id=earned_row.id,
        rate_bp=earned_row.rate_bp,
        base_minor=refund.amount_minor,
        amount_minor=amount,
        currency=refund.currency,
        earned_on=charged_on,
        hold_until=charged_on,
        status=CommissionStatus.REVERSED if whole else CommissionStatus.PENDING,
    )
    session.add(commission)
    if whole:
        earned_row.status = CommissionStatus.REVERSED
        earlier = (
            await session.execute(
                select(Commission).where(Commission.reverses_commission_id == earned_row.id)
            )
        ).scalars()
        for row in earlier:
            row.status = CommissionStatus.REVERSED
    return commission


# --- The ledger -----------------------------------------------------------------------------


async def approve_due_commissions(ctx: Context, as_of: date) -> Outcome[int]:
    """PENDING -> APPROVED for every commission (and reversal) whose hold ended before `as_of`
    (platform staff). Running it again for the same day approves nothing new."""

    async def work(session: AsyncSession) -> int:
        if not ctx.authz.allowed(ctx.viewer, "approve", Commission()):
            raise refuse(None, "Only platform staff approve commissions.", ErrorCode.FORBIDDEN)
        # Row by row through the ORM (not one bulk UPDATE), so each change is seen as the
        # change of that commission (versions, audit trail).
        due = (
            (
                await session.execute(
                    select(Commission)
                    .where(
                        Commission.status == CommissionStatus.PENDING,
                        Commission.hold_until < as_of,
                    )
                    .order_by(Commission.id)
                )
            )
            .scalars()
            .all()
        )
        for commission in due:
            commission.status = CommissionStatus.APPROVED
        await session.flush()
        return len(due)

    return await transact(ctx, work)
