"""The development GraphiQL page: served with its vendored assets and no network, its demo
sign-in endpoints (demo identities only), nothing of it in production, and the whole flow in a
real headless Chromium against a real uvicorn server.

The browser test needs Debian's Chromium (`apt-get install chromium`) and Playwright for Python
(a dev dependency; its own browser download is not used). Where either is missing it is skipped,
except under CI=true, where it fails."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from urllib.parse import quote, urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import DEMO_EMAILS
from db.models import User
from server.settings import Settings
from tests.conftest import World
from tests.test_e2e_http import client_for, live_server

try:
    from playwright.async_api import Route, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the environment
    PLAYWRIGHT = False
else:
    PLAYWRIGHT = True

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OWNER = "owner@northwind.test"
REMOVED = "former@northwind.test"
DASHBOARD = "{ clients(first: 5) { totalCount edges { node { businessName } } } }"
VIEWER_EMAIL = "{ viewer { user { email } } }"
HTML = {"Accept": "text/html"}
GRAPHIQL_JS = "/graphiql/static/vendor/graphiql@3.8.3/graphiql.min.js"
ASSET_REF = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"[^>]*>', re.DOTALL)
INTEGRITY = re.compile(r'\bintegrity="sha384-([^"]+)"')


async def test_page_loads_only_its_own_assets_and_they_match_their_hashes(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/graphql", headers=HTML)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unpkg" not in page.text
    tags = [t for t in ASSET_REF.finditer(page.text) if not t.group(1).startswith("data:")]
    # 5 vendored scripts, 2 vendored styles, our script and style.
    assert len(tags) == 9, [t.group(1) for t in tags]
    for tag in tags:
        ref = tag.group(1)
        # Relative to the page: this origin, and under any path prefix the app is mounted at.
        assert not urlsplit(ref).scheme, ref
        assert not ref.startswith("/"), ref
        url = urljoin("http://testserver/graphql", ref)
        assert urlsplit(url).path.startswith("/graphiql/static/"), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
        expected = "javascript" if ref.endswith(".js") else "text/css"
        assert expected in asset.headers["content-type"], (url, asset.headers["content-type"])
        integrity = INTEGRITY.search(tag.group(0))
        if "/vendor/" in ref:
            assert integrity, f"{ref} has no integrity hash"
            digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
            assert digest == integrity.group(1), ref


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (GRAPHIQL_JS, "javascript"),
        ("/graphiql/static/vendor/graphiql@3.8.3/graphiql.min.css", "text/css"),
        ("/graphiql/static/vendor/react@18.2.0/umd/react.production.min.js", "javascript"),
        ("/graphiql/static/page.js", "javascript"),
    ],
)
async def test_assets_are_served_locally_in_development(
    http: httpx.AsyncClient, path: str, content_type: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert len(response.content) > 500


@pytest.mark.parametrize(
    "path",
    [
        GRAPHIQL_JS,
        "/graphiql/static/index.html",
        "/graphiql/static/page.js",
        "/graphiql/demo-users",
        f"/graphiql/demo-token?email={OWNER}",
    ],
)
async def test_production_serves_no_assets_and_no_demo_sign_in(
    prod_http: httpx.AsyncClient, path: str
) -> None:
    response = await prod_http.get(path, headers=HTML)
    assert response.status_code == 404
    assert "token" not in response.text


async def test_demo_users_are_the_demo_identities_in_the_database(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await http.get("/graphiql/demo-users")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    users = response.json()["users"]
    assert [u["email"] for u in users] == [e for e in DEMO_EMAILS if e != REMOVED]
    about = {u["email"]: f"{u['name']} ({u['about']})" for u in users}
    assert about[OWNER] == "Nora Owens (owner, Northwind Digital)"
    assert about["merchant@lumen-candles.test"] == "Lena Marsh (merchant owner, Lumen Candles)"
    assert about["staff@shopiq.test"].endswith("(platform staff, read-only)")
    assert about["invitee@northwind.test"].endswith("(invited specialist, Northwind Digital)")
    assert about["newcomer@shopiq.test"].endswith("(no access)")


def test_demo_identities_are_all_under_the_reserved_test_domain() -> None:
    # The sign-in can never name a real mailbox, hence a real customer's account.
    assert DEMO_EMAILS
    assert all(email.endswith(".test") for email in DEMO_EMAILS)


async def test_demo_token_signs_in_as_that_demo_user(http: httpx.AsyncClient, world: World) -> None:
    response = await http.get("/graphiql/demo-token", params={"email": f" {OWNER.upper()} "})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert list(body) == ["token"]
    answer = await http.post(
        "/graphql",
        json={"query": VIEWER_EMAIL},
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"data": {"viewer": {"user": {"email": OWNER}}}}


@pytest.mark.parametrize(
    "email",
    [
        "",
        "nobody@example.test",
        "real.customer@example.com",  # a user in the database, but not a demo identity
        REMOVED,  # a demo identity that was removed
        "newcomer@shopiq.test",  # a demo identity no longer in the database
    ],
)
async def test_demo_token_refuses_everyone_else(
    http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    email: str,
) -> None:
    async with sessions.begin() as session:
        session.add(User(email="real.customer@example.com", name="Real Customer"))
        await session.execute(
            update(User)
            .where(User.email == "newcomer@shopiq.test")
            .values(email="renamed@example.com")
        )
    response = await http.get("/graphiql/demo-token", params={"email": email})
    assert response.status_code == 404, response.text
    assert "token" not in response.json()
    missing = await http.get("/graphiql/demo-token")
    assert missing.status_code == 404


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser test", pytrace=False)
    pytest.skip(reason)


@pytest.mark.usefixtures("committed_world")  # the server ends requests after the test's rollback
async def test_graphiql_in_a_browser_signs_in_and_runs_the_dashboard_query(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if not PLAYWRIGHT:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    started = time.perf_counter()
    async with live_server(settings, sessions) as base_url:
        async with client_for(base_url) as client:  # the server is up and answers
            assert (await client.get("/healthz")).status_code == 200
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context()
                blocked: list[str] = []
                errors: list[str] = []

                async def only_loopback(route: Route) -> None:
                    if urlsplit(route.request.url).hostname == "127.0.0.1":
                        await route.continue_()
                    else:
                        blocked.append(route.request.url)
                        await route.abort()

                await context.route("**/*", only_loopback)
                page = await context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on(
                    "console",
                    lambda message: (
                        errors.append(message.text)
                        if "Content Security Policy" in message.text
                        else None
                    ),
                )

                await page.goto(f"{base_url}/graphql?q={quote(DASHBOARD)}")
                bar = page.get_by_role("region", name="Demo sign-in")
                await expect(bar).to_contain_text(
                    "signs you in as a demo user with a development token"
                )
                await page.get_by_label("Demo user").select_option(OWNER)
                await expect(page.get_by_role("status")).to_contain_text(f"Signed in as {OWNER}")

                await page.locator(".graphiql-execute-button").click()
                result = page.locator(".graphiql-response")
                await expect(result).to_contain_text('"totalCount": 13')
                await expect(result).to_contain_text("Aster Apparel")  # Northwind's first client

                # The schema was fetched again with the token: the Docs show the root types.
                await page.get_by_label("Show Documentation Explorer").click()
                await expect(page.locator(".graphiql-plugin")).to_contain_text("query: Query")

                assert blocked == [], f"the page tried to reach other hosts: {blocked}"
                assert errors == [], errors
            finally:
                await browser.close()
    # Reported with -rP or on failure: how long the whole browser round took.
    print(f"browser test: {time.perf_counter() - started:.1f} s")
