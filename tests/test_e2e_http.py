"""The real server over TCP: uvicorn serving the app on a loopback port, httpx as the client.
Covers sign-in refusals, GraphiQL in development only, error masking in production and the
wire format of timestamps; and `shopiq serve` as a separate process."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import gc
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers import queries
from server.app import create_app
from server.settings import Settings
from server.tokens import AUDIENCE, ISSUER, issue_token
from tests.conftest import TEST_SECRET, World

STARTUP_TIMEOUT = 30.0  # seconds; guards against a server that never comes up
SHUTDOWN_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
OWNER = "owner@northwind.test"
REMOVED = "former@northwind.test"
VIEWER_EMAIL = "{ viewer { user { email } } }"
UNEXPECTED = "Unexpected error."


@asynccontextmanager
async def live_server(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[str]:
    """Serve `create_app(settings, sessions=sessions)` with uvicorn on a free loopback port;
    yield its base URL. The socket is bound before the server starts, so no other process can
    take the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, sessions=sessions),
        host="127.0.0.1",
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while not server.started:
                if task.done():
                    task.result()  # re-raises why start-up failed
                    raise RuntimeError("the server stopped before it started")
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            _, pending = await asyncio.wait({task}, timeout=SHUTDOWN_TIMEOUT)
            if pending:
                server.force_exit = True
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        finally:
            sock.close()
            # The app's start-up freezes the objects alive at that moment out of the cyclic
            # collector's view; give them back once the server is gone.
            gc.unfreeze()


@asynccontextmanager
async def client_for(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    # trust_env=False: a proxy configured in the environment must not carry loopback traffic.
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False
    ) as client:
        yield client


@pytest.fixture(scope="module")
async def dev_http(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    async with live_server(settings, sessions) as url, client_for(url) as client:
        yield client


@pytest.fixture(scope="module")
async def prod_http(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    production = dataclasses.replace(settings, env="production")
    assert production.production
    async with live_server(production, sessions) as url, client_for(url) as client:
        yield client


# uvicorn finishes a request (and closes its database session) in its own task, after the client
# already has the response: the server must not share the test's connection, whose transaction
# is rolled back as soon as the test returns. Tests that sign in to it run on real commits.
on_real_commits = pytest.mark.usefixtures("committed_world")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def owner_token(world: World) -> str:
    return issue_token(TEST_SECRET, world.users[OWNER], OWNER, 600)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def unsigned_token(world: World) -> str:
    """Valid claims for a real user under `alg: none`, with no signature."""
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": str(world.users[OWNER]),
        "email": OWNER,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


# Each refusal as the headers it sends; all of them must get the same 401.
REFUSED: dict[str, Callable[[World], dict[str, str]]] = {
    "no token": lambda world: {},
    "expired": lambda world: bearer(issue_token(TEST_SECRET, world.users[OWNER], OWNER, -60)),
    "another secret": lambda world: bearer(
        issue_token("another-secret-" + "y" * 40, world.users[OWNER], OWNER, 600)
    ),
    "alg none": lambda world: bearer(unsigned_token(world)),
    "never-existing user": lambda world: bearer(
        issue_token(TEST_SECRET, max(world.users.values()) + 10_000, "ghost@example.test", 600)
    ),
    "removed user": lambda world: bearer(
        issue_token(TEST_SECRET, world.users[REMOVED], REMOVED, 600)
    ),
    "not a bearer scheme": lambda world: {"Authorization": f"Basic {owner_token(world)}"},
    "garbage": lambda world: bearer("not-a-jwt"),
}


async def test_healthz(dev_http: httpx.AsyncClient) -> None:
    response = await dev_http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@on_real_commits
@pytest.mark.parametrize("case", list(REFUSED))
async def test_refuses_operations_without_a_valid_token(
    dev_http: httpx.AsyncClient, world: World, case: str
) -> None:
    response = await dev_http.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers=REFUSED[case](world)
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # One answer for every reason: the response does not tell why the token was refused.
    anonymous = await dev_http.post("/graphql", json={"query": VIEWER_EMAIL})
    assert body == anonymous.json()


@on_real_commits
async def test_valid_token_returns_data(dev_http: httpx.AsyncClient, world: World) -> None:
    response = await dev_http.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers=bearer(owner_token(world))
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"viewer": {"user": {"email": OWNER}}}}


async def test_graphiql_is_served_in_development_without_a_token(
    dev_http: httpx.AsyncClient,
) -> None:
    response = await dev_http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


