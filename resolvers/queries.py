"""Read paths that are not a plain loader call: root lists, connections and single objects."""

from __future__ import annotations

from typing import TypeVar

from db.enums import MemberStatus
from db.models import Assignment, Client, Partner, PartnerMember, Store, Task, WorkflowTemplate
from resolvers.client_filters import (
    DEFAULT_ORDER,
    ClientFilter,
    ClientOrder,
    client_order,
    filtered,
)
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, paginate

M = TypeVar("M")


async def clients_page(
    ctx: Context,
    args: PageArgs,
    flt: ClientFilter | None,
    partner_id: int | None = None,
    order: ClientOrder = DEFAULT_ORDER,
) -> Page[Client]:
    """A page of the clients the viewer may read (of one partner: batched per level), narrowed
    by `flt`, in `order` (ties by id)."""
    stmt = filtered(ctx, ctx.authz.readable(ctx.viewer, Client), flt)
    keys = client_order(ctx, order)
    if partner_id is not None:
        return await ctx.loaders.pages.page(
            "Partner.clients",
            stmt,
            Client.partner_id,
            partner_id,
            keys,
            args,
            (flt, order),
            descending=order.descending,
        )
    return await paginate(ctx.reading, stmt, keys, args, descending=order.descending)


async def merchant_clients(ctx: Context) -> list[Client]:
    """The viewer's own merchant accounts (normally one)."""
    ids = [g.client_id for g in ctx.viewer.merchant_grants]
    if not ids:
        return []
    stmt = ctx.authz.readable(ctx.viewer, Client).where(Client.id.in_(ids)).order_by(Client.id)
    async with ctx.reading() as session:
        return list((await session.execute(stmt)).scalars().all())


async def viewer_memberships(ctx: Context) -> list[PartnerMember]:
    ids = [m.member_id for m in ctx.viewer.memberships]
    loaded = await ctx.loaders.member.load_many(ids) if ids else []
    return [m for m in loaded if m is not None]


async def get_client(ctx: Context, id_: int) -> Client | None:
    result: Client | None = await ctx.loaders.client.load(id_)
    return result


async def get_partner(ctx: Context, id_: int) -> Partner | None:
    result: Partner | None = await ctx.loaders.partner.load(id_)
    return result


async def get_member(ctx: Context, id_: int) -> PartnerMember | None:
    result: PartnerMember | None = await ctx.loaders.member.load(id_)
    return result


async def get_store(ctx: Context, id_: int) -> Store | None:
    return await _one(ctx, Store, id_)


async def get_assignment(ctx: Context, id_: int) -> Assignment | None:
    return await _one(ctx, Assignment, id_)


async def get_task(ctx: Context, id_: int) -> Task | None:
    result: Task | None = await ctx.loaders.task.load(id_)
    return result


async def get_template(ctx: Context, id_: int) -> WorkflowTemplate | None:
    result: WorkflowTemplate | None = await ctx.loaders.template.load(id_)
    return result


async def viewer_invitations(ctx: Context) -> list[PartnerMember]:
    """Team invitations waiting for the viewer to accept."""
    stmt = (
        ctx.authz.readable(ctx.viewer, PartnerMember)
        .where(
            PartnerMember.user_id == ctx.viewer.user_id,
            PartnerMember.status == MemberStatus.INVITED,
        )
        .order_by(PartnerMember.id)
    )
    async with ctx.reading() as session:
        return list((await session.execute(stmt)).scalars().all())


async def _one(ctx: Context, model: type[M], id_: int) -> M | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, model, id_)
