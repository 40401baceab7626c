"""The audit trail's capture: while a session is capturing (`start`), every row its flushes
insert, update or delete, and every row a bulk INSERT/UPDATE/DELETE statement run through it
touches, is remembered with its before/after values; `finish` writes one AuditEvent per row in
the same transaction. Services never call it: the mutation frame does, so any new table and
mutation is covered as it is written.

What counts: mapped columns, except timestamps and version counters. Columns marked
`mapped_column(..., info={"secret": True})` are stored as SECRET_MARKER, never their value.
A row whose `visibility` is "internal" or whose `client_visible` is false, before or after the
change, makes the event internal. The tenants come from the row: its own `client_id` and
`partner_id`, or the Client or Partner row itself; a row of a client without a partner column
gets the client's current partner, and a row without either takes the tenants of the other rows
of the same mutation when they all name one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, ORMExecuteState, Session
from sqlalchemy.orm.state import InstanceState

from db import events as domain_events
from db.audit import SECRET_MARKER, AuditEvent, AuditOperation
from db.base import utcnow
from db.models import Client, Partner

__all__ = ["TARGET_TYPES", "finish", "record", "register_target_type", "start"]

_KEY = "audit_capture"
# Columns whose change is bookkeeping, not a change of the object.
BOOKKEEPING = frozenset({"created_at", "updated_at"})
# Model -> GraphQL type name of its objects; a model not named here is its class name.
TARGET_TYPES: dict[type[Any], str] = {}


def register_target_type(model: type[Any], type_name: str) -> None:
    TARGET_TYPES[model] = type_name


@dataclass(slots=True)
class _Change:
    model: type[Any]
    row_id: int
    operation: AuditOperation
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    partner_id: int | None = None
    client_id: int | None = None
    internal: bool = False


@dataclass(slots=True)
class _Capture:
    actor_user_id: int | None
    actor_service: str | None
    action: str
    request_id: str
    changes: dict[tuple[type[Any], int], _Change] = field(default_factory=dict)

    def add(self, change: _Change) -> None:
        key = (change.model, change.row_id)
        seen = self.changes.get(key)
        if seen is None:
            self.changes[key] = change
            return
        if change.operation == AuditOperation.DELETE and seen.operation == AuditOperation.CREATE:
            del self.changes[key]  # created and deleted by the same mutation: nothing remains
            return
        # A later flush of the same row: the first before and the last after count.
        for name, value in change.before.items():
            seen.before.setdefault(name, value)
        seen.after.update(change.after)
        if change.operation == AuditOperation.DELETE:
            seen.operation = AuditOperation.DELETE
            seen.after = {}
        seen.internal = seen.internal or change.internal
        seen.partner_id = change.partner_id if change.partner_id is not None else seen.partner_id
        seen.client_id = change.client_id if change.client_id is not None else seen.client_id


def start(
    session: AsyncSession | Session,
    *,
    actor_user_id: int | None,
    action: str,
    request_id: str,
    actor_service: str | None = None,
) -> None:
    """From now on, the session's changes are captured for `action` by that actor."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info[_KEY] = _Capture(actor_user_id, actor_service, action, request_id)


def record(
    session: AsyncSession,
    obj: Any,
    operation: AuditOperation,
    before: dict[str, Any] | None = None,
) -> None:
    """Records a stored row as created, deleted, or (with `before`: attribute -> earlier value)
    updated to what it holds now, for rows written outside a mutation (the demo seed)."""
    capture: _Capture = session.sync_session.info[_KEY]
    state: InstanceState[Any] = inspect(obj)
    whole = dict(state.dict)
    if operation == AuditOperation.UPDATE:
        old = dict(before or {})
        change = _change(state.mapper, operation, old, {k: whole.get(k) for k in old}, whole)
    elif operation == AuditOperation.CREATE:
        change = _change(state.mapper, operation, {}, whole, whole)
    else:
        change = _change(state.mapper, operation, whole, {}, whole)
    _add(capture, change)


