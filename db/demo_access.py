"""The consent side of the demo world: an access narrowed to SUPPORT, an access past its expiry
(still ACTIVE in its row: the policy alone ends it), an open access request with a message, and
a one-time access code. Declared here as data, so that the tests' oracle reads the same facts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.access import AccessCode, hash_code
from db.base import utcnow
from db.enums import AccessScope, AccessStatus, MerchantRole
from db.models import Client, ClientUser, Partner, PartnerAccess

# (client business name, partner slug) -> the scope the merchant granted.
SCOPES: dict[tuple[str, str], AccessScope] = {
    ("Driftwood Decor", "bluefin-studio"): AccessScope.SUPPORT,
}
# Accesses whose expiry has passed (their rows still say ACTIVE).
EXPIRED: frozenset[tuple[str, str]] = frozenset({("Granite Fitness", "bluefin-studio")})
# Open requests: (client, partner slug asking, scope, message).
REQUESTS: tuple[tuple[str, str, AccessScope, str], ...] = (
    (
        "Tidal Threads",
        "northwind-digital",
        AccessScope.IMPLEMENTATION,
        "We built your first store; we would like to help again with the autumn catalog.",
    ),
)
# A one-time access code the merchant owner of the client created (its hash is stored).
DEMO_CODE = ("Harbor Coffee", "shopiq-demo-harbor-coffee", AccessScope.SUPPORT)


async def _ids(
    session: AsyncSession, model: type[Client] | type[Partner], key: str
) -> dict[str, int]:
    column = getattr(model, key)
    return {key: id_ for key, id_ in (await session.execute(select(column, model.id))).all()}


async def seed_access(session: AsyncSession) -> None:
    clients = await _ids(session, Client, "business_name")
    partners = await _ids(session, Partner, "slug")
    now = utcnow()

    def current(client: str, slug: str) -> ColumnElement[bool]:
        return and_(
            PartnerAccess.client_id == clients[client],
            PartnerAccess.partner_id == partners[slug],
            PartnerAccess.status == AccessStatus.ACTIVE,
        )

    for (client, slug), scope in SCOPES.items():
        await session.execute(
            update(PartnerAccess).where(current(client, slug)).values(scope=scope.value)
        )
    for client, slug in EXPIRED:
        await session.execute(
            update(PartnerAccess)
            .where(current(client, slug))
            .values(expires_at=now - timedelta(days=2))
        )
    for client, slug, scope, message in REQUESTS:
        session.add(
            PartnerAccess(
                partner_id=partners[slug],
                client_id=clients[client],
                status=AccessStatus.REQUESTED,
                scope=scope.value,
                message=message,
                requested_at=now - timedelta(days=1),
                expires_at=now + timedelta(days=180),
            )
        )
    client, code, scope = DEMO_CODE
    owner = (
        await session.execute(
            select(ClientUser.user_id).where(
                ClientUser.client_id == clients[client],
                ClientUser.role == MerchantRole.MERCHANT_OWNER,
            )
        )
    ).scalar_one()
    session.add(
        AccessCode(
            client_id=clients[client],
            code_sha256=hash_code(code),
            scope=scope.value,
            created_by_user_id=owner,
            expires_at=now + timedelta(days=30),
        )
    )
    await session.flush()
