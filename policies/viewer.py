"""The viewer: who is asking, with every grant they hold, loaded once per request as plain values
so that Polar never needs the database while it evaluates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ClientUserStatus, MemberStatus, UserStatus
from db.models import ClientUser, PartnerMember, User


@dataclass(frozen=True, slots=True)
class Membership:
    member_id: int
    partner_id: int
    role: str


@dataclass(frozen=True, slots=True)
class MerchantGrant:
    client_id: int
    role: str


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int | None
    email: str
    name: str
    is_platform_staff: bool
    memberships: tuple[Membership, ...]
    merchant_grants: tuple[MerchantGrant, ...]
    # A platform service signed in with a service token (e.g. "billing"), not a user.
    service: str | None = None

    @property
    def grants_key(self) -> tuple[object, ...]:
        """Everything the policy may look at; equal keys get equal filters."""
        return (
            self.user_id,
            self.is_platform_staff,
            self.memberships,
            self.merchant_grants,
            self.service,
        )


ANONYMOUS = Viewer(None, "", "", False, (), ())


def service_viewer(service: str) -> Viewer:
    """A platform service (a service token): no user, no grants, only its own service rules."""
    return Viewer(None, "", f"ShopIQ {service} service", False, (), (), service=service)


async def load_viewer(
    session: AsyncSession, user_id: int, issued_at: datetime | None = None
) -> Viewer | None:
    """The viewer for a signed-in user, or None when the user is unknown or removed, or the token
    was issued before the user was last removed. Grants from before a removal do not count.
    A token older than the user's row is void too: it was issued to an earlier user whose id the
    database has given again (after a reset of the demo, say)."""
    user = await session.get(User, user_id)
    if user is None or user.status == UserStatus.REMOVED:
        return None
    if issued_at is not None and issued_at < user.created_at:
        return None
    removed_at = user.removed_at
    if removed_at is not None and (issued_at is None or issued_at <= removed_at):
        return None
    members_stmt = select(PartnerMember.id, PartnerMember.partner_id, PartnerMember.role).where(
        PartnerMember.user_id == user_id, PartnerMember.status == MemberStatus.ACTIVE
    )
    # Only accepted merchant memberships grant anything (an invited merchant user holds none).
    grants_stmt = select(ClientUser.client_id, ClientUser.role).where(
        ClientUser.user_id == user_id, ClientUser.status == ClientUserStatus.ACTIVE
    )
    if removed_at is not None:
        members_stmt = members_stmt.where(PartnerMember.created_at > removed_at)
        grants_stmt = grants_stmt.where(ClientUser.created_at > removed_at)
    members = await session.execute(members_stmt.order_by(PartnerMember.id))
    grants = await session.execute(grants_stmt.order_by(ClientUser.client_id))
    return Viewer(
        user_id=user.id,
        email=user.email,
        name=user.name,
        is_platform_staff=user.is_platform_staff,
        memberships=tuple(Membership(m.id, m.partner_id, str(m.role)) for m in members),
        merchant_grants=tuple(MerchantGrant(g.client_id, str(g.role)) for g in grants),
    )
