"""Small helpers the test modules share: global ids, userErrors codes, the columns of a stored
row, and a DNS resolver that answers what a test tells it to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, event, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import AccessStatus
from db.models import Client, PartnerAccess
from resolvers.dns_check import DnsLookupError
from schema.relay import from_global_id, to_global_id


def gid(type_name: str, id_: int) -> str:
    """The opaque global id the API issues: base64 of "TypeName:id"."""
    return str(to_global_id(type_name, id_))


def db_id(global_id: str) -> int:
    """The database id behind a global id the API issued."""
    decoded = from_global_id(global_id)
    assert decoded is not None, global_id
    return decoded[1]


def error_codes(errors: list[dict[str, Any]]) -> list[tuple[list[str] | None, str]]:
    """(field, code) of each user error."""
    return [(e["field"], e["code"]) for e in errors]


def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    """(field, code) of each of a mutation payload's userErrors."""
    return error_codes(payload["userErrors"])


def columns(obj: Any) -> dict[str, Any]:
    """Every mapped column of a loaded ORM object, by attribute name (not the deferred SQL
    expressions the policy reads, such as an access's `live`)."""
    return {a.key: getattr(obj, a.key) for a in inspect(type(obj)).column_attrs if not a.deferred}


# Where FakeDns resolves a host name it was told nothing about: a public address.
PUBLIC_ADDRESS = "93.184.215.14"


@dataclass
class FakeDns:
    """A DNS resolver that answers what the test tells it to (no TXT records, and a public
    address for every host name, by default), can be made to fail, and remembers every name it
    was asked."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    # Host name -> its addresses (A and AAAA), for webhook URLs.
    hosts: dict[str, list[str]] = field(default_factory=dict)
    failure: str | None = None
    asked: list[str] = field(default_factory=list)

    async def txt_records(self, name: str) -> list[str]:
        self.asked.append(name)
        if self.failure is not None:
            raise DnsLookupError(self.failure)
        return list(self.answers.get(name, []))

    async def addresses(self, host: str, _port: int) -> list[str]:
        self.asked.append(host)
        if self.failure is not None:
            raise OSError(self.failure)
        return list(self.hosts.get(host, [PUBLIC_ADDRESS]))

    def reset(self) -> None:
        self.answers.clear()
        self.hosts.clear()
        self.failure = None
        self.asked.clear()


async def assert_current_partners_follow_accesses(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Every client with an active access names that access's partner as its current partner:
    the policy compares both when a partner's staff read a client (policies/authorization.polar
    "partner_book")."""
    async with sessions() as session:
        astray = await session.scalar(
            select(func.count())
            .select_from(PartnerAccess)
            .join(Client, Client.id == PartnerAccess.client_id)
            .where(
                PartnerAccess.status == AccessStatus.ACTIVE,
                Client.partner_id.is_distinct_from(PartnerAccess.partner_id),
            )
        )
    assert astray == 0


async def as_sent(
    session: AsyncSession, stmt: Executable, params: dict[str, Any]
) -> tuple[str, Any]:
    """Executes `stmt` and returns the SQL text and parameters the driver was given (to EXPLAIN
    what the database really runs)."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    bind = (await session.connection()).sync_connection
    assert bind is not None
    event.listen(bind, "before_cursor_execute", record)
    try:
        await session.execute(stmt, params)
    finally:
        event.remove(bind, "before_cursor_execute", record)
    return sent[0]
