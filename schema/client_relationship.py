"""The client's relationship fields (communication log, support, documents), declared here and
inherited by `Client` so that the relationship's schema stays in its own modules."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.communications import communications_page
from resolvers.pagination import PageArgs
from schema.communications import Communication, CommunicationFilterInput
from schema.connections import Connection, connection, to_connection
from schema.info import Info


@strawberry.type(description="A client's communication, support and documents.")
class ClientRelationship:
    _row: strawberry.Private[Any]

    @connection(
        "The client's communication log as the viewer may see it (merchants: shared entries "
        "only), newest first (by `occurredAt`, then newest written)."
    )
    async def communications(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            CommunicationFilterInput | None,
            strawberry.argument(description="Only entries matching this."),
        ] = None,
    ) -> Connection[Communication]:
        flt = filter.to_filter() if filter else None
        rows = await communications_page(info.context, self._row.id, page, flt)
        return to_connection(rows, Communication.of)

    @strawberry.field(
        description="Shared entries of the log written by others since the viewer last marked "
        "it read (markCommunicationsRead)."
    )
    async def unread_shared_count(self, info: Info) -> int:
        count: int = await info.context.loaders.relationship.unread_shared.load(self._row.id)
        return count
