"""One-click unsubscribe from the daily digest, without signing in: the link in each digest
(and its RFC 8058 `List-Unsubscribe` header) is /unsubscribe/{token}. POST turns the digest
off (what mail clients send for one click); GET only shows a page with a button that POSTs, so
a link scanner fetching the URL changes nothing. A token that is not valid answers 404 and
changes nothing."""

from __future__ import annotations

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from policies import Authorizer
from resolvers.notification_preferences import read_unsubscribe_token, unsubscribe_digest
from server.settings import Settings

# The page posts its form to itself, and nothing else.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family:sans-serif;max-width:32em;margin:3em auto;">'
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _not_valid() -> Response:
    return _page(
        "This link is not valid",
        "<p>Nothing was changed. Turn the digest off in your notification preferences.</p>",
        404,
    )


def unsubscribe_routes(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> list[Route]:
    secret = settings.jwt_secret

    async def confirm(request: Request) -> Response:
        token = request.path_params["token"]
        if read_unsubscribe_token(secret, token) is None:
            return _not_valid()
        return _page(
            "Unsubscribe from the daily digest",
            '<form method="post"><p>Stop the daily email of overdue tasks?</p>'
            '<button type="submit">Unsubscribe</button></form>',
        )

    async def unsubscribe(request: Request) -> Response:
        if not await unsubscribe_digest(sessions, authz, secret, request.path_params["token"]):
            return _not_valid()
        return _page(
            "You are unsubscribed",
            "<p>You will no longer get the daily digest. Turn it on again in your notification "
            "preferences.</p>",
        )

    return [
        Route("/unsubscribe/{token}", confirm, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe, methods=["POST"]),
    ]
