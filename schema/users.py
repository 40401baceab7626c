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
    id: strawberry.ID
    email: str
    name: str
    _row: strawberry.Private[models.User]


async def load_user(info: Info, user_id: int) -> User:
    row: models.User = await info.context.loaders.user.load(user_id)
    return User.of(row)


@node(queries.get_member)
@strawberry.type(description="A user's membership of a partner's team.")
class PartnerMember(RowType, Node):
    id: strawberry.ID
    role: PartnerRole
    status: MemberStatus
    accepted_at: datetime | None
    created_at: datetime
    version: int
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

    @strawberry.field
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))
