"""userErrors: what a mutation says when the user can fix something."""

from __future__ import annotations

import strawberry

from resolvers.problems import ErrorCode, Problem
from schema.enums import UserErrorCode


@strawberry.type(description="A problem the user can fix; `field` is the path to the input.")
class UserError:
    field: list[str] | None
    message: str
    code: UserErrorCode  # type: ignore[valid-type]

    @staticmethod
    def of(problem: Problem) -> UserError:
        return UserError(
            field=list(problem.field) if problem.field else None,
            message=problem.message,
            code=ErrorCode(problem.code),
        )
