"""Launch readiness as the schema shows it."""

from __future__ import annotations

import strawberry

from resolvers.readiness import Readiness
from schema.enums import BlockerCode


@strawberry.type(description="Something that must be done before the store can launch.")
class LaunchBlocker:
    code: BlockerCode
    message: str


@strawberry.type(description="Derived from the store set-up and the open blocking tasks.")
class LaunchReadiness:
    ready: bool
    blockers: list[LaunchBlocker]

    @staticmethod
    def of(state: Readiness) -> LaunchReadiness:
        return LaunchReadiness(
            ready=state.ready,
            blockers=[LaunchBlocker(code=b.code, message=b.message) for b in state.blockers],
        )
