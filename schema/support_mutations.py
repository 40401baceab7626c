"""Support mutations: set a client's support plan, log, change and delete time entries."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from db import models
from resolvers import support as service
from resolvers.mutations import Outcome
from schema.enums import SupportChannel, Visibility
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, node_id
from schema.relay import id_of, to_global_id
from schema.support import SupportPlan, TimeEntry


@strawberry.type(description="The result of setSupportPlan.")
class SupportPlanPayload:
    support_plan: SupportPlan | None = strawberry.field(
        description="The new current plan; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of a time entry mutation.")
class TimeEntryPayload:
    time_entry: TimeEntry | None = strawberry.field(
        description="The entry as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of deleteTimeEntry.")
class DeleteTimeEntryPayload:
    deleted_time_entry_id: strawberry.ID | None = strawberry.field(
        description="The id of the entry deleted; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success."
    )


def _entry(outcome: Outcome[models.TimeEntry]) -> TimeEntryPayload:
    return TimeEntryPayload(
        time_entry=TimeEntry.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


@strawberry.input(description="A client's new support plan; the current one becomes history.")
class SetSupportPlanInput:
    client_id: strawberry.ID = strawberry.field(description="The Client the plan is for.")
    in_scope: str = strawberry.field(
        description="What the support covers; required, at most 10,000 characters."
    )
    out_of_scope: str | None = strawberry.field(
        default=None, description="What it does not cover; at most 10,000 characters."
    )
    included_minutes: int = strawberry.field(
        description="Minutes included a month: 0 to 44,640 (31 days)."
    )
    first_response_hours: int = strawberry.field(
        description="Target time to a first response: 1 to 720 hours."
    )
    channels: list[SupportChannel] = strawberry.field(
        description="How the merchant reaches support; at least one."
    )
    starts_on: date | None = strawberry.field(
        default=None,
        description="First day; defaults to today (UTC). Not before the current plan's start.",
    )
    ends_on: date | None = strawberry.field(
        default=None, description="Last day; not before `startsOn`. Null: open-ended."
    )


@strawberry.input(description="Time spent on a client on one day.")
class LogTimeInput:
    client_id: strawberry.ID = strawberry.field(description="The Client worked on.")
    minutes: int = strawberry.field(
        description="1 to 1,440; a person's day holds at most 24 hours across all clients."
    )
    work_date: date | None = strawberry.field(
        default=None, description="The day of the work; defaults to today (UTC); not ahead."
    )
    description: str | None = strawberry.field(
        default=None, description="What was done; at most 10,000 characters."
    )
    billable: bool | None = strawberry.field(
        default=None, description="Counts towards the plan's usage; defaults to true."
    )
    visibility: Visibility | None = strawberry.field(
        default=None, description="Defaults to INTERNAL; SHARED shows the entry to the merchant."
    )
    member_id: strawberry.ID | None = node_id(
        "PartnerMember",
        description="Whose time: defaults to you. Owners, admins and managers may log an "
        "active team member's time.",
    )


@strawberry.input(description="Only the fields given change.")
class UpdateTimeEntryInput:
    time_entry_id: strawberry.ID = strawberry.field(description="The TimeEntry to change.")
    version: int = strawberry.field(
        description="The entry's current `version`; a stale one is a CONFLICT."
    )
    minutes: int | None = strawberry.field(default=None, description="1 to 1,440.")
    work_date: date | None = strawberry.field(default=None, description="Another day.")
    description: str | None = strawberry.field(
        default=None, description="New description; blank removes it."
    )
    billable: bool | None = strawberry.field(default=None, description="Billable or not.")
    visibility: Visibility | None = strawberry.field(
        default=None, description="Share with the merchant, or keep internal."
    )


@strawberry.input(description="A time entry at the version the caller last saw.")
class TimeEntryVersionInput:
    time_entry_id: strawberry.ID = strawberry.field(description="The TimeEntry.")
    version: int = strawberry.field(
        description="The entry's current `version`; a stale one is a CONFLICT."
    )


@strawberry.type
class SupportMutation:
    @strawberry.mutation(
        description="Set a client's support plan (owners, admins and managers of the partner "
        "serving the client in support). The current plan ends the day before the new one "
        "starts and stays as history."
    )
    async def set_support_plan(
        self,
        info: Info,
        input: Annotated[SetSupportPlanInput, strawberry.argument(description="The plan.")],
    ) -> SupportPlanPayload:
        changes = changes_of(input, skip=["client_id"])
        outcome = await service.set_support_plan(
            info.context, id_of(input.client_id, "Client"), changes
        )
        return SupportPlanPayload(
            support_plan=SupportPlan.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(description="Log time spent on a client.")
    async def log_time(
        self,
        info: Info,
        input: Annotated[LogTimeInput, strawberry.argument(description="The time spent.")],
    ) -> TimeEntryPayload:
        changes = changes_of(input, skip=["client_id"])
        return _entry(
            await service.log_time(info.context, id_of(input.client_id, "Client"), changes)
        )

    @strawberry.mutation(
        description="Change a time entry: your own, or (owners, admins, managers) your team's."
    )
    async def update_time_entry(
        self,
        info: Info,
        input: Annotated[
            UpdateTimeEntryInput, strawberry.argument(description="The entry and its changes.")
        ],
    ) -> TimeEntryPayload:
        changes = changes_of(input, skip=["time_entry_id", "version"])
        entry_id = id_of(input.time_entry_id, "TimeEntry")
        return _entry(
            await service.update_time_entry(info.context, entry_id, input.version, changes)
        )

    @strawberry.mutation(description="Delete a time entry for good (who may change it may).")
    async def delete_time_entry(
        self,
        info: Info,
        input: Annotated[
            TimeEntryVersionInput, strawberry.argument(description="The entry to delete.")
        ],
    ) -> DeleteTimeEntryPayload:
        outcome = await service.delete_time_entry(
            info.context, id_of(input.time_entry_id, "TimeEntry"), input.version
        )
        return DeleteTimeEntryPayload(
            deleted_time_entry_id=to_global_id("TimeEntry", outcome.value)
            if outcome.value is not None
            else None,
            user_errors=user_errors(outcome.problems),
        )
