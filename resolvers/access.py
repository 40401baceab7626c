"""Merchant consent: partners request access (by the merchant owner's email or a one-time access
code), merchant owners approve (narrowing scope and expiry), decline or revoke, partners end
their own access; merchant owners create access codes and manage their merchant staff."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.access import AccessCode, hash_code
from db.base import utcnow
from db.enums import AccessScope, AccessStatus, ClientUserStatus, MerchantRole, UserStatus
from db.models import ACCESS_MESSAGE_LIMIT, Client, ClientUser, Partner, PartnerAccess, User
from resolvers import transitions
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, FieldName, Refused, refuse
from resolvers.users import revive_as_invited
from resolvers.validation import Checker

ACCESS_FIELD = "access_id"
# Broadest first: a merchant may narrow a requested scope, never widen it.
SCOPE_RANK = {AccessScope.FULL: 3, AccessScope.IMPLEMENTATION: 2, AccessScope.SUPPORT: 1}
CODE_TTL = timedelta(days=7)
CODE_MAX_TTL = timedelta(days=30)
CODE_PREFIX = "shopiq-"
INVALID_CODE = "That access code is not valid: unknown, already used or expired."


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A new access code: the plain code is shown this once and never stored."""

    code: str
    row: AccessCode


def narrower(a: AccessScope, b: AccessScope) -> AccessScope:
    return a if SCOPE_RANK[a] <= SCOPE_RANK[b] else b


