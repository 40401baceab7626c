"""Shared fixtures: one migrated database per run (SQLite file, or the PostgreSQL named by
SHOPIQ_TEST_DATABASE_URL), the demo world reseeded for every test, an HTTP client that signs in
as any demo user with a real JWT, and a SQL statement counter."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.base import Base
from db.demo import seed_demo
from db.engine import create_engine, create_session_factory, is_sqlite
from db.models import Client, Partner, PartnerMember, Store, User
from policies import Authorizer, build_authorizer
from server.app import create_app
from server.settings import Settings
from server.tokens import issue_token

TEST_SECRET = "test-secret-" + "x" * 40

GraphQL = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("SHOPIQ_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "sqlite" if is_sqlite(database_url) else "postgresql"


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    if not is_sqlite(database_url):
        async with eng.begin() as conn:  # a clean slate on a reused server
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture(scope="session")
def authz() -> Authorizer:
    return build_authorizer()


@dataclass
class World:
    """Database ids of the demo world, by human-readable key."""

    users: dict[str, int]  # email -> user id
    partners: dict[str, int]  # slug -> partner id
    clients: dict[str, int]  # business name -> client id
    stores: dict[str, int]  # business name -> store id
    members: dict[str, int]  # email -> partner member id


async def reset_database(engine: AsyncEngine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())


@pytest.fixture
async def world(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> World:
    await reset_database(engine)
    async with sessions.begin() as session:
        await seed_demo(session)
    async with sessions() as session:
        users = dict((await session.execute(select(User.email, User.id))).all())
        partners = dict((await session.execute(select(Partner.slug, Partner.id))).all())
        clients = dict((await session.execute(select(Client.business_name, Client.id))).all())
        stores = dict(
            (
                await session.execute(
                    select(Client.business_name, Store.id).join(Store, Store.client_id == Client.id)
                )
            ).all()
        )
        members = dict(
            (
                await session.execute(
                    select(User.email, PartnerMember.id).join(
                        PartnerMember, PartnerMember.user_id == User.id
                    )
                )
            ).all()
        )
    return World(users, partners, clients, stores, members)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="development",
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        var_dir=Path(tmp_path_factory.mktemp("var")),
    )


@pytest.fixture(scope="session")
async def http(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def token_for(user_id: int, email: str = "user@example.test", ttl: int = 600) -> str:
    return issue_token(TEST_SECRET, user_id, email, ttl)


@pytest.fixture
def gql(http: httpx.AsyncClient, world: World) -> GraphQL:
    """`await gql(email, query, **variables)` -> the JSON body, as that demo user over HTTP.
    `email=None` sends no token. Fails the test on a non-200 status."""

    async def run(email: str | None, query: str, **variables: Any) -> dict[str, Any]:
        headers = {}
        if email is not None:
            headers["Authorization"] = f"Bearer {token_for(world.users[email], email)}"
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement executed while the fixture is active, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", record)
