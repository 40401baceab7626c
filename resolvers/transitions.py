"""Every status machine of the domain: which moves are allowed, and what a refused move says.
Services ask a machine instead of writing their own if-chains."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from db.enums import (
    AccessStatus,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    MemberStatus,
    PaymentStatus,
    TaskStatus,
    TaxStatus,
)
from resolvers.problems import ErrorCode, FieldName, refuse

S = TypeVar("S", bound=StrEnum)


def explain(machine: Machine[S], current: S, target: S) -> str:
    """The default refusal: what cannot move where, and what it could do instead."""
    allowed = ", ".join(sorted(s.value for s in machine.moves[current])) or "nothing"
    return (
        f"{machine.what} cannot go from {current.value} to {target.value} "
        f"(from {current.value}: {allowed})."
    )


@dataclass(frozen=True, slots=True)
class Machine(Generic[S]):
    """`moves[state]` are the states reachable in one move. Staying put is a no-op unless
    `stay_allowed` is False (then it is refused like any move the table lacks)."""

    what: str
    moves: Mapping[S, frozenset[S]]
    refusal: Callable[[Machine[S], S, S], str] = explain
    stay_allowed: bool = True

    def allows(self, current: S, target: S) -> bool:
        if target == current and self.stay_allowed:
            return True
        return target in self.moves[current]

    def move(self, current: S, target: S, field: FieldName | None) -> S:
        """`target`, or an INVALID_TRANSITION refusal at `field`."""
        if not self.allows(current, target):
            raise refuse(field, self.refusal(self, current, target), ErrorCode.INVALID_TRANSITION)
        return target


def _says(message: str) -> Callable[[Machine[S], S, S], str]:
    """A refusal that is the same whatever the move."""
    return lambda _machine, _current, _target: message


# --- Store set-up sections ------------------------------------------------------------------

DOMAIN: Machine[DomainStatus] = Machine(
    "The domain",
    {
        DomainStatus.NOT_CONNECTED: frozenset({DomainStatus.PENDING_DNS}),
        DomainStatus.PENDING_DNS: frozenset(
            {DomainStatus.VERIFIED, DomainStatus.FAILED, DomainStatus.NOT_CONNECTED}
        ),
        DomainStatus.FAILED: frozenset(
            {
                DomainStatus.PENDING_DNS,
                DomainStatus.VERIFIED,
                DomainStatus.FAILED,
                DomainStatus.NOT_CONNECTED,
            }
        ),
        DomainStatus.VERIFIED: frozenset({DomainStatus.NOT_CONNECTED}),
    },
)
PAYMENTS: Machine[PaymentStatus] = Machine(
    "Payments",
    {
        PaymentStatus.NOT_STARTED: frozenset({PaymentStatus.KYC_PENDING}),
        PaymentStatus.KYC_PENDING: frozenset({PaymentStatus.ACTIVE, PaymentStatus.REJECTED}),
        PaymentStatus.REJECTED: frozenset({PaymentStatus.KYC_PENDING}),
        PaymentStatus.ACTIVE: frozenset({PaymentStatus.KYC_PENDING}),  # switching provider
    },
)
LOGISTICS: Machine[LogisticsStatus] = Machine(
    "Logistics",
    {
        LogisticsStatus.NOT_STARTED: frozenset({LogisticsStatus.CONFIGURED}),
        LogisticsStatus.CONFIGURED: frozenset(
            {LogisticsStatus.ACTIVE, LogisticsStatus.NOT_STARTED}
        ),
        LogisticsStatus.ACTIVE: frozenset({LogisticsStatus.CONFIGURED}),
    },
)
CATALOG: Machine[CatalogStatus] = Machine(
    "The catalog",
    {
        CatalogStatus.EMPTY: frozenset({CatalogStatus.IMPORTING}),
        CatalogStatus.IMPORTING: frozenset({CatalogStatus.READY, CatalogStatus.FAILED}),
        CatalogStatus.FAILED: frozenset({CatalogStatus.IMPORTING}),
        CatalogStatus.READY: frozenset({CatalogStatus.IMPORTING}),
    },
)
KYC: Machine[KycStatus] = Machine(
    "Business verification",
    {
        KycStatus.NOT_STARTED: frozenset({KycStatus.SUBMITTED}),
        KycStatus.SUBMITTED: frozenset({KycStatus.VERIFIED, KycStatus.REJECTED}),
        KycStatus.REJECTED: frozenset({KycStatus.SUBMITTED}),
        KycStatus.VERIFIED: frozenset(),
    },
)
TAX: Machine[TaxStatus] = Machine(
    "Tax registration",
    {
        TaxStatus.NOT_STARTED: frozenset({TaxStatus.PENDING, TaxStatus.EXEMPT}),
        TaxStatus.PENDING: frozenset({TaxStatus.REGISTERED, TaxStatus.EXEMPT}),
        TaxStatus.REGISTERED: frozenset(),
        TaxStatus.EXEMPT: frozenset({TaxStatus.PENDING}),
    },
)
LAUNCH: Machine[LaunchStatus] = Machine(
    "The store",
    {
        LaunchStatus.NOT_LAUNCHED: frozenset({LaunchStatus.LIVE}),
        LaunchStatus.LIVE: frozenset(),
        LaunchStatus.PAUSED: frozenset(),
    },
    stay_allowed=False,
)

# --- Tasks: one status, a machine per mutation that moves it ----------------------------------

_OPEN = frozenset({TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED})


def _task_edit_refusal(_machine: Machine[TaskStatus], current: TaskStatus, _: TaskStatus) -> str:
    if current == TaskStatus.DONE:
        return "Reopen the task before changing its status."
    return "Use completeTask to finish a task."


# updateTask moves an open task between the open statuses; done is completeTask's and reopenTask's.
TASK_EDIT: Machine[TaskStatus] = Machine(
    "The task",
    {
        **{status: _OPEN - {status} for status in _OPEN},
        TaskStatus.DONE: frozenset(),
    },
    refusal=_task_edit_refusal,
)
TASK_COMPLETE: Machine[TaskStatus] = Machine(
    "The task",
    {**{status: frozenset({TaskStatus.DONE}) for status in _OPEN}, TaskStatus.DONE: frozenset()},
    refusal=_says("The task is already done."),
    stay_allowed=False,
)
TASK_REOPEN: Machine[TaskStatus] = Machine(
    "The task",
    {
        **{status: frozenset[TaskStatus]() for status in _OPEN},
        TaskStatus.DONE: frozenset({TaskStatus.TODO}),
    },
    refusal=_says("Only a done task can be reopened."),
    stay_allowed=False,
)


def start_task(status: TaskStatus, field: FieldName | None) -> TaskStatus:
    """A new task (createTask) starts in any open status, never done."""
    if status not in _OPEN:
        raise refuse(field, "Create the task, then complete it.", ErrorCode.INVALID_TRANSITION)
    return status


# --- Team and clients ----------------------------------------------------------------------------

MEMBER: Machine[MemberStatus] = Machine(
    "The membership",
    {MemberStatus.INVITED: frozenset({MemberStatus.ACTIVE}), MemberStatus.ACTIVE: frozenset()},
    refusal=_says("You have already accepted this invitation."),
    stay_allowed=False,
)

# lead -> onboarding -> implementation -> live: work moves a client forward (skipping stages is
# fine), never back; churned and handed_over are left to their own flows.
_FORWARD = (
    ClientStatus.LEAD,
    ClientStatus.ONBOARDING,
    ClientStatus.IMPLEMENTATION,
    ClientStatus.LIVE,
)
LIFECYCLE: Machine[ClientStatus] = Machine(
    "The client",
    {
        **{status: frozenset(_FORWARD[i + 1 :]) for i, status in enumerate(_FORWARD)},
        ClientStatus.CHURNED: frozenset(),
        ClientStatus.HANDED_OVER: frozenset(),
    },
)

# A partner's access: a request is approved (ACTIVE), declined or withdrawn (ENDED) or refused by
# the merchant (REVOKED); an access is revoked by the merchant or ended by the partner. Final.
ACCESS: Machine[AccessStatus] = Machine(
    "The access",
    {
        AccessStatus.REQUESTED: frozenset(
            {AccessStatus.ACTIVE, AccessStatus.ENDED, AccessStatus.REVOKED}
        ),
        AccessStatus.ACTIVE: frozenset({AccessStatus.REVOKED, AccessStatus.ENDED}),
        AccessStatus.REVOKED: frozenset(),
        AccessStatus.ENDED: frozenset(),
    },
    stay_allowed=False,
)
