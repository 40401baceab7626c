"""userErrors: what a mutation says when the user can fix something."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from resolvers.problems import Problem
from schema.enums import ErrorCode


@strawberry.type(description="A problem the user can fix; `field` is the path to the input.")
class UserError:
    field: list[str] | None
    message: str
    code: ErrorCode

    @staticmethod
    def of(problem: Problem) -> UserError:
        return UserError(
            field=list(problem.field) if problem.field else None,
            message=problem.message,
            code=ErrorCode(problem.code),
        )


def user_errors(problems: Iterable[Problem]) -> list[UserError]:
    return [UserError.of(p) for p in problems]
