"""The frame around every mutation: field paths of userErrors, which database errors are a lost
race the user can act on (and what they are told), which are faults of ours (rolled back, logged
with the request id, and nothing but that id for the client), and the request id itself."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Index, UniqueConstraint, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from strawberry.utils.str_converters import to_camel_case as strawberry_camel_case

from db.base import Base
from db.engine import create_engine, create_session_factory
from db.models import Client, Partner, PartnerAccess, PartnerMember, Store, User
from policies import Authorizer, Viewer
from resolvers import db_errors
from resolvers.context import Context
from resolvers.mutations import CONFLICT_MESSAGE, Outcome, transact
from resolvers.problems import (
    ErrorCode,
    Problem,
    UnexpectedError,
    field_path,
    refuse,
    to_camel_case,
)
from resolvers.validation import Checker
from server.app import request_id_of, sending_request_id

# --- Field paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("assignee_id", ("input", "assigneeId")),
        ("shipping_zone_count", ("input", "shippingZoneCount")),
        ("version", ("input", "version")),
        (("items", 0, "title"), ("input", "items", "0", "title")),
        (("items", 12, "due_offset_days"), ("input", "items", "12", "dueOffsetDays")),
        ("assigneeId", ("input", "assigneeId")),  # already GraphQL's spelling: unchanged
        (None, None),
    ],
)
def test_python_names_become_graphql_paths(
    field: str | tuple[str | int, ...] | None, path: tuple[str, ...] | None
) -> None:
    assert field_path(field) == path
    assert refuse(field, "m", ErrorCode.INVALID).problems == [Problem(path, "m", ErrorCode.INVALID)]


@pytest.mark.parametrize(
    "name",
    [
        "client_id",
        "logo_url",
        "kyc_status",
        "workflow_template_id",
        "rejection_reason",
        "due_offset_days",
        "a__b",
        "trailing_",
        "x",
    ],
)
def test_camel_case_is_strawberrys(name: str) -> None:
    assert to_camel_case(name) == strawberry_camel_case(name)


def test_checker_paths_sit_under_input_and_within() -> None:
    top = Checker()
    top.text("business_name", "", required=True, max_len=5)
    item = Checker(within=("items", 3))
    item.text("title", "x" * 9, required=True, max_len=5)
    item.add("due_offset_days", "Use 0 to 365 days.", ErrorCode.INVALID)
    assert [p.field for p in top.problems + item.problems] == [
        ("input", "businessName"),
        ("input", "items", "3", "title"),
        ("input", "items", "3", "dueOffsetDays"),
    ]


# --- The registry of unique constraints ----------------------------------------------------


def test_every_unique_constraint_of_the_models_has_an_answer() -> None:
    declared = {
        (table.name, tuple(c.name for c in unique.columns))
        for table in Base.metadata.sorted_tables
        for unique in [
            *(c for c in table.constraints if isinstance(c, UniqueConstraint)),
            *(i for i in table.indexes if isinstance(i, Index) and i.unique),
        ]
    }
    assert set(db_errors.ANSWERS) == declared
    assert set(db_errors.KEYS_BY_NAME.values()) == declared


def test_constraint_names_are_the_migrations() -> None:
    assert db_errors.KEYS_BY_NAME["uq_stores_subdomain"] == ("stores", ("subdomain",))
    assert db_errors.KEYS_BY_NAME["uq_partner_members_partner_id"] == (
        "partner_members",
        ("partner_id", "user_id"),
    )
    assert db_errors.KEYS_BY_NAME["uq_partner_accesses_active_client"] == (
        "partner_accesses",
        ("client_id",),
    )


# --- Real errors from a small in-memory SQLite database ------------------------------------


@pytest.fixture
async def memory() -> AsyncIterator[AsyncEngine]:
    """The models' tables in a private in-memory database (foreign keys on)."""
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(Partner).values(id=1, name="P", slug="p"))
        await conn.execute(insert(User).values(id=1, email="a@example.test", name="A"))
        await conn.execute(
            insert(Client).values(
                id=1, partner_id=1, business_name="C", contact_email="c@x.test", country="US",
                currency="USD", status="onboarding",
            )
        )  # fmt: skip
        await conn.execute(insert(Store).values(id=1, client_id=1, name="S", subdomain="taken"))
    yield engine
    await engine.dispose()


async def integrity_error(engine: AsyncEngine, statement: Any) -> IntegrityError:
    async with engine.connect() as conn:
        with pytest.raises(IntegrityError) as caught:
            await conn.execute(statement)
    return caught.value


def problem(field: tuple[str, ...] | None, message: str, code: ErrorCode) -> Problem:
    return Problem(field, message, code)


TAKEN_SUBDOMAIN = problem(
    ("input", "subdomain"),
    "That subdomain was taken meanwhile; choose another.",
    ErrorCode.TAKEN,
)

SECOND_CLIENT = insert(Client).values(
    id=2, business_name="D", contact_email="d@x.test", country="US", currency="USD",
    status="onboarding",
)  # fmt: skip
ACTIVE_ACCESS = insert(PartnerAccess).values(
    partner_id=1, client_id=1, status="active", requested_at=func.now()
)

