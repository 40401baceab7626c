"""Filtering and ordering client lists (`filter`, `orderBy`, `totalCount` on the root `clients`
and on `partner.clients`): every order walks pages over many ties giving each visible client
exactly once and in order, on the root and on the batched nested path; each filter narrows to
exactly what it says (and agrees with the dashboard's figures); a cursor of another order is
refused; and no filter or order reveals another tenant's clients or counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import USERS
from db.enums import (
    AccessStatus,
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentStatus,
    TaskCategory,
    TaskStatus,
    TaxStatus,
)
from db.models import Assignment, Client, PartnerAccess, Store, Task
from resolvers.pagination import encode_cursor
from tests import oracle
from tests.conftest import GraphQL, World
from tests.helpers import db_id, gid

Sessions = async_sessionmaker[AsyncSession]
NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
BLUEFIN_OWNER = "owner@bluefin.test"
PLATFORM = "staff@shopiq.test"
ALL_EMAILS = tuple(USERS)

BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIELDS = ("NAME", "CREATED_AT", "LAUNCHED_AT", "NEXT_DUE_AT")

PAGE = """
query Page($first: Int!, $after: String, $filter: ClientFilterInput, $order: ClientOrderInput) {
  clients(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id businessName }
  }
}
"""

NESTED_PAGE = """
query Nested($id: ID!, $first: Int!, $after: String, $filter: ClientFilterInput,
             $order: ClientOrderInput) {
  partner(id: $id) {
    clients(first: $first, after: $after, filter: $filter, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id businessName }
    }
  }
}
"""


@dataclass(frozen=True)
class Spec:
    """A client to create: its name's suffix, creation time, launch time, next due date."""

    suffix: str
    created: datetime
    launched: datetime | None
    due: date | None


async def add_clients(
    sessions: Sessions,
    world: World,
    tag: str,
    specs: list[Spec],
    *,
    store: dict[str, Any] | None = None,
    assign: bool = True,
) -> list[int]:
    """Northwind clients named "<tag> <suffix>", each with a store (`store`: its column values),
    Northwind's active access, the specialist as lead (`assign`), an open task due on `due` and
    a done task due earlier (which no order counts)."""
    partner_id = world.partners[NORTHWIND]
    ids: list[int] = []
    async with sessions.begin() as session:
        for n, spec in enumerate(specs):
            client = Client(
                partner_id=partner_id,
                business_name=f"{tag} {spec.suffix}",
                contact_email=f"shop-{n}@{tag.replace(' ', '-')}.test",
                country="US",
                currency="USD",
                status=ClientStatus.LIVE if spec.launched else ClientStatus.IMPLEMENTATION,
                created_at=spec.created,
            )
            session.add(client)
            await session.flush()
            ids.append(client.id)
            session.add(
                Store(
                    client_id=client.id,
                    name=client.business_name,
                    subdomain=f"{tag.replace(' ', '-').lower()}-{n}-{uuid.uuid4().hex[:6]}",
                    launch_status=LaunchStatus.LIVE if spec.launched else LaunchStatus.NOT_LAUNCHED,
                    launched_at=spec.launched,
                    **(store or {}),
                )
            )
            session.add(
                PartnerAccess(
                    partner_id=partner_id,
                    client_id=client.id,
                    status=AccessStatus.ACTIVE,
                    requested_at=BASE,
                    activated_at=BASE,
                )
            )
            if assign:
                session.add(
                    Assignment(
                        partner_id=partner_id,
                        client_id=client.id,
                        member_id=world.members[SPECIALIST],
                        user_id=world.users[SPECIALIST],
                        role=AssignmentRole.LEAD,
                    )
                )
            if spec.due is not None:
                for position, (status, due) in enumerate(
                    [(TaskStatus.TODO, spec.due), (TaskStatus.DONE, spec.due - timedelta(days=30))]
                ):
                    session.add(
                        Task(
                            partner_id=partner_id,
                            client_id=client.id,
                            title=f"Task {position}",
                            category=TaskCategory.OTHER,
                            status=status,
                            due_date=due,
                            position=position + 1,
                        )
                    )
    return ids


