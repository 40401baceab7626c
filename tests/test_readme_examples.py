"""What the README promises: its GraphQL examples run, in order, against the demo world and
answer what they say; the example clients send the same query; `shopiq demo --reset` brings the
demo back.

The examples' annotations (documented in README's "The API at a glance"), as first comment
lines of a ```graphql block:

    # as owner@northwind.test                         the demo user whose token sends it
    # $storeId = Onboard.onboardClient.client.store.id  a variable from an earlier answer
    # expect userErrors: NOT_READY                    the userErrors codes the answer brings

Paths start with the name of an earlier operation and go into its answer's `data`; `[0]` picks
a list item by position, `[name=Standard launch]` the item whose field has that value.

verifyStoreDomain runs against a stand-in DNS that has published every TXT record an earlier
answer listed (`records { type name value }`), as a merchant following the answer would."""

from __future__ import annotations

import json
import re
import sqlite3
import types
import typing
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import DEMO_EMAILS, USERS, seed_demo, wipe
from db.enums import UserStatus
from db.models import User
from server.cli import main
from server.tokens import read_token
from tests.conftest import World, seed_world, token_for
from tests.helpers import FakeDns

README = Path(__file__).resolve().parent.parent / "README.md"

FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
AS = re.compile(r"#\s*as\s+(\S+@\S+)\s*$")
VARIABLE = re.compile(r"#\s*\$(\w+)\s*=\s*(.+?)\s*$")
EXPECT = re.compile(r"#\s*expect userErrors:\s*(.+?)\s*$")
OPERATION = re.compile(r"^(?:query|mutation)\s+(\w+)", re.MULTILINE)
DECLARED = re.compile(r"\$(\w+)\s*:")
STEP = re.compile(r"\.?(\w+)|\[([^\]]+)\]")


@dataclass
class Example:
    line: int  # where the block starts in README.md
    text: str  # what is sent: the block as written
    operation: str | None
    sender: str
    variables: dict[str, str] = field(default_factory=dict)  # name -> path or JSON literal
    expected: frozenset[str] = frozenset()

    @property
    def query(self) -> str:
        """The block without its leading annotation comments."""
        lines = self.text.splitlines(keepends=True)
        while lines and lines[0].startswith("#"):
            lines.pop(0)
        return "".join(lines)


def blocks(language: str, markdown: str | None = None) -> list[tuple[int, str]]:
    """(line number, text) of every fenced block of that language, in order."""
    text = README.read_text() if markdown is None else markdown
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(2))
        for m in FENCE.finditer(text)
        if m.group(1) == language
    ]


def parse(line: int, text: str) -> Example:
    sender: str | None = None
    variables: dict[str, str] = {}
    expected: frozenset[str] = frozenset()
    for comment in text.splitlines():
        if not comment.startswith("#"):
            break
        if m := AS.fullmatch(comment):
            sender = m.group(1)
        elif m := VARIABLE.fullmatch(comment):
            variables[m.group(1)] = m.group(2)
        elif m := EXPECT.fullmatch(comment):
            expected = frozenset(c.strip() for c in m.group(1).split(","))
    assert sender, f"README.md:{line}: the example names no sender (# as EMAIL)"
    operation = OPERATION.search(text)
    example = Example(line, text, operation and operation.group(1), sender, variables, expected)
    declared = set(DECLARED.findall(example.query))
    assert declared == set(variables), f"README.md:{line}: declares {declared}, fills {variables}"
    return example


def examples() -> list[Example]:
    return [parse(line, text) for line, text in blocks("graphql")]


def follow(path: str, answers: dict[str, Any]) -> Any:
    """The value at `Operation.field.list[0].field[name=value]...` of the earlier answers."""
    value: Any = answers
    for name, selector in STEP.findall(path):
        if name:
            assert isinstance(value, dict), f"no object before {name!r} on the way to {path}"
            assert name in value, f"no {name!r} on the way to {path}"
            value = value[name]
        elif "=" in selector:
            key, wanted = selector.split("=", 1)
            matches = [item for item in value if str(item.get(key)) == wanted]
            assert len(matches) == 1, f"{len(matches)} items with {selector} on the way to {path}"
            value = matches[0]
        else:
            value = value[int(selector)]
    return value


def resolve(source: str, answers: dict[str, Any]) -> Any:
    """A variable's value: a JSON literal, or a path into an earlier answer."""
    try:
        return json.loads(source)
    except ValueError:
        return follow(source, answers)


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every object inside an answer."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def user_error_codes(data: Any) -> set[str]:
    return {e["code"] for obj in walk(data) for e in obj.get("userErrors") or ()}


def publish_txt_records(dns: FakeDns, data: Any) -> None:
    """The merchant publishes the TXT records an answer asked for."""
    for record in walk(data):
        if record.get("type") == "TXT" and {"name", "value"} <= record.keys():
            dns.answers.setdefault(record["name"], []).append(record["value"])


async def run_examples(
    http: httpx.AsyncClient, world: World, dns: FakeDns
) -> dict[str, dict[str, Any]]:
    """Send every example in order; the answers' `data` by operation name."""
    answers: dict[str, dict[str, Any]] = {}
    for example in examples():
        where = f"README.md:{example.line} ({example.operation or 'anonymous'})"
        variables = {name: resolve(src, answers) for name, src in example.variables.items()}
        token = token_for(world.users[example.sender], example.sender)
        response = await http.post(
            "/graphql",
            json={"query": example.text, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, f"{where}: {response.text}"
        body = response.json()
        assert "errors" not in body, f"{where}: {body['errors']}"
        assert user_error_codes(body["data"]) == example.expected, f"{where}: {body['data']}"
        publish_txt_records(dns, body["data"])
        if example.operation:
            assert example.operation not in answers, f"{where}: the name is taken already"
            answers[example.operation] = body["data"]
    return answers


async def test_readme_examples_run_in_order(
    dns_http: httpx.AsyncClient, world: World, dns: FakeDns
) -> None:
    answers = await run_examples(dns_http, world, dns)

    # What the prose around the examples says they show.
    onboarded = answers["OnboardCafeRose"]["onboardClient"]["client"]
    assert (onboarded["currency"], onboarded["store"]["subdomain"]) == ("EUR", "cafe-rose-co")
    titles = [t["title"] for t in answers["Onboard"]["onboardClient"]["client"]["tasks"]["nodes"]]
    assert "Launch rehearsal and go-live checklist" in titles
    assert answers["VerifyDomain"]["verifyStoreDomain"]["store"]["domain"]["status"] == "VERIFIED"
    readiness = answers["Readiness"]["client"]["launchReadiness"]
    assert not readiness["ready"]
    assert answers["CompleteTask"]["completeTask"]["task"]["status"] == "DONE"
    refused = answers["Launch"]["launchStore"]["userErrors"]
    assert len(refused) == len(readiness["blockers"]) > 1


def test_annotations_are_read() -> None:
    text = (
        "# as owner@northwind.test\n"
        "# $id = Earlier.list[name=Two words].id\n"
        "# $first = 3\n"
        "# expect userErrors: NOT_READY, CONFLICT\n"
        "query Later($id: ID!, $first: Int!) { node(id: $id) { id } }\n"
    )
    example = parse(7, text)
    assert (example.sender, example.operation) == ("owner@northwind.test", "Later")
    assert example.expected == {"NOT_READY", "CONFLICT"}
    assert example.query.startswith("query Later")
    earlier = {"Earlier": {"list": [{"name": "One", "id": "a"}, {"name": "Two words", "id": "b"}]}}
    assert resolve(example.variables["id"], earlier) == "b"
    assert resolve(example.variables["first"], earlier) == 3
    assert resolve("Earlier.list[0].id", earlier) == "a"


def test_every_example_names_its_sender_and_the_demo_knows_them() -> None:
    found = examples()
    assert len(found) >= 10
    assert {e.sender for e in found} <= set(DEMO_EMAILS)
    named = [e.operation for e in found if e.operation]
    assert len(named) == len(set(named))


# The example clients ------------------------------------------------------------------------


def dashboard_query() -> str:
    (dashboard,) = [e for e in examples() if e.operation == "Dashboard"]
    return dashboard.query


def test_example_clients_send_the_dashboard_query_of_the_readme() -> None:
    query = dashboard_query()
    (python,) = [text for _, text in blocks("python") if "query Dashboard" in text]
    (typescript,) = [text for _, text in blocks("ts") if "query Dashboard" in text]
    assert query in python
    assert query in typescript


def conforms(value: Any, hint: Any, where: str = "data") -> None:
    """The answer has exactly the shape the Python example's type hints describe."""
    origin = typing.get_origin(hint)
    if typing.is_typeddict(hint):
        fields = typing.get_type_hints(hint)
        assert isinstance(value, dict), (where, value)
        assert value.keys() == fields.keys(), (where, value, fields)
        for key, inner in fields.items():
            conforms(value[key], inner, f"{where}.{key}")
    elif origin is list:
        assert isinstance(value, list), where
        for item in value:
            conforms(item, typing.get_args(hint)[0], f"{where}[]")
    elif origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None:
            assert type(None) in options, where
        else:
            conforms(value, next(o for o in options if o is not type(None)), where)
    else:
        assert isinstance(value, hint), (where, value, hint)


async def test_python_example_types_describe_the_answer(
    http: httpx.AsyncClient, world: World
) -> None:
    (python,) = [text for _, text in blocks("python") if "query Dashboard" in text]
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(python, "README.md", "exec", dont_inherit=True), namespace)
    email = "owner@northwind.test"
    response = await http.post(
        "/graphql",
        json={"query": namespace["DASHBOARD"]},
        headers={"Authorization": f"Bearer {token_for(world.users[email], email)}"},
    )
    body = response.json()
    assert "errors" not in body, body
    conforms(body["data"], namespace["Dashboard"])


# `shopiq demo --reset` ----------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite database with the demo, the CLI pointed at it."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SHOPIQ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHOPIQ_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("SHOPIQ_JWT_SECRET", raising=False)
    monkeypatch.delenv("SHOPIQ_ENV", raising=False)
    assert main(["db", "upgrade"]) == 0
    return path


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every application table, without timestamps (they are 'now' at seeding),
    nor the audit trail's recorded values (which hold such timestamps)."""
    with closing(sqlite3.connect(path)) as conn:
        names = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in ("alembic_version", "sqlite_sequence")
        ]
        rows = {}
        for name in names:
            columns = [
                c
                for _, c, *_ in conn.execute(f"PRAGMA table_info({name})")
                # Changes and payloads hold the seed's timestamps too.
                if not c.endswith("_at")
                and (name, c) not in (("audit_events", "changes"), ("outbox_events", "payload"))
            ]
            rows[name] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {name} ORDER BY 1"
            ).fetchall()
        return rows


