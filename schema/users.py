"""People: users and their memberships of partner teams."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers import queries
from schema.enums import MemberStatus, PartnerRole
from schema.info import Info
from schema.relay import LazyNode, Node, RowType, node

if TYPE_CHECKING:
    from schema.partners import Partner

PARTNER: LazyNode[Partner] = LazyNode("Partner")


@strawberry.type(description="A person who signs in.")
class User(RowType):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    email: str = strawberry.field(description="Sign-in address, lower-cased; unique.")
    name: str = strawberry.field(description="Display name (at most 200 characters).")
    _row: strawberry.Private[models.User]


async def load_user(info: Info, user_id: int) -> User:
    row: models.User = await info.context.loaders.user.load(user_id)
    return User.of(row)


@node(queries.get_member)
@strawberry.type(description="A user's membership of a partner's team.")
class PartnerMember(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; team mutations take it as `memberId`."
    )
    role: PartnerRole = strawberry.field(description="What the member may do for the partner.")
    status: MemberStatus = strawberry.field(
        description="INVITED until the invited user accepts; only ACTIVE members have access."
    )
    accepted_at: datetime | None = strawberry.field(
        description="When the invitation was accepted (UTC); null while invited, and for "
        "members who joined without an invitation."
    )
    created_at: datetime = strawberry.field(
        description="When the member was added or invited (UTC)."
    )
    version: int = strawberry.field(
        description="Increases with every change of the membership; pass it to "
        "changeMemberRole and removeMember."
    )
    _row: strawberry.Private[models.PartnerMember]

    @strawberry.field(
        description="The member; for a pending invitation, the email invited and the name the "
        "inviter gave (the invited person's own profile stays theirs until they accept)."
    )
    async def user(self, info: Info) -> User:
        user = await load_user(info, self._row.user_id)
        if self._row.status == MemberStatus.INVITED:
            name = self._row.invited_name or user.email.split("@")[0]
            return User(id=user.id, email=user.email, name=name, _row=user._row)
        return user

    @strawberry.field(description="The team; null if the viewer may not see the partner.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))
