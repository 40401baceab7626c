"""Dataloaders of the webhook API, created with the request's other loaders: a delivery's
endpoint and its event's type. Each batch is one statement carrying the viewer's policy filter."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.events import OutboxEvent
from db.webhooks import WebhookDelivery, WebhookEndpoint
from policies import Authorizer, Viewer
from resolvers.shared_loader import SharedLoader, clear_loaders

Reading = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class WebhookLoaders:
    def __init__(self, viewer: Viewer, authz: Authorizer, reading: Reading) -> None:
        self._viewer = viewer
        self._authz = authz
        self._sessions = reading
        self.endpoint: SharedLoader[int, WebhookEndpoint | None] = SharedLoader(self._endpoints)
        # Per delivery id: the type of the event it sends.
        self.event_type: SharedLoader[int, str | None] = SharedLoader(self._event_types)

    def release(self) -> None:
        """Empties its loaders at the end of the request (`Loaders.release`)."""
        clear_loaders(self)

    async def _endpoints(self, ids: list[int]) -> list[WebhookEndpoint | None]:
        stmt = self._authz.readable(self._viewer, WebhookEndpoint).where(
            WebhookEndpoint.id.in_(ids)
        )
        async with self._sessions() as session:
            found = {e.id: e for e in (await session.execute(stmt)).scalars()}
        return [found.get(i) for i in ids]

    async def _event_types(self, delivery_ids: list[int]) -> list[str | None]:
        stmt = (
            select(WebhookDelivery.id, OutboxEvent.event_type)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(
                self._authz.filter(self._viewer, "read", WebhookDelivery),
                WebhookDelivery.id.in_(delivery_ids),
            )
        )
        async with self._sessions() as session:
            found: dict[int, str] = {i: t for i, t in (await session.execute(stmt)).all()}
        return [found.get(i) for i in delivery_ids]
