"""Launch readiness as the schema shows it."""

from __future__ import annotations

import strawberry

from resolvers.readiness import Readiness
from schema.enums import BlockerCode


@strawberry.type(description="Something that must be done before the store can launch.")
class LaunchBlocker:
    code: BlockerCode = strawberry.field(description="What blocks; stable, for the UI to match.")
    message: str = strawberry.field(
        description='The same in words for the user, e.g. "Publish the refund and terms of '
        'service policies."'
    )


@strawberry.type(description="Derived from the store set-up and the open blocking tasks.")
class LaunchReadiness:
    ready: bool = strawberry.field(description="True when nothing blocks the launch.")
    blockers: list[LaunchBlocker] = strawberry.field(
        description="Everything that blocks the launch, at most one per code; empty when ready."
    )

    @staticmethod
    def of(state: Readiness) -> LaunchReadiness:
        return LaunchReadiness(
            ready=state.ready,
            blockers=[LaunchBlocker(code=b.code, message=b.message) for b in state.blockers],
        )