def sort_value(spec: Spec, field: str) -> Any:
    if field == "NAME":
        return spec.suffix
    if field == "CREATED_AT":
        return spec.created
    if field == "LAUNCHED_AT":
        return spec.launched
    return spec.due


def expected_order(made: dict[int, Spec], field: str, direction: str) -> list[int]:
    """Ids in the order asked: by value, ties by id, in the direction; no value last."""
    valued = [(sort_value(s, field), id_) for id_, s in made.items()]
    present = sorted((v, i) for v, i in valued if v is not None)
    missing = sorted(i for v, i in valued if v is None)
    if direction == "DESC":
        present.reverse()
        missing.reverse()
    return [i for _, i in present] + missing


async def walk(
    gql: GraphQL, email: str, first: int, *, nested: str | None = None, **variables: Any
) -> tuple[list[int], list[int]]:
    """Every page forward: (ids in the order given, totalCount of each page)."""
    ids: list[int] = []
    totals: list[int] = []
    after: str | None = None
    for _ in range(200):
        if nested is None:
            body = await gql(email, PAGE, first=first, after=after, **variables)
            assert "errors" not in body, body
            connection = body["data"]["clients"]
        else:
            body = await gql(email, NESTED_PAGE, id=nested, first=first, after=after, **variables)
            assert "errors" not in body, body
            connection = body["data"]["partner"]["clients"]
        ids.extend(db_id(n["id"]) for n in connection["nodes"])
        totals.append(connection["totalCount"])
        if not connection["pageInfo"]["hasNextPage"]:
            return ids, totals
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("the pages never end")


# Few distinct values, so that most rows tie with others on the ordered value.
specs = st.builds(
    Spec,
    suffix=st.sampled_from(["a", "ab", "b"]),
    created=st.sampled_from([BASE, BASE + timedelta(hours=1), BASE - timedelta(days=3)]),
    launched=st.sampled_from([None, BASE, BASE + timedelta(days=2)]),
    due=st.sampled_from([None, date(2026, 4, 1), date(2026, 5, 1)]),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(specs, min_size=1, max_size=9),
    field=st.sampled_from(FIELDS),
    direction=st.sampled_from(["ASC", "DESC"]),
    first=st.integers(min_value=1, max_value=4),
    nested=st.booleans(),
)
async def test_walking_pages_gives_every_client_once_in_order(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    rows: list[Spec],
    field: str,
    direction: str,
    first: int,
    nested: bool,
) -> None:
    tag = f"order {uuid.uuid4().hex[:10]}"
    ids = await add_clients(sessions, world, tag, rows)
    made = dict(zip(ids, rows, strict=True))
    partner = gid("Partner", world.partners[NORTHWIND]) if nested else None
    got, totals = await walk(
        gql,
        OWNER,
        first,
        nested=partner,
        filter={"search": tag},
        order={"field": field, "direction": direction},
    )
    assert got == expected_order(made, field, direction)
    assert set(totals) == {len(rows)}


@pytest.mark.parametrize("field", FIELDS)
async def test_each_order_pages_backwards_too(
    gql: GraphQL, world: World, sessions: Sessions, field: str
) -> None:
    tag = f"back {uuid.uuid4().hex[:10]}"
    rows = [
        Spec("a", BASE, None, None),
        Spec("a", BASE, BASE, date(2026, 4, 1)),
        Spec("b", BASE + timedelta(hours=1), BASE, date(2026, 4, 1)),
        Spec("ab", BASE, None, date(2026, 5, 1)),
        Spec("b", BASE - timedelta(days=1), BASE + timedelta(days=1), None),
    ]
    ids = await add_clients(sessions, world, tag, rows)
    expected = expected_order(dict(zip(ids, rows, strict=True)), field, "ASC")
    query = """
    query Back($last: Int!, $before: String, $filter: ClientFilterInput,
               $order: ClientOrderInput) {
      clients(last: $last, before: $before, filter: $filter, orderBy: $order) {
        pageInfo { hasPreviousPage startCursor } nodes { id }
      }
    }"""
    got: list[int] = []
    before: str | None = None
    while True:
        body = await gql(
            OWNER,
            query,
            last=2,
            before=before,
            filter={"search": tag},
            order={"field": field, "direction": "ASC"},
        )
        assert "errors" not in body, body
        connection = body["data"]["clients"]
        got = [db_id(n["id"]) for n in connection["nodes"]] + got
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
    assert got == expected


