"""Read paths of merchant consent: access requests, a client's accesses, merchant invitations."""

from __future__ import annotations

from sqlalchemy import select

from db.enums import AccessStatus, ClientUserStatus
from db.models import Client, ClientUser, PartnerAccess
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, paginate

ACCESS_ORDER = (PartnerAccess.id,)
CLIENT_USER_ORDER = (ClientUser.id,)


async def access_requests_page(ctx: Context, args: PageArgs) -> Page[PartnerAccess]:
    """Open requests the viewer may read: a merchant's incoming ones, a partner's own."""
    stmt = ctx.authz.readable(ctx.viewer, PartnerAccess).where(
        PartnerAccess.status == AccessStatus.REQUESTED
    )
    return await paginate(ctx.reading, stmt, ACCESS_ORDER, args)


async def client_accesses_page(ctx: Context, client_id: int, args: PageArgs) -> Page[PartnerAccess]:
    """Every access of the client the viewer may read, oldest first (a partner: its own)."""
    return await ctx.loaders.pages.page(
        "Client.partnerAccesses",
        ctx.authz.readable(ctx.viewer, PartnerAccess),
        PartnerAccess.client_id,
        client_id,
        ACCESS_ORDER,
        args,
    )


async def merchant_users_page(ctx: Context, client_id: int, args: PageArgs) -> Page[ClientUser]:
    """The client's merchant users the viewer may read, in the order they were added."""
    return await ctx.loaders.pages.page(
        "Client.merchantUsers",
        ctx.authz.readable(ctx.viewer, ClientUser),
        ClientUser.client_id,
        client_id,
        CLIENT_USER_ORDER,
        args,
    )


async def viewer_client_invitations(ctx: Context) -> list[tuple[ClientUser, str]]:
    """The viewer's pending merchant invitations with the business each is for (the invited
    person may read that name, not the client, until they accept)."""
    stmt = (
        select(ClientUser, Client.business_name)
        .join(Client, Client.id == ClientUser.client_id)
        .where(
            ctx.authz.filter(ctx.viewer, "read", ClientUser),
            ClientUser.user_id == ctx.viewer.user_id,
            ClientUser.status == ClientUserStatus.INVITED,
        )
        .order_by(ClientUser.id)
    )
    async with ctx.reading() as session:
        return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def get_partner_access(ctx: Context, id_: int) -> PartnerAccess | None:
    result: PartnerAccess | None = await ctx.loaders.partner_access.load(id_)
    return result


async def get_client_user(ctx: Context, id_: int) -> ClientUser | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, ClientUser, id_)


async def client_access_of_partner(ctx: Context, client_id: int) -> PartnerAccess | None:
    """The newest access to the client the viewer may read (after onboarding: the partner's)."""
    stmt = (
        ctx.authz.readable(ctx.viewer, PartnerAccess)
        .where(PartnerAccess.client_id == client_id)
        .order_by(PartnerAccess.id.desc())
        .limit(1)
    )
    async with ctx.reading() as session:
        return (await session.execute(stmt)).scalar_one_or_none()
