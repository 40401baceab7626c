"""Merchant consent as the API shows it: a partner's access (or request), merchant users and
their invitations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from db.base import utcnow
from resolvers import access_queries
from schema.enums import AccessScope, AccessStatus, ClientUserStatus, MerchantRole
from schema.info import Info
from schema.relay import LazyNode, Node, RowType, node
from schema.users import User, load_user

if TYPE_CHECKING:
    from schema.clients import Client
    from schema.partners import Partner

CLIENT: LazyNode[Client] = LazyNode("Client")
PARTNER: LazyNode[Partner] = LazyNode("Partner")


@node(access_queries.get_partner_access)
@strawberry.type(
    description="A partner's access to a client, from its request on: REQUESTED until the "
    "merchant owner approves it (ACTIVE) or declines it (ENDED without `activatedAt`); ACTIVE "
    "until the merchant revokes it (REVOKED), the partner ends it (ENDED) or it expires. Its "
    "partner's team and the client's merchant users see it."
)
class PartnerAccess(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; the consent mutations take it as `accessId`."
    )
    status: AccessStatus = strawberry.field(
        description="As stored; an ACTIVE access past `expiresAt` gives nothing (see `inForce`)."
    )
    message: str | None = strawberry.field(
        description="The partner's note to the merchant with its request."
    )
    requested_at: datetime = strawberry.field(description="When it was requested (UTC).")
    activated_at: datetime | None = strawberry.field(
        description="When it was approved (UTC); null while requested, or if declined."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it was declined, revoked or ended (UTC)."
    )
    expires_at: datetime | None = strawberry.field(
        description="After this moment the access gives nothing, without anyone ending it; "
        "null: until revoked or ended."
    )
    version: int = strawberry.field(
        description="Increases with every change; approve, decline and revoke refuse a stale "
        "one (CONFLICT)."
    )
    _row: strawberry.Private[models.PartnerAccess]

    @strawberry.field(description="What the partner may do: FULL, IMPLEMENTATION or SUPPORT.")
    def scope(self) -> AccessScope:
        return AccessScope(self._row.scope)

    @strawberry.field(description="ACTIVE and not past `expiresAt`: the partner works on it now.")
    def in_force(self) -> bool:
        row = self._row
        return row.status == AccessStatus.ACTIVE and (
            row.expires_at is None or row.expires_at > utcnow()
        )

    @strawberry.field(
        description="The partner asking or given access (its name labels the client's history)."
    )
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))

    @strawberry.field(
        description="The client; null while the viewer may not see it (a partner sees nothing "
        "of a client, its name included, until its request is approved)."
    )
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))


@node(access_queries.get_client_user)
@strawberry.type(description="A merchant user of a client: its owner or staff.")
class MerchantUser(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; removeMerchantStaff and acceptClientInvitation take it."
    )
    role: MerchantRole = strawberry.field(description="Merchant owner or merchant staff.")
    status: ClientUserStatus = strawberry.field(
        description="INVITED until the person accepts; only ACTIVE grants anything."
    )
    accepted_at: datetime | None = strawberry.field(description="When they accepted (UTC).")
    version: int = strawberry.field(
        description="Increases with every change; removeMerchantStaff refuses a stale one."
    )
    _row: strawberry.Private[models.ClientUser]

    @strawberry.field(description="Who it is.")
    async def user(self, info: Info) -> User:
        return await load_user(info, self._row.user_id)


@strawberry.type(description="An invitation to join a client as a merchant user.")
class ClientInvitation:
    invitation: MerchantUser = strawberry.field(description="The pending merchant membership.")
    business_name: str = strawberry.field(
        description="The business it is for (the client itself is visible once accepted)."
    )