async def finish(session: AsyncSession, at: datetime | None = None) -> int:
    """Flushes what is pending, writes one event per changed row (at `at`, default now) and the
    domain events of the changes to the outbox (db/events.py), and stops capturing. The number
    of audit events written."""
    await session.flush()
    capture: _Capture | None = session.sync_session.info.pop(_KEY, None)
    if capture is None:
        return 0
    changes = [c for c in capture.changes.values() if c.before != c.after or _is_new_or_gone(c)]
    if not changes:
        return 0
    await _fill_partners(session, changes)
    _inherit_tenants(changes)
    now = at or utcnow()
    rows = [
        {
            "occurred_at": now,
            "actor_user_id": capture.actor_user_id,
            "actor_service": capture.actor_service,
            "partner_id": c.partner_id,
            "client_id": c.client_id,
            "action": capture.action,
            "operation": c.operation,
            "target_type": TARGET_TYPES.get(c.model, c.model.__name__),
            "target_id": c.row_id,
            "changes": _diff(c),
            "internal": c.internal,
            "request_id": capture.request_id,
        }
        for c in changes
    ]
    await session.execute(insert(AuditEvent), rows)
    await _record_domain_events(session, capture, changes, now)
    return len(rows)


async def _record_domain_events(
    session: AsyncSession, capture: _Capture, changes: list[_Change], at: datetime
) -> None:
    changed = [
        domain_events.Changed(
            model=c.model.__name__,
            subject_type=TARGET_TYPES.get(c.model, c.model.__name__),
            row_id=c.row_id,
            operation=c.operation,
            after=dict(c.after),
            partner_id=c.partner_id,
            client_id=c.client_id,
            internal=c.internal,
        )
        for c in changes
    ]
    found = domain_events.derive(capture.action, changed)
    if found:
        outbox = domain_events.rows(
            found, action=capture.action, request_id=capture.request_id, at=at
        )
        await session.execute(insert(domain_events.OutboxEvent), outbox)


def _is_new_or_gone(change: _Change) -> bool:
    return change.operation != AuditOperation.UPDATE


def _diff(change: _Change) -> dict[str, Any]:
    names = sorted(set(change.before) | set(change.after))
    found: dict[str, Any] = {}
    for name in names:
        before, after = change.before.get(name), change.after.get(name)
        if before == after:  # unchanged, or empty in a created or deleted row
            continue
        found[name] = {"before": before, "after": after}
    return found


async def _fill_partners(session: AsyncSession, changes: list[_Change]) -> None:
    """A client's row without a partner of its own concerns the client's current partner."""
    client_ids = {c.client_id for c in changes if c.partner_id is None and c.client_id}
    if not client_ids:
        return
    stmt = select(Client.id, Client.partner_id).where(Client.id.in_(client_ids))
    partners: dict[int, int | None] = {r[0]: r[1] for r in await session.execute(stmt)}
    for change in changes:
        if change.partner_id is None and change.client_id is not None:
            change.partner_id = partners.get(change.client_id)


def _inherit_tenants(changes: list[_Change]) -> None:
    """Rows with no tenant of their own (a user invited, say) concern the tenants of the rest of
    the mutation, when those name one partner and one client at most."""
    partners = {c.partner_id for c in changes if c.partner_id is not None}
    clients = {c.client_id for c in changes if c.client_id is not None}
    for change in changes:
        if change.partner_id is None and change.client_id is None:
            change.partner_id = next(iter(partners)) if len(partners) == 1 else None
            change.client_id = next(iter(clients)) if len(clients) == 1 else None


# --- Reading rows --------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _counted(mapper: Mapper[Any]) -> dict[str, Any]:
    """Attribute key -> column, for the columns whose changes count."""
    version = mapper.version_id_col
    counted: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key in BOOKKEEPING or (version is not None and column is version):
            continue
        counted[attr.key] = column
    return counted


def _value(column: Any, value: Any) -> Any:
    if column.info.get("secret") and value is not None:
        return SECRET_MARKER
    return _json(value)


def _values(mapper: Mapper[Any], raw: dict[str, Any]) -> dict[str, Any]:
    """The counted values of the row; the id is the target's own, not a change."""
    primary = set(mapper.primary_key)
    return {
        key: _value(col, raw[key])
        for key, col in _counted(mapper).items()
        if key in raw and col not in primary
    }


def _is_internal(raw: dict[str, Any]) -> bool:
    visibility = raw.get("visibility")
    return (visibility is not None and _json(visibility) == "internal") or (
        raw.get("client_visible") is False
    )


def _tenants(model: type[Any], raw: dict[str, Any]) -> tuple[int | None, int | None]:
    """(partner_id, client_id) the row concerns."""
    if issubclass(model, Client):
        return raw.get("partner_id"), raw.get("id")
    if issubclass(model, Partner):
        return raw.get("id"), None
    return raw.get("partner_id"), raw.get("client_id")


def _row_id(mapper: Mapper[Any], raw: dict[str, Any]) -> int | None:
    keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    value = raw.get(keys[0]) if len(keys) == 1 else None
    return value if isinstance(value, int) else None


