"""Everything one request needs: who asks, the policy helpers, sessions, and fresh loaders."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from policies import Authorizer, Viewer
from resolvers.dns_check import DnsChecker, PublicDnsChecker
from resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class IdempotencyRequest:
    """The `Idempotency-Key` a request sent and the fingerprint of what it asked (its document,
    operation name and variables); resolvers/idempotency.py uses them."""

    key: str
    fingerprint: str


@dataclass
class Context:
    viewer: Viewer
    authz: Authorizer
    sessions: async_sessionmaker[AsyncSession]
    dns: DnsChecker = field(default_factory=PublicDnsChecker)
    # Tests only: webhook endpoints may be http and loopback or private (server.settings).
    webhooks_allow_private: bool = False
    # Names this request in logs and in the one thing an unexpected error tells the client.
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The caller asked for the operation's cost in `extensions.cost` (header ShopIQ-GraphQL-Cost).
    report_cost: bool = False
    # The GraphQL name of the mutation running now (mutations run one at a time), which the
    # audit trail records as the action; set by the schema around each mutation field.
    action: str | None = None
    # The request's `Idempotency-Key`, for the creating mutations that honour one.
    idempotency: IdempotencyRequest | None = None
    # Sessions for reads (no transaction of their own where the database allows); mutations use
    # `sessions`. Defaults to `sessions`.
    reads: async_sessionmaker[AsyncSession] | None = None
    # An open read session to start with (the one the viewer was loaded in).
    session: AsyncSession | None = None
    loaders: Loaders = field(init=False)
    _session: AsyncSession | None = field(default=None, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def __post_init__(self) -> None:
        # Built here, inside the running event loop, once per request.
        self.loaders = Loaders(self.viewer, self.authz, self.reading)
        self._session, self.session = self.session, None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """The request's one read session, lent to one task at a time: graphql-core resolves
        siblings and every loader batch concurrently, and an AsyncSession must never be used by
        two tasks at once. One session per request saves a pool checkout and a rollback per
        batch."""
        async with self._lock:
            if self._session is None:
                self._session = (self.reads or self.sessions)()
            session = self._session
            try:
                yield session
            except BaseException:
                # A statement that failed or was cancelled midway (graphql-core cancels the other
                # fields of a parent when one fails) can leave the session's connection unusable
                # until a rollback; the reads still to come get a fresh session instead.
                self._session = None
                await asyncio.shield(session.close())
                raise

    async def end(self) -> None:
        """The request is answered: close the read session and empty the loaders (what they
        loaded is freed at once: `Loaders.release`)."""
        await self.end_reading()
        self.loaders.release()

    async def end_reading(self) -> None:
        """Close the read session; the next read starts a fresh transaction (so reads after a
        mutation see what it committed, even on SQLite's snapshot isolation)."""
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None
