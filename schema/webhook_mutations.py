"""The partner webhook API's mutations: register, change and delete an endpoint, rotate its
signing secret, and send a delivery again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import webhooks as service
from resolvers.mutations import Outcome
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, clears
from schema.relay import id_of, to_global_id
from schema.webhooks import WebhookDelivery, WebhookEndpoint

URL = (
    "https, at most 2,000 characters, without a user or password; its host must resolve to "
    "public addresses only (no private, loopback, link-local or reserved address)."
)
EVENT_TYPES = (
    "The event types to receive, from `webhookEventTypes` (e.g. `task.completed`); at least one."
)


@strawberry.input(description="A new webhook endpoint of a partner.")
class CreateWebhookEndpointInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner whose events it gets.")
    url: str = strawberry.field(description=URL)
    event_types: list[str] = strawberry.field(description=EVENT_TYPES)
    description: str | None = strawberry.field(
        default=None, description="What it is for (at most 500 characters)."
    )


@strawberry.input(description="Only the fields given change.")
class UpdateWebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint.")
    version: int = strawberry.field(
        description="The endpoint's current `version`; a stale one is a CONFLICT."
    )
    url: str | None = strawberry.field(default=None, description=f"A new URL: {URL}")
    event_types: list[str] | None = strawberry.field(
        default=None, description=f"Replaces the chosen event types. {EVENT_TYPES}"
    )
    description: str | None = strawberry.field(default=None, description="A new description.")
    clear_description: bool = clears("description", "True removes the description.")
    enabled: bool | None = strawberry.field(
        default=None,
        description="False stops deliveries (pending ones fail); true enables it again and "
        "clears its failure count and `disabledReason`.",
    )


@strawberry.input(description="An endpoint whose signing secret to replace.")
class RotateWebhookSecretInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint.")


@strawberry.input(description="An endpoint to delete.")
class DeleteWebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint.")


@strawberry.input(description="A delivery to send again.")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="The WebhookDelivery.")


@strawberry.type(description="The result of createWebhookEndpoint or rotateWebhookSecret.")
class WebhookSecretPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint; null when the mutation was refused."
    )
    secret: str | None = strawberry.field(
        description="The signing secret (`whsec_...`): shown here ONCE and never again. Verify "
        'each delivery\'s `ShopIQ-Signature` with it (README "Verifying a signature").'
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of updateWebhookEndpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of deleteWebhookEndpoint.")
class DeleteWebhookEndpointPayload:
    deleted_endpoint_id: strawberry.ID | None = strawberry.field(
        description="The id of the endpoint deleted; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was deleted; empty on success."
    )


@strawberry.type(description="The result of redeliverWebhook.")
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        description="The delivery, PENDING and due now; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


def _secret_payload(outcome: Outcome[service.Created]) -> WebhookSecretPayload:
    created = outcome.value
    return WebhookSecretPayload(
        endpoint=WebhookEndpoint.of(created.endpoint) if created else None,
        secret=created.secret if created else None,
        user_errors=user_errors(outcome.problems),
    )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register a webhook endpoint of a partner (its owners and admins): it "
        "receives the partner's events of the chosen types from now on, signed with the "
        "secret this answer shows once. Refused: a URL that is not https or whose host "
        "resolves to a private, loopback, link-local or reserved address, or does not resolve "
        "(INVALID); an event type not in the catalogue (INVALID); more than 20 endpoints "
        "(LIMIT_REACHED)."
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookEndpointInput,
            strawberry.argument(description="The partner, URL, event types and description."),
        ],
    ) -> WebhookSecretPayload:
        changes = changes_of(input, skip=["partner_id"])
        outcome = await service.create_endpoint(
            info.context, id_of(input.partner_id, "Partner"), changes
        )
        return _secret_payload(outcome)

    @strawberry.mutation(
        description="Change a webhook endpoint (its partner's owners and admins); only the "
        "fields given change, a new URL is checked as when created."
    )
    async def update_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookEndpointInput,
            strawberry.argument(description="The endpoint and the fields to change."),
        ],
    ) -> WebhookEndpointPayload:
        changes = changes_of(input, skip=["endpoint_id", "version"])
        outcome = await service.update_endpoint(
            info.context, id_of(input.endpoint_id, "WebhookEndpoint"), input.version, changes
        )
        return WebhookEndpointPayload(
            endpoint=WebhookEndpoint.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Give a webhook endpoint a new signing secret, shown once in the answer; "
        "the old one stops signing at once."
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        input: Annotated[RotateWebhookSecretInput, strawberry.argument(description="Which.")],
    ) -> WebhookSecretPayload:
        outcome = await service.rotate_secret(
            info.context, id_of(input.endpoint_id, "WebhookEndpoint")
        )
        return _secret_payload(outcome)

    @strawberry.mutation(
        description="Delete a webhook endpoint with its delivery log: nothing pending is sent."
    )
    async def delete_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[DeleteWebhookEndpointInput, strawberry.argument(description="Which.")],
    ) -> DeleteWebhookEndpointPayload:
        outcome = await service.delete_endpoint(
            info.context, id_of(input.endpoint_id, "WebhookEndpoint")
        )
        return DeleteWebhookEndpointPayload(
            deleted_endpoint_id=to_global_id("WebhookEndpoint", outcome.value)
            if outcome.value is not None
            else None,
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Send a delivery again: it becomes PENDING and due now, and the next job "
        "round makes one more attempt (retried as usual while within 3 days of the event). "
        "Refused while its endpoint is disabled (ENDPOINT_DISABLED)."
    )
    async def redeliver_webhook(
        self,
        info: Info,
        input: Annotated[RedeliverWebhookInput, strawberry.argument(description="Which.")],
    ) -> RedeliverWebhookPayload:
        outcome = await service.redeliver(info.context, id_of(input.delivery_id, "WebhookDelivery"))
        return RedeliverWebhookPayload(
            delivery=WebhookDelivery.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )
