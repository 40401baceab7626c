"""Trusted documents: sending a registered document's hash instead of its text (Apollo's
persisted-query shape), the server that runs registered documents only, registering them from
the command line and by platform staff's `registerDocument`, and migration 0003."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import migrate
from db.demo import DEMO_EMAILS, USERS
from db.enums import UserStatus
from db.models import TrustedDocument
from resolvers.documents import store_document
from server.app import create_app
from server.cli import main
from server.persisted import DocumentCache
from server.settings import Settings, SettingsError, load_settings
from tests.conftest import GraphQL, World, token_for

OWNER = "owner@northwind.test"
STAFF = "staff@shopiq.test"
NOT_FOUND_BODY = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}
REGISTER = """mutation Register($document: String!, $name: String) {
  registerDocument(input: { document: $document, name: $name }) {
    document { sha256Hash name }
    userErrors { field message code }
  }
}"""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def unique_query(name: str = "Clients") -> str:
    """A document no other test registers (the app caches known hashes for its lifetime)."""
    fields = "clients(first: 5) { totalCount nodes { businessName } }"
    return f"query {name} {{ {fields} }} # {uuid.uuid4()}"


def persisted(sha: str, **extra: Any) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}, **extra}


def signed_in(world: World, email: str = OWNER) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[email], email)}"}


async def register(sessions: async_sessionmaker[AsyncSession], text: str, name: str) -> None:
    async with sessions.begin() as session:
        await store_document(session, text, name)


# --- Sending the hash -----------------------------------------------------------------------


async def test_a_registered_hash_answers_as_its_text_does(
    http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    text = unique_query()
    await register(sessions, text, "Clients")
    headers = signed_in(world)
    by_text = await http.post("/graphql", json={"query": text}, headers=headers)
    by_hash = await http.post("/graphql", json=persisted(sha256(text)), headers=headers)
    assert by_text.status_code == by_hash.status_code == 200
    assert by_hash.json() == by_text.json()
    assert by_hash.json()["data"]["clients"]["totalCount"] > 0
    # Upper-case hex names the same document; text and matching hash run the text.
    upper = await http.post("/graphql", json=persisted(sha256(text).upper()), headers=headers)
    both = await http.post("/graphql", json=persisted(sha256(text), query=text), headers=headers)
    assert upper.json() == both.json() == by_text.json()


async def test_variables_and_operation_name_travel_with_the_hash(
    http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    text = (
        "query One($first: Int!) { clients(first: $first) { nodes { businessName } } }\n"
        f"query Two {{ viewer {{ user {{ email }} }} }} # {uuid.uuid4()}"
    )
    await register(sessions, text, "pair")
    request = persisted(sha256(text), variables={"first": 2}, operationName="One")
    body = (await http.post("/graphql", json=request, headers=signed_in(world))).json()
    assert len(body["data"]["clients"]["nodes"]) == 2
    request = persisted(sha256(text), operationName="Two")
    body = (await http.post("/graphql", json=request, headers=signed_in(world))).json()
    assert body == {"data": {"viewer": {"user": {"email": OWNER}}}}


async def test_an_unknown_hash_is_persisted_query_not_found(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await http.post(
        "/graphql", json=persisted(sha256(unique_query())), headers=signed_in(world)
    )
    assert response.status_code == 200
    assert response.json() == NOT_FOUND_BODY
    assert "no-cache" in response.headers["cache-control"]


async def test_text_and_hash_that_disagree_are_refused(
    http: httpx.AsyncClient, world: World
) -> None:
    text = unique_query()
    request = persisted(sha256(text + " "), query=text)
    response = await http.post("/graphql", json=request, headers=signed_in(world))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": True, "sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "0" * 64,
    ],
)
async def test_a_malformed_persisted_query_is_a_bad_request(
    http: httpx.AsyncClient, world: World, extension: Any
) -> None:
    request = {"extensions": {"persistedQuery": extension}}
    response = await http.post("/graphql", json=request, headers=signed_in(world))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_sending_text_and_hash_registers_nothing(
    http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    text = unique_query()
    headers = signed_in(world)
    ran = await http.post("/graphql", json=persisted(sha256(text), query=text), headers=headers)
    assert ran.json()["data"]["clients"]["totalCount"] > 0  # an open server runs any text
    again = await http.post("/graphql", json=persisted(sha256(text)), headers=headers)
    assert again.json() == NOT_FOUND_BODY
    async with sessions() as session:
        stmt = select(TrustedDocument.id).where(TrustedDocument.sha256 == sha256(text))
        assert await session.scalar(stmt) is None


async def test_authentication_comes_first(http: httpx.AsyncClient, world: World) -> None:
    for request in (persisted(sha256(unique_query())), persisted("x"), {"query": "{"}):
        response = await http.post("/graphql", json=request)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- Trusted documents only ---------------------------------------------------------------


@pytest.fixture
async def trusted_http(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
) -> AsyncIterator[httpx.AsyncClient]:
    """A production server that runs registered documents only."""
    strict = dataclasses.replace(settings, env="production", trusted_documents_only=True)
    app = create_app(strict, engine=engine, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_only_registered_documents_run_when_required(
    trusted_http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    headers = signed_in(world)
    registered, other = unique_query(), unique_query()
    await register(sessions, registered, "Clients")

    refused = [
        {"query": other},
        persisted(sha256(other), query=other),  # text and hash: never registers
        {"query": other, "extensions": {}},
    ]
    for request in refused:
        response = await trusted_http.post("/graphql", json=request, headers=headers)
        assert response.status_code == 400, request
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    for body in (b"[]", b"not json", b'"text"'):
        response = await trusted_http.post(
            "/graphql", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert "data" not in response.json()

    missing = await trusted_http.post("/graphql", json=persisted(sha256(other)), headers=headers)
    assert missing.status_code == 200
    assert missing.json() == NOT_FOUND_BODY

    answers = [
        await trusted_http.post("/graphql", json=request, headers=headers)
        for request in (
            {"query": registered},
            persisted(sha256(registered)),
            persisted(sha256(registered), query=registered),
        )
    ]
    assert {a.status_code for a in answers} == {200}
    assert answers[0].json()["data"]["clients"]["totalCount"] > 0
    assert answers[1].json() == answers[0].json() == answers[2].json()


async def test_known_hashes_are_looked_up_once(
    trusted_http: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    statements: list[str],
) -> None:
    text = unique_query()
    await register(sessions, text, "Clients")
    statements.clear()
    for _ in range(3):
        response = await trusted_http.post(
            "/graphql", json=persisted(sha256(text)), headers=signed_in(world)
        )
        assert response.status_code == 200
    lookups = [s for s in statements if "FROM trusted_documents" in s]
    assert len(lookups) == 1


def test_the_cache_is_bounded_by_count_and_size() -> None:
    cache = DocumentCache(entries=2, chars=10)
    cache.put("a", "aaaa")
    cache.put("b", "bbbb")
    assert cache.get("a") == "aaaa"  # now the most recently used
    cache.put("c", "cccc")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("aaaa", None, "cccc")
    cache.put("d", "d" * 8)  # over the size: the older entries go
    assert (len(cache), cache.get("d")) == (1, "d" * 8)
    cache.put("e", "e" * 11)  # larger than the whole cache: not kept
    assert cache.get("e") is None


def test_the_setting_defaults_to_false_and_reads_true_or_false(tmp_path: Path) -> None:
    base = {"SHOPIQ_VAR_DIR": str(tmp_path), "SHOPIQ_JWT_SECRET": "s" * 40}
    assert load_settings(base).trusted_documents_only is False
    production = {**base, "SHOPIQ_ENV": "production"}
    assert load_settings(production).trusted_documents_only is False
    for value, expected in (("true", True), ("1", True), ("FALSE", False), ("0", False)):
        environ = {**base, "SHOPIQ_TRUSTED_DOCUMENTS_ONLY": value}
        assert load_settings(environ).trusted_documents_only is expected
    with pytest.raises(SettingsError, match="SHOPIQ_TRUSTED_DOCUMENTS_ONLY"):
        load_settings({**base, "SHOPIQ_TRUSTED_DOCUMENTS_ONLY": "maybe"})


# --- registerDocument -----------------------------------------------------------------------


async def test_platform_staff_register_a_document(
    gql: GraphQL, http: httpx.AsyncClient, world: World
) -> None:
    text = unique_query("StaffClients")
    body = await gql(STAFF, REGISTER, document=text)
    assert body["data"]["registerDocument"] == {
        "document": {"sha256Hash": sha256(text), "name": "StaffClients"},
        "userErrors": [],
    }
    again = await gql(STAFF, REGISTER, document=text, name="Another name")
    assert again == body  # idempotent: the document registered before
    by_hash = await http.post("/graphql", json=persisted(sha256(text)), headers=signed_in(world))
    assert by_hash.json()["data"]["clients"]["totalCount"] > 0


async def test_register_names_a_document_without_one_named_operation(
    gql: GraphQL, world: World
) -> None:
    text = f"{{ viewer {{ user {{ id }} }} }} # {uuid.uuid4()}"
    body = await gql(STAFF, REGISTER, document=text)
    assert body["data"]["registerDocument"]["userErrors"] == [
        {"field": ["input", "name"], "message": body_message(body), "code": "REQUIRED"}
    ]
    named = await gql(STAFF, REGISTER, document=text, name="  Viewer id  ")
    assert named["data"]["registerDocument"]["document"]["name"] == "Viewer id"


def body_message(body: dict[str, Any]) -> str:
    message: str = body["data"]["registerDocument"]["userErrors"][0]["message"]
    return message


@pytest.mark.parametrize(
    "document",
    [
        "query {",
        "query Nope { nope }",
        "{ " + " ".join(f"a{n}: viewer {{ user {{ id }} }}" for n in range(31)) + " }",  # aliases
        "",
        "query A { viewer { user { id } } }\x00",
    ],
)
async def test_an_invalid_document_is_an_invalid_user_error(
    gql: GraphQL, world: World, document: str
) -> None:
    body = await gql(STAFF, REGISTER, document=document, name="bad")
    payload = body["data"]["registerDocument"]
    assert payload["document"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["input", "document"], "INVALID")


async def test_every_other_role_is_refused_alike(gql: GraphQL, world: World) -> None:
    others = [e for e in DEMO_EMAILS if e != STAFF and USERS[e][1] != UserStatus.REMOVED]
    assert len(others) > 5
    answers = []
    for email in others:
        for document in (unique_query(), "query {"):  # valid or not: the same refusal
            body = await gql(email, REGISTER, document=document, name="mine")
            answers.append(body)
    assert {repr(a) for a in answers} == {repr(answers[0])}
    assert answers[0]["data"]["registerDocument"] == {
        "document": None,
        "userErrors": [
            {
                "field": None,
                "message": "Your role does not allow registering documents.",
                "code": "FORBIDDEN",
            }
        ],
    }


# --- The command line -----------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite database, migrated with `shopiq db upgrade`, that the CLI is pointed at."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SHOPIQ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHOPIQ_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("SHOPIQ_JWT_SECRET", raising=False)
    monkeypatch.delenv("SHOPIQ_ENV", raising=False)
    assert main(["db", "upgrade"]) == 0
    return path


def test_documents_add_and_list(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    me = tmp_path / "me.graphql"
    me.write_text("query Me { viewer { user { email } } }\n")
    pair = tmp_path / "dashboard.graphql"
    pair.write_text("query A { viewer { user { id } } }\nquery B { viewer { user { name } } }\n")
    capsys.readouterr()

    assert main(["documents", "add", str(me), str(pair)]) == 0
    first = capsys.readouterr()
    assert first.out.splitlines() == [
        f"{sha256(me.read_text())}  Me",
        f"{sha256(pair.read_text())}  dashboard",  # two operations: the file's name
    ]

    assert main(["documents", "add", str(me)]) == 0  # the same text again: no duplicate
    second = capsys.readouterr()
    assert second.out.splitlines() == [f"{sha256(me.read_text())}  Me"]
    assert "already registered" in second.err

    assert main(["documents", "list"]) == 0
    listed = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert listed == [[sha256(me.read_text()), "Me"], [sha256(pair.read_text()), "dashboard"]]


def test_documents_add_checks_every_file_first(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.graphql"
    good.write_text("query Good { viewer { user { id } } }")
    bad = tmp_path / "bad.graphql"
    bad.write_text("query Bad { nope }")
    capsys.readouterr()

    assert main(["documents", "add", str(good), str(bad), str(tmp_path / "missing.graphql")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    for said in ("bad.graphql", "nope", "missing.graphql"):
        assert said in err
    assert main(["documents", "list"]) == 0
    assert capsys.readouterr().out == ""  # all or nothing


# --- Migration 0003 -------------------------------------------------------------------------


def has_table(connection: Any) -> bool:
    return "trusted_documents" in inspect(connection).get_table_names()


def unique_columns(connection: Any) -> list[list[str]]:
    return [
        u["column_names"] for u in inspect(connection).get_unique_constraints("trusted_documents")
    ]


async def test_migration_0003_goes_down_and_up(
    committed_engine: AsyncEngine, committed_world: object
) -> None:
    """On the suite's own database (SQLite or PostgreSQL). Going down drops the later
    migrations' tables with their demo rows too: `committed_world` seeds the demo again."""
    try:
        await migrate.downgrade(committed_engine, "0002_workflow")
        assert await migrate.current_revision(committed_engine) == "0002_workflow"
        async with committed_engine.connect() as conn:
            assert not await conn.run_sync(has_table)
    finally:
        await migrate.upgrade(committed_engine)
    # Back at the newest revision, whichever migration came after this one.
    assert await migrate.current_revision(committed_engine) == migrate.head_revision()
    async with committed_engine.connect() as conn:
        assert await conn.run_sync(has_table)
        assert await conn.run_sync(unique_columns) == [["sha256"]]
