"""Partner webhooks: the endpoints a partner registers, their delivery log, and the catalogue of
event types an endpoint may choose (types; the mutations are in schema/webhook_mutations.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from db import webhooks as tables
from db.events import event_types
from db.webhooks import DeliveryStatus
from resolvers import webhooks as service
from resolvers.pagination import PageArgs
from schema.connections import Connection, connection, to_connection
from schema.info import Info
from schema.relay import LazyNode, Node, RowType, node

if TYPE_CHECKING:
    from schema.partners import Partner

PARTNER: LazyNode[Partner] = LazyNode("Partner")

strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="Where a webhook delivery stands.",
)
_DESCRIPTIONS = {
    DeliveryStatus.PENDING: "Not sent yet, or to be tried again at `nextAttemptAt`.",
    DeliveryStatus.SUCCEEDED: "The endpoint answered 2xx.",
    DeliveryStatus.FAILED: "Given up: retried for 3 days from the event, its endpoint disabled, "
    "or the partner no longer serves the event's client. `redeliverWebhook` tries again.",
}
_definition: StrawberryEnumDefinition = DeliveryStatus.__strawberry_definition__  # type: ignore[attr-defined]  # set by strawberry.enum
for _value in _definition.values:
    _value.description = _DESCRIPTIONS.get(_value.value)


@node(service.get_delivery)
@strawberry.type(
    description="One event sent (or to be sent) to one endpoint: the delivery log's line. Its "
    "partner's owners and admins, and platform staff."
)
class WebhookDelivery(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; `redeliverWebhook` takes it."
    )
    event_id: int = strawberry.field(
        description="The event's id: the body's `id` and the `ShopIQ-Event-Id` header, the same "
        "for every attempt (a receiver drops a repeat by it)."
    )
    status: DeliveryStatus = strawberry.field(description="Pending, succeeded or failed.")
    attempt: int = strawberry.field(description="Attempts made so far (0: none yet).")
    response_code: int | None = strawberry.field(
        description="The HTTP status the endpoint answered the last attempt; null when it did "
        "not answer."
    )
    latency_ms: int | None = strawberry.field(
        description="How long the last attempt's answer took (milliseconds)."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (e.g. `HTTP 500`, a timeout, an address "
        "refused); null after a success."
    )
    next_attempt_at: datetime = strawberry.field(
        description="When a PENDING delivery is tried next (UTC); of no meaning once it "
        "succeeded or failed."
    )
    created_at: datetime = strawberry.field(description="When the event was handed to it (UTC).")
    _row: strawberry.Private[tables.WebhookDelivery]

    @strawberry.field(description="The event type, e.g. `task.completed`.")
    async def event_type(self, info: Info) -> str:
        found = await info.context.loaders.webhooks.event_type.load(self._row.id)
        return found or ""

    @strawberry.field(description="The endpoint it goes to.")
    async def endpoint(self, info: Info) -> WebhookEndpoint | None:
        row = await info.context.loaders.webhooks.endpoint.load(self._row.endpoint_id)
        return WebhookEndpoint.maybe(row)


@node(service.get_endpoint)
@strawberry.type(
    description="A URL of a partner's that receives its events as signed POSTs (README "
    '"Webhooks"). Its partner\'s owners and admins, and platform staff; the signing secret is '
    "shown only by the mutation that makes it."
)
class WebhookEndpoint(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id; mutations take it.")
    url: str = strawberry.field(
        description="Where events are POSTed: https, a host resolving to public addresses."
    )
    event_types: list[str] = strawberry.field(
        description="The event types it receives (`webhookEventTypes`), sorted."
    )
    description: str | None = strawberry.field(description="What it is for (500 characters).")
    enabled: bool = strawberry.field(
        description="Receives events; false after 25 failed attempts in a row or when disabled "
        "by the team."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled; null while enabled."
    )
    consecutive_failures: int = strawberry.field(
        description="Failed attempts in a row; a success sets it back to 0."
    )
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(
        description="Increases with every change made through the API (not with the delivery "
        "counters)."
    )
    _row: strawberry.Private[tables.WebhookEndpoint]

    @strawberry.field(description="The partner whose events it receives.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))

    @connection("The delivery log, newest first.")
    async def deliveries(
        self,
        info: Info,
        page: PageArgs,
        status: Annotated[
            list[DeliveryStatus] | None,
            strawberry.argument(description="Only deliveries in one of these statuses."),
        ] = None,
    ) -> Connection[WebhookDelivery]:
        rows = await service.deliveries_page(info.context, self._row.id, page, status or ())
        return to_connection(rows, WebhookDelivery.of)


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="The event types a webhook endpoint may choose (the event catalogue), sorted."
    )
    def webhook_event_types(self) -> list[str]:
        return event_types()
