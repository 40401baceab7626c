"""Security headers on every response, set at the edge of the application (ASGI middleware).

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`;
- `Content-Security-Policy`: an answer that sets its own keeps it (the development GraphiQL
  page); any other gets `default-src 'none'; frame-ancestors 'none'; base-uri 'none';
  form-action 'none'`: JSON needs nothing, and nothing may frame it;
- `X-Frame-Options: DENY` (what `frame-ancestors` says, for older browsers);
- `Cache-Control: no-store` unless the answer sets its own: answers are per viewer, and no
  shared cache may keep one;
- in production, `Strict-Transport-Security` (the service is served over HTTPS there, usually
  behind a proxy that ends TLS; the header is ignored over plain HTTP in development anyway)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(production: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response gets unless it set its own (by name)."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", API_CONTENT_SECURITY_POLICY.encode()),
        (b"cache-control", b"no-store"),
    ]
    if production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


def add_missing(headers: list[tuple[bytes, bytes]], defaults: list[tuple[bytes, bytes]]) -> None:
    """Appends to `headers` each default whose name the answer did not set itself."""
    present = {bytes(name).lower() for name, _ in headers}
    headers.extend(item for item in defaults if item[0] not in present)


class SecurityHeaders:
    """Every answer but /graphql's (server/request_edge.py adds them to those itself)."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.defaults = security_headers(production)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = self.defaults

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                add_missing(headers, defaults)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
