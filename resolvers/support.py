"""Support scope: a client's support plan (one current, earlier ones kept), the time partner
members spend on the client, and the month's usage against the plan, computed in SQL.

Usage counts every billable entry of the client in the month, internal ones included: the
merchant sees the totals they are billed against, never the internal entries themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import MemberStatus, SupportChannel, UserStatus, Visibility
from db.models import Client, PartnerMember, User
from db.relationship import MINUTES_PER_DAY, SupportPlan, TimeEntry
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.problems import ErrorCode, Refused, refuse
from resolvers.validation import Checker

# A month holds at most 31 days of 24 hours; more included minutes than that is a typing error.
MAX_INCLUDED_MINUTES = 31 * MINUTES_PER_DAY
MAX_RESPONSE_HOURS = 30 * 24
TIME_ENTRY_FIELD = "time_entry_id"
CHANNEL_COLUMNS = {
    SupportChannel.EMAIL: "channel_email",
    SupportChannel.PHONE: "channel_phone",
    SupportChannel.CHAT: "channel_chat",
}

WORK_DATE = SortKey(
    expression=TimeEntry.work_date.expression,
    value_of=lambda row: row.work_date.isoformat(),
    parse=lambda value: date.fromisoformat(str(value)),
)
NEWEST_WORK_FIRST = (WORK_DATE, TimeEntry.id)


def today() -> date:
    return utcnow().date()


@dataclass(frozen=True, slots=True)
class TimeEntryFilter:
    since: date | None = None
    until: date | None = None
    billable: bool | None = None


async def time_entries_page(
    ctx: Context, client_id: int, args: PageArgs, flt: TimeEntryFilter | None
) -> Page[TimeEntry]:
    """The client's time entries the viewer may read, newest work day first."""
    stmt = ctx.authz.readable(ctx.viewer, TimeEntry)
    if flt is not None:
        if flt.since is not None:
            stmt = stmt.where(TimeEntry.work_date >= flt.since)
        if flt.until is not None:
            stmt = stmt.where(TimeEntry.work_date <= flt.until)
        if flt.billable is not None:
            stmt = stmt.where(TimeEntry.billable.is_(flt.billable))
    return await ctx.loaders.pages.page(
        "Client.timeEntries",
        stmt,
        TimeEntry.client_id,
        client_id,
        NEWEST_WORK_FIRST,
        args,
        flt,
        descending=True,
    )


async def plan_history(ctx: Context, client_id: int) -> list[SupportPlan]:
    """The client's plans the viewer may read, the latest to start first (one statement for
    every client of the level: resolvers/relationship_loaders.py)."""
    plans: list[SupportPlan] = await ctx.loaders.relationship.plans.load(client_id)
    return plans


async def get_plan(ctx: Context, id_: int) -> SupportPlan | None:
    result: SupportPlan | None = await ctx.loaders.relationship.plan.load(id_)
    return result


async def get_time_entry(ctx: Context, id_: int) -> TimeEntry | None:
    result: TimeEntry | None = await ctx.loaders.relationship.time_entry.load(id_)
    return result


# --- Support plans --------------------------------------------------------------------------


def _check_plan(values: Changes) -> None:
    check = Checker()
    minutes = values.get("included_minutes")
    if minutes is not None and not 0 <= minutes <= MAX_INCLUDED_MINUTES:
        check.add(
            values.path("included_minutes"),
            f"Use 0 to {MAX_INCLUDED_MINUTES} minutes a month.",
            ErrorCode.INVALID,
        )
    hours = values.get("first_response_hours")
    if hours is not None and not 1 <= hours <= MAX_RESPONSE_HOURS:
        check.add(
            values.path("first_response_hours"),
            f"Use 1 to {MAX_RESPONSE_HOURS} hours.",
            ErrorCode.INVALID,
        )
    channels = values.get("channels")
    if channels is not None and not channels:
        check.add(values.path("channels"), "Name at least one channel.", ErrorCode.REQUIRED)
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts is not None and ends is not None and ends < starts:
        check.add(
            values.path("ends_on"), "The plan cannot end before it starts.", ErrorCode.INVALID
        )
    if check.problems:
        raise Refused(*check.problems)


async def set_support_plan(
    ctx: Context, client_id: int | None, changes: Changes
) -> Outcome[SupportPlan]:
    """The client's new current plan; the current one is kept as history, ending the day
    before the new one starts (unless it ended earlier)."""

    async def work(session: AsyncSession) -> SupportPlan:
        client = await target(
            session, ctx, Client, client_id, action="manage_support", field="client_id"
        )
        assert client.partner_id is not None  # manage_support needs an active access
        values = cleaned(SupportPlan, changes)
        values = values.replace(starts_on=values.get("starts_on") or today())
        _check_plan(values)
        current = (
            await session.execute(
                select(SupportPlan).where(
                    SupportPlan.client_id == client.id, SupportPlan.superseded_at.is_(None)
                )
            )
        ).scalar_one_or_none()
        starts: date = values.get("starts_on")
        if current is not None:
            if starts < current.starts_on:
                raise refuse(
                    values.path("starts_on"),
                    "A new plan starts on or after the current plan's start "
                    f"({current.starts_on.isoformat()}).",
                    ErrorCode.INVALID,
                )
            current.superseded_at = utcnow()
            last_day = max(current.starts_on, starts - timedelta(days=1))
            if current.ends_on is None or current.ends_on > last_day:
                current.ends_on = last_day
            await session.flush()  # the current plan steps aside before the new one arrives
        channels = set(values.get("channels") or ())
        plan = SupportPlan(
            client_id=client.id,
            partner_id=client.partner_id,
            set_by_user_id=ctx.viewer.user_id,
            visibility=Visibility.SHARED,
            **{column: channel in channels for channel, column in CHANNEL_COLUMNS.items()},
        )
        apply(plan, values.without("channels"))
        session.add(plan)
        await session.flush()
        return plan

    return await transact(ctx, work)


