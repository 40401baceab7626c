"""The audit trail's data-separation matrix: for every demo user, on every path (each client's
`auditEvents`, each partner's `auditEvents`, `node(id:)` of every event), the events returned
and whether their values are hidden are exactly what an independent oracle (the rules written
out here over the demo's own description, not the policy) allows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent, AuditOperation
from db.demo import CLIENTS, USERS
from db.enums import MerchantRole, PartnerRole
from db.models import Client
from tests import oracle
from tests.conftest import GraphQL, World
from tests.helpers import db_id, gid

EMAILS = tuple(e for e in USERS if not oracle.is_refused(e))
PAGE = "auditEvents(first: 100) { totalCount nodes { id valuesHidden } }"
MAX_ALIASES = 30


@dataclass(frozen=True)
class Event:
    id: int
    partner: str | None  # slug
    client: str | None  # business name
    internal: bool


def may_read(email: str, event: Event, *, values: bool = False) -> bool:
    """Owners and admins of the event's partner; the merchant owner of its client (values only
    of what is not internal); platform staff."""
    if oracle.is_platform_staff(email):
        return True
    found = oracle.membership(email)
    if found is not None and event.partner is not None:
        slug, role = found
        if slug == event.partner and role in (PartnerRole.OWNER, PartnerRole.ADMIN):
            return True
    owned = {
        c.name
        for c in CLIENTS
        if any(m == email and r == MerchantRole.MERCHANT_OWNER for m, r in c.merchants)
    }
    return event.client in owned and not (values and event.internal)


@pytest.fixture
async def events(world: World, sessions: async_sessionmaker[AsyncSession]) -> list[Event]:
    """The demo's trail plus an internal and a shared event on every client, and one of each
    partner alone."""
    async with sessions() as session:
        partner_of = dict((await session.execute(select(Client.id, Client.partner_id))).all())
    rows = [
        {"partner_id": partner_of[client_id], "client_id": client_id, "internal": internal}
        for client_id in world.clients.values()
        for internal in (True, False)
    ] + [{"partner_id": p, "client_id": None, "internal": False} for p in world.partners.values()]
    base = {
        "action": "updateTask",
        "operation": AuditOperation.UPDATE,
        "target_type": "Task",
        "target_id": 1,
        "changes": {"title": {"before": "a", "after": "b"}},
        "request_id": "matrix",
    }
    async with sessions.begin() as session:
        await session.execute(insert(AuditEvent), [{**base, **row} for row in rows])
    slugs = {id_: slug for slug, id_ in world.partners.items()}
    names = {id_: name for name, id_ in world.clients.items()}
    async with sessions() as session:
        stored = (await session.execute(select(AuditEvent))).scalars().all()
        return [
            Event(
                e.id,
                slugs.get(e.partner_id) if e.partner_id else None,
                names.get(e.client_id) if e.client_id else None,
                e.internal,
            )
            for e in stored
        ]


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), MAX_ALIASES):
        yield values[start : start + MAX_ALIASES]


async def aliased(gql: GraphQL, email: str, field: str, ids: Sequence[str]) -> list[Any]:
    """`field` with each id in place of `$id`, answers in order."""
    answers: list[Any] = []
    for chunk in chunks(ids):
        parts = [f"a{i}: {field.replace('$id', id_)}" for i, id_ in enumerate(chunk)]
        body = await gql(email, "{ " + " ".join(parts) + " }")
        assert "errors" not in body, body
        answers += [body["data"][f"a{i}"] for i in range(len(chunk))]
    return answers


def seen(connection: dict[str, Any]) -> dict[int, bool]:
    nodes = connection["nodes"]
    assert connection["totalCount"] == len(nodes)
    return {db_id(n["id"]): n["valuesHidden"] for n in nodes}


def expected(email: str, events: list[Event], **where: Any) -> dict[int, bool]:
    return {
        e.id: not may_read(email, e, values=True)
        for e in events
        if may_read(email, e) and all(getattr(e, k) == v for k, v in where.items())
    }


@pytest.mark.parametrize("email", EMAILS)
async def test_every_trail_path_answers_what_the_oracle_allows(
    gql: GraphQL, world: World, events: list[Event], email: str
) -> None:
    assert len(events) > 2 * len(world.clients)
    names = list(world.clients)
    clients = await aliased(
        gql,
        email,
        'client(id: "$id") { ' + PAGE + " }",
        [gid("Client", world.clients[n]) for n in names],
    )
    for name, got in zip(names, clients, strict=True):
        if not oracle.reads_client(email, oracle.client_spec(name)):
            assert got is None, name
            continue
        assert seen(got["auditEvents"]) == expected(email, events, client=name), name

    slugs = list(world.partners)
    partners = await aliased(
        gql,
        email,
        'partner(id: "$id") { ' + PAGE + " }",
        [gid("Partner", world.partners[s]) for s in slugs],
    )
    for slug, got in zip(slugs, partners, strict=True):
        if not oracle.reads_partner(email, slug):
            assert got is None, slug
            continue
        assert seen(got["auditEvents"]) == expected(email, events, partner=slug), slug

    nodes = await aliased(
        gql,
        email,
        'node(id: "$id") { id ... on AuditEvent { valuesHidden } }',
        [gid("AuditEvent", e.id) for e in events] + [gid("AuditEvent", 999_999)],
    )
    found = {db_id(n["id"]): n["valuesHidden"] for n in nodes if n is not None}
    assert found == expected(email, events)
