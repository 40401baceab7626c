"""Users who come back: a removed user invited again starts from nothing."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import UserStatus
from db.models import Assignment, ClientUser, PartnerMember, Task, User


async def revive_as_invited(session: AsyncSession, user: User) -> None:
    """Removing a user left their old memberships and merchant grants in place (harmless while
    their tokens are refused); inviting them again must not bring that access back."""
    members = select(PartnerMember.id).where(PartnerMember.user_id == user.id)
    await session.execute(delete(Assignment).where(Assignment.member_id.in_(members)))
    await session.execute(
        update(Task).where(Task.assignee_member_id.in_(members)).values(assignee_member_id=None)
    )
    await session.execute(delete(PartnerMember).where(PartnerMember.user_id == user.id))
    await session.execute(delete(ClientUser).where(ClientUser.user_id == user.id))
    user.status = UserStatus.INVITED
