"""handOverClient: the merchant owner takes their live client over from its partner."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.enums import KeepAccess
from resolvers import handover as service
from schema.client_documents import ClientDocument
from schema.clients import Client
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.relay import id_of


@strawberry.input(description="The client to hand over, and what its partner keeps.")
class HandOverClientInput:
    client_id: strawberry.ID = strawberry.field(description="Your Client, with a live store.")
    keep_access: KeepAccess = strawberry.field(
        description="NONE ends the partner's access; SUPPORT narrows it to support."
    )


@strawberry.type(description="The result of handOverClient.")
class HandOverClientPayload:
    client: Client | None = strawberry.field(
        description="The client, now HANDED_OVER; null when the mutation was refused."
    )
    pending_documents: list[ClientDocument] = strawberry.field(
        description="The client's shared documents not yet acknowledged (acknowledgeDocument), "
        "oldest first."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type
class HandoverMutation:
    @strawberry.mutation(
        description="The merchant owner takes the client over from its partner: the client "
        "becomes HANDED_OVER and, in the same transaction, the partner's access ends (ENDED) "
        "or narrows to the SUPPORT scope. Refused: a store not live, or no active partner "
        "(NOT_READY); a client already handed over (INVALID_TRANSITION); merchant staff or "
        "partner staff (FORBIDDEN)."
    )
    async def hand_over_client(
        self,
        info: Info,
        input: Annotated[
            HandOverClientInput, strawberry.argument(description="The client and the access.")
        ],
    ) -> HandOverClientPayload:
        outcome = await service.hand_over(
            info.context, id_of(input.client_id, "Client"), input.keep_access
        )
        done = outcome.value
        return HandOverClientPayload(
            client=Client.of(done.client) if done else None,
            pending_documents=[ClientDocument.of(d) for d in done.pending_documents]
            if done
            else [],
            user_errors=user_errors(outcome.problems),
        )
