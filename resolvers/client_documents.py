"""A client's documents (handover notes, contracts, guides, ...), kept as https links: adding,
editing, and the merchant's acknowledgement of a shared document.

An edit of a shared document's link or title asks the merchant to acknowledge it again; a shared
document never becomes internal again (the merchant has seen it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import DocumentKind, Visibility
from db.models import Client
from db.relationship import ClientDocument
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.pagination import Page, PageArgs
from resolvers.problems import ErrorCode, FieldName, refuse

DOCUMENT_FIELD = "document_id"
URL_LIMIT = 2048
# A public host name: dot-separated labels, the last one not all digits (no IP addresses).
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!\d+$)[a-z0-9-]{2,63}$"
)
NEWEST_FIRST = (ClientDocument.id,)


def url_fault(url: str) -> str | None:
    """Why `url` is not an https link to a public host name, or None when it is."""
    if len(url) > URL_LIMIT:
        return f"Use at most {URL_LIMIT} characters."
    if any(c.isspace() for c in url):
        return "A link cannot contain spaces."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Enter a valid link."
    if parts.scheme.lower() != "https":
        return "Use an https:// link."
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        return "A link cannot carry a user name or password."
    if not HOST_RE.match(host):
        return "Use a link to a host name, e.g. https://docs.example.com/handover."
    if port is not None and not 0 < port < 65536:
        return "Enter a valid link."
    return None


def checked_url(path: FieldName, url: str | None) -> str | None:
    if url is None:
        return None
    fault = url_fault(url)
    if fault is not None:
        raise refuse(path, fault, ErrorCode.INVALID)
    return url


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    kinds: tuple[DocumentKind, ...] = ()
    visibility: Visibility | None = None
    acknowledged: bool | None = None


def _documents_stmt(ctx: Context, flt: DocumentFilter | None) -> Select[ClientDocument]:
    """Every client's documents the viewer may read, filtered (the batcher scopes to clients)."""
    stmt = ctx.authz.readable(ctx.viewer, ClientDocument)
    if flt is None:
        return stmt
    if flt.kinds:
        stmt = stmt.where(ClientDocument.kind.in_(flt.kinds))
    if flt.visibility is not None:
        stmt = stmt.where(ClientDocument.visibility == flt.visibility)
    if flt.acknowledged is not None:
        acknowledged = ClientDocument.acknowledged_at.is_not(None)
        stmt = stmt.where(acknowledged if flt.acknowledged else ~acknowledged)
    return stmt


async def documents_page(
    ctx: Context, client_id: int, args: PageArgs, flt: DocumentFilter | None
) -> Page[ClientDocument]:
    """The client's documents the viewer may read, newest first."""
    return await ctx.loaders.pages.page(
        "Client.documents",
        _documents_stmt(ctx, flt),
        ClientDocument.client_id,
        client_id,
        NEWEST_FIRST,
        args,
        flt,
        descending=True,
    )


async def get_document(ctx: Context, id_: int) -> ClientDocument | None:
    result: ClientDocument | None = await ctx.loaders.relationship.document.load(id_)
    return result


async def add_document(
    ctx: Context, client_id: int | None, changes: Changes
) -> Outcome[ClientDocument]:
    async def work(session: AsyncSession) -> ClientDocument:
        client = await target(
            session, ctx, Client, client_id, action="manage_documents", field="client_id"
        )
        assert client.partner_id is not None  # manage_documents needs an active access
        values = cleaned(ClientDocument, changes)
        checked_url(values.path("url"), values.get("url"))
        document = ClientDocument(
            client_id=client.id,
            partner_id=client.partner_id,
            kind=DocumentKind.OTHER,
            visibility=Visibility.INTERNAL,
            author_user_id=ctx.viewer.user_id,
        )
        apply(document, values)
        session.add(document)
        await session.flush()
        return document

    return await transact(ctx, work)


async def update_document(
    ctx: Context, document_id: int | None, version: int, changes: Changes
) -> Outcome[ClientDocument]:
    async def work(session: AsyncSession) -> ClientDocument:
        document = await target(
            session,
            ctx,
            ClientDocument,
            document_id,
            action="update",
            field=DOCUMENT_FIELD,
            noun="document",
        )
        expect_version(document, version)
        values = cleaned(ClientDocument, changes)
        checked_url(values.path("url"), values.get("url"))
        visibility = values.get("visibility")
        if visibility == Visibility.INTERNAL and document.visibility == Visibility.SHARED:
            raise refuse(
                values.path("visibility"),
                "A shared document cannot become internal again: the merchant has seen it.",
                ErrorCode.INVALID_TRANSITION,
            )
        relinked = any(
            name in values and values.get(name) != getattr(document, name)
            for name in ("url", "title")
        )
        if relinked:
            document.acknowledged_at = None
            document.acknowledged_by_user_id = None
        apply(document, values)
        await session.flush()
        return document

    return await transact(ctx, work)


async def acknowledge_document(
    ctx: Context, document_id: int | None, version: int
) -> Outcome[ClientDocument]:
    async def work(session: AsyncSession) -> ClientDocument:
        document = await target(
            session,
            ctx,
            ClientDocument,
            document_id,
            action="acknowledge",
            field=DOCUMENT_FIELD,
            noun="document",
        )
        expect_version(document, version)
        if document.acknowledged_at is not None:
            raise refuse(
                DOCUMENT_FIELD,
                "This version of the document is already acknowledged.",
                ErrorCode.INVALID_TRANSITION,
            )
        document.acknowledged_at = utcnow()
        document.acknowledged_by_user_id = ctx.viewer.user_id
        await session.flush()
        return document

    return await transact(ctx, work)
