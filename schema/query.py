"""Root query fields."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from graphql import GraphQLError

from resolvers import queries
from resolvers.client_filters import DEFAULT_ORDER
from resolvers.pagination import PageArgs
from resolvers.task_queries import SOONEST_DUE, tasks_page
from schema.bulk import BulkQuery
from schema.client_filters import ClientFilterInput, ClientOrderInput
from schema.clients import Client, prime_clients
from schema.connections import Connection, connection, to_connection
from schema.info import Info
from schema.jobs import JobQuery
from schema.partners import Partner
from schema.relay import NODES, Node, from_global_id, id_of
from schema.reports import ReportQuery
from schema.tasks import Task, TaskFilterInput, TaskOrderInput
from schema.viewer import Viewer
from schema.webhooks import WebhookQuery


@strawberry.type(
    description="Reads. Everything is filtered by what the signed-in user may see: an object "
    "they may not see looks exactly like one that does not exist."
)
class Query(ReportQuery, WebhookQuery, JobQuery, BulkQuery):
    @strawberry.field(description="The signed-in user.")
    def viewer(self, info: Info) -> Viewer:
        viewer = info.context.viewer
        if viewer.user_id is None:  # a service token (anonymous callers never get this far)
            raise GraphQLError(
                "A service token has no signed-in user.", extensions={"code": "FORBIDDEN"}
            )
        return Viewer(is_platform_staff=viewer.is_platform_staff, _user_id=viewer.user_id)

    @strawberry.field(description="Any object by its global id; null if it is not visible.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="A global id of any object type.")
        ],
    ) -> Node | None:
        decoded = from_global_id(id)
        if decoded is None or decoded[0] not in NODES:
            return None
        lookup, node_type = NODES[decoded[0]]
        found = node_type.maybe(await lookup(info.context, decoded[1]))
        return cast(Node | None, found)  # every registered type is a Node

    @connection(
        "Every client the viewer may see, by business name unless `orderBy` says otherwise."
    )
    async def clients(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            ClientFilterInput | None, strawberry.argument(description="Only clients matching this.")
        ] = None,
        order_by: Annotated[
            ClientOrderInput | None,
            strawberry.argument(description="The order; by business name if not given."),
        ] = None,
    ) -> Connection[Client]:
        flt = filter.to_filter() if filter else None
        order = order_by.to_order() if order_by else DEFAULT_ORDER
        rows = await queries.clients_page(info.context, page, flt, order=order)
        await prime_clients(info, rows.items)
        return to_connection(rows, Client.of)

    @connection(
        "Tasks across every client the viewer may see, soonest due first "
        '("my pending work": assignedToMe; "overdue": overdue).'
    )
    async def tasks(
        self,
        info: Info,
        page: PageArgs,
        filter: Annotated[
            TaskFilterInput | None, strawberry.argument(description="Only tasks matching this.")
        ] = None,
        order_by: Annotated[
            TaskOrderInput | None,
            strawberry.argument(description="The order; soonest due first if not given."),
        ] = None,
    ) -> Connection[Task]:
        flt = filter.to_filter() if filter else None
        order = order_by.to_order() if order_by else SOONEST_DUE
        return to_connection(await tasks_page(info.context, page, flt, order), Task.of)

    @strawberry.field(description="A client; null when it does not exist or is not visible.")
    async def client(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Client id.")],
    ) -> Client | None:
        id_ = id_of(id, "Client")
        return Client.maybe(await queries.get_client(info.context, id_) if id_ else None)

    @strawberry.field(description="A partner; null when it does not exist or is not visible.")
    async def partner(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Partner id.")],
    ) -> Partner | None:
        id_ = id_of(id, "Partner")
        return Partner.maybe(await queries.get_partner(info.context, id_) if id_ else None)