def _future(field: FieldName, value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise refuse(field, "Give the time with its UTC offset.", ErrorCode.INVALID)
    if value <= now:
        raise refuse(field, "The expiry must be in the future.", ErrorCode.INVALID)
    return value


async def _end_expired(session: AsyncSession, client_id: int) -> None:
    """An active access past its expiry already counts as ended for the policy; record it so,
    to free the client's one active access for the next one."""
    await session.execute(
        update(PartnerAccess)
        .where(
            PartnerAccess.client_id == client_id,
            PartnerAccess.status == AccessStatus.ACTIVE,
            PartnerAccess.expires_at <= func.now(),
        )
        .values(
            status=AccessStatus.ENDED,
            ended_at=PartnerAccess.expires_at,
            version=PartnerAccess.version + 1,
        )
        .execution_options(synchronize_session=False)
    )


async def _refuse_if_other_partner_active(
    session: AsyncSession, client_id: int, partner_id: int, field: FieldName
) -> None:
    """One active access per client: the merchant revokes the current partner's access first."""
    await _end_expired(session, client_id)
    other = await session.execute(
        select(PartnerAccess.id).where(
            PartnerAccess.client_id == client_id,
            PartnerAccess.status == AccessStatus.ACTIVE,
            PartnerAccess.partner_id != partner_id,
        )
    )
    if other.first() is not None:
        raise refuse(
            field,
            "Another partner has access to this client; revoke it first.",
            ErrorCode.CONFLICT,
        )


def _activate(access: PartnerAccess, client: Client, decided_by: int | None, now: datetime) -> None:
    access.status = transitions.ACCESS.move(access.status, AccessStatus.ACTIVE, ACCESS_FIELD)
    access.activated_at = now
    access.decided_by_user_id = decided_by
    client.partner_id = access.partner_id


async def _forget_partner(session: AsyncSession, access: PartnerAccess) -> None:
    """The client no longer has the access's partner as its current partner."""
    client = await session.get(Client, access.client_id)
    if client is not None and client.partner_id == access.partner_id:
        client.partner_id = None


# --- Requests -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessRequestInput:
    partner_id: int | None
    merchant_email: str | None
    access_code: str | None
    scope: AccessScope
    message: str | None
    expires_at: datetime | None


async def request_client_access(ctx: Context, given: AccessRequestInput) -> Outcome[PartnerAccess]:
    async def work(session: AsyncSession) -> PartnerAccess:
        partner = await target(
            session, ctx, Partner, given.partner_id, action="onboard_client", field="partner_id"
        )
        now = utcnow()
        check = Checker()
        message = check.text("message", given.message, required=False, max_len=ACCESS_MESSAGE_LIMIT)
        email = check.email("merchant_email", given.merchant_email, required=False)
        if check.problems:
            raise Refused(*check.problems)
        if (email is None) == (not given.access_code):
            raise refuse(
                "merchant_email",
                "Give either the merchant owner's email or an access code.",
                ErrorCode.REQUIRED if email is None else ErrorCode.INVALID,
            )
        expires_at = _future("expires_at", given.expires_at, now)
        if given.access_code:
            return await _redeem_code(session, ctx, partner, given, message, expires_at, now)
        assert email is not None
        client_id = await _client_of_owner(session, email)
        await _refuse_if_already_there(session, client_id, partner.id)
        access = PartnerAccess(
            partner_id=partner.id,
            client_id=client_id,
            status=AccessStatus.REQUESTED,
            scope=given.scope.value,
            message=message,
            requested_at=now,
            expires_at=expires_at,
            requested_by_user_id=ctx.viewer.user_id,
        )
        session.add(access)
        await session.flush()
        return access

    return await transact(ctx, work)


async def _client_of_owner(session: AsyncSession, email: str) -> int:
    rows = await session.execute(
        select(ClientUser.client_id)
        .join(User, User.id == ClientUser.user_id)
        .where(
            User.email == email,
            User.status != UserStatus.REMOVED,
            ClientUser.role == MerchantRole.MERCHANT_OWNER,
            ClientUser.status == ClientUserStatus.ACTIVE,
        )
        .limit(2)
    )
    found = list(rows.scalars())
    if not found:
        raise refuse(
            "merchant_email", "No merchant account has that owner email.", ErrorCode.NOT_FOUND
        )
    if len(found) > 1:
        raise refuse(
            "merchant_email",
            "That owner has several merchant accounts; ask them for an access code.",
            ErrorCode.INVALID,
        )
    return found[0]


async def _refuse_if_already_there(session: AsyncSession, client_id: int, partner_id: int) -> None:
    await _end_expired(session, client_id)
    open_ = await session.execute(
        select(PartnerAccess.id).where(
            PartnerAccess.client_id == client_id,
            PartnerAccess.partner_id == partner_id,
            PartnerAccess.status.in_((AccessStatus.REQUESTED, AccessStatus.ACTIVE)),
        )
    )
    if open_.first() is not None:
        raise refuse(
            "partner_id",
            "Your partner already has access to this client or an open request.",
            ErrorCode.TAKEN,
        )


async def _redeem_code(
    session: AsyncSession,
    ctx: Context,
    partner: Partner,
    given: AccessRequestInput,
    message: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> PartnerAccess:
    """A valid code is the merchant owner's consent: the access is active at once, within the
    narrower of the code's scope and the one asked for."""
    assert given.access_code is not None
    code = (
        await session.execute(
            select(AccessCode).where(AccessCode.code_sha256 == hash_code(given.access_code))
        )
    ).scalar_one_or_none()
    if code is None or code.used_at is not None or code.expires_at <= now:
        raise refuse("access_code", INVALID_CODE, ErrorCode.INVALID)
    # Single use even against a concurrent redemption: only one UPDATE finds it unused.
    claimed = await session.execute(
        update(AccessCode)
        .where(AccessCode.id == code.id, AccessCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult from an UPDATE
        raise refuse("access_code", INVALID_CODE, ErrorCode.INVALID)
    client = await session.get(Client, code.client_id)
    assert client is not None
    await _refuse_if_already_there(session, client.id, partner.id)
    await _refuse_if_other_partner_active(session, client.id, partner.id, "access_code")
    access = PartnerAccess(
        partner_id=partner.id,
        client_id=client.id,
        status=AccessStatus.REQUESTED,
        scope=narrower(given.scope, AccessScope(code.scope)).value,
        message=message,
        requested_at=now,
        expires_at=expires_at,
        requested_by_user_id=ctx.viewer.user_id,
    )
    _activate(access, client, code.created_by_user_id, now)
    session.add(access)
    await session.flush()
    await session.execute(
        update(AccessCode)
        .where(AccessCode.id == code.id)
        .values(used_by_access_id=access.id)
        .execution_options(synchronize_session=False)
    )
    return access


# --- The merchant decides -------------------------------------------------------------------


async def approve_access_request(
    ctx: Context,
    access_id: int | None,
    version: int,
    scope: AccessScope | None,
    expires_at: datetime | None,
) -> Outcome[PartnerAccess]:
    async def work(session: AsyncSession) -> PartnerAccess:
        access = await target(
            session,
            ctx,
            PartnerAccess,
            access_id,
            action="decide",
            field=ACCESS_FIELD,
            noun="access request",
        )
        expect_version(access, version)
        now = utcnow()
        if access.status != AccessStatus.REQUESTED:
            raise refuse(
                ACCESS_FIELD, "Only an open request can be approved.", ErrorCode.INVALID_TRANSITION
            )
        if scope is not None:
            asked = AccessScope(access.scope)
            if narrower(scope, asked) != scope:
                raise refuse(
                    "scope",
                    f"You may narrow the requested scope ({asked.name}), not widen it.",
                    ErrorCode.INVALID,
                )
            access.scope = scope.value
        new_expiry = _future("expires_at", expires_at, now)
        if new_expiry is not None:
            if access.expires_at is not None and new_expiry > access.expires_at:
                raise refuse(
                    "expires_at",
                    "You may shorten the requested expiry, not extend it.",
                    ErrorCode.INVALID,
                )
            access.expires_at = new_expiry
        elif access.expires_at is not None and access.expires_at <= now:
            raise refuse(
                "expires_at", "The requested expiry has passed; give a new one.", ErrorCode.INVALID
            )
        await _refuse_if_other_partner_active(
            session, access.client_id, access.partner_id, ACCESS_FIELD
        )
        client = await session.get(Client, access.client_id)
        assert client is not None
        _activate(access, client, ctx.viewer.user_id, now)
        await session.flush()
        return access

    return await transact(ctx, work)


async def decline_access_request(
    ctx: Context, access_id: int | None, version: int
) -> Outcome[PartnerAccess]:
    """A declined request ends without ever having been active (no `activated_at`)."""

    async def work(session: AsyncSession) -> PartnerAccess:
        access = await target(
            session,
            ctx,
            PartnerAccess,
            access_id,
            action="decide",
            field=ACCESS_FIELD,
            noun="access request",
        )
        expect_version(access, version)
        if access.status != AccessStatus.REQUESTED:
            raise refuse(
                ACCESS_FIELD, "Only an open request can be declined.", ErrorCode.INVALID_TRANSITION
            )
        access.status = AccessStatus.ENDED
        access.ended_at = utcnow()
        access.decided_by_user_id = ctx.viewer.user_id
        await _forget_partner(session, access)
        await session.flush()
        return access

    return await transact(ctx, work)


async def revoke_partner_access(
    ctx: Context, access_id: int | None, version: int
) -> Outcome[PartnerAccess]:
    """The merchant owner revokes (REVOKED); the partner's owners or admins end their own access
    or withdraw its request (ENDED). Effective on the next request: the policy reads the row."""

    async def work(session: AsyncSession) -> PartnerAccess:
        access = await target(
            session,
            ctx,
            PartnerAccess,
            access_id,
            action="revoke",
            field=ACCESS_FIELD,
            noun="access",
        )
        expect_version(access, version)
        by_merchant = any(
            g.client_id == access.client_id and g.role == MerchantRole.MERCHANT_OWNER
            for g in ctx.viewer.merchant_grants
        )
        end = AccessStatus.REVOKED if by_merchant else AccessStatus.ENDED
        access.status = transitions.ACCESS.move(access.status, end, ACCESS_FIELD)
        access.ended_at = utcnow()
        access.decided_by_user_id = ctx.viewer.user_id
        await _forget_partner(session, access)
        await session.flush()
        return access

    return await transact(ctx, work)


# --- Access codes -----------------------------------------------------------------------------


async def create_access_code(
    ctx: Context, client_id: int | None, scope: AccessScope, expires_at: datetime | None
) -> Outcome[IssuedCode]:
    async def work(session: AsyncSession) -> IssuedCode:
        client = await target(
            session, ctx, Client, client_id, action="create_access_code", field="client_id"
        )
        now = utcnow()
        expiry = _future("expires_at", expires_at, now) or now + CODE_TTL
        if expiry > now + CODE_MAX_TTL:
            raise refuse("expires_at", "A code may live at most 30 days.", ErrorCode.INVALID)
        code = CODE_PREFIX + secrets.token_urlsafe(18)
        row = AccessCode(
            client_id=client.id,
            code_sha256=hash_code(code),
            scope=scope.value,
            created_by_user_id=ctx.viewer.user_id,
            expires_at=expiry,
        )
        session.add(row)
        await session.flush()
        return IssuedCode(code, row)

    return await transact(ctx, work)


# --- The merchant's team --------------------------------------------------------------------


async def invite_merchant(
    session: AsyncSession,
    client_id: int,
    email: str,
    name: str,
    role: MerchantRole,
    invited_by: int | None,
) -> ClientUser:
    """A pending merchant membership for `email` (an account is created if there is none)."""
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if user is None:
        user = User(email=email, name=name, status=UserStatus.INVITED)
        session.add(user)
        await session.flush()
    elif user.status == UserStatus.REMOVED:
        revive_as_invited(user)
    existing = await session.execute(
        select(ClientUser.id).where(
            ClientUser.client_id == client_id, ClientUser.user_id == user.id
        )
    )
    if existing.first() is not None:
        raise refuse(
            "email", "That person already belongs to this client or is invited.", ErrorCode.TAKEN
        )
    member = ClientUser(
        client_id=client_id,
        user_id=user.id,
        role=role,
        status=ClientUserStatus.INVITED,
        invited_by_user_id=invited_by,
    )
    session.add(member)
    await session.flush()
    return member


async def invite_merchant_staff(
    ctx: Context, client_id: int | None, email: str, name: str | None
) -> Outcome[ClientUser]:
    async def work(session: AsyncSession) -> ClientUser:
        client = await target(
            session, ctx, Client, client_id, action="manage_merchants", field="client_id"
        )
        check = Checker()
        address = check.email("email", email, required=True)
        display = check.text("name", name, required=False, max_len=200)
        if check.problems:
            raise Refused(*check.problems)
        assert address is not None
        return await invite_merchant(
            session,
            client.id,
            address,
            display or address.split("@")[0],
            MerchantRole.MERCHANT_STAFF,
            ctx.viewer.user_id,
        )

    return await transact(ctx, work)


async def remove_merchant_staff(
    ctx: Context, client_user_id: int | None, version: int
) -> Outcome[int]:
    async def work(session: AsyncSession) -> int:
        member = await target(
            session,
            ctx,
            ClientUser,
            client_user_id,
            action="remove",
            field="merchant_user_id",
            noun="merchant user",
        )
        expect_version(member, version)
        removed = member.id
        await session.delete(member)
        await session.flush()
        return removed

    return await transact(ctx, work)


async def accept_client_invitation(ctx: Context, client_user_id: int | None) -> Outcome[ClientUser]:
    """The invited user joins the client. An invited merchant owner's acceptance is also their
    consent to the partner that onboarded the client: its requested access becomes active."""

    async def work(session: AsyncSession) -> ClientUser:
        member = await target(
            session,
            ctx,
            ClientUser,
            client_user_id,
            action="accept",
            field="merchant_user_id",
            noun="invitation",
        )
        now = utcnow()
        member.status = ClientUserStatus.ACTIVE
        member.accepted_at = now
        user = await session.get(User, member.user_id)
        if user is not None and user.status == UserStatus.INVITED:
            user.status = UserStatus.ACTIVE
        if member.role == MerchantRole.MERCHANT_OWNER:
            await _approve_onboarding_request(session, member, now)
        await session.flush()
        return member

    return await transact(ctx, work)


async def _approve_onboarding_request(
    session: AsyncSession, member: ClientUser, now: datetime
) -> None:
    requested = (
        await session.execute(
            select(PartnerAccess)
            .where(
                PartnerAccess.client_id == member.client_id,
                PartnerAccess.status == AccessStatus.REQUESTED,
            )
            .order_by(PartnerAccess.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if requested is None:
        return
    await _refuse_if_other_partner_active(
        session, member.client_id, requested.partner_id, "merchant_user_id"
    )
    client = await session.get(Client, member.client_id)
    assert client is not None
    _activate(requested, client, member.user_id, now)
