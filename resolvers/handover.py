"""Handing a client over: the merchant owner takes the client over from its partner once the
store is live. In one transaction the client becomes HANDED_OVER and the partner's access ends
(or narrows to support); the answer lists the shared documents the merchant has yet to
acknowledge."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import AccessStatus, ClientStatus, KeepAccess, LaunchStatus, Visibility
from db.models import Client, PartnerAccess, Store
from db.relationship import ClientDocument
from resolvers.context import Context
from resolvers.mutations import Outcome, target, transact
from resolvers.problems import ErrorCode, refuse
from resolvers.transitions import Machine

CLIENT_FIELD = "client_id"
SUPPORT_SCOPE = "support"

# A live client may be handed over, once.
HANDOVER: Machine[ClientStatus] = Machine(
    "The client",
    {
        **{status: frozenset() for status in ClientStatus},
        ClientStatus.LIVE: frozenset({ClientStatus.HANDED_OVER}),
    },
    stay_allowed=False,
)


@dataclass(slots=True)
class Handover:
    client: Client
    pending_documents: list[ClientDocument]


async def hand_over(ctx: Context, client_id: int | None, keep: KeepAccess) -> Outcome[Handover]:
    async def work(session: AsyncSession) -> Handover:
        client = await target(
            session, ctx, Client, client_id, action="hand_over", field=CLIENT_FIELD
        )
        store = (
            await session.execute(select(Store).where(Store.client_id == client.id))
        ).scalar_one_or_none()
        if store is None or store.launch_status != LaunchStatus.LIVE:
            raise refuse(
                CLIENT_FIELD,
                "The store must be live before the client is handed over.",
                ErrorCode.NOT_READY,
            )
        client.status = HANDOVER.move(client.status, ClientStatus.HANDED_OVER, CLIENT_FIELD)
        access = (
            await session.execute(
                select(PartnerAccess).where(
                    PartnerAccess.client_id == client.id,
                    PartnerAccess.status == AccessStatus.ACTIVE,
                )
            )
        ).scalar_one_or_none()
        if access is None:
            raise refuse(
                CLIENT_FIELD,
                "No partner works on this client to hand it over.",
                ErrorCode.NOT_READY,
            )
        if keep == KeepAccess.SUPPORT:
            access.scope = SUPPORT_SCOPE
        else:
            access.status = AccessStatus.ENDED
            access.ended_at = utcnow()
        await session.flush()
        pending = (
            await session.execute(
                select(ClientDocument)
                .where(
                    ClientDocument.client_id == client.id,
                    ClientDocument.visibility == Visibility.SHARED,
                    ClientDocument.acknowledged_at.is_(None),
                )
                .order_by(ClientDocument.id)
            )
        ).scalars()
        return Handover(client, list(pending))

    return await transact(ctx, work)
