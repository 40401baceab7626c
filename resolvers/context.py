"""Everything one request needs: who asks, the policy helpers, sessions, and fresh loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from policies import Authorizer, Viewer
from resolvers.dns_check import DnsChecker, PublicDnsChecker
from resolvers.loaders import Loaders


@dataclass
class Context:
    viewer: Viewer
    authz: Authorizer
    sessions: async_sessionmaker[AsyncSession]
    dns: DnsChecker = field(default_factory=PublicDnsChecker)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # Built here, inside the running event loop, once per request.
        self.loaders = Loaders(self.viewer, self.authz, self.sessions)
