"""What a mutation reports back when the user can fix the input: field path, message, code.

Services name the field they complain about by its Python name under the mutation's input
(`"assignee_id"`, or `("items", 0, "title")` inside a list); this module turns that into the
GraphQL path the client sees (`["input", "assigneeId"]`, `["input", "items", "0", "title"]`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

INPUT = "input"  # every mutation takes its arguments as one `input` object

# A field under the input: its Python name, or a path of names and list indexes.
FieldName = str | tuple[str | int, ...]

CONFLICT_MESSAGE = "Someone else changed this meanwhile; nothing was saved. Reload and try again."


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
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    LIMIT_REACHED = "limit_reached"
    ENDPOINT_DISABLED = "endpoint_disabled"


def to_camel_case(name: str) -> str:
    """GraphQL's spelling of a Python name, as Strawberry derives it: `assignee_id` ->
    `assigneeId`."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() if part else "_" for part in rest)


def field_path(field: FieldName | None) -> tuple[str, ...] | None:
    """The GraphQL path of a field under the mutation's input; None for the input as a whole."""
    if field is None:
        return None
    parts = (field,) if isinstance(field, str) else field
    return (INPUT, *(str(p) if isinstance(p, int) else to_camel_case(p) for p in parts))


@dataclass(frozen=True, slots=True)
class Problem:
    """`field` is the GraphQL path into the input (build it with `Problem.at`)."""

    field: tuple[str, ...] | None
    message: str
    code: ErrorCode

    @classmethod
    def at(cls, field: FieldName | None, message: str, code: ErrorCode) -> Problem:
        return cls(field_path(field), message, code)


class Refused(Exception):  # noqa: N818  (a control-flow signal, not a fault)
    """Raised inside a mutation's transaction: roll everything back and report these problems."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems)
        self.problems = list(problems)


def refuse(field: FieldName | None, message: str, code: ErrorCode) -> Refused:
    return Refused(Problem.at(field, message, code))


class InputError(Exception):
    """Bad arguments to a query (pagination, ids) reported as a GraphQL error."""


class UnexpectedError(Exception):
    """A fault of ours (e.g. a database error no input explains). The message names only the
    request id, by which the log finds the details; nothing else reaches the client."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"Unexpected error (request {request_id}).")
        self.request_id = request_id
