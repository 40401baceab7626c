"""launchStore: set the client's store live once nothing blocks it."""

from __future__ import annotations

import strawberry

from resolvers.launch import launch_store
from schema.clients import Client
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.relay import id_of


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
        return LaunchStorePayload(
            client=Client.maybe(outcome.value), user_errors=user_errors(outcome.problems)
        )
