"""Root query fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from resolvers import queries
from resolvers.context import Context
from resolvers.task_queries import tasks_page
from schema.relay import Connection, Node, from_global_id, id_of, page_args, to_connection
from schema.tasks import Task, TaskFilterInput
from schema.templates import WorkflowTemplate
from schema.types import (
    Assignment,
    Client,
    ClientFilterInput,
    Info,
    Partner,
    PartnerMember,
    Store,
)
from schema.viewer import Viewer

# Every Node type, with the policy-filtered lookup that backs node(id:).
NODE_LOOKUPS: dict[str, tuple[Callable[[Context, int], Awaitable[Any]], Callable[[Any], Node]]] = {
    "Client": (queries.get_client, Client.of),
    "Partner": (queries.get_partner, Partner.of),
    "PartnerMember": (queries.get_member, PartnerMember.of),
    "Store": (queries.get_store, Store.of),
    "Assignment": (queries.get_assignment, Assignment.of),
    "Task": (queries.get_task, Task.of),
    "WorkflowTemplate": (queries.get_template, WorkflowTemplate.of),
}


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    def viewer(self, info: Info) -> Viewer:
        viewer = info.context.viewer
        assert viewer.user_id is not None  # the server refuses anonymous operations
        return Viewer(is_platform_staff=viewer.is_platform_staff, _user_id=viewer.user_id)

    @strawberry.field(description="Any object by its global id; null if it is not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        decoded = from_global_id(id)
        if decoded is None or decoded[0] not in NODE_LOOKUPS:
            return None
        lookup, wrap = NODE_LOOKUPS[decoded[0]]
        row = await lookup(info.context, decoded[1])
        return wrap(row) if row is not None else None

    @strawberry.field(description="Every client the viewer may see, by business name.")
    async def clients(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ClientFilterInput | None = None,
    ) -> Connection[Client]:
        flt = filter.to_filter() if filter else None
        page = await queries.clients_page(info.context, page_args(first, after, last, before), flt)
        return to_connection(page, Client.of)  # type: ignore[arg-type]

    @strawberry.field(
        description="Tasks across every client the viewer may see, soonest due first "
        '("my pending work": assignedToMe; "overdue": overdue).'
    )
    async def tasks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: TaskFilterInput | None = None,
    ) -> Connection[Task]:
        flt = filter.to_filter() if filter else None
        page = await tasks_page(info.context, page_args(first, after, last, before), flt)
        return to_connection(page, Task.of)  # type: ignore[arg-type]

    @strawberry.field(description="A client; null when it does not exist or is not visible.")
    async def client(self, info: Info, id: strawberry.ID) -> Client | None:
        id_ = id_of(id, "Client")
        row = await queries.get_client(info.context, id_) if id_ is not None else None
        return Client.of(row) if row is not None else None

    @strawberry.field(description="A partner; null when it does not exist or is not visible.")
    async def partner(self, info: Info, id: strawberry.ID) -> Partner | None:
        id_ = id_of(id, "Partner")
        row = await queries.get_partner(info.context, id_) if id_ is not None else None
        return Partner.of(row) if row is not None else None