async def test_the_default_order_is_by_name_and_id(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"default {uuid.uuid4().hex[:10]}"
    rows = [Spec(s, BASE, None, None) for s in ("b", "a", "b", "ab", "a")]
    ids = await add_clients(sessions, world, tag, rows)
    got, _ = await walk(gql, OWNER, 2, filter={"search": tag})
    assert got == expected_order(dict(zip(ids, rows, strict=True)), "NAME", "ASC")


async def test_a_cursor_of_another_order_is_refused_clearly(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"cursor {uuid.uuid4().hex[:10]}"
    await add_clients(sessions, world, tag, [Spec("a", BASE, BASE, None)] * 3)
    flt = {"search": tag}
    body = await gql(OWNER, PAGE, first=1, filter=flt, order={"field": "NAME"})
    cursor = body["data"]["clients"]["pageInfo"]["endCursor"]
    for order in (
        {"field": "CREATED_AT"},
        {"field": "NAME", "direction": "DESC"},
        {"field": "LAUNCHED_AT"},
    ):
        refused = await gql(OWNER, PAGE, first=1, after=cursor, filter=flt, order=order)
        assert refused["data"] is None
        (error,) = refused["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "not issued for this list in" in error["message"], error
        assert "orderBy" in error["message"]
    # The same order takes it; so does the nested list of the same order.
    again = await gql(OWNER, PAGE, first=1, after=cursor, filter=flt, order={"field": "NAME"})
    assert len(again["data"]["clients"]["nodes"]) == 1
    partner = gid("Partner", world.partners[NORTHWIND])
    nested = await gql(
        OWNER, NESTED_PAGE, id=partner, first=1, after=cursor, filter=flt, order={"field": "NAME"}
    )
    assert len(nested["data"]["partner"]["clients"]["nodes"]) == 1
    refused = await gql(
        OWNER,
        NESTED_PAGE,
        id=partner,
        first=1,
        after=cursor,
        filter=flt,
        order={"field": "NEXT_DUE_AT"},
    )
    assert "not issued for this list in" in refused["errors"][0]["message"]


@pytest.mark.parametrize(
    "cursor", ["garbage", "WyJOQU1FOkFTQyIsMV0", "WyJMQVVOQ0hFRF9BVDpBU0MiLCJub3QgYSB0aW1lIiwxXQ"]
)
async def test_a_bad_cursor_is_a_clear_error(gql: GraphQL, cursor: str) -> None:
    body = await gql(
        OWNER, PAGE, first=1, after=cursor, order={"field": "LAUNCHED_AT", "direction": "ASC"}
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def names(gql: GraphQL, email: str, flt: dict[str, Any]) -> tuple[set[str], int]:
    body = await gql(email, PAGE, first=100, filter=flt)
    assert "errors" not in body, body
    connection = body["data"]["clients"]
    return {n["businessName"] for n in connection["nodes"]}, connection["totalCount"]


async def test_search_matches_names_email_and_store_domains_case_insensitively(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"Search{uuid.uuid4().hex[:8]}"
    other = f"other{uuid.uuid4().hex[:8]}"
    await add_clients(sessions, world, tag, [Spec("Alpha", BASE, None, None)])
    await add_clients(
        sessions,
        world,
        other,
        [Spec("Beta", BASE, None, None)],
        store={"custom_domain": f"shop.{tag.lower()}-beta.example"},
    )
    assert await names(gql, OWNER, {"search": f"{tag.upper()} alpha"}) == ({f"{tag} Alpha"}, 1)
    # The store's subdomain ("<name>-0") and custom domain.
    assert await names(gql, OWNER, {"search": f"{other.upper()}-0"}) == ({f"{other} Beta"}, 1)
    assert await names(gql, OWNER, {"search": f"{tag.lower()}-BETA.example"}) == (
        {f"{other} Beta"},
        1,
    )
    # The contact email.
    assert await names(gql, OWNER, {"search": f"SHOP-0@{other}"}) == ({f"{other} Beta"}, 1)


async def test_search_wildcards_match_themselves(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"wild{uuid.uuid4().hex[:8]}"
    await add_clients(
        sessions,
        world,
        tag,
        [Spec("100% organic", BASE, None, None), Spec("1000 organic", BASE, None, None)],
    )
    await add_clients(sessions, world, tag, [Spec("a_b", BASE, None, None)])
    await add_clients(sessions, world, tag, [Spec("axb", BASE, None, None)])
    assert await names(gql, OWNER, {"search": f"{tag} 100%"}) == ({f"{tag} 100% organic"}, 1)
    assert await names(gql, OWNER, {"search": f"{tag} a_b"}) == ({f"{tag} a_b"}, 1)
    assert await names(gql, OWNER, {"search": "%"}) == ({f"{tag} 100% organic"}, 1)


READY_STORE = {
    "payment_status": PaymentStatus.ACTIVE,
    "logistics_status": LogisticsStatus.ACTIVE,
    "catalog_status": CatalogStatus.READY,
    "product_count": 3,
    "kyc_status": KycStatus.VERIFIED,
    "tax_status": TaxStatus.REGISTERED,
}
BLOCKED_BY = {
    "DOMAIN": {"custom_domain": "blocked.example", "domain_status": DomainStatus.PENDING_DNS},
    "PAYMENTS": {"payment_status": PaymentStatus.KYC_PENDING},
    "LOGISTICS": {"logistics_status": LogisticsStatus.CONFIGURED},
    "CATALOG": {"product_count": 0},
    "COMPLIANCE": {"tax_status": TaxStatus.PENDING},
}


async def test_blocked_on_names_the_sections_that_still_block_a_store(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"setup{uuid.uuid4().hex[:8]}"
    for section, columns in BLOCKED_BY.items():
        custom = (
            {"custom_domain": f"{section.lower()}.{tag}.example"} if section == "DOMAIN" else {}
        )
        await add_clients(
            sessions,
            world,
            f"{tag} {section}",
            [Spec("x", BASE, None, None)],
            store={**READY_STORE, **columns, **custom},
        )
    await add_clients(
        sessions, world, f"{tag} READY", [Spec("x", BASE, None, None)], store=READY_STORE
    )
    # Launched stores block nothing, whatever their sections say.
    await add_clients(
        sessions,
        world,
        f"{tag} LIVE",
        [Spec("x", BASE, BASE, None)],
        store={"payment_status": PaymentStatus.KYC_PENDING},
    )
    for section in BLOCKED_BY:
        assert await names(gql, OWNER, {"search": tag, "blockedOn": [section]}) == (
            {f"{tag} {section} x"},
            1,
        )
    found, total = await names(gql, OWNER, {"search": tag, "blockedOn": ["PAYMENTS", "CATALOG"]})
    assert found == {f"{tag} PAYMENTS x", f"{tag} CATALOG x"}
    assert total == 2


DASHBOARD = """
query Front($id: ID!) {
  partner(id: $id) {
    dashboard {
      setUpFunnel { domain payments logistics catalog compliance }
      launchedThisMonth clientsWithoutAssignee clientsByStatus { status count }
    }
  }
}
"""
PARTNER_COUNT = """
query Count($id: ID!, $filter: ClientFilterInput) {
  partner(id: $id) { clients(first: 1, filter: $filter) { totalCount } }
}
"""


@pytest.mark.parametrize("email", [OWNER, SPECIALIST, "manager@northwind.test", BLUEFIN_OWNER])
async def test_filters_count_what_the_dashboard_counts(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    now = datetime.now(UTC)
    this_month = datetime(now.year, now.month, 1, tzinfo=UTC)
    tag = f"dash{uuid.uuid4().hex[:8]}"
    await add_clients(
        sessions,
        world,
        tag,
        [Spec("a", BASE, now, None), Spec("b", BASE, None, None)],
        assign=False,
    )
    slug = BLUEFIN if email == BLUEFIN_OWNER else NORTHWIND
    partner = gid("Partner", world.partners[slug])
    board = (await gql(email, DASHBOARD, id=partner))["data"]["partner"]["dashboard"]

    async def count(flt: dict[str, Any]) -> int:
        body = await gql(email, PARTNER_COUNT, id=partner, filter=flt)
        assert "errors" not in body, body
        total: int = body["data"]["partner"]["clients"]["totalCount"]
        return total

    for section, figure in board["setUpFunnel"].items():
        assert await count({"blockedOn": [section.upper()]}) == figure, section
    assert await count({"unassigned": True}) == board["clientsWithoutAssignee"]
    assert await count({"launched": {"from": this_month.isoformat()}}) == board["launchedThisMonth"]
    for row in board["clientsByStatus"]:
        assert await count({"status": [row["status"]]}) == row["count"]
    everyone = await count({})
    assert await count({"unassigned": False}) == everyone - board["clientsWithoutAssignee"]


async def test_assignee_and_unassigned(gql: GraphQL, world: World, sessions: Sessions) -> None:
    tag = f"staff{uuid.uuid4().hex[:8]}"
    assigned = await add_clients(sessions, world, tag, [Spec("mine", BASE, None, None)])
    await add_clients(sessions, world, tag, [Spec("nobody", BASE, None, None)], assign=False)
    specialist = gid("PartnerMember", world.members[SPECIALIST])
    flt = {"search": tag, "assigneeId": specialist}
    assert await names(gql, OWNER, flt) == ({f"{tag} mine"}, 1)
    assert await names(gql, SPECIALIST, flt) == ({f"{tag} mine"}, 1)
    assert await names(gql, OWNER, {"search": tag, "unassigned": True}) == ({f"{tag} nobody"}, 1)
    assert await names(gql, OWNER, {"search": tag, "unassigned": False}) == ({f"{tag} mine"}, 1)
    # Another partner's owner may not see Northwind's team: the filter finds nothing.
    assert await names(gql, BLUEFIN_OWNER, {"assigneeId": specialist}) == (set(), 0)
    # The merchant sees their client, but not the team: nothing.
    assert await names(gql, MERCHANT, {"assigneeId": specialist}) == (set(), 0)
    assert assigned
    refused = await gql(OWNER, PAGE, first=1, filter={"assigneeId": gid("Client", 1)})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_created_and_launched_ranges_are_half_open(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    tag = f"range{uuid.uuid4().hex[:8]}"
    day = timedelta(days=1)
    await add_clients(
        sessions,
        world,
        tag,
        [
            Spec("early", BASE - day, BASE - day, None),
            Spec("edge", BASE, BASE, None),
            Spec("late", BASE + day, None, None),
        ],
    )
    at = BASE.isoformat()
    naive = BASE.replace(tzinfo=None).isoformat()
    assert (await names(gql, OWNER, {"search": tag, "created": {"from": at}}))[0] == {
        f"{tag} edge",
        f"{tag} late",
    }
    assert (await names(gql, OWNER, {"search": tag, "created": {"before": naive}}))[0] == {
        f"{tag} early"
    }
    window = {"from": (BASE - day).isoformat(), "before": (BASE + day).isoformat()}
    assert (await names(gql, OWNER, {"search": tag, "created": window}))[0] == {
        f"{tag} early",
        f"{tag} edge",
    }
    # A range on the launch leaves out what never launched.
    assert (await names(gql, OWNER, {"search": tag, "launched": {"before": at}}))[0] == {
        f"{tag} early"
    }
    assert (await names(gql, OWNER, {"search": tag, "launched": {}}))[0] == {
        f"{tag} early",
        f"{tag} edge",
    }


EVERY_FILTER: list[dict[str, Any]] = [
    {},
    {"search": "a"},
    {"search": "%"},
    {"status": [s.name for s in ClientStatus]},
    {"blockedOn": ["DOMAIN", "PAYMENTS", "LOGISTICS", "CATALOG", "COMPLIANCE"]},
    {"unassigned": True},
    {"unassigned": False},
    {"created": {"from": "2000-01-01T00:00:00Z"}},
    {"launched": {"from": "2000-01-01T00:00:00Z"}},
]


SELECTION = "{ totalCount nodes { businessName } }"


def every_list(partners: list[str]) -> tuple[str, str, dict[str, Any]]:
    """Two documents: every filter under its own alias, each in one of the orders, at the root
    (both directions) and under each partner; and their variables."""
    variables: dict[str, Any] = {f"f{i}": flt for i, flt in enumerate(EVERY_FILTER)}
    filters = ", ".join(f"$f{i}: ClientFilterInput" for i in range(len(EVERY_FILTER)))
    root: list[str] = []
    nested: list[str] = []
    for i in range(len(EVERY_FILTER)):
        field = FIELDS[i % len(FIELDS)]
        for direction in ("ASC", "DESC"):
            order = f"{{field: {field}, direction: {direction}}}"
            root.append(f"r{i}{direction}: clients(first: 100, filter: $f{i}, orderBy: {order})")
        nested.append(f"n{i}: clients(first: 100, filter: $f{i}, orderBy: {{field: {field}}})")
    under = " ".join(f"{alias} {SELECTION}" for alias in nested)
    partner_ids = ", ".join(f"$p{n}: ID!" for n in range(len(partners)))
    variables.update({f"p{n}": p for n, p in enumerate(partners)})
    root_doc = f"query Every({filters}) {{ {' '.join(f'{a} {SELECTION}' for a in root)} }}"
    nested_doc = (
        f"query Nested({filters}, {partner_ids}) {{ "
        + " ".join(f"p{n}: partner(id: $p{n}) {{ {under} }}" for n in range(len(partners)))
        + " }"
    )
    return root_doc, nested_doc, variables


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_no_filter_or_order_reveals_another_tenants_clients_or_counts(
    gql: GraphQL, world: World, email: str
) -> None:
    """The demo world as the oracle knows it: whatever the filter and order, the list holds only
    clients the user may read, and its count is the number of them the list holds; with no
    filter, exactly those."""
    visible = oracle.visible(email)
    if visible.refused:
        pytest.skip("a refused user gets no answer at all")
    partners = [gid("Partner", world.partners[slug]) for slug in oracle.PARTNER_SLUGS]
    root_doc, nested_doc, variables = every_list(partners)
    filters = {k: v for k, v in variables.items() if k.startswith("f")}
    body = await gql(email, root_doc, **filters)
    assert "errors" not in body, body
    nested = await gql(email, nested_doc, **variables)
    assert "errors" not in nested, nested
    lists = list(body["data"].values())
    for partner in nested["data"].values():
        if partner is not None:
            lists.extend(partner.values())
    assert len(lists) >= 2 * len(EVERY_FILTER)
    for connection in lists:
        got = [n["businessName"] for n in connection["nodes"]]
        assert set(got) <= visible.clients, got
        assert connection["totalCount"] == len(got)
    assert {n["businessName"] for n in body["data"]["r0ASC"]["nodes"]} == visible.clients


@pytest.mark.parametrize(
    "span",
    [
        {"from": "0001-01-01T00:00:00+05:00"},
        {"before": "9999-12-31T23:59:59-05:00"},
    ],
)
async def test_a_time_out_of_range_is_a_clear_error(gql: GraphQL, span: dict[str, str]) -> None:
    body = await gql(OWNER, PAGE, first=1, filter={"created": span})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_cursor_time_out_of_range_is_a_clear_error(gql: GraphQL) -> None:
    cursor = encode_cursor(["CREATED_AT:ASC", "0001-01-01T00:00:00+05:00", 1])
    body = await gql(OWNER, PAGE, first=1, after=cursor, order={"field": "CREATED_AT"})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
