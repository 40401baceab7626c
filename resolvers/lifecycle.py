"""Client lifecycle: lead -> onboarding -> implementation -> live (transitions.LIFECYCLE). Work
moves a client forward, never back; churned and handed_over are set by their own flows."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import ClientStatus
from db.models import Client
from resolvers.transitions import LIFECYCLE


def advance(client: Client, to: ClientStatus) -> None:
    """Move the client forward to `to`; a client already there, further on, or out of the
    forward path stays as it is."""
    if LIFECYCLE.allows(client.status, to):
        client.status = to


async def progress(session: AsyncSession, client_id: int) -> None:
    """Working on a client's store or tasks means the client is in implementation."""
    client = await session.get(Client, client_id)
    if client is not None:
        advance(client, ClientStatus.IMPLEMENTATION)
