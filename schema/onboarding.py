"""onboardClient: a new client with its store, access, assignment and merchant owner."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.access_queries import client_access_of_partner
from resolvers.onboarding import onboard_client
from resolvers.queries import get_client
from schema.access_types import PartnerAccess
from schema.clients import Client
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, node_id
from schema.relay import id_of


@strawberry.input(description="A new merchant client for a partner, with its store.")
class OnboardClientInput:
    partner_id: strawberry.ID = strawberry.field(
        description="The Partner taking the client on; the viewer must be on its team."
    )
    business_name: str = strawberry.field(description="Required; at most 200 characters.")
    contact_email: str = strawberry.field(
        description="Required. Also the merchant owner's sign-in: invited as the merchant owner "
        "(a new account if the address has none)."
    )
    legal_name: str | None = strawberry.field(
        default=None, description="Registered company name; at most 200 characters."
    )
    contact_phone: str | None = strawberry.field(
        default=None, description="Digits, spaces and + ( ) - . ; at most 32 characters."
    )
    industry: str | None = strawberry.field(
        default=None, description="Free text; at most 100 characters."
    )
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 code, e.g. FR; defaults to US."
    )
    currency: str | None = strawberry.field(
        default=None,
        description="ISO 4217 code, e.g. EUR; defaults to the country's usual currency (USD "
        "when unknown).",
    )
    store_name: str | None = strawberry.field(
        default=None, description="Defaults to the business name; at most 200 characters."
    )
    subdomain: str | None = strawberry.field(
        default=None,
        description="3-63 lower-case letters, digits and single hyphens, not at either end; "
        "must be free and not reserved. Defaults to one derived from the business name "
        "(Café Rosé & Co. -> cafe-rose-co, numbered when taken).",
    )
    merchant_name: str | None = strawberry.field(
        default=None, description="The merchant owner's name, when they are new to ShopIQ."
    )
    workflow_template_id: strawberry.ID | None = node_id(
        "WorkflowTemplate", description="A workflow of the partner to start the checklist from."
    )


@strawberry.type(description="The result of onboardClient.")
class OnboardClientPayload:
    client: Client | None = strawberry.field(
        description="The new client, with its store; null when the mutation was refused, and "
        "while the merchant owner (an existing account) has not accepted yet."
    )
    access: PartnerAccess | None = strawberry.field(
        description="The partner's access: ACTIVE for a new merchant; REQUESTED when the "
        "contact email already has an account, until that user accepts the invitation."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was created; empty on success."
    )


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(
        description="Create a client (status ONBOARDING), its store, the partner's active "
        "access, the creator's assignment as lead (specialists) and the invited merchant owner, "
        "and with `workflowTemplateId` its first tasks: all or nothing. Refused: invalid or "
        "missing values (INVALID, REQUIRED, TOO_LONG), a subdomain taken or reserved (TAKEN), a "
        "template not of the partner (NOT_FOUND)."
    )
    async def onboard_client(
        self,
        info: Info,
        input: Annotated[
            OnboardClientInput, strawberry.argument(description="The new client and its store.")
        ],
    ) -> OnboardClientPayload:
        changes = changes_of(input, skip=["partner_id"])
        partner_id = id_of(input.partner_id, "Partner")
        result = await onboard_client(info.context, partner_id, changes)
        client = result.value
        access = await client_access_of_partner(info.context, client.id) if client else None
        return OnboardClientPayload(
            client=Client.maybe(await get_client(info.context, client.id) if client else None),
            access=PartnerAccess.maybe(access),
            user_errors=user_errors(result.problems),
        )
