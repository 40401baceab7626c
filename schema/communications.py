"""The communication log of a client: its entries, their earlier versions, and the log's filter."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers.communications import CommunicationFilter, get_communication
from schema.enums import CommunicationKind, Visibility
from schema.info import Info
from schema.relay import LazyNode, Node, RowType, id_of, node
from schema.users import User, load_user

if TYPE_CHECKING:
    from schema.clients import Client

CLIENT: LazyNode[Client] = LazyNode("Client")


@strawberry.type(description="The subject and body an edit of a communication replaced.")
class CommunicationRevision(RowType):
    version: int = strawberry.field(description="The entry's version whose text this was.")
    subject: str | None = strawberry.field(description="The subject then; null when none.")
    body: str = strawberry.field(description="The body then.")
    edited_at: datetime = strawberry.field(description="When the edit replaced it (UTC).")
    _row: strawberry.Private[models.CommunicationRevision]

    @strawberry.field(description="Who made the edit.")
    async def edited_by(self, info: Info) -> User:
        return await load_user(info, self._row.edited_by_user_id)


@node(get_communication)
@strawberry.type(
    description="An entry of a client's communication log: a note, email, call, meeting or "
    "message. INTERNAL entries are the partner's team's alone; SHARED ones the merchant's too."
)
class Communication(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; updateCommunication takes it as `communicationId`."
    )
    kind: CommunicationKind = strawberry.field(description="What kind of contact it records.")
    subject: str | None = strawberry.field(
        description="Short subject (at most 200 characters); null when none."
    )
    body: str = strawberry.field(description="The text, plain (at most 20,000 characters).")
    occurred_at: datetime = strawberry.field(
        description="When the contact happened (UTC); the log is ordered by it, newest first."
    )
    visibility: Visibility = strawberry.field(description="Who sees the entry.")
    created_at: datetime = strawberry.field(description="When it was written down (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(
        description="Increases with every edit; updateCommunication takes it and refuses a "
        "stale one (CONFLICT)."
    )
    _row: strawberry.Private[models.Communication]

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User:
        return await load_user(info, self._row.author_user_id)

    @strawberry.field(
        description="The entry this one replies to; null for the start of a thread, or when "
        "the viewer may not see it."
    )
    async def parent(self, info: Info) -> Communication | None:
        if self._row.parent_id is None:
            return None
        return Communication.maybe(
            await info.context.loaders.relationship.communication.load(self._row.parent_id)
        )

    @strawberry.field(description="The client whose log it is; null if not visible.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(
        description="The text each edit replaced, oldest first (those the viewer may see: an "
        "entry shared later keeps its internal versions from the merchant)."
    )
    async def revisions(self, info: Info) -> list[CommunicationRevision]:
        rows = await info.context.loaders.relationship.revisions.load(self._row.id)
        return [CommunicationRevision.of(r) for r in rows]


@strawberry.input(description="Narrow a client's communication log; all given conditions apply.")
class CommunicationFilterInput:
    kind: list[CommunicationKind] | None = strawberry.field(
        default=None, description="Only entries of one of these kinds."
    )
    author_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only entries written by this User. An id that is not a User id is an error.",
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only entries that occurred at or after this time."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only entries that occurred before this time."
    )
    visibility: Visibility | None = strawberry.field(
        default=None, description="Only INTERNAL or only SHARED entries."
    )
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive match on the subject or body."
    )

    def to_filter(self) -> CommunicationFilter:
        author = id_of(self.author_id, "User") if self.author_id else None
        return CommunicationFilter(
            kinds=tuple(self.kind or ()),
            author_user_id=author,
            unresolvable_author=self.author_id is not None and author is None,
            since=self.since,
            until=self.until,
            visibility=self.visibility,
            search=self.search,
        )
