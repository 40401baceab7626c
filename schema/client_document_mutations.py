"""Document mutations: add and edit a client's documents; the merchant acknowledges them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import models
from resolvers import client_documents as service
from resolvers.mutations import Outcome
from schema.client_documents import ClientDocument
from schema.enums import DocumentKind, Visibility
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of
from schema.relay import id_of


@strawberry.type(description="The result of a client document mutation.")
class ClientDocumentPayload:
    document: ClientDocument | None = strawberry.field(
        description="The document as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _payload(outcome: Outcome[models.ClientDocument]) -> ClientDocumentPayload:
    return ClientDocumentPayload(
        document=ClientDocument.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


@strawberry.input(description="A new document of a client, as a link.")
class AddClientDocumentInput:
    client_id: strawberry.ID = strawberry.field(description="The Client it belongs to.")
    title: str = strawberry.field(description="Required; at most 200 characters.")
    url: str = strawberry.field(
        description="An https link to a host name, without user name or password "
        "(at most 2,048 characters); anything else is INVALID."
    )
    kind: DocumentKind | None = strawberry.field(default=None, description="Defaults to OTHER.")
    visibility: Visibility | None = strawberry.field(
        default=None, description="Defaults to INTERNAL; SHARED shows it to the merchant."
    )


@strawberry.input(description="Only the fields given change.")
class UpdateClientDocumentInput:
    document_id: strawberry.ID = strawberry.field(description="The ClientDocument to change.")
    version: int = strawberry.field(
        description="The document's current `version`; a stale one is a CONFLICT."
    )
    title: str | None = strawberry.field(
        default=None, description="New title; the merchant acknowledges a shared one again."
    )
    url: str | None = strawberry.field(
        default=None, description="New https link; the merchant acknowledges a shared one again."
    )
    kind: DocumentKind | None = strawberry.field(default=None, description="New kind.")
    visibility: Visibility | None = strawberry.field(
        default=None,
        description="SHARED shares it; a shared document never becomes INTERNAL again "
        "(INVALID_TRANSITION).",
    )


@strawberry.input(description="A shared document at the version the merchant read.")
class AcknowledgeDocumentInput:
    document_id: strawberry.ID = strawberry.field(description="The ClientDocument.")
    version: int = strawberry.field(
        description="The document's current `version`; a stale one (it changed since you "
        "read it) is a CONFLICT."
    )


@strawberry.type
class ClientDocumentMutation:
    @strawberry.mutation(
        description="Add a document (a link) to a client: partner staff working on the client "
        "in support."
    )
    async def add_client_document(
        self,
        info: Info,
        input: Annotated[AddClientDocumentInput, strawberry.argument(description="The document.")],
    ) -> ClientDocumentPayload:
        changes = changes_of(input, skip=["client_id"])
        return _payload(
            await service.add_document(info.context, id_of(input.client_id, "Client"), changes)
        )

    @strawberry.mutation(description="Change a document of your partner's.")
    async def update_client_document(
        self,
        info: Info,
        input: Annotated[
            UpdateClientDocumentInput,
            strawberry.argument(description="The document and its changes."),
        ],
    ) -> ClientDocumentPayload:
        changes = changes_of(input, skip=["document_id", "version"])
        document_id = id_of(input.document_id, "ClientDocument")
        return _payload(
            await service.update_document(info.context, document_id, input.version, changes)
        )

    @strawberry.mutation(
        description="The merchant (owner or staff) acknowledges a shared document: who and "
        "when are recorded. Already acknowledged: INVALID_TRANSITION."
    )
    async def acknowledge_document(
        self,
        info: Info,
        input: Annotated[
            AcknowledgeDocumentInput, strawberry.argument(description="The document.")
        ],
    ) -> ClientDocumentPayload:
        document_id = id_of(input.document_id, "ClientDocument")
        return _payload(
            await service.acknowledge_document(info.context, document_id, input.version)
        )
