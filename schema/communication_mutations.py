"""Communication mutations: post to a client's log (or reply), edit an entry, mark the log read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import models
from resolvers import communications as service
from resolvers.mutations import Outcome
from schema.clients import Client
from schema.communications import Communication
from schema.enums import CommunicationKind, Visibility
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, node_id
from schema.relay import id_of


@strawberry.type(description="The result of a communication mutation.")
class CommunicationPayload:
    communication: Communication | None = strawberry.field(
        description="The entry as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _payload(outcome: Outcome[models.Communication]) -> CommunicationPayload:
    return CommunicationPayload(
        communication=Communication.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


@strawberry.input(description="A new entry of a client's communication log.")
class PostCommunicationInput:
    client_id: strawberry.ID = strawberry.field(description="The Client whose log it goes in.")
    body: str = strawberry.field(description="Required; plain text, at most 20,000 characters.")
    subject: str | None = strawberry.field(
        default=None, description="Short subject; at most 200 characters."
    )
    kind: CommunicationKind | None = strawberry.field(
        default=None, description="Defaults to NOTE for partner staff, MESSAGE for merchants."
    )
    visibility: Visibility | None = strawberry.field(
        default=None,
        description="Defaults to INTERNAL for partner staff; merchants post SHARED only "
        "(INTERNAL is INVALID). A reply to an INTERNAL entry must be INTERNAL.",
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="When it happened; defaults to now. Not in the future (INVALID); without "
        "an offset, UTC.",
    )
    parent_id: strawberry.ID | None = node_id(
        "Communication",
        description="The entry this one replies to: one of the same client that you can see.",
    )


@strawberry.input(description="Only the fields given change. Only the author edits an entry.")
class UpdateCommunicationInput:
    communication_id: strawberry.ID = strawberry.field(description="The Communication to edit.")
    version: int = strawberry.field(
        description="The entry's current `version`; a stale one is a CONFLICT."
    )
    subject: str | None = strawberry.field(
        default=None, description="New subject; blank removes it."
    )
    body: str | None = strawberry.field(default=None, description="New body; cannot be blank.")
    kind: CommunicationKind | None = strawberry.field(default=None, description="New kind.")
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When it happened; not in the future."
    )
    visibility: Visibility | None = strawberry.field(
        default=None,
        description="SHARED shares an internal entry (not a reply to an internal one); a shared "
        "entry never becomes INTERNAL again (INVALID_TRANSITION).",
    )


@strawberry.input(description="A client whose communication log the viewer has read.")
class MarkCommunicationsReadInput:
    client_id: strawberry.ID = strawberry.field(description="The Client.")


@strawberry.type(description="The result of markCommunicationsRead.")
class MarkCommunicationsReadPayload:
    client: Client | None = strawberry.field(
        description="The client, whose `unreadSharedCount` is now 0; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type
class CommunicationMutation:
    @strawberry.mutation(
        description="Write an entry in a client's communication log, or reply to one "
        "(`parentId`). Partner staff working on the client in support and the client's "
        "merchant users may post."
    )
    async def post_communication(
        self,
        info: Info,
        input: Annotated[PostCommunicationInput, strawberry.argument(description="The entry.")],
    ) -> CommunicationPayload:
        changes = changes_of(input, skip=["client_id"])
        client_id = id_of(input.client_id, "Client")
        return _payload(await service.post_communication(info.context, client_id, changes))

    @strawberry.mutation(
        description="Edit your own entry; the subject and body it replaces are kept "
        "(`revisions`). Others may not (FORBIDDEN)."
    )
    async def update_communication(
        self,
        info: Info,
        input: Annotated[
            UpdateCommunicationInput,
            strawberry.argument(description="The entry and the fields to change."),
        ],
    ) -> CommunicationPayload:
        changes = changes_of(input, skip=["communication_id", "version"])
        entry_id = id_of(input.communication_id, "Communication")
        return _payload(
            await service.update_communication(info.context, entry_id, input.version, changes)
        )

    @strawberry.mutation(
        description="Mark everything in a client's log that you can see as read, for you."
    )
    async def mark_communications_read(
        self,
        info: Info,
        input: Annotated[
            MarkCommunicationsReadInput, strawberry.argument(description="The client.")
        ],
    ) -> MarkCommunicationsReadPayload:
        outcome = await service.mark_read(info.context, id_of(input.client_id, "Client"))
        return MarkCommunicationsReadPayload(
            client=Client.maybe(outcome.value), user_errors=user_errors(outcome.problems)
        )
