"""Every mutation of the schema, walked for its domain events (db/events.py): run as someone it
refuses, it records no event at all; run as someone it serves, it records the events the
catalogue names for it, in the outbox, in its own transaction. The samples and ids are the audit
walk's (tests/test_audit_walk.py)."""

from __future__ import annotations

import json
from string import Template
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import SECRET_MARKER
from db.events import BY_MUTATION, BY_ROW, QUIET, OutboxEvent
from server.tokens import issue_service_token
from tests.conftest import TEST_SECRET, GraphQL, World
from tests.test_audit_walk import MUTATIONS, SAMPLES, refs

WALKED = sorted(set(SAMPLES) & set(MUTATIONS))


def test_every_mutation_is_in_the_event_catalogue() -> None:
    missing = sorted(set(MUTATIONS) - set(BY_MUTATION) - QUIET)
    assert not missing, f"add to db.events.BY_MUTATION (or QUIET): {', '.join(missing)}"
    assert not set(BY_MUTATION) & QUIET
    assert sorted((set(BY_MUTATION) | QUIET) - set(MUTATIONS)) == []  # no line for a gone one


async def outbox_after(
    sessions: async_sessionmaker[AsyncSession], last_id: int
) -> list[OutboxEvent]:
    async with sessions() as session:
        found = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.id > last_id).order_by(OutboxEvent.id)
        )
        return list(found)


async def last_outbox_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.max(OutboxEvent.id)))).scalar() or 0)


@pytest.mark.parametrize("name", WALKED)
async def test_a_mutation_records_its_events_and_none_when_refused(
    name: str,
    dns_gql: GraphQL,
    dns_http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    call = SAMPLES[name]
    ids = await refs(sessions, world)
    if call.setup is not None:
        await call.setup(dns_gql, ids)
    if call.seed is not None:
        await call.seed(sessions, ids)
    document = (
        f"mutation {{ {name}(input: {{ {Template(call.input).substitute(ids)} }}) "
        "{ userErrors { field code message } } }"
    )

    before = await last_outbox_id(sessions)
    refused: dict[str, Any] = await dns_gql(call.refused_by, document)
    assert refused["data"][name]["userErrors"], f"{call.refused_by} was not refused"
    assert await outbox_after(sessions, before) == [], "a refused mutation recorded events"

    if call.service is None:
        done: dict[str, Any] = await dns_gql(call.viewer, document)
    else:
        token = issue_service_token(TEST_SECRET, call.service, 600)
        response = await dns_http.post(
            "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        done = response.json()
    assert "errors" not in done, done
    assert done["data"][name]["userErrors"] == []
    recorded = await outbox_after(sessions, before)
    if name in QUIET:
        assert recorded == []
        return
    expected = {t for _, t in BY_MUTATION[name]}
    assert expected <= {e.event_type for e in recorded}, f"{name} recorded {recorded}"
    allowed = expected | set(BY_ROW.values())
    for event in recorded:
        assert event.event_type in allowed
        assert event.action == name
        assert event.request_id
        assert event.payload["object"] == {"type": event.subject_type, "id": event.subject_id}
        assert SECRET_MARKER not in json.dumps(event.payload)
    # Trusted documents and the program's tier terms concern every tenant, so no single one.
    if name not in {"registerDocument", "setCommissionTerms"}:
        assert all(e.partner_id is not None or e.client_id is not None for e in recorded)
