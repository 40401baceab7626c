"""A client's communication log: the newest-first list with its filter, posting (threads
included), edits that keep the earlier text, and read markers.

Visibility rules (who may see an entry is the policy's, policies/relationship.polar):
- Partner staff post INTERNAL (the default) or SHARED entries; merchant users post SHARED only.
- A reply belongs to the same client as its parent. A reply to an INTERNAL entry is INTERNAL
  (sharing it would show the merchant an answer to something they cannot see); a reply to a
  SHARED entry may be either (the team may discuss a merchant's message among themselves).
- An edit may share an INTERNAL entry (when its parent, if any, is shared) but never makes a
  SHARED entry internal again: the merchant has already seen it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import CommunicationKind, Visibility
from db.models import Client
from db.relationship import Communication, CommunicationRead, CommunicationRevision
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.problems import ErrorCode, InputError, refuse

MAX_SEARCH_LENGTH = 200
# Clocks differ a little: an entry may be dated this far ahead of the server's time.
CLOCK_SKEW = timedelta(minutes=5)

OCCURRED = SortKey(
    expression=Communication.occurred_at.expression,
    value_of=lambda row: row.occurred_at.isoformat(),
    parse=lambda value: datetime.fromisoformat(str(value)),
)
NEWEST_FIRST = (OCCURRED, Communication.id)


@dataclass(frozen=True, slots=True)
class CommunicationFilter:
    kinds: tuple[CommunicationKind, ...] = ()
    author_user_id: int | None = None
    unresolvable_author: bool = False
    since: datetime | None = None
    until: datetime | None = None
    visibility: Visibility | None = None
    search: str | None = None


def as_utc(value: datetime) -> datetime:
    """A timestamp without an offset is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _log_stmt(ctx: Context, flt: CommunicationFilter | None) -> Select[Communication]:
    """Every client's entries the viewer may read, filtered (the batcher scopes to clients)."""
    stmt = ctx.authz.readable(ctx.viewer, Communication)
    if flt is None:
        return stmt
    if flt.unresolvable_author:
        raise InputError("that id does not name a user")
    if flt.kinds:
        stmt = stmt.where(Communication.kind.in_(flt.kinds))
    if flt.author_user_id is not None:
        stmt = stmt.where(Communication.author_user_id == flt.author_user_id)
    if flt.since is not None:
        stmt = stmt.where(Communication.occurred_at >= as_utc(flt.since))
    if flt.until is not None:
        stmt = stmt.where(Communication.occurred_at < as_utc(flt.until))
    if flt.visibility is not None:
        stmt = stmt.where(Communication.visibility == flt.visibility)
    # NUL cannot appear in stored text (PostgreSQL refuses it in a parameter).
    term = (flt.search or "").replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]
    if term:
        stmt = stmt.where(
            or_(
                Communication.subject.icontains(term, autoescape=True),
                Communication.body.icontains(term, autoescape=True),
            )
        )
    return stmt


async def communications_page(
    ctx: Context, client_id: int, args: PageArgs, flt: CommunicationFilter | None
) -> Page[Communication]:
    """The entries of the client the viewer may read (the policy's filter), newest first."""
    return await ctx.loaders.pages.page(
        "Client.communications",
        _log_stmt(ctx, flt),
        Communication.client_id,
        client_id,
        NEWEST_FIRST,
        args,
        flt,
        descending=True,
    )


async def get_communication(ctx: Context, id_: int) -> Communication | None:
    result: Communication | None = await ctx.loaders.relationship.communication.load(id_)
    return result


def _writes_as_merchant(ctx: Context, client: Client) -> bool:
    """A merchant user of the client writes as the merchant, unless they are also on the team
    of the client's partner (who then writes as partner staff)."""
    on_team = any(m.partner_id == client.partner_id for m in ctx.viewer.memberships)
    is_merchant = any(g.client_id == client.id for g in ctx.viewer.merchant_grants)
    return is_merchant and not on_team


def _occurred_at(changes: Changes) -> datetime:
    value = changes.get("occurred_at")
    if value is None:
        return utcnow()
    occurred = as_utc(value)
    if occurred > utcnow() + CLOCK_SKEW:
        raise refuse(
            changes.path("occurred_at"), "It cannot have happened in the future.", ErrorCode.INVALID
        )
    return occurred


