"""onboardClient: a new client with its store, access, assignment and merchant owner."""

from __future__ import annotations

import strawberry

from resolvers.onboarding import onboard_client
from schema.clients import Client
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, node_id
from schema.relay import id_of


@strawberry.input(description="A new merchant client for a partner, with its store.")
class OnboardClientInput:
    partner_id: strawberry.ID
    business_name: str
    contact_email: str = strawberry.field(description="Also invited as the merchant owner.")
    legal_name: str | None = None
    contact_phone: str | None = None
    industry: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2; US.")
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217; defaults to the country's currency."
    )
    store_name: str | None = strawberry.field(default=None, description="Defaults to the name.")
    subdomain: str | None = strawberry.field(
        default=None, description="Defaults to one derived from the business name."
    )
    merchant_name: str | None = strawberry.field(
        default=None, description="The merchant owner's name, when they are new to ShopIQ."
    )
    workflow_template_id: strawberry.ID | None = node_id(
        "WorkflowTemplate", description="A workflow of the partner to start the checklist from."
    )


@strawberry.type
class OnboardClientPayload:
    client: Client | None
    user_errors: list[UserError]


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(
        description="Create a client, its store, the partner's active access, the creator's "
        "assignment (specialists) and the invited merchant owner, all or nothing."
    )
    async def onboard_client(self, info: Info, input: OnboardClientInput) -> OnboardClientPayload:
        changes = changes_of(input, skip=["partner_id"])
        partner_id = id_of(input.partner_id, "Partner")
        result = await onboard_client(info.context, partner_id, changes)
        return OnboardClientPayload(
            client=Client.maybe(result.value),
            user_errors=user_errors(result.problems),
        )
