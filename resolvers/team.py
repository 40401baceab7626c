"""The partner's team (invite, accept, change role, remove) and who works on which client."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import MemberStatus, PartnerRole, UserStatus
from db.models import Assignment, Client, Partner, PartnerMember, Task, User
from db.relationship import TimeEntry
from resolvers import transitions
from resolvers.changes import Changes
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.problems import ErrorCode, Refused, refuse
from resolvers.users import revive_as_invited
from resolvers.validation import Checker

MEMBER_FIELD = "member_id"


async def _require_owner_power(
    session: AsyncSession, ctx: Context, partner_id: int, role: PartnerRole
) -> None:
    """Making someone an owner is for owners only."""
    if role != PartnerRole.OWNER:
        return
    _, allowed = await ctx.authz.one_with_permission(
        session, ctx.viewer, Partner, partner_id, action="manage_owners"
    )
    if not allowed:
        raise refuse("role", "Only an owner can make someone an owner.", ErrorCode.FORBIDDEN)


async def _other_active_owners(session: AsyncSession, member: PartnerMember) -> int:
    count = await session.execute(
        select(func.count(PartnerMember.id)).where(
            PartnerMember.partner_id == member.partner_id,
            PartnerMember.role == PartnerRole.OWNER,
            PartnerMember.status == MemberStatus.ACTIVE,
            PartnerMember.id != member.id,
        )
    )
    return int(count.scalar_one())


async def invite_member(
    ctx: Context, partner_id: int | None, changes: Changes
) -> Outcome[PartnerMember]:
    """Invites `email` with `role` (and the `name` the inviter knows them by)."""

    async def work(session: AsyncSession) -> PartnerMember:
        partner = await target(
            session, ctx, Partner, partner_id, action="manage_team", field="partner_id"
        )
        role: PartnerRole = changes.get("role")
        await _require_owner_power(session, ctx, partner.id, role)
        check = Checker()
        address = check.email("email", changes.get("email"), required=True)
        display = check.text(
            "name", changes.get("name"), required=False, max_len=200, multiline=False
        )
        if check.problems:
            raise Refused(*check.problems)
        assert address is not None
        user = (
            await session.execute(select(User).where(User.email == address))
        ).scalar_one_or_none()
        if user is None:
            user = User(
                email=address, name=display or address.split("@")[0], status=UserStatus.INVITED
            )
            session.add(user)
            await session.flush()
        elif user.status == UserStatus.REMOVED:
            revive_as_invited(user)
        existing = await session.execute(
            select(PartnerMember.id).where(
                PartnerMember.partner_id == partner.id, PartnerMember.user_id == user.id
            )
        )
        if existing.first() is not None:
            raise refuse(
                "email",
                "That person is already on the team or invited.",
                ErrorCode.TAKEN,
            )
        member = PartnerMember(
            invited_name=display,
            partner_id=partner.id,
            user_id=user.id,
            role=role,
            status=MemberStatus.INVITED,
            invited_by_user_id=ctx.viewer.user_id,
        )
        session.add(member)
        await session.flush()
        return member

    return await transact(ctx, work, idempotent=PartnerMember)


async def accept_invitation(ctx: Context, member_id: int | None) -> Outcome[PartnerMember]:
    async def work(session: AsyncSession) -> PartnerMember:
        own, allowed = await ctx.authz.one_with_permission(
            session, ctx.viewer, PartnerMember, member_id or 0, action="accept"
        )
        if own is not None and own.user_id == ctx.viewer.user_id and not allowed:
            # Their own invitation, already accepted: say so rather than FORBIDDEN.
            transitions.MEMBER.move(own.status, MemberStatus.ACTIVE, MEMBER_FIELD)
        member = await target(
            session,
            ctx,
            PartnerMember,
            member_id,
            action="accept",
            field=MEMBER_FIELD,
            noun="invitation",
        )
        member.status = transitions.MEMBER.move(member.status, MemberStatus.ACTIVE, MEMBER_FIELD)
        member.accepted_at = utcnow()
        user = await session.get(User, member.user_id)
        if user is not None and user.status == UserStatus.INVITED:
            user.status = UserStatus.ACTIVE
        return member

    return await transact(ctx, work)


async def change_member_role(
    ctx: Context, member_id: int | None, version: int, changes: Changes
) -> Outcome[PartnerMember]:
    role: PartnerRole = changes.get("role")

    async def work(session: AsyncSession) -> PartnerMember:
        member = await target(
            session,
            ctx,
            PartnerMember,
            member_id,
            action="change_role",
            field=MEMBER_FIELD,
            noun="team member",
        )
        expect_version(member, version)
        if role == member.role:
            return member
        await _require_owner_power(session, ctx, member.partner_id, role)
        if (
            member.role == PartnerRole.OWNER
            and member.status == MemberStatus.ACTIVE
            and not await _other_active_owners(session, member)
        ):
            raise refuse(
                "role",
                "The last owner cannot step down; make someone else an owner first.",
                ErrorCode.LAST_OWNER,
            )
        member.role = role
        return member

    return await transact(ctx, work)


async def remove_member(ctx: Context, member_id: int | None, version: int) -> Outcome[int]:
    """Remove (or leave): their assignments go and their tasks become unassigned, at once."""

    async def work(session: AsyncSession) -> int:
        member = await target(
            session,
            ctx,
            PartnerMember,
            member_id,
            action="remove",
            field=MEMBER_FIELD,
            noun="team member",
        )
        expect_version(member, version)
        if (
            member.role == PartnerRole.OWNER
            and member.status == MemberStatus.ACTIVE
            and not await _other_active_owners(session, member)
        ):
            raise refuse(
                MEMBER_FIELD,
                "The last owner cannot leave; make someone else an owner first.",
                ErrorCode.LAST_OWNER,
            )
        removed = member.id
        await session.execute(delete(Assignment).where(Assignment.member_id == member.id))
        await session.execute(
            update(Task).where(Task.assignee_member_id == member.id).values(assignee_member_id=None)
        )
        # What the foreign key would do on its own (SET NULL), done here so the trail records it.
        await session.execute(
            update(TimeEntry).where(TimeEntry.member_id == member.id).values(member_id=None)
        )
        await session.delete(member)
        await session.flush()
        return removed

    return await transact(ctx, work)


async def assign_member(
    ctx: Context, client_id: int | None, changes: Changes
) -> Outcome[Assignment]:
    """Assigns the team member `member_id` to the client in `role`."""

    async def work(session: AsyncSession) -> Assignment:
        client = await target(session, ctx, Client, client_id, action="assign", field="client_id")
        member_id = changes.get("member_id")
        member = await session.get(PartnerMember, member_id) if member_id is not None else None
        if (
            member is None
            or member.partner_id != client.partner_id
            or member.status != MemberStatus.ACTIVE
        ):
            raise refuse(MEMBER_FIELD, "No team member with that id.", ErrorCode.NOT_FOUND)
        existing = await session.execute(
            select(Assignment.id).where(
                Assignment.client_id == client.id, Assignment.member_id == member.id
            )
        )
        if existing.first() is not None:
            raise refuse(
                MEMBER_FIELD, "That member is already assigned to this client.", ErrorCode.TAKEN
            )
        assignment = Assignment(
            partner_id=member.partner_id,
            client_id=client.id,
            member_id=member.id,
            user_id=member.user_id,
            role=changes.get("role"),
        )
        session.add(assignment)
        await session.flush()
        return assignment

    return await transact(ctx, work)


async def unassign_member(ctx: Context, assignment_id: int | None) -> Outcome[int]:
    async def work(session: AsyncSession) -> int:
        assignment = await target(
            session, ctx, Assignment, assignment_id, action="remove", field="assignment_id"
        )
        removed = assignment.id
        await session.delete(assignment)
        await session.flush()
        return removed

    return await transact(ctx, work)
