"""Merchant consent mutations: request, approve, decline and revoke a partner's access; access
codes; the merchant's staff and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from db.enums import AccessScope as DbAccessScope
from resolvers import access as access_service
from resolvers.mutations import Outcome
from schema.access_types import MerchantUser, PartnerAccess
from schema.enums import AccessScope
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.relay import id_of, to_global_id

EXPIRY = "When the access ends by itself (UTC offset required; must be in the future)."


@strawberry.input(description="A partner asks for access to an existing merchant account.")
class RequestClientAccessInput:
    partner_id: strawberry.ID = strawberry.field(
        description="The Partner asking; the viewer must be on its team."
    )
    merchant_email: str | None = strawberry.field(
        default=None,
        description="The merchant owner's sign-in email; the request waits for their approval. "
        "Give this or `accessCode`.",
    )
    access_code: str | None = strawberry.field(
        default=None,
        description="A one-time code the merchant owner created (createAccessCode): the access "
        "is active at once, within the code's scope.",
    )
    scope: AccessScope = strawberry.field(
        default=AccessScope.FULL, description="What the partner asks to do."
    )
    message: str | None = strawberry.field(
        default=None, description="A note to the merchant (at most 2,000 characters)."
    )
    expires_at: datetime | None = strawberry.field(default=None, description=EXPIRY)


@strawberry.input(description="The merchant owner approves a request.")
class ApproveAccessRequestInput:
    access_id: strawberry.ID = strawberry.field(description="The PartnerAccess (REQUESTED).")
    version: int = strawberry.field(description="Its current `version`; a stale one: CONFLICT.")
    scope: AccessScope | None = strawberry.field(
        default=None, description="A narrower scope than requested; default: as requested."
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="Set an expiry, or shorten the requested one; default: as requested.",
    )


@strawberry.input(description="An access or request to act on.")
class AccessDecisionInput:
    access_id: strawberry.ID = strawberry.field(description="The PartnerAccess.")
    version: int = strawberry.field(description="Its current `version`; a stale one: CONFLICT.")


@strawberry.input(description="A one-time access code for the merchant owner to hand a partner.")
class CreateAccessCodeInput:
    client_id: strawberry.ID = strawberry.field(description="The merchant's Client.")
    scope: AccessScope = strawberry.field(
        default=AccessScope.FULL, description="The broadest scope the code grants."
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="Until when the code may be used (at most 30 days ahead); default 7 days.",
    )


@strawberry.input(description="Someone to invite as merchant staff.")
class InviteMerchantStaffInput:
    client_id: strawberry.ID = strawberry.field(description="The merchant's Client.")
    email: str = strawberry.field(
        description="Their email; an account is created for it if there is none."
    )
    name: str | None = strawberry.field(
        default=None, description="Their name, if new to ShopIQ (at most 200 characters)."
    )


@strawberry.input(description="A merchant staff member to remove.")
class RemoveMerchantStaffInput:
    merchant_user_id: strawberry.ID = strawberry.field(description="The MerchantUser.")
    version: int = strawberry.field(description="Its current `version`; a stale one: CONFLICT.")


@strawberry.input(description="A merchant invitation to accept.")
class AcceptClientInvitationInput:
    merchant_user_id: strawberry.ID = strawberry.field(
        description="The MerchantUser of the invitation (see `viewer.clientInvitations`)."
    )


@strawberry.type(description="The result of a consent mutation.")
class PartnerAccessPayload:
    access: PartnerAccess | None = strawberry.field(
        description="The access as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of createAccessCode.")
class AccessCodePayload:
    code: str | None = strawberry.field(
        description="The code, shown this once (only its hash is stored); hand it to the "
        "partner. Null when refused."
    )
    scope: AccessScope | None = strawberry.field(description="The broadest scope it grants.")
    expires_at: datetime | None = strawberry.field(description="Until when it may be used.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of a merchant team mutation.")
class MerchantUserPayload:
    merchant_user: MerchantUser | None = strawberry.field(
        description="The merchant membership as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of removeMerchantStaff.")
class RemoveMerchantStaffPayload:
    removed_merchant_user_id: strawberry.ID | None = strawberry.field(
        description="The id of the merchant membership removed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _access(outcome: Outcome[models.PartnerAccess]) -> PartnerAccessPayload:
    return PartnerAccessPayload(
        access=PartnerAccess.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


def _merchant(outcome: Outcome[models.ClientUser]) -> MerchantUserPayload:
    return MerchantUserPayload(
        merchant_user=MerchantUser.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


def _scope(value: AccessScope | None) -> DbAccessScope | None:
    return DbAccessScope(value.value) if value is not None else None


@strawberry.type
class AccessMutation:
    @strawberry.mutation(
        description="A partner asks for access to a merchant account, by its owner's email "
        "(REQUESTED until approved; the partner sees nothing of the client meanwhile) or by a "
        "one-time access code (ACTIVE at once). Refused: neither or both (REQUIRED, INVALID), "
        "an invalid email (INVALID), no such owner (NOT_FOUND), an invalid, used or expired code "
        "(INVALID), an expiry in the past (INVALID), an open request or access of the partner "
        "already (TAKEN), another partner's active access when redeeming a code (CONFLICT)."
    )
    async def request_client_access(
        self,
        info: Info,
        input: Annotated[RequestClientAccessInput, strawberry.argument(description="The request.")],
    ) -> PartnerAccessPayload:
        given = access_service.AccessRequestInput(
            partner_id=id_of(input.partner_id, "Partner"),
            merchant_email=input.merchant_email,
            access_code=input.access_code,
            scope=DbAccessScope(input.scope.value),
            message=input.message,
            expires_at=input.expires_at,
        )
        return _access(await access_service.request_client_access(info.context, given))

    @strawberry.mutation(
        description="The merchant owner approves a request, optionally narrowing its scope and "
        "setting or shortening its expiry; the partner works on the client from the next "
        "request on. Refused: widening (INVALID), an expiry in the past (INVALID), another "
        "partner's active access (CONFLICT: revoke it first), a stale version (CONFLICT), "
        "merchant staff (FORBIDDEN)."
    )
    async def approve_access_request(
        self,
        info: Info,
        input: Annotated[
            ApproveAccessRequestInput, strawberry.argument(description="The decision.")
        ],
    ) -> PartnerAccessPayload:
        return _access(
            await access_service.approve_access_request(
                info.context,
                id_of(input.access_id, "PartnerAccess"),
                input.version,
                _scope(input.scope),
                input.expires_at,
            )
        )

    @strawberry.mutation(
        description="The merchant owner declines a request: it ENDS without ever being active."
    )
    async def decline_access_request(
        self,
        info: Info,
        input: Annotated[AccessDecisionInput, strawberry.argument(description="The request.")],
    ) -> PartnerAccessPayload:
        return _access(
            await access_service.decline_access_request(
                info.context, id_of(input.access_id, "PartnerAccess"), input.version
            )
        )

    @strawberry.mutation(
        description="End an access (or withdraw a request): the merchant owner revokes it "
        "(REVOKED), the partner's owners and admins end it (ENDED). From the next request on the "
        "partner's team sees nothing of the client; its shared tasks stay with the merchant as "
        "read-only history."
    )
    async def revoke_partner_access(
        self,
        info: Info,
        input: Annotated[AccessDecisionInput, strawberry.argument(description="The access.")],
    ) -> PartnerAccessPayload:
        return _access(
            await access_service.revoke_partner_access(
                info.context, id_of(input.access_id, "PartnerAccess"), input.version
            )
        )

    @strawberry.mutation(
        description="The merchant owner creates a one-time access code for a partner "
        "(requestClientAccess with `accessCode`). The code is answered once and stored hashed."
    )
    async def create_access_code(
        self,
        info: Info,
        input: Annotated[CreateAccessCodeInput, strawberry.argument(description="The code.")],
    ) -> AccessCodePayload:
        outcome = await access_service.create_access_code(
            info.context,
            id_of(input.client_id, "Client"),
            DbAccessScope(input.scope.value),
            input.expires_at,
        )
        issued = outcome.value
        return AccessCodePayload(
            code=issued.code if issued else None,
            scope=AccessScope(issued.row.scope) if issued else None,
            expires_at=issued.row.expires_at if issued else None,
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="The merchant owner invites merchant staff (INVITED until they accept). "
        "Refused: an invalid email (INVALID), someone already there (TAKEN)."
    )
    async def invite_merchant_staff(
        self,
        info: Info,
        input: Annotated[InviteMerchantStaffInput, strawberry.argument(description="Who.")],
    ) -> MerchantUserPayload:
        return _merchant(
            await access_service.invite_merchant_staff(
                info.context, id_of(input.client_id, "Client"), input.email, input.name
            )
        )

    @strawberry.mutation(
        description="The merchant owner removes merchant staff (or withdraws an invitation)."
    )
    async def remove_merchant_staff(
        self,
        info: Info,
        input: Annotated[RemoveMerchantStaffInput, strawberry.argument(description="Who.")],
    ) -> RemoveMerchantStaffPayload:
        outcome = await access_service.remove_merchant_staff(
            info.context, id_of(input.merchant_user_id, "MerchantUser"), input.version
        )
        return RemoveMerchantStaffPayload(
            removed_merchant_user_id=(
                to_global_id("MerchantUser", outcome.value) if outcome.value is not None else None
            ),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="The invited user joins the client. A merchant owner invited by an "
        "onboarding thereby approves that partner's requested access."
    )
    async def accept_client_invitation(
        self,
        info: Info,
        input: Annotated[
            AcceptClientInvitationInput, strawberry.argument(description="The invitation.")
        ],
    ) -> MerchantUserPayload:
        return _merchant(
            await access_service.accept_client_invitation(
                info.context, id_of(input.merchant_user_id, "MerchantUser")
            )
        )
