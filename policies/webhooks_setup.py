"""Webhooks' classes for Oso: the fields their rules (policies/webhooks.polar) may filter on."""

from __future__ import annotations

from oso import Oso

from db.webhooks import WebhookDelivery, WebhookEndpoint


def register_webhooks(oso: Oso) -> None:
    oso.register_class(WebhookEndpoint, fields={"id": int, "partner_id": int})
    oso.register_class(WebhookDelivery, fields={"id": int, "partner_id": int})
