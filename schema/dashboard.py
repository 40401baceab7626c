"""A partner's dashboard summary: counts computed in SQL over what the viewer may see."""

from __future__ import annotations

import strawberry

from resolvers import dashboard
from resolvers.earnings import earnings_to_date
from schema.earnings import EarningsToDate
from schema.enums import ClientStatus
from schema.info import Info
from schema.users import PartnerMember


@strawberry.type(description="How many of the viewer's clients are in one lifecycle status.")
class StatusCount:
    status: ClientStatus = strawberry.field(description="The lifecycle status.")
    count: int = strawberry.field(description="Clients in it.")


@strawberry.type(
    description="Clients whose store is not launched yet, by the set-up section that still "
    "blocks the launch; a client counts once in every section that blocks it."
)
class SetUpFunnel:
    domain: int = strawberry.field(description="A connected custom domain is not verified.")
    payments: int = strawberry.field(description="Payments are not active.")
    logistics: int = strawberry.field(description="Shipping is not active.")
    catalog: int = strawberry.field(description="The catalog has no ready products.")
    compliance: int = strawberry.field(
        description="The business is not verified, or tax registration is not complete."
    )


@strawberry.type(description="Open work of one assignee (or of nobody).")
class AssigneeWork:
    open_tasks: int = strawberry.field(description="Open tasks assigned to them.")
    overdue_tasks: int = strawberry.field(description="Of those, the ones past their due date.")
    _member_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The assignee; null for tasks nobody is assigned to, or when the viewer may "
        "not see the team member."
    )
    async def member(self, info: Info) -> PartnerMember | None:
        if self._member_id is None:
            return None
        return PartnerMember.maybe(await info.context.loaders.member.load(self._member_id))


@strawberry.type(
    description="A partner's front page in one round trip: every figure counts only what the "
    "viewer may see (a specialist, only the clients assigned to them)."
)
class PartnerDashboard:
    clients_by_status: list[StatusCount] = strawberry.field(
        description="The viewer's clients of this partner per lifecycle status (statuses with "
        "none are left out)."
    )
    set_up_funnel: SetUpFunnel = strawberry.field(
        description="Clients not launched yet, by what blocks their launch."
    )
    launched_this_month: int = strawberry.field(
        description="Stores launched since the start of this month (UTC)."
    )
    launched_last_month: int = strawberry.field(
        description="Stores launched during last month (UTC)."
    )
    clients_without_assignee: int = strawberry.field(
        description="Clients nobody of the partner is assigned to."
    )
    open_tasks: int = strawberry.field(description="Open tasks the viewer may see.")
    overdue_tasks: int = strawberry.field(
        description="Open tasks the viewer may see that are past their due date."
    )
    work_by_assignee: list[AssigneeWork] = strawberry.field(
        description="Open and overdue tasks per assignee (unassigned tasks last)."
    )
    access_requests_pending: int | None = strawberry.field(
        description="Merchants' access requests waiting for an answer; null unless the viewer "
        "is a manager, admin or owner of the partner."
    )
    _partner_id: strawberry.Private[int]

    @strawberry.field(
        description="Net commissions earned this month and this year so far (UTC), per "
        "currency; null unless the viewer may read the partner's commissions (its owners and "
        "admins, and platform staff). One statement, asked only when selected."
    )
    async def earnings(self, info: Info) -> list[EarningsToDate] | None:
        found = await earnings_to_date(info.context, self._partner_id)
        return None if found is None else [EarningsToDate.of(row) for row in found]

    @staticmethod
    def of(found: dashboard.Dashboard, partner_id: int) -> PartnerDashboard:
        return PartnerDashboard(
            _partner_id=partner_id,
            clients_by_status=[
                StatusCount(status=status, count=found.clients_by_status[status])
                for status in ClientStatus  # lifecycle order
                if status in found.clients_by_status
            ],
            set_up_funnel=SetUpFunnel(
                domain=found.funnel.domain,
                payments=found.funnel.payments,
                logistics=found.funnel.logistics,
                catalog=found.funnel.catalog,
                compliance=found.funnel.compliance,
            ),
            launched_this_month=found.launched_this_month,
            launched_last_month=found.launched_last_month,
            clients_without_assignee=found.clients_without_assignee,
            open_tasks=found.open_tasks,
            overdue_tasks=found.overdue_tasks,
            work_by_assignee=[
                AssigneeWork(
                    open_tasks=w.open_tasks, overdue_tasks=w.overdue_tasks, _member_id=w.member_id
                )
                for w in found.work_by_assignee
            ],
            access_requests_pending=found.access_requests_pending,
        )
