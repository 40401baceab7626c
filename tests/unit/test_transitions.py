"""Every status machine, move by move, without a database: each allowed move is taken, each
refused move gives INVALID_TRANSITION at the given field with the machine's message."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from db.enums import (
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
from db.models import Client
from resolvers import transitions
from resolvers.lifecycle import advance
from resolvers.problems import ErrorCode, Refused
from resolvers.transitions import Machine

# The specification, written out independently of the tables: state -> states one move away.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "DOMAIN": {
        "not_connected": {"pending_dns"},
        "pending_dns": {"verified", "failed", "not_connected"},
        "failed": {"pending_dns", "verified", "failed", "not_connected"},
        "verified": {"not_connected"},
    },
    "PAYMENTS": {
        "not_started": {"kyc_pending"},
        "kyc_pending": {"active", "rejected"},
        "rejected": {"kyc_pending"},
        "active": {"kyc_pending"},
    },
    "LOGISTICS": {
        "not_started": {"configured"},
        "configured": {"active", "not_started"},
        "active": {"configured"},
    },
    "CATALOG": {
        "empty": {"importing"},
        "importing": {"ready", "failed"},
        "failed": {"importing"},
        "ready": {"importing"},
    },
    "KYC": {
        "not_started": {"submitted"},
        "submitted": {"verified", "rejected"},
        "rejected": {"submitted"},
        "verified": set(),
    },
    "TAX": {
        "not_started": {"pending", "exempt"},
        "pending": {"registered", "exempt"},
        "registered": set(),
        "exempt": {"pending"},
    },
    "LAUNCH": {"not_launched": {"live"}, "live": set(), "paused": set()},
    "TASK_EDIT": {
        "todo": {"in_progress", "blocked"},
        "in_progress": {"todo", "blocked"},
        "blocked": {"todo", "in_progress"},
        "done": set(),
    },
    "TASK_COMPLETE": {
        "todo": {"done"},
        "in_progress": {"done"},
        "blocked": {"done"},
        "done": set(),
    },
    "TASK_REOPEN": {"todo": set(), "in_progress": set(), "blocked": set(), "done": {"todo"}},
    "MEMBER": {"invited": {"active"}, "active": set()},
    "LIFECYCLE": {
        "lead": {"onboarding", "implementation", "live"},
        "onboarding": {"implementation", "live"},
        "implementation": {"live"},
        "live": set(),
        "churned": set(),
        "handed_over": set(),
    },
}
ENUMS: dict[str, type[StrEnum]] = {
    "DOMAIN": DomainStatus,
    "PAYMENTS": PaymentStatus,
    "LOGISTICS": LogisticsStatus,
    "CATALOG": CatalogStatus,
    "KYC": KycStatus,
    "TAX": TaxStatus,
    "LAUNCH": LaunchStatus,
    "TASK_EDIT": TaskStatus,
    "TASK_COMPLETE": TaskStatus,
    "TASK_REOPEN": TaskStatus,
    "MEMBER": MemberStatus,
    "LIFECYCLE": ClientStatus,
}
# Whether asking for the state a thing is already in is a harmless no-op.
STAY_ALLOWED = {
    name: name not in {"LAUNCH", "TASK_COMPLETE", "TASK_REOPEN", "MEMBER"} for name in EXPECTED
}
FIELD = "some_field"
PATH = ["input", "someField"]


def machine(name: str) -> Machine[Any]:
    found = getattr(transitions, name)
    assert isinstance(found, Machine)
    return found


def moves(allowed: bool) -> list[tuple[str, str, str]]:
    """(machine, from, to) for every move the specification allows (or refuses), staying put
    excluded."""
    return [
        (name, current, target.value)
        for name, table in EXPECTED.items()
        for current in table
        for target in ENUMS[name]
        if target.value != current and (target.value in table[current]) == allowed
    ]


def refusal(name: str, current: str, target: str) -> Refused:
    m = machine(name)
    enum = ENUMS[name]
    with pytest.raises(Refused) as caught:
        m.move(enum(current), enum(target), FIELD)
    return caught.value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_table_is_the_specification_and_covers_every_state(name: str) -> None:
    m = machine(name)
    assert set(m.moves) == set(ENUMS[name])
    assert {s.value: {t.value for t in m.moves[s]} for s in m.moves} == EXPECTED[name]
    assert m.stay_allowed is STAY_ALLOWED[name]


@pytest.mark.parametrize(("name", "current", "target"), moves(allowed=True))
def test_every_allowed_move_is_taken(name: str, current: str, target: str) -> None:
    enum = ENUMS[name]
    assert machine(name).allows(enum(current), enum(target))
    assert machine(name).move(enum(current), enum(target), FIELD) == enum(target)


@pytest.mark.parametrize(("name", "current", "target"), moves(allowed=False))
def test_every_other_move_is_an_invalid_transition(name: str, current: str, target: str) -> None:
    problem = refusal(name, current, target).problems[0]
    assert not machine(name).allows(ENUMS[name](current), ENUMS[name](target))
    assert problem.code == ErrorCode.INVALID_TRANSITION
    assert problem.field is not None
    assert list(problem.field) == PATH
    assert problem.message


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_staying_put(name: str) -> None:
    for state in ENUMS[name]:
        if STAY_ALLOWED[name]:
            assert machine(name).move(state, state, FIELD) == state
        elif state.value not in EXPECTED[name][state.value]:
            assert refusal(name, state.value, state.value).problems[0].code == (
                ErrorCode.INVALID_TRANSITION
            )


@pytest.mark.parametrize(
    ("name", "current", "target", "message"),
    [
        (
            "DOMAIN",
            "verified",
            "pending_dns",
            "The domain cannot go from verified to pending_dns (from verified: not_connected).",
        ),
        (
            "PAYMENTS",
            "not_started",
            "active",
            "Payments cannot go from not_started to active (from not_started: kyc_pending).",
        ),
        (
            "LOGISTICS",
            "not_started",
            "active",
            "Logistics cannot go from not_started to active (from not_started: configured).",
        ),
        (
            "CATALOG",
            "empty",
            "ready",
            "The catalog cannot go from empty to ready (from empty: importing).",
        ),
        (
            "KYC",
            "verified",
            "submitted",
            "Business verification cannot go from verified to submitted (from verified: nothing).",
        ),
        (
            "TAX",
            "not_started",
            "registered",
            "Tax registration cannot go from not_started to registered "
            "(from not_started: exempt, pending).",
        ),
        ("TASK_EDIT", "done", "todo", "Reopen the task before changing its status."),
        ("TASK_EDIT", "done", "in_progress", "Reopen the task before changing its status."),
        ("TASK_EDIT", "todo", "done", "Use completeTask to finish a task."),
        ("TASK_EDIT", "blocked", "done", "Use completeTask to finish a task."),
        ("TASK_COMPLETE", "done", "done", "The task is already done."),
        ("TASK_REOPEN", "todo", "todo", "Only a done task can be reopened."),
        ("TASK_REOPEN", "in_progress", "todo", "Only a done task can be reopened."),
        ("TASK_REOPEN", "blocked", "todo", "Only a done task can be reopened."),
        ("MEMBER", "active", "active", "You have already accepted this invitation."),
        (
            "LAUNCH",
            "live",
            "live",
            "The store cannot go from live to live (from live: nothing).",
        ),
        (
            "LIFECYCLE",
            "live",
            "onboarding",
            "The client cannot go from live to onboarding (from live: nothing).",
        ),
    ],
)
def test_refusal_messages(name: str, current: str, target: str, message: str) -> None:
    assert refusal(name, current, target).problems[0].message == message


@pytest.mark.parametrize("status", ["todo", "in_progress", "blocked"])
def test_a_new_task_starts_open(status: str) -> None:
    assert transitions.start_task(TaskStatus(status), "status") == TaskStatus(status)


def test_a_new_task_does_not_start_done() -> None:
    with pytest.raises(Refused) as caught:
        transitions.start_task(TaskStatus.DONE, "status")
    (problem,) = caught.value.problems
    assert problem.field == ("input", "status")
    assert problem.message == "Create the task, then complete it."
    assert problem.code == ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize(
    ("current", "to", "after"),
    [
        ("lead", "implementation", "implementation"),
        ("onboarding", "implementation", "implementation"),
        ("onboarding", "live", "live"),
        ("implementation", "implementation", "implementation"),
        ("implementation", "live", "live"),
        ("live", "implementation", "live"),  # never back
        ("churned", "implementation", "churned"),  # left to its own flow
        ("handed_over", "live", "handed_over"),
    ],
)
def test_advance_moves_a_client_forward_only(current: str, to: str, after: str) -> None:
    client = Client(status=ClientStatus(current))
    advance(client, ClientStatus(to))
    assert client.status == ClientStatus(after)
