"""The GraphiQL page and its demo sign-in, development only.

The page (`static/graphiql/index.html`) is served at `GET /graphql` for browsers; its assets are
vendored under `static/graphiql/vendor` and served by StaticFiles at `/graphiql/static`, so it
needs no network. `GET /graphiql/demo-users` lists the demo identities present in the database
and `GET /graphiql/demo-token?email=...` mints a token for one of them. None of these routes
exist in production (404), and the token endpoint refuses every address that is not one of the
demo world's (`db.demo.DEMO_EMAILS`, all under the reserved `.test` domain) and present, not
removed, in the database: it signs in demo users only, never a real account."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from db.demo import DEMO_EMAILS
from db.enums import MemberStatus, UserStatus
from db.models import Client, ClientUser, Partner, PartnerMember, User
from server.settings import Settings
from server.tokens import issue_token

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
PAGE = STATIC_DIR / "index.html"
STATIC_PATH = "/graphiql/static"

# The page runs only scripts from this origin (the vendored files, no inline script) and talks
# only to this origin; GraphiQL's fonts and the favicon are data: URLs, its styles partly inline.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
NO_STORE = {"Cache-Control": "no-store"}


def graphiql_page() -> Response:
    return HTMLResponse(
        PAGE.read_text(encoding="utf-8"),
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, **NO_STORE},
    )


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    user_id: int
    email: str
    name: str
    about: str  # who they are in the demo world, e.g. "owner, Northwind Digital"


async def demo_identities(session: AsyncSession) -> list[DemoIdentity]:
    """The demo users present (and not removed) in the database, in the demo's order."""
    users = (
        await session.execute(
            select(User.id, User.email, User.name, User.is_platform_staff).where(
                User.email.in_(DEMO_EMAILS), User.status != UserStatus.REMOVED
            )
        )
    ).all()
    ids = [row.id for row in users]
    roles: defaultdict[int, list[str]] = defaultdict(list)
    members = await session.execute(
        select(PartnerMember.user_id, PartnerMember.role, PartnerMember.status, Partner.name)
        .join(Partner, Partner.id == PartnerMember.partner_id)
        .where(PartnerMember.user_id.in_(ids))
        .order_by(Partner.name)
    )
    for user_id, role, status, partner in members:
        invited = "invited " if status == MemberStatus.INVITED else ""
        roles[user_id].append(f"{invited}{role.value}, {partner}")
    merchants = await session.execute(
        select(ClientUser.user_id, ClientUser.role, Client.business_name)
        .join(Client, Client.id == ClientUser.client_id)
        .where(ClientUser.user_id.in_(ids))
        .order_by(Client.business_name)
    )
    for user_id, merchant_role, business in merchants:
        roles[user_id].append(f"{merchant_role.value.replace('_', ' ')}, {business}")
    for row in users:
        if row.is_platform_staff:
            roles[row.id].append("platform staff, read-only")
    order = {email: i for i, email in enumerate(DEMO_EMAILS)}
    return sorted(
        (
            DemoIdentity(row.id, row.email, row.name, "; ".join(roles[row.id]) or "no access")
            for row in users
        ),
        key=lambda identity: order[identity.email],
    )


class DemoSignIn:
    """The two JSON endpoints behind the page's sign-in bar."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        if settings.production:
            raise ValueError("the demo sign-in exists in development only")
        self.settings = settings
        self.sessions = sessions

    async def users(self, _: Request) -> Response:
        async with self.sessions() as session:
            identities = await demo_identities(session)
        return JSONResponse(
            {"users": [{"email": i.email, "name": i.name, "about": i.about} for i in identities]},
            headers=NO_STORE,
        )

    async def token(self, request: Request) -> Response:
        email = request.query_params.get("email", "").strip().lower()
        identity = None
        if email in DEMO_EMAILS:
            async with self.sessions() as session:
                found = [i for i in await demo_identities(session) if i.email == email]
            identity = found[0] if found else None
        if identity is None:
            return JSONResponse({"error": "not a demo user"}, status_code=404, headers=NO_STORE)
        token = issue_token(
            self.settings.jwt_secret,
            identity.user_id,
            identity.email,
            self.settings.token_ttl_seconds,
        )
        return JSONResponse({"token": token}, headers=NO_STORE)


def graphiql_routes(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> list[BaseRoute]:
    """The routes beside the page: none in production."""
    if settings.production:
        return []
    sign_in = DemoSignIn(settings, sessions)
    return [
        Route("/graphiql/demo-users", sign_in.users, methods=["GET"]),
        Route("/graphiql/demo-token", sign_in.token, methods=["GET"]),
        Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
    ]