def _change(
    mapper: Mapper[Any],
    operation: AuditOperation,
    before_raw: dict[str, Any],
    after_raw: dict[str, Any],
    whole: dict[str, Any],
) -> _Change | None:
    """`whole`: every loaded value of the row (after the change, or before a delete)."""
    row_id = _row_id(mapper, whole)
    if row_id is None:
        return None
    partner_id, client_id = _tenants(mapper.class_, whole)
    if partner_id is None and client_id is None and before_raw:
        partner_id, client_id = _tenants(mapper.class_, {**whole, **before_raw})
    return _Change(
        model=mapper.class_,
        row_id=row_id,
        operation=operation,
        before=_values(mapper, before_raw),
        after=_values(mapper, after_raw),
        partner_id=partner_id,
        client_id=client_id,
        internal=_is_internal(whole) or _is_internal({**whole, **before_raw}),
    )


def _of_state(state: InstanceState[Any], operation: AuditOperation) -> _Change | None:
    mapper = state.mapper
    whole = dict(state.dict)
    if operation == AuditOperation.CREATE:
        return _change(mapper, operation, {}, whole, whole)
    if operation == AuditOperation.DELETE:
        return _change(mapper, operation, whole, {}, whole)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _counted(mapper):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before[key] = history.deleted[0] if history.deleted else None
        after[key] = history.added[0] if history.added else None
    if not after and not before:
        return None
    return _change(mapper, operation, before, after, whole)


# --- The listeners ---------------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # The session still shows its pre-flush lists and attribute histories here, and new rows
    # have their ids.
    capture: _Capture | None = session.info.get(_KEY)
    if capture is None:
        return
    for objects, operation in (
        (session.new, AuditOperation.CREATE),
        (session.dirty, AuditOperation.UPDATE),
        (session.deleted, AuditOperation.DELETE),
    ):
        for obj in objects:
            if isinstance(obj, AuditEvent | domain_events.OutboxEvent):
                continue
            change = _of_state(inspect(obj), operation)
            if change is not None:
                capture.add(change)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> Any:
    """A bulk INSERT, UPDATE or DELETE on a model, run through the session: the rows it touches
    are read before (update, delete) and after (insert, update) it runs."""
    capture: _Capture | None = state.session.info.get(_KEY)
    if capture is None or not (state.is_insert or state.is_update or state.is_delete):
        return None
    entity = state.statement.entity_description.get("entity")  # type: ignore[attr-defined]  # DML statements describe their entity
    if entity is None or entity in (AuditEvent, domain_events.OutboxEvent):
        return None
    if not isinstance(entity, type):
        return None
    mapper: Mapper[Any] = inspect(entity)
    table = mapper.local_table
    (pk,) = mapper.primary_key
    conn = state.session.connection()
    keys = {col: mapper.get_property_by_column(col).key for col in table.columns}

    def rows(where: Any) -> dict[int, dict[str, Any]]:
        found = conn.execute(select(*table.columns).where(where)).mappings().all()
        return {r[pk.name]: {keys[c]: r[c.name] for c in table.columns} for r in found}

    if state.is_insert:
        # The ids of the new rows come back with the statement (its pk added to RETURNING).
        stmt = state.statement
        names = {d["name"] for d in stmt.returning_column_descriptions}  # type: ignore[attr-defined]  # an INSERT
        if pk.name not in names:
            stmt = stmt.returning(pk)  # type: ignore[attr-defined]  # an INSERT
        frozen = state.invoke_statement(statement=stmt).freeze()
        ids = [r._mapping[pk.name] for r in frozen().all()]
        for row in rows(pk.in_(ids)).values() if ids else ():
            _add(capture, _change(mapper, AuditOperation.CREATE, {}, row, row))
        return frozen()

    where = state.statement.whereclause  # type: ignore[attr-defined]  # UPDATE and DELETE have one
    before = rows(where if where is not None else pk.is_not(None))
    result = state.invoke_statement()
    if state.is_delete:
        for row in before.values():
            _add(capture, _change(mapper, AuditOperation.DELETE, row, {}, row))
        return result
    after = rows(pk.in_(list(before))) if before else {}
    for row_id, old in before.items():
        new = after.get(row_id, old)
        changed = [k for k in _counted(mapper) if old.get(k) != new.get(k)]
        if changed:
            _add(
                capture,
                _change(
                    mapper,
                    AuditOperation.UPDATE,
                    {k: old.get(k) for k in changed},
                    {k: new.get(k) for k in changed},
                    new,
                ),
            )
    return result


def _add(capture: _Capture, change: _Change | None) -> None:
    if change is not None:
        capture.add(change)
