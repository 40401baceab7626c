"""launchStore: set the client's store live once nothing blocks it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.launch import launch_store
from schema.clients import Client
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.relay import id_of


@strawberry.input(description="The client whose store to launch.")
class LaunchStoreInput:
    client_id: strawberry.ID = strawberry.field(description="The Client's id.")


@strawberry.type(description="The result of launchStore.")
class LaunchStorePayload:
    client: Client | None = strawberry.field(
        description="The client, its store now live; null when the launch was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the store did not launch (one NOT_READY per blocker); empty on success."
    )


@strawberry.type
class LaunchMutation:
    @strawberry.mutation(
        description="Set the client's store live (launchedAt now) and the client LIVE. Refused, "
        "with every blocker as a userError (code NOT_READY), while anything blocks the launch "
        "(see `client.launchReadiness`)."
    )
    async def launch_store(
        self,
        info: Info,
        input: Annotated[LaunchStoreInput, strawberry.argument(description="The client.")],
    ) -> LaunchStorePayload:
        outcome = await launch_store(info.context, id_of(input.client_id, "Client"))
        return LaunchStorePayload(
            client=Client.maybe(outcome.value), user_errors=user_errors(outcome.problems)
        )
