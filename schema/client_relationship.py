"""The client's relationship fields (communication log, support, documents), declared here and
inherited by `Client` so that the relationship's schema stays in its own modules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from resolvers.client_documents import documents_page
from resolvers.communications import communications_page
from resolvers.pagination import PageArgs
from resolvers.support import plan_history, time_entries_page
from resolvers.support_usage import month_bounds
from schema.client_documents import ClientDocument, DocumentFilterInput
from schema.communications import Communication, CommunicationFilterInput
from schema.connections import Connection, connection, to_connection
from schema.info import Info
from schema.support import SupportPlan, SupportUsage, TimeEntry, TimeEntryFilterInput


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

    @strawberry.field(description="The current support plan; null when none is set or visible.")
    async def support_plan(self, info: Info) -> SupportPlan | None:
        return SupportPlan.maybe(
            await info.context.loaders.relationship.current_plan.load(self._row.id)
        )

    @strawberry.field(description="Every support plan of the client, the latest to start first.")
    async def support_plans(self, info: Info) -> list[SupportPlan]:
        return [SupportPlan.of(p) for p in await plan_history(info.context, self._row.id)]

    @strawberry.field(
        description="Support used in a month against the plan; null when the viewer may not "
        "see the client's support."
    )
    async def support_usage(
        self,
        info: Info,
        month: Annotated[
            date, strawberry.argument(description="Any day of the month, e.g. 2026-11-01.")
        ],
    ) -> SupportUsage | None:
        start, _ = month_bounds(month)
        usage = await info.context.loaders.relationship.usage.load((self._row.id, start))
        return SupportUsage.of(usage) if usage is not None else None

    @connection(
        "Time spent on the client as the viewer may see it (merchants: shared entries only), "
        "newest work day first."
    )
    async def time_entries(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            TimeEntryFilterInput | None,
            strawberry.argument(description="Only entries matching this."),
        ] = None,
    ) -> Connection[TimeEntry]:
        flt = filter.to_filter() if filter else None
        rows = await time_entries_page(info.context, self._row.id, page, flt)
        return to_connection(rows, TimeEntry.of)

    @connection(
        "The client's documents as the viewer may see them (merchants: shared ones only), "
        "newest first."
    )
    async def documents(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            DocumentFilterInput | None,
            strawberry.argument(description="Only documents matching this."),
        ] = None,
    ) -> Connection[ClientDocument]:
        flt = filter.to_filter() if filter else None
        rows = await documents_page(info.context, self._row.id, page, flt)
        return to_connection(rows, ClientDocument.of)
