"""Per-request dataloaders. Each batch is one SQL statement that carries the policy filter for the
viewer, and runs in its own short session: batches are concurrent tasks and an AsyncSession must
never be shared between tasks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.audit import AuditEvent
from db.enums import TaskStatus
from db.models import (
    Assignment,
    Client,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    Task,
    User,
    WorkflowTemplate,
    WorkflowTemplateItem,
)
from db.money import InvoiceLine
from policies import Authorizer, Viewer
from policies.authorize import Action
from resolvers.batch_keys import BATCH, KEYS, in_keys
from resolvers.nested_pages import NestedPages
from resolvers.readiness import open_blocking_tasks_stmt
from resolvers.relationship_loaders import RelationshipLoaders
from resolvers.shared_loader import SharedLoader, clear_loaders
from resolvers.statement_cache import StatementCache
from resolvers.webhook_loaders import WebhookLoaders

Arrange = Callable[[Sequence[Any], Sequence[Any]], list[Any]]
Reading = Callable[[], AbstractAsyncContextManager[AsyncSession]]

# The batch statements, built once per policy predicate (resolvers/statement_cache.py): a batch
# binds its keys to a statement whose cache key SQLAlchemy has already derived.
_OPEN_BLOCKING_COUNTS = StatementCache(lambda policy: open_blocking_tasks_stmt(BATCH).where(policy))
_BY_KEY: dict[tuple[type[Any], str], StatementCache] = {}
_PERMITTED: dict[type[Any], StatementCache] = {}


@dataclass(frozen=True, slots=True)
class OpenTasks:
    """A client's open tasks that the viewer may see: how many, and the one due soonest."""

    count: int
    next_due: Task | None


NO_OPEN_TASKS = OpenTasks(0, None)


def _open_tasks_stmt(policy: ColumnElement[bool]) -> Select[Any]:
    """Per client, its first open task (due soonest; undated ones last) with the number of open
    tasks beside it: the count and the next due task of a page's clients in one statement."""
    soonest = (Task.due_date.is_(None), Task.due_date, Task.id)
    ranked = (
        select(
            Task.id,
            func.row_number().over(partition_by=Task.client_id, order_by=soonest).label("rank"),
            func.count().over(partition_by=Task.client_id).label("open_tasks"),
        )
        .where(in_keys(Task.client_id, BATCH), Task.status != TaskStatus.DONE, policy)
        .subquery()
    )
    return (
        select(Task, ranked.c.open_tasks)
        .join(ranked, ranked.c.id == Task.id)
        .where(ranked.c.rank == 1)
    )


_OPEN_TASKS = StatementCache(_open_tasks_stmt)


def _rows_by_key(model: type[Any], key: InstrumentedAttribute[Any]) -> StatementCache:
    cache = _BY_KEY.get((model, key.key))
    if cache is None:

        def build(policy: ColumnElement[bool]) -> Select[Any]:
            return select(model).where(in_keys(key, BATCH), policy).order_by(model.id)

        cache = _BY_KEY.setdefault((model, key.key), StatementCache(build))
    return cache


def _permitted_ids(model: type[Any]) -> StatementCache:
    cache = _PERMITTED.get(model)
    if cache is None:

        def build(policy: ColumnElement[bool]) -> Select[Any]:
            return select(model.id).where(in_keys(model.id, BATCH), policy)

        cache = _PERMITTED.setdefault(model, StatementCache(build))
    return cache


_UNFILTERED: dict[tuple[type[Any], str], Select[Any]] = {}


def _unfiltered(model: type[Any], key: InstrumentedAttribute[Any]) -> Select[Any]:
    stmt = _UNFILTERED.get((model, key.key))
    if stmt is None:
        stmt = select(model).where(in_keys(key, BATCH)).order_by(model.id)
        _UNFILTERED[(model, key.key)] = stmt
    return stmt


