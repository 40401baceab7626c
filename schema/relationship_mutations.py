"""The client relationship's mutations (communication, support, documents, handover) as one
mixin of the root `Mutation`."""

import strawberry

from schema.client_document_mutations import ClientDocumentMutation
from schema.communication_mutations import CommunicationMutation
from schema.handover import HandoverMutation
from schema.support_mutations import SupportMutation


@strawberry.type
class RelationshipMutation(
    CommunicationMutation, SupportMutation, ClientDocumentMutation, HandoverMutation
):
    pass