# --- Time entries ---------------------------------------------------------------------------


async def _member(
    session: AsyncSession, ctx: Context, client: Client, changes: Changes
) -> PartnerMember:
    """Whose time it is: the given member (an active one of the client's partner; another's
    time only for those who manage the client's support), else the viewer's own membership."""
    member_id = changes.get("member_id")
    path = changes.path("member_id")
    if member_id is None:
        own = next((m for m in ctx.viewer.memberships if m.partner_id == client.partner_id), None)
        if own is None:
            raise refuse("client_id", "Only the partner's team logs time.", ErrorCode.FORBIDDEN)
        member_id = own.member_id
    member = await session.get(PartnerMember, member_id)
    user = await session.get(User, member.user_id) if member is not None else None
    if (
        member is None
        or user is None
        or member.partner_id != client.partner_id
        or member.status != MemberStatus.ACTIVE
        or user.status == UserStatus.REMOVED
    ):
        raise refuse(path, "No team member with that id.", ErrorCode.NOT_FOUND)
    if member.user_id != ctx.viewer.user_id:
        _, allowed = await ctx.authz.one_with_permission(
            session, ctx.viewer, Client, client.id, action="manage_support"
        )
        if not allowed:
            raise refuse(
                path, "Only owners, admins and managers log time for others.", ErrorCode.FORBIDDEN
            )
    return member


async def _check_day(
    session: AsyncSession,
    user_id: int,
    day: date,
    minutes: int,
    changes: Changes,
    *,
    besides: int | None = None,
) -> None:
    """Minutes between 1 and a day's worth, a day not in the future, and no more than 24 hours
    logged by the person on that day, across all clients and teams."""
    if not 1 <= minutes <= MINUTES_PER_DAY:
        raise refuse(
            changes.path("minutes"), f"Use 1 to {MINUTES_PER_DAY} minutes.", ErrorCode.INVALID
        )
    if day > today() + timedelta(days=1):  # a day's grace for time zones ahead of UTC
        raise refuse(changes.path("work_date"), "Time cannot be logged ahead.", ErrorCode.INVALID)
    stmt = select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
        TimeEntry.user_id == user_id, TimeEntry.work_date == day
    )
    if besides is not None:
        stmt = stmt.where(TimeEntry.id != besides)
    logged = int((await session.execute(stmt)).scalar_one())
    if logged + minutes > MINUTES_PER_DAY:
        raise refuse(
            changes.path("minutes"),
            f"That makes more than 24 hours on {day.isoformat()} "
            f"({logged} minutes are logged already).",
            ErrorCode.INVALID,
        )


async def log_time(ctx: Context, client_id: int | None, changes: Changes) -> Outcome[TimeEntry]:
    async def work(session: AsyncSession) -> TimeEntry:
        client = await target(session, ctx, Client, client_id, action="log_time", field="client_id")
        values = cleaned(TimeEntry, changes)
        member = await _member(session, ctx, client, values)
        day: date = values.get("work_date") or today()
        await _check_day(session, member.user_id, day, values.get("minutes", 0), values)
        entry = TimeEntry(
            client_id=client.id,
            partner_id=member.partner_id,
            member_id=member.id,
            user_id=member.user_id,
            billable=True,
            visibility=Visibility.INTERNAL,
        )
        apply(entry, values.without("member_id").replace(work_date=day))
        session.add(entry)
        await session.flush()
        return entry

    return await transact(ctx, work)


async def update_time_entry(
    ctx: Context, entry_id: int | None, version: int, changes: Changes
) -> Outcome[TimeEntry]:
    async def work(session: AsyncSession) -> TimeEntry:
        entry = await target(
            session, ctx, TimeEntry, entry_id, action="update", field=TIME_ENTRY_FIELD
        )
        expect_version(entry, version)
        values = cleaned(TimeEntry, changes)
        day = values.get("work_date") or entry.work_date
        minutes = values.get("minutes") if "minutes" in values else entry.minutes
        if "minutes" in values or "work_date" in values:
            await _check_day(session, entry.user_id, day, minutes, values, besides=entry.id)
        apply(entry, values)
        await session.flush()
        return entry

    return await transact(ctx, work)


async def delete_time_entry(ctx: Context, entry_id: int | None, version: int) -> Outcome[int]:
    async def work(session: AsyncSession) -> int:
        entry = await target(
            session, ctx, TimeEntry, entry_id, action="delete", field=TIME_ENTRY_FIELD
        )
        expect_version(entry, version)
        deleted = entry.id
        await session.delete(entry)
        await session.flush()
        return deleted

    return await transact(ctx, work)
