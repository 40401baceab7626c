"""Reading the audit trail: a partner's or a client's events, newest first, filtered by the
policy (policies/audit.polar) and by what the caller asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select

from db.audit import AuditEvent
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, SortKey

__all__ = ["AUDIT_ORDER", "AuditFilter", "audit_page", "get_audit_event"]

MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_user_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def _negated_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_ID <= value <= 0:
        raise ValueError("not a cursor of this list")
    return value


# Newest first: events are numbered as they are written, so a descending id is the order they
# happened in (and a keyset cursor on one unique key).
AUDIT_ORDER = (SortKey(-AuditEvent.id, lambda row: -row.id, _negated_id),)


def _filtered(stmt: Select[Any], flt: AuditFilter | None) -> Select[Any]:
    if flt is None:
        return stmt
    if flt.actor_user_id is not None:
        stmt = stmt.where(AuditEvent.actor_user_id == flt.actor_user_id)
    if flt.action:
        stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.target_type:
        stmt = stmt.where(AuditEvent.target_type == flt.target_type)
    if flt.target_id is not None:
        stmt = stmt.where(AuditEvent.target_id == flt.target_id)
    if flt.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < flt.until)
    return stmt


async def audit_page(
    ctx: Context,
    args: PageArgs,
    flt: AuditFilter | None,
    *,
    partner_id: int | None = None,
    client_id: int | None = None,
) -> Page[AuditEvent]:
    """The events of the partner or the client (exactly one of them) that the viewer may read;
    every partner's (or client's) page of one level is one statement."""
    stmt = _filtered(ctx.authz.readable(ctx.viewer, AuditEvent), flt)
    if partner_id is not None:
        return await ctx.loaders.pages.page(
            "Partner.auditEvents", stmt, AuditEvent.partner_id, partner_id, AUDIT_ORDER, args, flt
        )
    if client_id is None:
        raise ValueError("audit_page needs a partner or a client")
    return await ctx.loaders.pages.page(
        "Client.auditEvents", stmt, AuditEvent.client_id, client_id, AUDIT_ORDER, args, flt
    )


async def get_audit_event(ctx: Context, id_: int) -> AuditEvent | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, AuditEvent, id_)