async def post_communication(
    ctx: Context, client_id: int | None, changes: Changes
) -> Outcome[Communication]:
    """A new entry in the client's log (a reply when `parent_id` is given)."""

    async def work(session: AsyncSession) -> Communication:
        client = await target(
            session, ctx, Client, client_id, action="communicate", field="client_id"
        )
        merchant = _writes_as_merchant(ctx, client)
        values = cleaned(Communication, changes)
        visibility = values.get("visibility") or (
            Visibility.SHARED if merchant else Visibility.INTERNAL
        )
        if merchant and visibility != Visibility.SHARED:
            raise refuse(
                changes.path("visibility"),
                "Merchants post shared messages only.",
                ErrorCode.INVALID,
            )
        parent_id = values.get("parent_id")
        if parent_id is not None:
            parent = await ctx.authz.one(session, ctx.viewer, Communication, parent_id)
            if parent is None:
                raise refuse(
                    changes.path("parent_id"), "No communication with that id.", ErrorCode.NOT_FOUND
                )
            if parent.client_id != client.id:
                raise refuse(
                    changes.path("parent_id"),
                    "A reply belongs to the same client as the entry it answers.",
                    ErrorCode.INVALID,
                )
            if parent.visibility == Visibility.INTERNAL and visibility == Visibility.SHARED:
                raise refuse(
                    changes.path("visibility"),
                    "A reply to an internal entry stays internal.",
                    ErrorCode.INVALID,
                )
        entry = Communication(
            client_id=client.id,
            partner_id=client.partner_id,
            kind=CommunicationKind.MESSAGE if merchant else CommunicationKind.NOTE,
            author_user_id=ctx.viewer.user_id,
        )
        apply(entry, values.without("occurred_at", "visibility"))
        entry.visibility = visibility
        entry.occurred_at = _occurred_at(values)
        session.add(entry)
        await session.flush()
        return entry

    return await transact(ctx, work)


async def update_communication(
    ctx: Context, entry_id: int | None, version: int, changes: Changes
) -> Outcome[Communication]:
    """The author edits their entry; the text it replaces is kept as a revision."""

    async def work(session: AsyncSession) -> Communication:
        entry = await target(
            session,
            ctx,
            Communication,
            entry_id,
            action="update",
            field="communication_id",
            noun="communication",
        )
        expect_version(entry, version)
        values = cleaned(Communication, changes)
        visibility = values.get("visibility")
        if visibility is not None and visibility != entry.visibility:
            if visibility == Visibility.INTERNAL:
                raise refuse(
                    changes.path("visibility"),
                    "A shared entry cannot become internal again: the merchant has seen it.",
                    ErrorCode.INVALID_TRANSITION,
                )
            if entry.parent_id is not None:
                parent = await session.get(Communication, entry.parent_id)
                if parent is not None and parent.visibility == Visibility.INTERNAL:
                    raise refuse(
                        changes.path("visibility"),
                        "A reply to an internal entry stays internal.",
                        ErrorCode.INVALID,
                    )
        text_changes = ("subject" in values and values.get("subject") != entry.subject) or (
            "body" in values and values.get("body") != entry.body
        )
        if text_changes:
            session.add(
                CommunicationRevision(
                    communication_id=entry.id,
                    client_id=entry.client_id,
                    partner_id=entry.partner_id,
                    version=entry.version,
                    subject=entry.subject,
                    body=entry.body,
                    visibility=entry.visibility,
                    edited_by_user_id=ctx.viewer.user_id,
                    edited_at=utcnow(),
                )
            )
        if "occurred_at" in values:
            values = values.replace(occurred_at=_occurred_at(values))
        apply(entry, values)
        await session.flush()
        return entry

    return await transact(ctx, work)


async def mark_read(ctx: Context, client_id: int | None) -> Outcome[Client]:
    """Everything in the client's log that the viewer may read is read, up to now."""

    async def work(session: AsyncSession) -> Client:
        client = await target(session, ctx, Client, client_id, action="read", field="client_id")
        newest = (
            await session.execute(
                select(func.max(Communication.id)).where(
                    Communication.client_id == client.id,
                    ctx.authz.filter(ctx.viewer, "read", Communication),
                )
            )
        ).scalar_one()
        marker = (
            await session.execute(
                select(CommunicationRead).where(
                    CommunicationRead.user_id == ctx.viewer.user_id,
                    CommunicationRead.client_id == client.id,
                )
            )
        ).scalar_one_or_none()
        if marker is None:
            assert ctx.viewer.user_id is not None
            session.add(
                CommunicationRead(
                    user_id=ctx.viewer.user_id, client_id=client.id, last_read_id=newest or 0
                )
            )
        elif newest is not None and newest > marker.last_read_id:
            marker.last_read_id = newest
        await session.flush()
        return client

    return await transact(ctx, work)
