"""Shared fixtures: one migrated database per run (SQLite file, or the PostgreSQL named by
SHOPIQ_TEST_DATABASE_URL), the demo world seeded once and every test run inside a transaction
that is rolled back afterwards, an HTTP client that signs in as any demo user with a real JWT,
and a SQL statement counter.

How the rollback works: each test that touches the database gets one connection with an open
outer transaction, and the run's one session factory is bound to that connection with
`join_transaction_mode="create_savepoint"`. Every session the application or the test opens
(one at a time, last opened first closed) then works in a SAVEPOINT inside that transaction:
its commit releases the savepoint, its rollback rolls back to it, and the outer ROLLBACK at the
end of the test takes everything away again. Tests that need real commits or several
connections at once ask for `committed_world` instead."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, fields, replace
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
from tests.helpers import FakeDns

TEST_SECRET = "test-secret-" + "x" * 40

GraphQL = Callable[..., Awaitable[dict[str, Any]]]

# What the harness itself sends around the statements a test makes: left out of `statements`.
TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


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
async def committed_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine configured exactly like production's: it migrates the database, and the tests
    that need real commits and concurrent connections run on it."""
    eng = create_engine(database_url)
    if not is_sqlite(database_url):
        async with eng.begin() as conn:  # a clean slate on a reused server
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def engine(database_url: str, committed_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine the tests' rolled-back transactions run on.

    PostgreSQL: the production engine itself. SQLite: a second engine with the same settings
    (foreign keys, WAL, busy timeout) that also emits BEGIN itself, SQLAlchemy's documented
    recipe for the sqlite3/aiosqlite drivers: left to themselves they begin a transaction only
    before the first INSERT/UPDATE/DELETE, so a SAVEPOINT before that would open a transaction
    of its own, and its RELEASE would commit."""
    if not is_sqlite(database_url):
        yield committed_engine
        return
    eng = create_engine(database_url)

    @event.listens_for(eng.sync_engine, "connect")
    def _driver_begins_nothing(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(eng.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The run's one session factory; every app the tests build gets it. Bound to the engine
    between tests, to the test's connection while a test runs (see `world`)."""
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

    def copy(self) -> World:
        return World(**{f.name: dict(getattr(self, f.name)) for f in fields(self)})


async def reset_database(engine: AsyncEngine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())


async def seed_world(sessions: async_sessionmaker[AsyncSession]) -> World:
    """Seed the demo (committed) and read its ids."""
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
async def seeded(sessions: async_sessionmaker[AsyncSession]) -> World:
    """The demo world, seeded and committed once per run."""
    return await seed_world(sessions)


def _bind(sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
    # "conditional_savepoint" is the factory's default mode.
    sessions.configure(bind=engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture
async def world(
    request: pytest.FixtureRequest,
    seeded: World,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[World]:
    """The seeded demo world; whatever the test writes is rolled back when it ends.
    (With `committed_world`, the test commits for real and the world is reseeded instead.)"""
    if "committed_world" in request.fixturenames:
        yield seeded.copy()
        return
    async with engine.connect() as conn:
        outer = await conn.begin()
        sessions.configure(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield seeded.copy()
        finally:
            _bind(sessions, engine)
            await outer.rollback()


@pytest.fixture
async def committed_world(
    seeded: World,
    engine: AsyncEngine,
    committed_engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[World]:
    """The seeded demo world for a test that needs real commits on real, concurrent
    connections (no surrounding transaction). Afterwards the database is wiped and reseeded."""
    _bind(sessions, committed_engine)
    try:
        yield seeded.copy()
    finally:
        _bind(sessions, engine)
        await reset_database(committed_engine)
        fresh = await seed_world(sessions)
        for f in fields(World):  # the same ids in practice; kept right in any case
            setattr(seeded, f.name, getattr(fresh, f.name))


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="development",
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        var_dir=Path(tmp_path_factory.mktemp("var")),
    )


@pytest.fixture(scope="session")
async def http(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
async def prod_http(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app in production mode, in process."""
    app = create_app(replace(settings, env="production"), engine=engine, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def fake_dns() -> FakeDns:
    return FakeDns()


@pytest.fixture(scope="session")
async def dns_http(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    fake_dns: FakeDns,
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP, with a DNS resolver that the test controls instead of real lookups."""
    app = create_app(settings, engine=engine, dns=fake_dns, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def dns(fake_dns: FakeDns) -> Iterator[FakeDns]:
    """The DNS behind `dns_http`, answering nothing and with nothing asked yet; the test may set
    `answers` and `failure`. Reset again afterwards, so that nothing carries over."""
    fake_dns.reset()
    yield fake_dns
    fake_dns.reset()


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
def dns_gql(dns_http: httpx.AsyncClient, world: World, dns: FakeDns) -> GraphQL:
    """Like `gql`, against a server whose DNS lookups the test controls."""

    async def run_query(email: str, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token_for(world.users[email], email)}"}
        response = await dns_http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run_query


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement executed while the fixture is active, in order (without the
    BEGIN/SAVEPOINT/RELEASE/ROLLBACK that the test's transaction adds)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not TRANSACTION_CONTROL.match(statement):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", record)
