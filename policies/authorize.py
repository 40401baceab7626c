"""The helpers every resolver calls. Lists AND `filter(...)`; a single object is the same
filter AND `id = :id`, so a foreign id and a never-issued id take one path and get one answer."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Literal, TypeVar

from oso import Oso
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.oso_setup import build_oso
from policies.viewer import Viewer

Action = Literal[
    "read",
    "read_members",
    "onboard_client",
    "manage_team",
    "manage_owners",
    "manage_templates",
    "manage_tasks",
    "update_store",
    "launch",
    "assign",
    "update",
    "complete",
    "delete",
    "remove",
    "change_role",
    "accept",
    "manage",
    "list",
    "register",
    "read_values",
    "decide",
    "revoke",
    "manage_merchants",
    "create_access_code",
    # The client relationship (policies/relationship.polar).
    "read_support",
    "communicate",
    "log_time",
    "manage_documents",
    "manage_support",
    "hand_over",
    "acknowledge",
    "manage_billing",
    "ingest",
    "approve",
    "read_profitability",
    # Saved reports (policies/reports.polar).
    "save_reports",
    # Partner webhooks (policies/webhooks.polar).
    "manage_webhooks",
    "redeliver",
]
M = TypeVar("M")

_CACHE_SIZE = 4096


class Authorizer:
    def __init__(self, oso: Oso) -> None:
        self._oso = oso
        # Building a filter costs ~1 ms of Polar time; viewers with equal grants share it.
        self._cache: OrderedDict[tuple[object, ...], ColumnElement[bool]] = OrderedDict()

    def filter(self, viewer: Viewer, action: Action, model: type[Any]) -> ColumnElement[bool]:
        key = (viewer.grants_key, action, model)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        predicate: ColumnElement[bool] = self._oso.authorized_query(viewer, action, model)
        self._cache[key] = predicate
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return predicate

    def allowed(self, viewer: Viewer, action: Action, obj: object) -> bool:
        """May the viewer `action` this object, which need not be stored yet (e.g. a new
        document to register)? For objects without relations only: Oso would evaluate a relation
        by calling the adapter, which never executes (see DESIGN: check stored rows through
        `one_with_permission`)."""
        return bool(self._oso.is_allowed(viewer, action, obj))

    def readable(self, viewer: Viewer, model: type[M]) -> Select[M]:
        return select(model).where(self.filter(viewer, "read", model))

    async def one(
        self, session: AsyncSession, viewer: Viewer, model: type[M], id_: int
    ) -> M | None:
        """The object if the viewer may read it, else None (whether foreign or missing)."""
        stmt = self.readable(viewer, model).where(model.id == id_)  # type: ignore[attr-defined]  # every model has an integer `id`
        return (await session.execute(stmt)).scalar_one_or_none()

    async def one_with_permission(
        self, session: AsyncSession, viewer: Viewer, model: type[M], id_: int, *, action: Action
    ) -> tuple[M | None, bool]:
        """(object, may `action` it) in one statement; (None, False) when not readable."""
        allowed = self.filter(viewer, action, model).label("allowed")
        row_id = model.id  # type: ignore[attr-defined]  # every model has an integer `id`
        stmt = select(model, allowed).where(self.filter(viewer, "read", model), row_id == id_)
        row = (await session.execute(stmt)).one_or_none()
        if row is None:
            return None, False
        return row[0], bool(row[1])


def build_authorizer() -> Authorizer:
    return Authorizer(build_oso())
