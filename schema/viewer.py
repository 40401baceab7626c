"""`viewer`: who is signed in, their partner memberships and merchant accounts."""

from __future__ import annotations

import strawberry

from resolvers import access_queries
from resolvers.pagination import PageArgs
from resolvers.queries import merchant_clients, viewer_invitations, viewer_memberships
from schema.access_types import ClientInvitation, MerchantUser, PartnerAccess
from schema.bulk import BulkViewer
from schema.clients import Client
from schema.connections import Connection, connection, to_connection
from schema.info import Info
from schema.notifications import NotificationPreferences, viewer_notification_preferences
from schema.users import PartnerMember, User, load_user


@strawberry.type(description="The signed-in user and what they belong to.")
class Viewer(BulkViewer):
    is_platform_staff: bool = strawberry.field(
        description="ShopIQ staff: reads every partner and client, changes nothing."
    )
    _user_id: strawberry.Private[int]

    @strawberry.field(description="The signed-in user's own profile.")
    async def user(self, info: Info) -> User:
        return await load_user(info, self._user_id)

    @strawberry.field(description="Partner teams the user belongs to.")
    async def memberships(self, info: Info) -> list[PartnerMember]:
        return [PartnerMember.of(m) for m in await viewer_memberships(info.context)]

    @strawberry.field(description="Merchant businesses the user belongs to.")
    async def client_accounts(self, info: Info) -> list[Client]:
        return [Client.of(c) for c in await merchant_clients(info.context)]

    @strawberry.field(description="Team invitations waiting for the user to accept.")
    async def invitations(self, info: Info) -> list[PartnerMember]:
        return [PartnerMember.of(m) for m in await viewer_invitations(info.context)]

    @connection(
        "Open access requests: a merchant's incoming ones (to approve or decline), a partner "
        "member's own partner's outgoing ones; oldest first."
    )
    async def access_requests(self, info: Info, page: PageArgs) -> Connection[PartnerAccess]:
        rows = await access_queries.access_requests_page(info.context, page)
        return to_connection(rows, PartnerAccess.of)

    @strawberry.field(description="Invitations to join a client as a merchant user, to accept.")
    async def client_invitations(self, info: Info) -> list[ClientInvitation]:
        found = await access_queries.viewer_client_invitations(info.context)
        return [
            ClientInvitation(invitation=MerchantUser.of(row), business_name=name)
            for row, name in found
        ]

    @strawberry.field(
        description="Which emails the signed-in user gets; null for a caller that is no user."
    )
    async def notification_preferences(self, info: Info) -> NotificationPreferences | None:
        return await viewer_notification_preferences(info)
