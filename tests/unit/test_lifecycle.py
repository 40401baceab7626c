"""A client's status moves forward with the work and never back; churned and handed-over clients
are left alone."""

from __future__ import annotations

import pytest

from db.enums import ClientStatus
from db.models import Client
from resolvers.lifecycle import advance

LEAD, ONBOARDING, IMPLEMENTATION, LIVE = (
    ClientStatus.LEAD,
    ClientStatus.ONBOARDING,
    ClientStatus.IMPLEMENTATION,
    ClientStatus.LIVE,
)
FORWARD_STEPS = [LEAD, ONBOARDING, IMPLEMENTATION, LIVE]


def status_after(current: ClientStatus, to: ClientStatus) -> ClientStatus:
    client = Client(business_name="Café Rosé", status=current)
    advance(client, to)
    return client.status


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (LEAD, ONBOARDING),
        (LEAD, IMPLEMENTATION),
        (LEAD, LIVE),
        (ONBOARDING, IMPLEMENTATION),
        (ONBOARDING, LIVE),
        (IMPLEMENTATION, LIVE),
    ],
)
def test_work_moves_a_client_forward(current: ClientStatus, to: ClientStatus) -> None:
    assert status_after(current, to) == to


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (LIVE, IMPLEMENTATION),
        (LIVE, ONBOARDING),
        (IMPLEMENTATION, ONBOARDING),
        (IMPLEMENTATION, LEAD),
        (ONBOARDING, LEAD),
    ],
)
def test_work_never_moves_a_client_back(current: ClientStatus, to: ClientStatus) -> None:
    assert status_after(current, to) == current


@pytest.mark.parametrize("status", FORWARD_STEPS)
def test_the_same_status_is_kept(status: ClientStatus) -> None:
    assert status_after(status, status) == status


@pytest.mark.parametrize("current", [ClientStatus.CHURNED, ClientStatus.HANDED_OVER])
@pytest.mark.parametrize("to", FORWARD_STEPS)
def test_churned_and_handed_over_clients_are_untouched(
    current: ClientStatus, to: ClientStatus
) -> None:
    assert status_after(current, to) == current