@on_real_commits
async def test_production_does_not_serve_graphiql(
    prod_http: httpx.AsyncClient, world: World
) -> None:
    anonymous = await prod_http.get("/graphql", headers={"Accept": "text/html"})
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    signed_in = await prod_http.get(
        "/graphql", headers={"Accept": "text/html", **bearer(owner_token(world))}
    )
    assert signed_in.status_code != 200
    assert not signed_in.headers.get("content-type", "").startswith("text/html")
    assert "graphiql" not in signed_in.text.lower()


@on_real_commits
async def test_production_still_answers_operations(
    prod_http: httpx.AsyncClient, world: World
) -> None:
    response = await prod_http.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers=bearer(owner_token(world))
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"viewer": {"user": {"email": OWNER}}}}


async def _failing_clients_page(*_: Any, **__: Any) -> Any:
    raise RuntimeError("connection to db-7.internal:5432 failed (password 'hunter2')")


CLIENTS = "{ clients(first: 5) { nodes { id } } }"


@on_real_commits
async def test_production_masks_unexpected_errors(
    prod_http: httpx.AsyncClient,
    dev_http: httpx.AsyncClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queries, "clients_page", _failing_clients_page)
    headers = bearer(owner_token(world))

    masked = await prod_http.post("/graphql", json={"query": CLIENTS}, headers=headers)
    assert masked.status_code == 200, masked.text
    errors = masked.json()["errors"]
    assert [e["message"] for e in errors] == [UNEXPECTED]
    assert "hunter2" not in masked.text
    assert "db-7.internal" not in masked.text

    # Development shows the cause, so the masking above is production's doing.
    shown = await dev_http.post("/graphql", json={"query": CLIENTS}, headers=headers)
    assert "hunter2" in shown.json()["errors"][0]["message"]


@on_real_commits
async def test_production_keeps_argument_errors_readable(
    prod_http: httpx.AsyncClient, world: World
) -> None:
    response = await prod_http.post(
        "/graphql",
        json={"query": "{ clients(first: 101) { nodes { id } } }"},
        headers=bearer(owner_token(world)),
    )
    assert response.status_code == 200, response.text
    message = response.json()["errors"][0]["message"]
    assert message != UNEXPECTED
    assert "first" in message


TIMESTAMPS = """
{
  viewer { memberships { createdAt } }
  clients(first: 100) { nodes { createdAt updatedAt store { launchedAt } } }
}
"""


def assert_utc_iso(value: str) -> None:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value!r} has no UTC offset"
    assert parsed.utcoffset() == timedelta(0), f"{value!r} is not UTC"
    assert value.endswith(("+00:00", "Z")), value


@on_real_commits
async def test_timestamps_are_utc_iso_strings_with_offset(
    dev_http: httpx.AsyncClient, world: World
) -> None:
    response = await dev_http.post(
        "/graphql", json={"query": TIMESTAMPS}, headers=bearer(owner_token(world))
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    values: list[str] = [m["createdAt"] for m in data["viewer"]["memberships"]]
    for node in data["clients"]["nodes"]:
        values += [node["createdAt"], node["updatedAt"]]
        if node["store"]["launchedAt"] is not None:
            values.append(node["store"]["launchedAt"])
    assert len(values) > 20
    assert any(n["store"]["launchedAt"] for n in data["clients"]["nodes"])
    for value in values:
        assert_utc_iso(value)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _shopiq_command() -> list[str]:
    script = Path(sys.executable).with_name("shopiq")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


@dataclasses.dataclass
class ServeProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture
def shopiq_serve(database_url: str, tmp_path: Path) -> Iterator[ServeProcess]:
    """`shopiq serve` in its own process, configured by the environment like in production."""
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "SHOPIQ_ENV": "development",
        "SHOPIQ_DATABASE_URL": database_url,
        "SHOPIQ_JWT_SECRET": TEST_SECRET,
        "SHOPIQ_VAR_DIR": str(tmp_path / "var"),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_shopiq_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield ServeProcess(f"http://127.0.0.1:{port}", process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT)


async def test_shopiq_serve_answers_over_http(shopiq_serve: ServeProcess, world: World) -> None:
    async with client_for(shopiq_serve.base_url) as client:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while True:
                exited = shopiq_serve.process.poll()
                assert exited is None, shopiq_serve.log.read_text()
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        refused = await client.post("/graphql", json={"query": VIEWER_EMAIL})
        assert refused.status_code == 401
        response = await client.post(
            "/graphql", json={"query": VIEWER_EMAIL}, headers=bearer(owner_token(world))
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"viewer": {"user": {"email": OWNER}}}}
