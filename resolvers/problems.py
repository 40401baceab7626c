"""What a mutation reports back when the user can fix the input: field path, message, code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TAKEN = "taken"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    NOT_READY = "not_ready"
    LAST_OWNER = "last_owner"


@dataclass(frozen=True, slots=True)
class Problem:
    field: tuple[str, ...] | None
    message: str
    code: ErrorCode


class Refused(Exception):  # noqa: N818  (a control-flow signal, not a fault)
    """Raised inside a mutation's transaction: roll everything back and report these problems."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems)
        self.problems = list(problems)


def refuse(field: tuple[str, ...] | None, message: str, code: ErrorCode) -> Refused:
    return Refused(Problem(field, message, code))


class InputError(Exception):
    """Bad arguments to a query (pagination, ids) reported as a GraphQL error."""
