"""Dataloaders of the client relationship (communication, support, documents), created with the
request's other loaders. Each batch is one statement carrying the viewer's policy filter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.enums import Visibility
from db.models import Client
from db.relationship import (
    ClientDocument,
    Communication,
    CommunicationRead,
    CommunicationRevision,
    SupportPlan,
    TimeEntry,
)
from policies import Authorizer, Viewer
from resolvers.shared_loader import SharedLoader, clear_loaders
from resolvers.support_usage import Usage, month_bounds, usage_stmt

Reading = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Batch = Callable[[list[Any]], Coroutine[Any, Any, list[Any]]]


class RelationshipLoaders:
    def __init__(self, viewer: Viewer, authz: Authorizer, reading: Reading) -> None:
        self._viewer = viewer
        self._authz = authz
        self._sessions = reading
        self.communication = SharedLoader(self._rows(Communication, Communication.id, many=False))
        self.revisions = SharedLoader(
            self._rows(CommunicationRevision, CommunicationRevision.communication_id, many=True)
        )
        self.current_plan = SharedLoader(
            self._rows(
                SupportPlan,
                SupportPlan.client_id,
                many=False,
                where=SupportPlan.superseded_at.is_(None),
            )
        )
        self.plan = SharedLoader(self._rows(SupportPlan, SupportPlan.id, many=False))
        # Per client: every plan, the latest to start first.
        self.plans = SharedLoader(
            self._rows(
                SupportPlan,
                SupportPlan.client_id,
                many=True,
                order=(SupportPlan.starts_on.desc(), SupportPlan.id.desc()),
            )
        )
        self.time_entry = SharedLoader(self._rows(TimeEntry, TimeEntry.id, many=False))
        self.document = SharedLoader(self._rows(ClientDocument, ClientDocument.id, many=False))
        self.unread_shared = SharedLoader(self._unread_shared)
        # Keyed by (client id, first day of the month).
        self.usage: DataLoader[tuple[int, date], Usage | None] = SharedLoader(self._usage)

    def release(self) -> None:
        """Empties its loaders at the end of the request (`Loaders.release`)."""
        clear_loaders(self)

    def _rows(
        self,
        model: type[Any],
        key: InstrumentedAttribute[Any],
        *,
        many: bool,
        where: ColumnElement[bool] | None = None,
        order: Sequence[ColumnElement[Any]] = (),
    ) -> Batch:
        policy = self._authz.filter(self._viewer, "read", model)

        async def load(keys: list[Any]) -> list[Any]:
            stmt = select(model).where(key.in_(keys), policy).order_by(*(order or (model.id,)))
            if where is not None:
                stmt = stmt.where(where)
            async with self._sessions() as session:
                rows = (await session.execute(stmt)).scalars().all()
            if many:
                groups: dict[Any, list[Any]] = defaultdict(list)
                for row in rows:
                    groups[getattr(row, key.key)].append(row)
                return [groups.get(k, []) for k in keys]
            by_key = {getattr(r, key.key): r for r in rows}
            return [by_key.get(k) for k in keys]

        return load

    async def _unread_shared(self, client_ids: list[int]) -> list[int]:
        """Per client: shared entries the viewer may read, written by someone else, after the
        viewer's read marker (all of them without one)."""
        marker = CommunicationRead
        stmt = (
            select(Communication.client_id, func.count())
            .outerjoin(
                marker,
                and_(
                    marker.client_id == Communication.client_id,
                    marker.user_id == self._viewer.user_id,
                ),
            )
            .where(
                Communication.client_id.in_(client_ids),
                Communication.visibility == Visibility.SHARED,
                Communication.author_user_id != self._viewer.user_id,
                Communication.id > func.coalesce(marker.last_read_id, 0),
                self._authz.filter(self._viewer, "read", Communication),
            )
            .group_by(Communication.client_id)
        )
        async with self._sessions() as session:
            found: dict[int, int] = dict((await session.execute(stmt)).all())
        return [int(found.get(k, 0)) for k in client_ids]

    async def _usage(self, keys: list[tuple[int, date]]) -> list[Usage | None]:
        """One statement per month asked about (a page of clients asks about one)."""
        readable = self._authz.filter(self._viewer, "read_support", Client)
        found: dict[tuple[int, date], Usage] = {}
        for month in sorted({m for _, m in keys}):
            start, _ = month_bounds(month)
            ids = [c for c, m in keys if m == month]
            async with self._sessions() as session:
                rows = (await session.execute(usage_stmt(ids, month, readable))).all()
            for client_id, included, used, remaining, overage in rows:
                found[(client_id, month)] = Usage(start, included, used, remaining, overage)
        return [found.get(k) for k in keys]
