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


@dataclass(frozen=True, slots=True)
class Problem:
    field: tuple[str, ...] | None
    message: str
    code: ErrorCode


class InputError(Exception):
    """Bad arguments to a query (pagination, ids) reported as a GraphQL error."""
