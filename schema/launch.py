"""Launch readiness and the launchStore mutation."""

from __future__ import annotations

import strawberry

from db import models
from resolvers.launch import launch_store
from resolvers.readiness import Readiness
from schema.enums import LaunchBlockerCode
from schema.errors import UserError
from schema.relay import id_of
from schema.types import Client, Info


@strawberry.type(description="Something that must be done before the store can launch.")
class LaunchBlocker:
    code: LaunchBlockerCode  # type: ignore[valid-type]
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


@strawberry.input
class LaunchStoreInput:
    client_id: strawberry.ID


@strawberry.type
class LaunchStorePayload:
    client: Client | None
    user_errors: list[UserError]


@strawberry.type
class LaunchMutation:
    @strawberry.mutation(
        description="Set the client's store live. Refused, with every blocker as a userError "
        "(code NOT_READY), while anything blocks the launch."
    )
    async def launch_store(self, info: Info, input: LaunchStoreInput) -> LaunchStorePayload:
        outcome = await launch_store(info.context, id_of(input.client_id, "Client"))
        client: models.Client | None = outcome.value
        return LaunchStorePayload(
            client=Client.of(client) if client is not None else None,
            user_errors=[UserError.of(p) for p in outcome.problems],
        )
