"""Support scope: support plans, time entries and the month's usage."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from db import models
from resolvers.support import TimeEntryFilter, get_plan, get_time_entry
from resolvers.support_usage import Usage
from schema.enums import SupportChannel, Visibility
from schema.info import Info
from schema.relay import Node, RowType, node
from schema.users import PartnerMember, User, load_user


@node(get_plan)
@strawberry.type(
    description="What a partner's support covers for a client. One plan is current; setting a "
    "new one (setSupportPlan) keeps the earlier ones as history. Merchants see plans too."
)
class SupportPlan(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    in_scope: str = strawberry.field(description="What the support covers (plain text).")
    out_of_scope: str | None = strawberry.field(
        description="What it does not cover; null when not written down."
    )
    included_minutes: int = strawberry.field(description="Minutes of support included a month.")
    first_response_hours: int = strawberry.field(
        description="Target time to a first response, in hours."
    )
    starts_on: date = strawberry.field(description="First day the plan applies.")
    ends_on: date | None = strawberry.field(
        description="Last day it applies; null while open-ended."
    )
    superseded_at: datetime | None = strawberry.field(
        description="When a newer plan replaced it (UTC); null for the current plan."
    )
    created_at: datetime = strawberry.field(description="When it was set (UTC).")
    _row: strawberry.Private[models.SupportPlan]

    @strawberry.field(description="How the merchant reaches support under this plan.")
    def channels(self) -> list[SupportChannel]:
        row = self._row
        flags = (
            (SupportChannel.EMAIL, row.channel_email),
            (SupportChannel.PHONE, row.channel_phone),
            (SupportChannel.CHAT, row.channel_chat),
        )
        return [channel for channel, on in flags if on]

    @strawberry.field(description="Who set the plan.")
    async def set_by(self, info: Info) -> User:
        return await load_user(info, self._row.set_by_user_id)


@node(get_time_entry)
@strawberry.type(
    description="Minutes a partner member spent on a client on one day. INTERNAL entries are "
    "the partner's team's alone (merchants see them only in the usage totals)."
)
class TimeEntry(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; updateTimeEntry and deleteTimeEntry take it."
    )
    work_date: date = strawberry.field(description="The day the work was done.")
    minutes: int = strawberry.field(description="Minutes spent, 1 to 1,440.")
    description: str | None = strawberry.field(description="What was done; null when none.")
    billable: bool = strawberry.field(description="Counts towards the plan's usage.")
    visibility: Visibility = strawberry.field(description="Who sees the entry.")
    created_at: datetime = strawberry.field(description="When it was logged (UTC).")
    version: int = strawberry.field(
        description="Increases with every change; updates and deletes take it (CONFLICT when "
        "stale)."
    )
    _row: strawberry.Private[models.TimeEntry]

    @strawberry.field(description="Whose time it is.")
    async def user(self, info: Info) -> User:
        return await load_user(info, self._row.user_id)

    @strawberry.field(
        description="The membership; null unless the viewer may see the team, and once the "
        "member has left it."
    )
    async def member(self, info: Info) -> PartnerMember | None:
        if self._row.member_id is None:
            return None
        return PartnerMember.maybe(await info.context.loaders.member.load(self._row.member_id))


@strawberry.type(description="A month's support use against the plan, in minutes.")
class SupportUsage:
    month: date = strawberry.field(description="The month's first day.")
    included_minutes: int = strawberry.field(
        description="Included by the plan in force that month (the latest to start); 0 without one."
    )
    used_minutes: int = strawberry.field(
        description="Billable minutes logged in the month, internal entries included."
    )
    remaining_minutes: int = strawberry.field(description="Included minus used, at least 0.")
    overage_minutes: int = strawberry.field(description="Used beyond the included, at least 0.")

    @staticmethod
    def of(usage: Usage) -> SupportUsage:
        return SupportUsage(
            month=usage.month,
            included_minutes=usage.included,
            used_minutes=usage.used,
            remaining_minutes=usage.remaining,
            overage_minutes=usage.overage,
        )


@strawberry.input(description="Narrow a client's time entries; all given conditions apply.")
class TimeEntryFilterInput:
    since: date | None = strawberry.field(
        default=None, description="Only work on or after this day."
    )
    until: date | None = strawberry.field(
        default=None, description="Only work on or before this day."
    )
    billable: bool | None = strawberry.field(
        default=None, description="Only billable (true) or non-billable (false) entries."
    )

    def to_filter(self) -> TimeEntryFilter:
        return TimeEntryFilter(since=self.since, until=self.until, billable=self.billable)
