"""A partner's dashboard summary: every figure is an aggregate computed in SQL over what the
viewer may see (the policy filters), three statements whatever the size of the partner's book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select

from db.enums import (
    AccessStatus,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentStatus,
    TaskStatus,
    TaxStatus,
)
from db.models import Assignment, Client, Partner, PartnerAccess, Store, Task
from policies.authorize import Action
from resolvers.context import Context


@dataclass(frozen=True, slots=True)
class SetUpFunnel:
    """Clients whose store is not launched yet, by the set-up section that still blocks it (a
    client counts once in every section that blocks it)."""

    domain: int
    payments: int
    logistics: int
    catalog: int
    compliance: int


@dataclass(frozen=True, slots=True)
class AssigneeWork:
    member_id: int | None  # None: tasks nobody is assigned to
    open_tasks: int
    overdue_tasks: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    clients_by_status: dict[ClientStatus, int]
    funnel: SetUpFunnel
    launched_this_month: int
    launched_last_month: int
    clients_without_assignee: int
    open_tasks: int
    overdue_tasks: int
    work_by_assignee: tuple[AssigneeWork, ...]
    # None: the viewer does not handle the partner's access requests (managers and up do).
    access_requests_pending: int | None


def month_starts(now: datetime) -> tuple[datetime, datetime]:
    """(start of this month, start of last month), UTC."""
    now = now.astimezone(UTC)
    this = datetime(now.year, now.month, 1, tzinfo=UTC)
    year, month = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    return this, datetime(year, month, 1, tzinfo=UTC)


def _one_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def partner_dashboard(
    ctx: Context, partner_id: int, now: datetime | None = None
) -> Dashboard | None:
    """The dashboard of a partner whose team the viewer may see (its members and platform staff),
    else None."""
    now = now or datetime.now(UTC)
    this_month, last_month = month_starts(now)
    today: date = now.date()
    viewer, authz = ctx.viewer, ctx.authz

    def partner_may(action: Action) -> ColumnElement[bool]:
        return exists(
            select(Partner.id).where(
                Partner.id == partner_id, authz.filter(viewer, action, Partner)
            )
        )

    pending = (
        select(func.count())
        .select_from(PartnerAccess)
        .where(
            PartnerAccess.partner_id == partner_id,
            PartnerAccess.status == AccessStatus.REQUESTED,
        )
        .scalar_subquery()
    )
    gate = select(
        partner_may("read_members").label("team"),
        partner_may("manage_templates").label("manages"),
        pending,
    )
    async with ctx.reading() as session:
        team, manages, requests = (await session.execute(gate)).one()
    if not team:
        return None

    not_launched = Store.launch_status != LaunchStatus.LIVE
    assigned = exists(
        select(Assignment.id).where(
            Assignment.client_id == Client.id, Assignment.partner_id == partner_id
        )
    )
    clients = (
        select(
            Client.status,
            func.count(),
            _one_if(
                and_(
                    not_launched,
                    Store.custom_domain.is_not(None),
                    Store.domain_status != DomainStatus.VERIFIED,
                )
            ),
            _one_if(and_(not_launched, Store.payment_status != PaymentStatus.ACTIVE)),
            _one_if(and_(not_launched, Store.logistics_status != LogisticsStatus.ACTIVE)),
            _one_if(
                and_(
                    not_launched,
                    or_(Store.catalog_status != CatalogStatus.READY, Store.product_count < 1),
                )
            ),
            _one_if(
                and_(
                    not_launched,
                    or_(
                        Store.kyc_status != KycStatus.VERIFIED,
                        Store.tax_status.not_in([TaxStatus.REGISTERED, TaxStatus.EXEMPT]),
                    ),
                )
            ),
            _one_if(Store.launched_at >= this_month),
            _one_if(and_(Store.launched_at >= last_month, Store.launched_at < this_month)),
            _one_if(~assigned),
        )
        .select_from(Client)
        .outerjoin(Store, Store.client_id == Client.id)
        .where(Client.partner_id == partner_id, authz.filter(viewer, "read", Client))
        .group_by(Client.status)
    )
    overdue = and_(Task.due_date.is_not(None), Task.due_date < today)
    tasks = (
        select(Task.assignee_member_id, func.count(), _one_if(overdue))
        .where(
            Task.partner_id == partner_id,
            Task.status != TaskStatus.DONE,
            authz.filter(viewer, "read", Task),
        )
        .group_by(Task.assignee_member_id)
    )
    async with ctx.reading() as session:
        by_status = (await session.execute(clients)).all()
        by_assignee = (await session.execute(tasks)).all()

    sums = [sum(int(row[i]) for row in by_status) for i in range(2, 10)]
    work = tuple(
        sorted(
            (AssigneeWork(member, int(n), int(late)) for member, n, late in by_assignee),
            key=lambda w: (w.member_id is None, w.member_id or 0),
        )
    )
    return Dashboard(
        clients_by_status={ClientStatus(s): int(n) for s, n, *_ in by_status},
        funnel=SetUpFunnel(*sums[:5]),
        launched_this_month=sums[5],
        launched_last_month=sums[6],
        clients_without_assignee=sums[7],
        open_tasks=sum(w.open_tasks for w in work),
        overdue_tasks=sum(w.overdue_tasks for w in work),
        work_by_assignee=work,
        access_requests_pending=int(requests) if manages else None,
    )
