"""The partner webhook API: registering, changing and deleting a partner's endpoints, rotating
their signing secret, and sending a delivery again. The deliveries themselves are made by the
background jobs (resolvers/webhook_dispatch.py).

An endpoint's URL is checked when it is set (https, a host that resolves to public addresses
only: resolvers/webhook_security.py) and again before every attempt. Its event types come from
the catalogue (db/events.py). Its secret is made here and handed back once, to the mutation
that made it: no field, audit event, domain event or log line carries it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.events import event_types
from db.models import Partner
from db.webhooks import MAX_ENDPOINTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.pagination import Page, PageArgs
from resolvers.problems import ErrorCode, Problem, Refused, refuse
from resolvers.webhook_security import new_secret, unsafe_url_reason

__all__ = [
    "ENDPOINT_FIELD",
    "Created",
    "create_endpoint",
    "delete_endpoint",
    "deliveries_page",
    "endpoints_page",
    "get_delivery",
    "get_endpoint",
    "redeliver",
    "rotate_secret",
    "update_endpoint",
]

ENDPOINT_FIELD = "endpoint_id"
ENDPOINT_ORDER = (WebhookEndpoint.created_at, WebhookEndpoint.id)
DELIVERY_ORDER = (WebhookDelivery.created_at, WebhookDelivery.id)
DISABLED_BY_TEAM = "Disabled by the partner's team."


@dataclass(frozen=True, slots=True)
class Created:
    """An endpoint and its signing secret, which only this answer shows."""

    endpoint: WebhookEndpoint
    secret: str


# --- Reads ------------------------------------------------------------------------------------


async def get_endpoint(ctx: Context, id_: int) -> WebhookEndpoint | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, WebhookEndpoint, id_)


async def get_delivery(ctx: Context, id_: int) -> WebhookDelivery | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, WebhookDelivery, id_)


async def endpoints_page(ctx: Context, partner_id: int, args: PageArgs) -> Page[WebhookEndpoint]:
    """The partner's endpoints, oldest first."""
    return await ctx.loaders.pages.page(
        "Partner.webhookEndpoints",
        ctx.authz.readable(ctx.viewer, WebhookEndpoint),
        WebhookEndpoint.partner_id,
        partner_id,
        ENDPOINT_ORDER,
        args,
    )


def _deliveries(ctx: Context, statuses: Sequence[DeliveryStatus]) -> Select[Any]:
    stmt = ctx.authz.readable(ctx.viewer, WebhookDelivery)
    return stmt.where(WebhookDelivery.status.in_(statuses)) if statuses else stmt


async def deliveries_page(
    ctx: Context, endpoint_id: int, args: PageArgs, statuses: Sequence[DeliveryStatus] = ()
) -> Page[WebhookDelivery]:
    """An endpoint's delivery log, newest first, optionally of some statuses only."""
    variant = tuple(sorted(set(statuses)))
    return await ctx.loaders.pages.page(
        "WebhookEndpoint.deliveries",
        _deliveries(ctx, variant),
        WebhookDelivery.endpoint_id,
        endpoint_id,
        DELIVERY_ORDER,
        args,
        variant,
        descending=True,
    )


# --- Checks -----------------------------------------------------------------------------------


async def _checked_url(ctx: Context, url: str) -> None:
    reason = await unsafe_url_reason(
        url, resolve=ctx.dns.addresses, allow_private=ctx.webhooks_allow_private
    )
    if reason is not None:
        raise refuse("url", reason, ErrorCode.INVALID)


def _checked_event_types(changes: Changes) -> list[str]:
    """The chosen event types, each once, sorted; every one in the catalogue."""
    chosen = changes.get("event_types")
    path = changes.path("event_types")
    if not isinstance(chosen, list) or not chosen:
        raise refuse(path, "Choose at least one event type.", ErrorCode.REQUIRED)
    known = set(event_types())
    problems = [
        Problem.at((*path, i), f"No event type {name!r} in the catalogue.", ErrorCode.INVALID)
        for i, name in enumerate(chosen)
        if name not in known
    ]
    if problems:
        raise Refused(*problems[:20])
    return sorted(set(chosen))


async def _may_manage_webhooks(session: AsyncSession, ctx: Context, partner_id: int | None) -> int:
    """The partner's id, locked (so two endpoints made at once count each other), when the
    viewer registers its endpoints; NOT_FOUND otherwise, as for a partner that does not exist:
    to anyone but its owners and admins a partner's webhooks do not exist."""
    allowed = ctx.authz.filter(ctx.viewer, "manage_webhooks", Partner)
    found = None
    if partner_id is not None:
        found = await session.scalar(
            select(Partner.id).where(allowed, Partner.id == partner_id).with_for_update()
        )
    if found is None:
        raise refuse("partner_id", "No partner with that id.", ErrorCode.NOT_FOUND)
    return found