# (what, written first, the statement that loses, what the user is told)
RACES: list[tuple[str, list[Any], Any, Problem]] = [
    (
        "subdomain",
        [SECOND_CLIENT],
        insert(Store).values(client_id=2, name="T", subdomain="taken"),
        TAKEN_SUBDOMAIN,
    ),
    (
        "store per client",
        [],
        insert(Store).values(client_id=1, name="T", subdomain="other"),
        problem(None, CONFLICT_MESSAGE, ErrorCode.CONFLICT),
    ),
    (
        "email",
        [],
        insert(User).values(email="a@example.test", name="B"),
        problem(
            None,
            "Someone else added a user with that email address meanwhile; nothing was saved. "
            "Try again.",
            ErrorCode.CONFLICT,
        ),
    ),
    (
        "membership",
        [insert(PartnerMember).values(partner_id=1, user_id=1, role="owner")],
        insert(PartnerMember).values(partner_id=1, user_id=1, role="admin", status="invited"),
        problem(
            ("input", "email"), "That person is already on the team or invited.", ErrorCode.TAKEN
        ),
    ),
    (
        "active access",
        [ACTIVE_ACCESS],
        ACTIVE_ACCESS,
        problem(
            None,
            "Another partner's access to this client became active meanwhile; nothing was saved.",
            ErrorCode.CONFLICT,
        ),
    ),
]


@pytest.mark.parametrize(
    ("what", "first", "statement", "expected"), RACES, ids=[r[0] for r in RACES]
)
async def test_unique_violations_on_sqlite_become_their_user_error(
    memory: AsyncEngine, what: str, first: list[Any], statement: Any, expected: Problem
) -> None:
    async with memory.begin() as conn:
        for earlier in first:
            await conn.execute(earlier)
    assert db_errors.race_problem(await integrity_error(memory, statement)) == expected


@pytest.mark.parametrize(
    ("what", "statement"),
    [
        ("not null", insert(User).values(email="n@example.test")),
        ("foreign key", insert(Store).values(client_id=99, name="X", subdomain="nowhere")),
        ("check", insert(User).values(email="c@example.test", name="C", status="bogus")),
        ("primary key", insert(Partner).values(id=1, name="Q", slug="q")),
    ],
)
async def test_other_integrity_errors_are_not_races(
    memory: AsyncEngine, what: str, statement: Any
) -> None:
    if what == "check":  # the ORM's Enum refuses the value before SQL; write it raw instead
        statement = text(
            "INSERT INTO users (email, name, status, is_platform_staff, created_at, updated_at) "
            "VALUES ('c@example.test', 'C', 'bogus', 0, '2024-01-01', '2024-01-01')"
        )
    assert db_errors.race_problem(await integrity_error(memory, statement)) is None


# --- PostgreSQL's shape: asyncpg's error behind SQLAlchemy's adapter ------------------------


class FakeAsyncpgError(Exception):
    """What asyncpg raises: the server's SQLSTATE and the violated constraint's name."""

    def __init__(self, sqlstate: str, constraint_name: str | None) -> None:
        super().__init__("duplicate key value violates unique constraint")
        self.sqlstate = sqlstate
        self.constraint_name = constraint_name


def asyncpg_style(sqlstate: str, constraint_name: str | None) -> IntegrityError:
    """As SQLAlchemy's asyncpg dialect wraps it: an adapter error (sqlstate, no constraint name)
    raised `from` asyncpg's, inside an IntegrityError."""
    adapter = Exception("<class 'asyncpg.exceptions.UniqueViolationError'>: duplicate key")
    adapter.__cause__ = FakeAsyncpgError(sqlstate, constraint_name)
    return IntegrityError("INSERT INTO stores ...", {}, adapter)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("uq_stores_subdomain", TAKEN_SUBDOMAIN),
        (
            "uq_workflow_templates_partner_id",
            problem(("input", "name"), "A workflow with that name exists.", ErrorCode.TAKEN),
        ),
        (
            "uq_assignments_client_id",
            problem(
                ("input", "memberId"),
                "That member is already assigned to this client.",
                ErrorCode.TAKEN,
            ),
        ),
        (
            "uq_stores_custom_domain",
            problem(
                ("input", "hostname"), "That domain is connected to another store.", ErrorCode.TAKEN
            ),
        ),
    ],
)
def test_postgresql_unique_violations_are_found_by_constraint_name(
    name: str, expected: Problem
) -> None:
    assert db_errors.race_problem(asyncpg_style("23505", name)) == expected


@pytest.mark.parametrize(
    ("sqlstate", "name"),
    [
        ("23505", "pk_users"),  # a primary key: never a race of ours
        ("23505", "uq_something_else"),
        ("23503", "fk_stores_client_id_clients"),  # foreign key
        ("23502", None),  # not null
        ("23514", "ck_users_userstatus"),  # check
    ],
)
def test_postgresql_other_errors_are_not_races(sqlstate: str, name: str | None) -> None:
    assert db_errors.race_problem(asyncpg_style(sqlstate, name)) is None


