"""userErrors: what a mutation says when the user can fix something."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from resolvers.problems import Problem
from schema.enums import ErrorCode


@strawberry.type(description="A problem the user can fix; `field` is the path to the input.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "items", "0", "title"]; '
        "null when the problem is with the input as a whole."
    )
    message: str = strawberry.field(description="What is wrong, in words to show the user.")
    code: ErrorCode = strawberry.field(description="What is wrong, for the UI to match on.")

    @staticmethod
    def of(problem: Problem) -> UserError:
        return UserError(
            field=list(problem.field) if problem.field else None,
            message=problem.message,
            code=ErrorCode(problem.code),
        )


def user_errors(problems: Iterable[Problem]) -> list[UserError]:
    return [UserError.of(p) for p in problems]