def printed_tokens(out: str) -> dict[str, str]:
    return dict(line.split() for line in out.splitlines() if line.startswith("  "))


def test_demo_reset_seeds_the_same_world_again_and_earlier_tokens_still_work(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    tokens = printed_tokens(capsys.readouterr().out)
    seeded = table_rows(cli_db)
    secret_file = cli_db.parent / "var" / "jwt-secret"
    secret = secret_file.read_text()
    with closing(sqlite3.connect(cli_db)) as conn, conn:  # what a developer did since
        conn.execute("DELETE FROM tasks WHERE id = (SELECT min(id) FROM tasks)")
        conn.execute("UPDATE clients SET business_name = 'Renamed' WHERE id = 1")
        conn.execute(
            "INSERT INTO users (email, name, status, is_platform_staff, created_at, updated_at)"
            " VALUES ('added@example.test', 'Added', 'active', 0, '2024-01-01', '2024-01-01')"
        )
    assert table_rows(cli_db) != seeded

    assert main(["demo", "--reset"]) == 0
    out, err = capsys.readouterr()
    assert "deleted all data" in err
    assert "demo data seeded" in err
    assert table_rows(cli_db) == seeded
    assert secret_file.read_text() == secret
    ids = _user_ids(cli_db)
    for email, token in tokens.items():  # earlier tokens name the same users
        assert read_token(secret.strip(), token)[0] == ids[email]
    assert printed_tokens(out).keys() == tokens.keys()
    assert {e for e in DEMO_EMAILS if USERS[e][1] != UserStatus.REMOVED} == tokens.keys()


def _user_ids(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT email, id FROM users").fetchall())


def test_demo_reset_is_refused_in_production(
    cli_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    before = table_rows(cli_db)
    monkeypatch.setenv("SHOPIQ_ENV", "production")
    monkeypatch.setenv("SHOPIQ_JWT_SECRET", "s" * 40)
    assert main(["demo", "--reset"]) == 2
    assert "production" in capsys.readouterr().err
    assert table_rows(cli_db) == before


async def test_wipe_and_seed_give_the_demo_the_same_ids_on_either_backend(
    committed_world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        session.add(User(email="added@example.test", name="Added"))
    async with sessions.begin() as session:
        assert await wipe(session) > 0
        assert await seed_demo(session)
    assert await seed_world(sessions) == committed_world  # seeds nothing more; reads the ids
