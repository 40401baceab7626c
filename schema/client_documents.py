"""A client's documents: handover notes, contracts, guides and more, kept as https links."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from resolvers.client_documents import DocumentFilter, get_document
from schema.enums import DocumentKind, Visibility
from schema.info import Info
from schema.relay import Node, RowType, node
from schema.users import User, load_user


@node(get_document)
@strawberry.type(
    description="A document of a client, as an https link (no files are stored here). INTERNAL "
    "documents are the partner's team's alone; the merchant reads and acknowledges SHARED ones."
)
class ClientDocument(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; document mutations take it as `documentId`."
    )
    title: str = strawberry.field(description="Title (at most 200 characters).")
    kind: DocumentKind = strawberry.field(description="What the document is.")
    url: str = strawberry.field(description="The https link to the document.")
    visibility: Visibility = strawberry.field(description="Who sees the document.")
    acknowledged_at: datetime | None = strawberry.field(
        description="When the merchant acknowledged this version (UTC); null until then."
    )
    created_at: datetime = strawberry.field(description="When it was added (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(
        description="Increases with every change (an acknowledgement included); mutations take "
        "it and refuse a stale one (CONFLICT)."
    )
    _row: strawberry.Private[models.ClientDocument]

    @strawberry.field(description="Who added it.")
    async def author(self, info: Info) -> User:
        return await load_user(info, self._row.author_user_id)

    @strawberry.field(description="The merchant user who acknowledged it; null until then.")
    async def acknowledged_by(self, info: Info) -> User | None:
        if self._row.acknowledged_by_user_id is None:
            return None
        return await load_user(info, self._row.acknowledged_by_user_id)


@strawberry.input(description="Narrow a client's documents; all given conditions apply.")
class DocumentFilterInput:
    kind: list[DocumentKind] | None = strawberry.field(
        default=None, description="Only documents of one of these kinds."
    )
    visibility: Visibility | None = strawberry.field(
        default=None, description="Only INTERNAL or only SHARED documents."
    )
    acknowledged: bool | None = strawberry.field(
        default=None, description="Only acknowledged (true) or not yet acknowledged (false)."
    )

    def to_filter(self) -> DocumentFilter:
        return DocumentFilter(
            kinds=tuple(self.kind or ()), visibility=self.visibility, acknowledged=self.acknowledged
        )
