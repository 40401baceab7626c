"""Client connections (`clients` and `partner.clients`): keyset pages in (businessName, id) order,
page info at both ends, totals, argument errors, filters, and cursors that cross viewers."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import AccessStatus, ClientStatus
from db.models import Assignment, Client, PartnerAccess, Store
from schema.relay import from_global_id, to_global_id
from tests.conftest import GraphQL, World
from tests.helpers import gid

Sessions = async_sessionmaker[AsyncSession]
Source = Literal["root", "partner"]
Key = tuple[str, int]  # (business name, database id)
Connection = dict[str, Any]

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
PLATFORM_STAFF = "staff@shopiq.test"
MERCHANT = "merchant@lumen-candles.test"
BLUEFIN_OWNER = "owner@bluefin.test"

FIELDS = """
    totalCount
    edges { cursor node { id businessName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
"""
VARS = "$first: Int, $after: String, $last: Int, $before: String, $filter: ClientFilterInput"
ARGS = "first: $first, after: $after, last: $last, before: $before, filter: $filter"
ROOT_PAGE = f"query Page({VARS}) {{ clients({ARGS}) {{ {FIELDS} }} }}"
PARTNER_PAGE = (
    f"query Page($partnerId: ID!, {VARS}) "
    f"{{ partner(id: $partnerId) {{ clients({ARGS}) {{ {FIELDS} }} }} }}"
)

# Extra clients: name ties with the demo (ordered by id), and names, legal names and emails that
# exercise search. (business name, legal name, contact email, status, partner slug)
EXTRA_CLIENTS: tuple[tuple[str, str, str, ClientStatus, str], ...] = (
    ("Aster Apparel", "Aster Two Ltd", "two@aster.example", ClientStatus.ONBOARDING, NORTHWIND),
    ("Aster Apparel", "Aster Three Ltd", "three@aster.example", ClientStatus.LIVE, NORTHWIND),
    ("100% Organic", "Hundred Percent Ltd", "hi@organic.example", ClientStatus.LEAD, NORTHWIND),
    ("Snake_Case Labs", "Snake Case Labs Ltd", "hi@snake.example", ClientStatus.LIVE, NORTHWIND),
    (
        "Either/Or Studio",
        "Either Or Studio Ltd",
        "hi@eitheror.example",
        ClientStatus.LIVE,
        NORTHWIND,
    ),
    (
        "Rowan Outfitters",
        "Rowan Outfitters Ltd",
        "Buyer@ZQ-Mail.example",
        ClientStatus.ONBOARDING,
        NORTHWIND,
    ),
    ("Quill & Ink", "Northern Stationers GmbH", "hi@quill.example", ClientStatus.LIVE, NORTHWIND),
    ("50% Off Outlet", "Half Off Ltd", "hi@halfoff.example", ClientStatus.LIVE, BLUEFIN),
)


@dataclass(frozen=True)
class Scope:
    """Who is asking, and which partner's clients `partner.clients` lists for them."""

    email: str
    partner: str


SCOPES = {
    OWNER: Scope(OWNER, NORTHWIND),
    SPECIALIST: Scope(SPECIALIST, NORTHWIND),
    PLATFORM_STAFF: Scope(PLATFORM_STAFF, NORTHWIND),
    BLUEFIN_OWNER: Scope(BLUEFIN_OWNER, BLUEFIN),
}


@pytest.fixture
async def extra(world: World, sessions: Sessions) -> World:
    async with sessions.begin() as session:
        for index, (name, legal, email, status, slug) in enumerate(EXTRA_CLIENTS):
            client = Client(
                partner_id=world.partners[slug],
                business_name=name,
                legal_name=legal,
                contact_email=email,
                country="US",
                currency="USD",
                status=status,
            )
            session.add(client)
            await session.flush()
            session.add_all(
                [
                    Store(client_id=client.id, name=name, subdomain=f"extra-client-{index}"),
                    PartnerAccess(
                        partner_id=world.partners[slug],
                        client_id=client.id,
                        status=AccessStatus.ACTIVE,
                        requested_at=client.created_at,
                        activated_at=client.created_at,
                    ),
                ]
            )
    return world


def client_gid(key: Key) -> str:
    return gid("Client", key[1])


async def visible(
    sessions: Sessions,
    world: World,
    email: str,
    *,
    source: Source = "root",
    statuses: tuple[ClientStatus, ...] = (),
) -> list[Key]:
    """What the viewer may see, worked out from the tables directly, in (name, id) order."""
    stmt: Select[str, int] = select(Client.business_name, Client.id)
    if email != PLATFORM_STAFF:
        scope = SCOPES[email]
        stmt = stmt.join(PartnerAccess, PartnerAccess.client_id == Client.id).where(
            PartnerAccess.partner_id == world.partners[scope.partner],
            PartnerAccess.status == AccessStatus.ACTIVE,
            # An access past its expiry gives nothing.
            or_(PartnerAccess.expires_at.is_(None), PartnerAccess.expires_at > utcnow()),
        )
        if email == SPECIALIST:
            stmt = stmt.join(Assignment, Assignment.client_id == Client.id).where(
                Assignment.member_id == world.members[email]
            )
    if source == "partner":
        stmt = stmt.where(Client.partner_id == world.partners[SCOPES[email].partner])
    if statuses:
        stmt = stmt.where(Client.status.in_(statuses))
    async with sessions() as session:
        rows = (await session.execute(stmt)).all()
    return sorted((str(name), int(id_)) for name, id_ in rows)


async def request(
    gql: GraphQL, world: World, email: str, source: Source, **args: Any
) -> dict[str, Any]:
    if source == "root":
        return await gql(email, ROOT_PAGE, **args)
    partner_id = to_global_id("Partner", world.partners[SCOPES[email].partner])
    return await gql(email, PARTNER_PAGE, partnerId=partner_id, **args)


async def page(gql: GraphQL, world: World, email: str, source: Source, **args: Any) -> Connection:
    body = await request(gql, world, email, source, **args)
    assert "errors" not in body, body
    data = body["data"]
    connection: Connection = data["clients"] if source == "root" else data["partner"]["clients"]
    return connection


def ids_of(connection: Connection) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def assert_cursors_match_edges(connection: Connection) -> None:
    info = connection["pageInfo"]
    edges = connection["edges"]
    if edges:
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["endCursor"] == edges[-1]["cursor"]
    else:
        assert info["startCursor"] is None
        assert info["endCursor"] is None
    assert len({edge["cursor"] for edge in edges}) == len(edges)


async def walk_forward(
    gql: GraphQL, world: World, email: str, source: Source, size: int, **args: Any
) -> list[Connection]:
    pages: list[Connection] = []
    cursor: str | None = None
    while True:
        connection = await page(gql, world, email, source, first=size, after=cursor, **args)
        pages.append(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        cursor = connection["pageInfo"]["endCursor"]
        assert len(pages) < 200, "the walk does not end"


async def walk_backward(
    gql: GraphQL, world: World, email: str, source: Source, size: int, **args: Any
) -> list[Connection]:
    pages: list[Connection] = []
    cursor: str | None = None
    while True:
        connection = await page(gql, world, email, source, last=size, before=cursor, **args)
        pages.append(connection)
        if not connection["pageInfo"]["hasPreviousPage"]:
            return pages
        cursor = connection["pageInfo"]["startCursor"]
        assert len(pages) < 200, "the walk does not end"


def check_forward(pages: list[Connection], expected: list[Key], size: int) -> None:
    seen = [node_id for connection in pages for node_id in ids_of(connection)]
    assert seen == [client_gid(k) for k in expected]
    assert len(pages) == max(1, -(-len(expected) // size))
    for number, connection in enumerate(pages):
        last_page = number == len(pages) - 1
        assert connection["totalCount"] == len(expected)
        if not last_page:
            assert len(connection["edges"]) == size
        assert connection["pageInfo"]["hasPreviousPage"] is (number > 0)
        assert connection["pageInfo"]["hasNextPage"] is (not last_page)
        assert_cursors_match_edges(connection)


def check_backward(pages: list[Connection], expected: list[Key], size: int) -> None:
    seen = [node_id for connection in reversed(pages) for node_id in ids_of(connection)]
    assert seen == [client_gid(k) for k in expected]
    assert len(pages) == max(1, -(-len(expected) // size))
    for number, connection in enumerate(pages):
        first_page = number == len(pages) - 1  # the walk ends at the start of the list
        assert connection["totalCount"] == len(expected)
        if not first_page:
            assert len(connection["edges"]) == size
        assert connection["pageInfo"]["hasNextPage"] is (number > 0)
        assert connection["pageInfo"]["hasPreviousPage"] is (not first_page)
        assert_cursors_match_edges(connection)


def encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- walking the whole list -----------------------------------------------------------------


@pytest.mark.parametrize("source", ["root", "partner"])
@pytest.mark.parametrize("size", [1, 2, 5, 100])
async def test_first_after_walks_every_client_once_in_order(
    gql: GraphQL, sessions: Sessions, extra: World, source: Source, size: int
) -> None:
    expected = await visible(sessions, extra, OWNER, source=source)
    assert len(expected) == 20  # 13 demo clients and 7 extra ones with active access
    assert [name for name, _ in expected].count("Aster Apparel") == 3
    pages = await walk_forward(gql, extra, OWNER, source, size)
    check_forward(pages, expected, size)

    # Past the end: an empty page that still knows there is something before it.
    beyond = await page(
        gql, extra, OWNER, source, first=size, after=pages[-1]["pageInfo"]["endCursor"]
    )
    assert beyond["edges"] == []
    assert beyond["totalCount"] == len(expected)
    assert beyond["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


@pytest.mark.parametrize("source", ["root", "partner"])
@pytest.mark.parametrize("size", [1, 2, 5, 100])
async def test_last_before_walks_every_client_once_backwards(
    gql: GraphQL, sessions: Sessions, extra: World, source: Source, size: int
) -> None:
    expected = await visible(sessions, extra, OWNER, source=source)
    pages = await walk_backward(gql, extra, OWNER, source, size)
    check_backward(pages, expected, size)

    before_start = await page(
        gql, extra, OWNER, source, last=size, before=pages[-1]["pageInfo"]["startCursor"]
    )
    assert before_start["edges"] == []
    assert before_start["totalCount"] == len(expected)
    assert before_start["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


@pytest.mark.parametrize("source", ["root", "partner"])
@pytest.mark.parametrize("email", [SPECIALIST, PLATFORM_STAFF, BLUEFIN_OWNER])
async def test_other_viewers_walk_exactly_their_own_clients(
    gql: GraphQL, sessions: Sessions, extra: World, source: Source, email: str
) -> None:
    expected = await visible(sessions, extra, email, source=source)
    assert expected
    check_forward(await walk_forward(gql, extra, email, source, 2), expected, 2)
    check_backward(await walk_backward(gql, extra, email, source, 2), expected, 2)


async def test_any_edge_cursor_resumes_right_after_or_before_it(
    gql: GraphQL, sessions: Sessions, extra: World
) -> None:
    expected = await visible(sessions, extra, OWNER)
    edges = (await page(gql, extra, OWNER, "root", first=100))["edges"]
    assert [e["node"]["id"] for e in edges] == [client_gid(k) for k in expected]
    for index, edge in enumerate(edges):
        after = await page(gql, extra, OWNER, "root", first=3, after=edge["cursor"])
        assert ids_of(after) == [client_gid(k) for k in expected[index + 1 : index + 4]]
        before = await page(gql, extra, OWNER, "root", last=3, before=edge["cursor"])
        assert ids_of(before) == [client_gid(k) for k in expected[max(0, index - 3) : index]]


@pytest.mark.parametrize("source", ["root", "partner"])
async def test_single_page_holding_everything_has_no_neighbours(
    gql: GraphQL, sessions: Sessions, extra: World, source: Source
) -> None:
    expected = await visible(sessions, extra, OWNER, source=source)
    for args in ({"first": 100}, {"last": 100}, {"first": len(expected)}):
        connection = await page(gql, extra, OWNER, source, **args)
        assert ids_of(connection) == [client_gid(k) for k in expected]
        assert connection["pageInfo"]["hasNextPage"] is False
        assert connection["pageInfo"]["hasPreviousPage"] is False
        assert_cursors_match_edges(connection)
    # One short of everything: the page knows there is more in the direction it reads.
    forward = await page(gql, extra, OWNER, source, first=len(expected) - 1)
    assert forward["pageInfo"]["hasNextPage"] is True
    assert forward["pageInfo"]["hasPreviousPage"] is False
    backward = await page(gql, extra, OWNER, source, last=len(expected) - 1)
    assert backward["pageInfo"]["hasNextPage"] is False
    assert backward["pageInfo"]["hasPreviousPage"] is True
    assert ids_of(backward) == [client_gid(k) for k in expected[1:]]


# --- bad arguments --------------------------------------------------------------------------


BAD_ARGUMENTS = [
    pytest.param({"first": 101}, "between 0 and 100", id="first-over-100"),
    pytest.param({"first": 1000}, "between 0 and 100", id="first-1000"),
    pytest.param({"last": 101}, "between 0 and 100", id="last-over-100"),
    pytest.param({"first": -1}, "between 0 and 100", id="first-negative"),
    pytest.param({"last": -5}, "between 0 and 100", id="last-negative"),
    pytest.param({"first": 5, "last": 5}, "not both", id="first-and-last"),
    pytest.param({}, "pass `first` or `last`", id="neither"),
    pytest.param({"after": "abc"}, "pass `first` or `last`", id="cursor-without-size"),
    pytest.param({"first": 5, "after": "not-a-cursor"}, "cursor", id="after-garbage"),
    pytest.param({"last": 5, "before": "%%%"}, "cursor", id="before-symbols"),
    pytest.param({"first": 5, "after": ""}, "cursor", id="after-empty"),
    pytest.param({"first": 5, "after": encoded('["Aster Apparel"]')}, "cursor", id="too-short"),
    pytest.param({"first": 5, "after": encoded('{"a": 1}')}, "cursor", id="object"),
    pytest.param({"first": 5, "after": encoded("[1, 2, 3]")}, "cursor", id="too-long"),
    pytest.param({"first": 5, "after": encoded('"Aster"')}, "cursor", id="string"),
]


# Base64 JSON lists of the right length whose values could never come from this list.
BAD_CURSOR_VALUES = [
    pytest.param('["Aster Apparel", "x"]', id="text-id"),
    pytest.param('["Aster Apparel", 1.5]', id="fractional-id"),
    pytest.param("[1, 2]", id="number-name"),
    pytest.param('["Aster Apparel", 99999999999999999999999]', id="huge-id"),
    pytest.param('[["a"], {"b": 2}]', id="nested"),
    pytest.param("[null, null]", id="nulls"),
]


def assert_argument_error(body: dict[str, Any], source: Source, fragment: str) -> None:
    """One GraphQL error naming the problem, the connection null, no internals in the message."""
    errors = body.get("errors")
    assert errors, body
    assert len(errors) == 1
    message = errors[0]["message"]
    assert fragment in message
    for internal in ("Unexpected", "SQL", "sqlite", "asyncpg", "parameters"):
        assert internal not in message
    if source == "root":
        assert body["data"] is None
        assert errors[0]["path"] == ["clients"]
    else:
        assert body["data"] == {"partner": None}
        assert errors[0]["path"] == ["partner", "clients"]


@pytest.mark.parametrize("source", ["root", "partner"])
@pytest.mark.parametrize(("args", "fragment"), BAD_ARGUMENTS)
async def test_bad_page_arguments_are_clear_graphql_errors(
    gql: GraphQL, extra: World, source: Source, args: dict[str, Any], fragment: str
) -> None:
    body = await request(gql, extra, OWNER, source, **args)  # HTTP 200 is checked by `gql`
    assert_argument_error(body, source, fragment)


@pytest.mark.parametrize("raw", BAD_CURSOR_VALUES)
async def test_cursor_values_of_the_wrong_type_are_clear_graphql_errors(
    gql: GraphQL, extra: World, raw: str
) -> None:
    sources: tuple[Source, ...] = ("root", "partner")
    for source in sources:
        for size, direction in (("first", "after"), ("last", "before")):
            args: dict[str, Any] = {size: 5, direction: encoded(raw)}
            body = await request(gql, extra, OWNER, source, **args)
            assert_argument_error(body, source, "cursor")


async def test_a_zero_sized_page_is_empty_but_counts(
    gql: GraphQL, sessions: Sessions, extra: World
) -> None:
    expected = await visible(sessions, extra, OWNER)
    connection = await page(gql, extra, OWNER, "root", first=0)
    assert connection["edges"] == []
    assert connection["totalCount"] == len(expected)


# --- what a page's total costs ---------------------------------------------------------------

COUNTS = re.compile(r"SELECT count\(\*\) AS \w+\s+FROM \(SELECT clients\.", re.IGNORECASE)
CLIENT_PAGES = re.compile(r"^SELECT clients\.id, ", re.IGNORECASE)


def _client_reads(statements: list[str]) -> tuple[int, int]:
    """(page statements, separate count statements) over clients."""
    pages = sum(1 for s in statements if CLIENT_PAGES.match(s))
    return pages, sum(1 for s in statements if COUNTS.search(s))


@pytest.mark.parametrize("size", [("first", 3), ("last", 3)])
async def test_a_page_of_part_of_the_list_counts_it_apart(
    gql: GraphQL, sessions: Sessions, extra: World, statements: list[str], size: tuple[str, int]
) -> None:
    # Counted in the page's statement (COUNT(*) OVER ()), a list an index reads in order up to
    # its LIMIT would have every row read and sorted instead (README, "Filtering and ordering").
    expected = await visible(sessions, extra, OWNER)
    assert len(expected) > 3
    statements.clear()
    connection = await page(gql, extra, OWNER, "root", **{size[0]: size[1]})
    assert connection["totalCount"] == len(expected)
    assert _client_reads(statements) == (1, 1), statements


async def test_a_page_after_a_cursor_counts_the_whole_list_apart(
    gql: GraphQL, sessions: Sessions, extra: World, statements: list[str]
) -> None:
    expected = await visible(sessions, extra, OWNER)
    first = await page(gql, extra, OWNER, "root", first=2)
    statements.clear()
    after = await page(gql, extra, OWNER, "root", first=2, after=first["pageInfo"]["endCursor"])
    assert after["totalCount"] == len(expected)
    assert _client_reads(statements) == (1, 1), statements


@pytest.mark.parametrize("size", ["first", "last"])
async def test_a_page_holding_the_whole_list_counts_its_rows(
    gql: GraphQL, sessions: Sessions, extra: World, statements: list[str], size: str
) -> None:
    # Most agencies' lists fit in one page: their count is the page's length, no statement.
    expected = await visible(sessions, extra, SPECIALIST)
    statements.clear()
    body = await gql(SPECIALIST, f"{{ clients({size}: 100) {{ totalCount nodes {{ id }} }} }}")
    assert body["data"]["clients"]["totalCount"] == len(expected)
    assert len(body["data"]["clients"]["nodes"]) == len(expected)
    assert _client_reads(statements) == (1, 0), statements


async def test_a_page_without_its_total_asks_for_none(
    gql: GraphQL, extra: World, statements: list[str]
) -> None:
    statements.clear()
    body = await gql(OWNER, "{ clients(first: 2) { nodes { id } } }")
    assert len(body["data"]["clients"]["nodes"]) == 2
    assert _client_reads(statements) == (1, 0), statements


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["root", "partner"])
@pytest.mark.parametrize(
    "statuses",
    [
        (ClientStatus.LIVE,),
        (ClientStatus.ONBOARDING, ClientStatus.LEAD),
        (ClientStatus.IMPLEMENTATION,),
        (ClientStatus.CHURNED,),
    ],
)
async def test_status_filter_keeps_only_those_statuses(
    gql: GraphQL,
    sessions: Sessions,
    extra: World,
    source: Source,
    statuses: tuple[ClientStatus, ...],
) -> None:
    expected = await visible(sessions, extra, OWNER, source=source, statuses=statuses)
    flt = {"status": [s.name for s in statuses]}
    check_forward(await walk_forward(gql, extra, OWNER, source, 2, filter=flt), expected, 2)
    check_backward(await walk_backward(gql, extra, OWNER, source, 3, filter=flt), expected, 3)


SEARCHES = [
    pytest.param("CANDLES", {"Lumen Candles"}, id="business-name-upper"),
    pytest.param("  lumen candles ", {"Lumen Candles"}, id="trimmed"),
    pytest.param("STATIONERS", {"Quill & Ink"}, id="legal-name"),
    pytest.param("zq-mail", {"Rowan Outfitters"}, id="email-stored-mixed-case"),
    pytest.param("HELLO@FABLE-BOOKS", {"Fable Books"}, id="email-upper"),
    pytest.param("aster apparel", {"Aster Apparel"}, id="ties"),
    pytest.param("%", {"100% Organic"}, id="percent"),
    pytest.param("0% o", {"100% Organic"}, id="percent-inside"),
    pytest.param("_", {"Snake_Case Labs"}, id="underscore"),
    pytest.param("e_c", {"Snake_Case Labs"}, id="underscore-inside"),
    pytest.param("/", {"Either/Or Studio"}, id="slash"),
    pytest.param("r/o", {"Either/Or Studio"}, id="slash-inside"),
    pytest.param("\\", set(), id="backslash"),
    pytest.param("50%", set(), id="other-partners-client"),
    pytest.param("harbor", set(), id="other-partners-demo-client"),
    pytest.param("old mill", set(), id="revoked-access"),
    pytest.param("tidal", set(), id="ended-access"),
    pytest.param("solo soaps", set(), id="no-partner"),
    pytest.param("zzz-nothing", set(), id="no-match"),
]


@pytest.mark.parametrize("source", ["root", "partner"])
@pytest.mark.parametrize(("search", "names"), SEARCHES)
async def test_search_is_case_insensitive_and_literal(
    gql: GraphQL,
    sessions: Sessions,
    extra: World,
    source: Source,
    search: str,
    names: set[str],
) -> None:
    everyone = await visible(sessions, extra, OWNER, source=source)
    expected = [k for k in everyone if k[0] in names]
    connection = await page(gql, extra, OWNER, source, first=100, filter={"search": search})
    assert ids_of(connection) == [client_gid(k) for k in expected]
    assert connection["totalCount"] == len(expected)


async def test_empty_search_does_not_filter(gql: GraphQL, sessions: Sessions, extra: World) -> None:
    expected = await visible(sessions, extra, OWNER)
    for search in ("", "   ", None):
        connection = await page(gql, extra, OWNER, "root", first=100, filter={"search": search})
        assert ids_of(connection) == [client_gid(k) for k in expected]


async def searchable(sessions: Sessions) -> dict[int, str]:
    """Each client's business name, legal name and contact email, lower-cased, in one string."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Client.id, Client.business_name, Client.legal_name, Client.contact_email)
            )
        ).all()
    return {int(row[0]): "\n".join(str(v or "") for v in row[1:]).lower() for row in rows}


async def test_status_and_search_combine_and_page(
    gql: GraphQL, sessions: Sessions, extra: World
) -> None:
    live = await visible(sessions, extra, OWNER, statuses=(ClientStatus.LIVE,))
    texts = await searchable(sessions)
    expected = [k for k in live if "apparel" in texts[k[1]]]
    assert len(expected) == 2  # two of the three Aster Apparel clients are live
    flt = {"status": ["LIVE"], "search": "APPAREL"}
    check_forward(await walk_forward(gql, extra, OWNER, "root", 1, filter=flt), expected, 1)


async def test_specialist_search_stays_within_assigned_clients(
    gql: GraphQL, sessions: Sessions, extra: World
) -> None:
    mine = await visible(sessions, extra, SPECIALIST)
    texts = await searchable(sessions)
    for search in ("e", "ltd", "candles", "copperleaf", "harbor"):
        connection = await page(
            gql, extra, SPECIALIST, "root", first=100, filter={"search": search}
        )
        expected = [k for k in mine if search in texts[k[1]]]
        assert ids_of(connection) == [client_gid(k) for k in expected]
        assert connection["totalCount"] == len(expected)


# --- cursors across viewers -----------------------------------------------------------------


def after_key(keys: list[Key], key: Key) -> list[Key]:
    return [k for k in keys if k > key]


def before_key(keys: list[Key], key: Key) -> list[Key]:
    return [k for k in keys if k < key]


@pytest.mark.parametrize(
    ("owner_of_cursor", "user_of_cursor"),
    [
        (BLUEFIN_OWNER, OWNER),
        (OWNER, BLUEFIN_OWNER),
        (OWNER, SPECIALIST),
        (PLATFORM_STAFF, OWNER),
        (PLATFORM_STAFF, MERCHANT),
        (OWNER, MERCHANT),
    ],
)
async def test_a_cursor_from_another_viewer_reveals_nothing(
    gql: GraphQL,
    sessions: Sessions,
    extra: World,
    owner_of_cursor: str,
    user_of_cursor: str,
) -> None:
    if user_of_cursor == MERCHANT:
        mine = [("Lumen Candles", extra.clients["Lumen Candles"])]
    else:
        mine = await visible(sessions, extra, user_of_cursor)
    theirs = (await page(gql, extra, owner_of_cursor, "root", first=100))["edges"]
    visible_ids = {client_gid(k) for k in mine}
    for edge in theirs:
        key = (edge["node"]["businessName"], _pk(edge["node"]["id"]))
        forward = await page(gql, extra, user_of_cursor, "root", first=100, after=edge["cursor"])
        assert ids_of(forward) == [client_gid(k) for k in after_key(mine, key)]
        assert set(ids_of(forward)) <= visible_ids
        assert forward["totalCount"] == len(mine)
        backward = await page(gql, extra, user_of_cursor, "root", last=100, before=edge["cursor"])
        assert ids_of(backward) == [client_gid(k) for k in before_key(mine, key)]
        assert backward["totalCount"] == len(mine)


async def test_a_foreign_cursor_on_partner_clients_stays_in_that_partner(
    gql: GraphQL, sessions: Sessions, extra: World
) -> None:
    mine = await visible(sessions, extra, BLUEFIN_OWNER, source="partner")
    northwind = (await page(gql, extra, OWNER, "partner", first=100))["edges"]
    for edge in northwind:
        key = (edge["node"]["businessName"], _pk(edge["node"]["id"]))
        connection = await page(
            gql, extra, BLUEFIN_OWNER, "partner", first=100, after=edge["cursor"]
        )
        assert ids_of(connection) == [client_gid(k) for k in after_key(mine, key)]
        assert connection["totalCount"] == len(mine)


def _pk(global_id: str) -> int:
    decoded = from_global_id(global_id)
    assert decoded is not None
    assert decoded[0] == "Client"
    return decoded[1]