class Loaders:
    def __init__(self, viewer: Viewer, authz: Authorizer, reading: Reading) -> None:
        self._viewer = viewer
        self._authz = authz
        self._sessions = reading
        self.client = self._one(Client, Client.id)
        self.partner = self._one(Partner, Partner.id)
        self.member = self._one(PartnerMember, PartnerMember.id)
        self.store_by_client = self._one(Store, Store.client_id)
        self.assignments_by_client = self._many(Assignment, Assignment.client_id)
        # The roster: "list", not "read" (an invitee may read their own row, not the team).
        self.members_by_partner = self._many(PartnerMember, PartnerMember.partner_id, action="list")
        # Users hold no tenant data of their own and are only reached through a member, an
        # assignment or the viewer itself, each of which the policy has already let through.
        self.user: SharedLoader[int, User] = SharedLoader(
            self._batch(User, User.id, None, _one_per_key(User.id))
        )
        self.task = self._one(Task, Task.id)
        self.partner_access = self._one(PartnerAccess, PartnerAccess.id)
        self.template = self._one(WorkflowTemplate, WorkflowTemplate.id)
        self.template_items = self._many(WorkflowTemplateItem, WorkflowTemplateItem.template_id)
        self.invoice_lines = self._many(InvoiceLine, InvoiceLine.invoice_id)
        self.open_tasks = SharedLoader(self._open_tasks)
        self.open_blocking_count = SharedLoader(self._count_open_blocking)
        # Per audit event: may the viewer see its before/after values?
        self.audit_values = self._permitted(AuditEvent, "read_values")
        # Communication, support and documents (resolvers/relationship_loaders.py).
        self.relationship = RelationshipLoaders(viewer, authz, reading)
        # Webhook endpoints and deliveries (resolvers/webhook_loaders.py).
        self.webhooks = WebhookLoaders(viewer, authz, reading)
        # Nested connections: one statement per list level however many parents it has.
        self.pages = NestedPages(reading)

    def release(self) -> None:
        """Empties every loader of the request once it is answered. The loaders refer back to the
        context (their batches read through its `reading`) and to themselves (bound methods), so
        what they loaded, pages of tasks say, sat in a reference cycle until the cyclic garbage
        collector's next pass, which then took tens of milliseconds in the middle of a later
        request. Emptied, the rows are freed at once."""
        clear_loaders(self)
        self.relationship.release()
        self.webhooks.release()
        self.pages.release()

    async def _counts(self, stmt: Select[Any], keys: list[int]) -> list[int]:
        async with self._sessions() as session:
            found = dict((await session.execute(stmt, {KEYS: keys})).all())
        return [int(found.get(k, 0)) for k in keys]

    async def _count_open_blocking(self, client_ids: list[int]) -> list[int]:
        policy = self._authz.filter(self._viewer, "read", Client)
        return await self._counts(_OPEN_BLOCKING_COUNTS(policy), client_ids)

    async def _open_tasks(self, client_ids: list[int]) -> list[OpenTasks]:
        """Open tasks the viewer can see (a merchant: only the shared ones), per client."""
        stmt = _OPEN_TASKS(self._authz.filter(self._viewer, "read", Task))
        async with self._sessions() as session:
            rows = (await session.execute(stmt, {KEYS: client_ids})).all()
        found = {
            task.client_id: OpenTasks(int(count), task if task.due_date is not None else None)
            for task, count in rows
        }
        return [found.get(k, NO_OPEN_TASKS) for k in client_ids]

    def _permitted(self, model: type[Any], action: Action) -> SharedLoader[int, bool]:
        """Per id: does the viewer hold `action` on that row? One statement per batch."""
        stmt = _permitted_ids(model)(self._authz.filter(self._viewer, action, model))

        async def load(ids: list[int]) -> list[bool]:
            async with self._sessions() as session:
                allowed = set((await session.execute(stmt, {KEYS: ids})).scalars())
            return [i in allowed for i in ids]

        return SharedLoader(load)

    def _one(self, model: type[Any], key: InstrumentedAttribute[Any]) -> SharedLoader[Any, Any]:
        policy = self._authz.filter(self._viewer, "read", model)
        return SharedLoader(self._batch(model, key, policy, _one_per_key(key)))

    def _many(
        self, model: type[Any], key: InstrumentedAttribute[Any], action: Action = "read"
    ) -> SharedLoader[Any, Any]:
        policy = self._authz.filter(self._viewer, action, model)
        return SharedLoader(self._batch(model, key, policy, _many_per_key(key)))

    def _batch(
        self,
        model: type[Any],
        key: InstrumentedAttribute[Any],
        policy: ColumnElement[bool] | None,
        arrange: Arrange,
    ) -> Callable[[list[Any]], Coroutine[Any, Any, list[Any]]]:
        stmt = _unfiltered(model, key) if policy is None else _rows_by_key(model, key)(policy)

        async def load(keys: list[Any]) -> list[Any]:
            async with self._sessions() as session:
                rows = (await session.execute(stmt, {KEYS: keys})).scalars().all()
            return arrange(rows, keys)

        return load


def _one_per_key(key: InstrumentedAttribute[Any]) -> Arrange:
    def arrange(rows: Sequence[Any], keys: Sequence[Any]) -> list[Any]:
        by_key = {getattr(r, key.key): r for r in rows}
        return [by_key.get(k) for k in keys]

    return arrange


def _many_per_key(key: InstrumentedAttribute[Any]) -> Arrange:
    def arrange(rows: Sequence[Any], keys: Sequence[Any]) -> list[Any]:
        groups: dict[Any, list[Any]] = defaultdict(list)
        for row in rows:
            groups[getattr(row, key.key)].append(row)
        return [groups.get(k, []) for k in keys]

    return arrange