# --- transact: rolled back, logged, and told apart ------------------------------------------

VIEWER = Viewer(7, "v@example.test", "V", False, (), ())


def context(authz: Authorizer, sessions: async_sessionmaker[AsyncSession]) -> Context:
    return Context(viewer=VIEWER, authz=authz, sessions=sessions, request_id="req-42")


Work = Callable[[AsyncSession], Awaitable[int]]


async def run(memory: AsyncEngine, authz: Authorizer, work: Work) -> tuple[Outcome[int], int]:
    """The outcome, and how many partners exist afterwards (the work adds one first)."""
    sessions = create_session_factory(memory)
    outcome = await transact(context(authz, sessions), work)
    async with sessions() as session:
        partners = (await session.execute(select(func.count(Partner.id)))).scalar_one()
    return outcome, partners


def adding_a_partner_then(statement: Any) -> Work:
    async def work(session: AsyncSession) -> int:
        session.add(Partner(name="New", slug="new"))
        await session.flush()
        await session.execute(statement)
        return 1

    return work


async def test_a_lost_race_is_a_user_error_and_leaves_nothing(
    memory: AsyncEngine, authz: Authorizer
) -> None:
    statement = insert(User).values(email="a@example.test", name="Again")
    outcome, partners = await run(memory, authz, adding_a_partner_then(statement))
    assert outcome.value is None
    assert [p.code for p in outcome.problems] == [ErrorCode.CONFLICT]
    assert partners == 1


async def test_a_stale_version_is_a_conflict(memory: AsyncEngine, authz: Authorizer) -> None:
    async def work(session: AsyncSession) -> int:
        raise StaleDataError("UPDATE statement on table 'stores' expected to update 1 row(s)")

    outcome, _ = await run(memory, authz, work)
    assert outcome.problems == [Problem(None, CONFLICT_MESSAGE, ErrorCode.CONFLICT)]


@pytest.mark.parametrize(
    "statement",
    [
        insert(User).values(email="n@example.test"),  # NOT NULL
        insert(Store).values(client_id=99, name="X", subdomain="nowhere"),  # foreign key
        text("SELECT * FROM no_such_table"),  # not an IntegrityError at all
    ],
    ids=["not-null", "foreign-key", "operational"],
)
async def test_any_other_database_error_is_ours_logged_and_told_only_by_request_id(
    memory: AsyncEngine, authz: Authorizer, statement: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="resolvers.mutations")
    with pytest.raises(UnexpectedError) as caught:
        await run(memory, authz, adding_a_partner_then(statement))
    assert str(caught.value) == "Unexpected error (request req-42)."
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    async with create_session_factory(memory)() as session:
        assert (await session.execute(select(func.count(Partner.id)))).scalar_one() == 1
    (record,) = caplog.records
    assert "req-42" in record.getMessage()
    assert "viewer 7" in record.getMessage()
    assert record.__dict__["request_id"] == "req-42"
    assert record.__dict__["viewer_id"] == 7
    assert record.exc_info is not None  # the SQL and the driver's error stay in the log


# --- The request id -------------------------------------------------------------------------


def scope_with(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "headers": list(headers)}


@pytest.mark.parametrize(
    "given",
    [b"abc-123", b"0f7c2a1e-5b7d-4c1a-9d2e-7a1b2c3d4e5f", b"lb.node-1:42"],
)
def test_a_sane_incoming_request_id_is_kept(given: bytes) -> None:
    assert request_id_of(scope_with((b"x-request-id", given))) == given.decode()


@pytest.mark.parametrize(
    "given",
    [b"", b"has space", b"line\nbreak", b"x" * 65, b"-leading", "é".encode(), b"a;b"],
)
def test_anything_else_gets_a_fresh_request_id(given: bytes) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_of(scope_with((b"x-request-id", given))))


def test_without_a_header_each_request_gets_its_own_id() -> None:
    first, second = request_id_of(scope_with()), request_id_of(scope_with())
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


async def test_the_response_names_the_request_once() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    wrapped = sending_request_id(send, "abc-123")
    await wrapped(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"x-request-id", b"forged"), (b"content-type", b"text/plain")],
        }
    )
    await wrapped({"type": "http.response.body", "body": b"ok"})
    assert sent[0]["headers"] == [
        (b"content-type", b"text/plain"),
        (b"x-request-id", b"abc-123"),
    ]
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}


async def test_graphql_answers_carry_the_request_id(http: httpx.AsyncClient) -> None:
    echoed = await http.post("/graphql", json={"query": "{ __typename }"}, headers={
        "X-Request-Id": "trace-7"
    })  # fmt: skip
    assert echoed.status_code == 401  # refused before anything else, and still named
    assert echoed.headers["x-request-id"] == "trace-7"
    fresh = await http.post("/graphql", json={"query": "{ __typename }"})
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