# --- Mutations --------------------------------------------------------------------------------


async def create_endpoint(
    ctx: Context, partner_id: int | None, changes: Changes
) -> Outcome[Created]:
    """A new endpoint of the partner (its owners and admins), enabled, with a new secret."""

    async def work(session: AsyncSession) -> Created:
        partner = await _may_manage_webhooks(session, ctx, partner_id)
        values = cleaned(WebhookEndpoint, changes)
        chosen = _checked_event_types(values)
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(WebhookEndpoint.partner_id == partner)
        )
        if (count or 0) >= MAX_ENDPOINTS:
            raise refuse(
                "partner_id",
                f"A partner registers at most {MAX_ENDPOINTS} endpoints; delete one first.",
                ErrorCode.LIMIT_REACHED,
            )
        await _checked_url(ctx, values.get("url"))
        secret = new_secret()
        endpoint = WebhookEndpoint(
            partner_id=partner,
            secret=secret,
            enabled=True,
            consecutive_failures=0,
            created_by_user_id=ctx.viewer.user_id,
            version=1,
        )
        apply(endpoint, values.replace(event_types=chosen))
        session.add(endpoint)
        await session.flush()
        return Created(endpoint, secret)

    return await transact(ctx, work)


async def _locked(session: AsyncSession, ctx: Context, endpoint_id: int | None) -> WebhookEndpoint:
    endpoint = await target(
        session, ctx, WebhookEndpoint, endpoint_id, action="manage", field=ENDPOINT_FIELD
    )
    # Read again under a row lock: a concurrent change waits, then sees the new version.
    await session.refresh(endpoint, with_for_update=True)
    return endpoint


async def update_endpoint(
    ctx: Context, endpoint_id: int | None, version: int, changes: Changes
) -> Outcome[WebhookEndpoint]:
    """Only the values given change. A new URL is checked again; enabling a disabled endpoint
    clears its failures and the reason it was disabled."""

    async def work(session: AsyncSession) -> WebhookEndpoint:
        endpoint = await _locked(session, ctx, endpoint_id)
        expect_version(endpoint, version)
        values = cleaned(WebhookEndpoint, changes)
        if "event_types" in values:
            values = values.replace(event_types=_checked_event_types(values))
        if "url" in values:
            await _checked_url(ctx, values.get("url"))
        enabled = values.get("enabled")
        if enabled is True and not endpoint.enabled:
            values = values.replace(consecutive_failures=0, disabled_reason=None)
        elif enabled is False and endpoint.enabled:
            values = values.replace(disabled_reason=DISABLED_BY_TEAM)
        apply(endpoint, values)
        endpoint.version += 1
        await session.flush()
        return endpoint

    return await transact(ctx, work)


async def rotate_secret(ctx: Context, endpoint_id: int | None) -> Outcome[Created]:
    """A new signing secret; the old one stops signing at once."""

    async def work(session: AsyncSession) -> Created:
        endpoint = await _locked(session, ctx, endpoint_id)
        secret = new_secret()
        endpoint.secret = secret
        endpoint.version += 1
        await session.flush()
        return Created(endpoint, secret)

    return await transact(ctx, work)


async def delete_endpoint(ctx: Context, endpoint_id: int | None) -> Outcome[int]:
    """The endpoint goes, and its delivery log with it: nothing pending is sent any more."""

    async def work(session: AsyncSession) -> int:
        endpoint = await _locked(session, ctx, endpoint_id)
        deleted = endpoint.id
        # The log is the endpoint's own bookkeeping, deleted with it in one statement (on the
        # table, so the audit trail records the endpoint's deletion, not one event per line).
        log = WebhookDelivery.__table__
        await session.execute(delete(log).where(log.c.endpoint_id == deleted))  # type: ignore[arg-type]  # a mapped class's table is a Table
        await session.delete(endpoint)
        await session.flush()
        return deleted

    return await transact(ctx, work)


async def redeliver(ctx: Context, delivery_id: int | None) -> Outcome[WebhookDelivery]:
    """The delivery is due again now (PENDING): the next job round makes one more attempt, as
    attempt number `attempt + 1`. Refused while its endpoint is disabled."""

    async def work(session: AsyncSession) -> WebhookDelivery:
        delivery = await target(
            session,
            ctx,
            WebhookDelivery,
            delivery_id,
            action="redeliver",
            field="delivery_id",
            noun="webhook delivery",
        )
        endpoint = await session.get_one(WebhookEndpoint, delivery.endpoint_id)
        if not endpoint.enabled:
            raise refuse(
                "delivery_id",
                "Its endpoint is disabled; enable it (updateWebhookEndpoint) first.",
                ErrorCode.ENDPOINT_DISABLED,
            )
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = utcnow()
        await session.flush()
        return delivery

    return await transact(ctx, work)
