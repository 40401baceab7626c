"""Client lifecycle: lead -> onboarding -> implementation -> live. Work moves a client forward,
never back; churned and handed_over are set by their own flows."""

from __future__ import annotations

from db.enums import ClientStatus
from db.models import Client

FORWARD = (
    ClientStatus.LEAD,
    ClientStatus.ONBOARDING,
    ClientStatus.IMPLEMENTATION,
    ClientStatus.LIVE,
)


def advance(client: Client, to: ClientStatus) -> None:
    if client.status in FORWARD and FORWARD.index(client.status) < FORWARD.index(to):
        client.status = to
