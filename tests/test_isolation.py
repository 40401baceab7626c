"""The data-separation matrix: for every demo user and every read path (root connection, single
object by id, node(id:), nested lists, the viewer, the onboardClient payload), what the API
returns is exactly what the independent oracle in tests/oracle.py allows, and an object the
user may not read answers byte for byte like an id that was never issued."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import CLIENTS, USERS, DemoClient
from db.enums import AccessStatus, AssignmentRole, ClientStatus, PartnerRole
from db.models import Assignment, Client, PartnerAccess, User
from tests import oracle
from tests.conftest import GraphQL, World, token_for

ALL_EMAILS = tuple(USERS)
MAX_ALIASES = 30  # the schema's limit of aliases per document
NODE_KINDS = ("Client", "Partner", "Store", "PartnerMember", "Assignment")
NEVER = 999_999  # a database id the demo world never reaches


def gid(type_name: str, id_: int) -> str:
    """The opaque global id the API issues: base64 of "TypeName:id"."""
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()


# Ids that were never issued, by the field they are asked of: the right type with an unused
# number, and strings that are no global id at all.
NEVER_ISSUED: dict[str, tuple[str, ...]] = {
    "client": (gid("Client", NEVER), "abc"),
    "partner": (gid("Partner", NEVER), "abc"),
    "node": (
        *(gid(kind, NEVER) for kind in NODE_KINDS),
        "abc",
        gid("Nothing", 1),
    ),
}


def chunks(values: Sequence[str], size: int = MAX_ALIASES) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def aliased_query(field: str, selection: str, count: int) -> str:
    """One document asking `field(id:)` `count` times, as a0..aN with variables v0..vN."""
    params = ", ".join(f"$v{i}: ID!" for i in range(count))
    fields = " ".join(f"a{i}: {field}(id: $v{i}) {selection}" for i in range(count))
    return f"query({params}) {{ {fields} }}"


# --- Selections -----------------------------------------------------------------------------

CLIENT_FIELDS = """{
  id businessName
  store { id }
  partner { id slug }
  assignees { id user { email } member { id } }
}"""

PARTNER_FIELDS = """{
  id slug
  members { id user { email } }
  clients(first: 100) { totalCount pageInfo { hasNextPage } nodes { id businessName } }
}"""

NODE_FIELDS = """{
  __typename id
  ... on Client { businessName }
  ... on Partner { slug }
  ... on Store { name }
  ... on PartnerMember { user { email } partner { slug } }
  ... on Assignment { user { email } member { id } }
}"""

# What a foreign-id comparison asks: enough to show anything that leaked.
PROBE_FIELDS = {
    "client": "{ id businessName contactEmail }",
    "partner": "{ id slug name }",
    "node": "{ __typename id }",
}

ROOT_CLIENTS = f"""{{
  clients(first: 100) {{
    totalCount
    pageInfo {{ hasNextPage }}
    edges {{ node {{ id }} }}
    nodes {CLIENT_FIELDS}
  }}
}}"""

VIEWER = """{
  viewer {
    isPlatformStaff
    user { email }
    memberships { id partner { id slug } }
    clientAccounts { id businessName }
  }
}"""

ONBOARD_PROBE = """mutation($input: OnboardClientInput!) {
  onboardClient(input: $input) {
    client { id businessName }
    userErrors { field message code }
  }
}"""

ONBOARD_FULL = """mutation($input: OnboardClientInput!) {
  onboardClient(input: $input) {
    client {
      id businessName
      store { id subdomain }
      partner {
        id slug
        members { user { email } }
        clients(first: 100) { totalCount nodes { id businessName } }
      }
      assignees { user { email } member { id } }
    }
    userErrors { field message code }
  }
}"""

NEW_CLIENT = "Quartz Quilts"
VALID_INPUT: dict[str, Any] = {
    "businessName": NEW_CLIENT,
    "contactEmail": "hello@quartz-quilts.example",
    "country": "GB",
}
INVALID_INPUT: dict[str, Any] = {
    "businessName": "   ",
    "contactEmail": "not-an-email",
    "country": "Narnia",
}


# --- Ids of the seeded world ----------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    """Global ids of the seeded demo world by the oracle's keys (ids only, no visibility)."""

    clients: dict[str, str]  # business name -> Client id
    partners: dict[str, str]  # slug -> Partner id
    stores: dict[str, str]  # client business name -> Store id
    members: dict[str, str]  # member email -> PartnerMember id
    assignments: dict[tuple[str, str], str]  # (client name, member email) -> Assignment id

    def nodes(self) -> dict[str, tuple[str, object]]:
        """Every Node id -> (type name, oracle key)."""
        found: dict[str, tuple[str, object]] = {}
        groups: tuple[tuple[str, dict[Any, str]], ...] = (
            ("Client", self.clients),
            ("Partner", self.partners),
            ("Store", self.stores),
            ("PartnerMember", self.members),
            ("Assignment", self.assignments),
        )
        for kind, by_key in groups:
            for key, global_id in by_key.items():
                found[global_id] = (kind, key)
        return found


def visible_keys(email: str, kind: str) -> frozenset[Any]:
    vis = oracle.visible(email)
    by_kind: dict[str, frozenset[Any]] = {
        "Client": vis.clients,
        "Partner": vis.partners,
        "Store": vis.stores,
        "PartnerMember": vis.members,
        "Assignment": vis.assignments,
    }
    return by_kind[kind]


@pytest.fixture
async def ids(world: World, sessions: async_sessionmaker[AsyncSession]) -> Ids:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Client.business_name, User.email, Assignment.id)
                .join(Client, Client.id == Assignment.client_id)
                .join(User, User.id == Assignment.user_id)
            )
        ).all()
    found = Ids(
        clients={name: gid("Client", id_) for name, id_ in world.clients.items()},
        partners={slug: gid("Partner", id_) for slug, id_ in world.partners.items()},
        stores={name: gid("Store", id_) for name, id_ in world.stores.items()},
        members={email: gid("PartnerMember", id_) for email, id_ in world.members.items()},
        assignments={(name, email): gid("Assignment", id_) for name, email, id_ in rows},
    )
    # The seeded world is the declarative one the oracle reads.
    assert set(found.clients) == set(oracle.CLIENT_NAMES)
    assert set(found.stores) == set(oracle.CLIENT_NAMES)
    assert set(found.partners) == set(oracle.PARTNER_SLUGS)
    assert set(found.members) == set(oracle.MEMBER_EMAILS)
    assert set(found.assignments) == set(oracle.ASSIGNMENT_KEYS)
    return found


# --- Talking to the API ---------------------------------------------------------------------


class Api:
    """Sends documents as a demo user. A removed user must be refused with 401 on every request;
    the helpers assert that and return None, so a matrix test ends there for them."""

    def __init__(self, gql: GraphQL, http: httpx.AsyncClient, world: World) -> None:
        self._gql = gql
        self._http = http
        self._world = world

    async def raw(self, email: str, query: str, variables: dict[str, Any]) -> bytes | None:
        """The exact response bytes of a successful request (None after a checked refusal)."""
        token = token_for(self._world.users[email], email)
        response = await self._http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        if oracle.is_refused(email):
            assert_refused(response)
            return None
        assert response.status_code == 200, response.text
        return response.content

    async def data(
        self, email: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """`data` of an error-free answer (None after a checked refusal)."""
        if oracle.is_refused(email):
            assert await self.raw(email, query, variables or {}) is None
            return None
        body = await self._gql(email, query, **(variables or {}))
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def each(
        self, email: str, field: str, selection: str, values: Sequence[str]
    ) -> list[Any] | None:
        """`field(id:)` for every value, batched into documents within the alias limit."""
        results: list[Any] = []
        for chunk in chunks(values):
            query = aliased_query(field, selection, len(chunk))
            data = await self.data(email, query, {f"v{i}": v for i, v in enumerate(chunk)})
            if data is None:
                return None
            results.extend(data[f"a{i}"] for i in range(len(chunk)))
        return results

    async def each_raw(
        self, email: str, field: str, selection: str, values: Sequence[str]
    ) -> list[bytes] | None:
        """The exact response bytes of the same batched documents as `each`."""
        bodies: list[bytes] = []
        for chunk in chunks(values):
            query = aliased_query(field, selection, len(chunk))
            raw = await self.raw(email, query, {f"v{i}": v for i, v in enumerate(chunk)})
            if raw is None:
                return None
            bodies.append(raw)
        return bodies


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.fixture
def api(gql: GraphQL, http: httpx.AsyncClient, world: World) -> Api:
    return Api(gql, http, world)


async def count_clients(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(Client.id)))).scalar_one())


# --- Expectations for one visible object ----------------------------------------------------


def expected_member(email: str, ids: Ids, member_email: str) -> dict[str, str] | None:
    """`assignment { member { id } }`: the membership, only if the viewer may see the team."""
    if not oracle.reads_team(email, oracle.member_partner(member_email)):
        return None
    return {"id": ids.members[member_email]}


def check_client(email: str, ids: Ids, got: dict[str, Any]) -> str:
    """Checks a visible client's nested store, partner and assignees; returns its name."""
    name: str = got["businessName"]
    assert got["id"] == ids.clients[name], name
    assert got["store"] == {"id": ids.stores[name]}, name
    slug = oracle.client_partner(email, name)
    partner = None if slug is None else {"id": ids.partners[slug], "slug": slug}
    assert got["partner"] == partner, name
    assigned = {a["user"]["email"]: a for a in got["assignees"]}
    assert len(assigned) == len(got["assignees"]), name
    assert set(assigned) == oracle.assignees(email, name), name
    for member_email, assignment in assigned.items():
        assert assignment["id"] == ids.assignments[(name, member_email)]
        assert assignment["member"] == expected_member(email, ids, member_email), (
            name,
            member_email,
        )
    return name


def check_partner(email: str, ids: Ids, got: dict[str, Any]) -> str:
    """Checks a visible partner's team and client list; returns its slug."""
    slug: str = got["slug"]
    assert got["id"] == ids.partners[slug]
    members = {m["user"]["email"]: m["id"] for m in got["members"]}
    assert len(members) == len(got["members"])
    assert set(members) == oracle.partner_members(email, slug), slug
    assert all(members[m] == ids.members[m] for m in members)
    clients = got["clients"]
    names = [n["businessName"] for n in clients["nodes"]]
    assert len(names) == len(set(names))
    assert set(names) == oracle.partner_clients(email, slug), slug
    assert all(n["id"] == ids.clients[n["businessName"]] for n in clients["nodes"])
    assert clients["totalCount"] == len(names)
    assert clients["pageInfo"]["hasNextPage"] is False
    return slug


def check_node(email: str, ids: Ids, kind: str, key: Any, got: dict[str, Any]) -> None:
    assert got["__typename"] == kind
    if kind == "Client":
        assert got["businessName"] == key
    elif kind == "Partner":
        assert got["slug"] == key
    elif kind == "Store":
        assert got["name"] == key  # every demo store is named after its client
    elif kind == "PartnerMember":
        assert got["user"] == {"email": key}
        assert got["partner"] == {"slug": oracle.member_partner(key)}
    else:
        _client_name, member_email = key
        assert got["user"] == {"email": member_email}
        assert got["member"] == expected_member(email, ids, member_email), key


# --- The matrix: every user, every read path --------------------------------------------------


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_root_clients_connection(api: Api, ids: Ids, email: str) -> None:
    data = await api.data(email, ROOT_CLIENTS)
    if data is None:
        return
    connection = data["clients"]
    names = [check_client(email, ids, node) for node in connection["nodes"]]
    assert len(names) == len(set(names))
    assert set(names) == oracle.visible(email).clients
    assert connection["totalCount"] == len(names)
    assert connection["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["id"] for e in connection["edges"]] == [n["id"] for n in connection["nodes"]]


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_client_by_id_for_every_client(api: Api, ids: Ids, email: str) -> None:
    names = list(ids.clients)
    results = await api.each(email, "client", CLIENT_FIELDS, [ids.clients[n] for n in names])
    if results is None:
        return
    seen = set()
    for name, got in zip(names, results, strict=True):
        if got is not None:
            assert check_client(email, ids, got) == name
            seen.add(name)
    assert seen == oracle.visible(email).clients


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_partner_by_id_with_team_and_clients(api: Api, ids: Ids, email: str) -> None:
    slugs = list(ids.partners)
    results = await api.each(email, "partner", PARTNER_FIELDS, [ids.partners[s] for s in slugs])
    if results is None:
        return
    seen = set()
    for slug, got in zip(slugs, results, strict=True):
        if got is not None:
            assert check_partner(email, ids, got) == slug
            seen.add(slug)
    assert seen == oracle.visible(email).partners


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_node_for_every_global_id(api: Api, ids: Ids, email: str) -> None:
    nodes = ids.nodes()
    results = await api.each(email, "node", NODE_FIELDS, list(nodes))
    if results is None:
        return
    seen: dict[str, set[Any]] = {kind: set() for kind in NODE_KINDS}
    for (global_id, (kind, key)), got in zip(nodes.items(), results, strict=True):
        if got is not None:
            assert got["id"] == global_id
            check_node(email, ids, kind, key, got)
            seen[kind].add(key)
    for kind in NODE_KINDS:
        assert seen[kind] == visible_keys(email, kind), kind


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_viewer_memberships_and_client_accounts(api: Api, ids: Ids, email: str) -> None:
    data = await api.data(email, VIEWER)
    if data is None:
        return
    viewer = data["viewer"]
    assert viewer["isPlatformStaff"] is oracle.is_platform_staff(email)
    assert viewer["user"] == {"email": email}
    assert viewer["memberships"] == [
        {"id": ids.members[member], "partner": {"id": ids.partners[slug], "slug": slug}}
        for member, slug in oracle.viewer_memberships(email)
    ]
    assert viewer["clientAccounts"] == [
        {"id": ids.clients[name], "businessName": name} for name in oracle.merchant_clients(email)
    ]


def foreign_ids(email: str, ids: Ids, field: str) -> list[str]:
    """The issued ids `field(id:)` must not resolve for the user."""
    if field == "client":
        return [g for n, g in ids.clients.items() if n not in oracle.visible(email).clients]
    if field == "partner":
        return [g for s, g in ids.partners.items() if s not in oracle.visible(email).partners]
    return [g for g, (kind, key) in ids.nodes().items() if key not in visible_keys(email, kind)]


@pytest.mark.parametrize("email", ALL_EMAILS)
@pytest.mark.parametrize("field", ["client", "partner", "node"])
async def test_foreign_ids_answer_like_never_issued_ids(
    api: Api, ids: Ids, email: str, field: str
) -> None:
    never = NEVER_ISSUED[field]
    selection = PROBE_FIELDS[field]
    single = f"query($id: ID!) {{ {field}(id: $id) {selection} }}"
    null_body = json.dumps({"data": {field: None}}, separators=(",", ":")).encode()

    # One id at a time: each never-issued id, then the first foreign one, same bytes.
    foreign = foreign_ids(email, ids, field)
    for value in [*never, *foreign[:1]]:
        raw = await api.raw(email, single, {"id": value})
        if raw is None:
            return
        assert raw == null_body, (value, raw)

    # Every foreign id at once, against as many never-issued ids in the same document.
    probes = [*foreign, *never]
    baseline = list(islice(cycle(never), len(probes)))
    got = await api.each_raw(email, field, selection, probes)
    expected = await api.each_raw(email, field, selection, baseline)
    assert got is not None
    assert expected is not None
    assert got == expected
    for body in got:
        parsed = json.loads(body)
        assert "errors" not in parsed
        assert all(v is None for v in parsed["data"].values())


# --- onboardClient ----------------------------------------------------------------------------


def not_found_payload(payload: dict[str, Any]) -> None:
    assert payload["client"] is None
    assert len(payload["userErrors"]) == 1
    error = payload["userErrors"][0]
    assert error["field"] == ["input", "partnerId"]
    assert error["code"] == "NOT_FOUND"


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_onboarding_into_an_unreadable_partner_answers_like_a_never_issued_one(
    api: Api, ids: Ids, sessions: async_sessionmaker[AsyncSession], email: str
) -> None:
    unreadable = [g for s, g in ids.partners.items() if s not in oracle.visible(email).partners]
    never = [gid("Partner", NEVER), "abc", ids.clients["Lumen Candles"]]
    for shape in (VALID_INPUT, INVALID_INPUT):
        baseline = await api.raw(email, ONBOARD_PROBE, {"input": {**shape, "partnerId": never[0]}})
        if baseline is None:
            return
        body = json.loads(baseline)
        assert "errors" not in body
        not_found_payload(body["data"]["onboardClient"])
        for partner_id in [*never[1:], *unreadable]:
            raw = await api.raw(email, ONBOARD_PROBE, {"input": {**shape, "partnerId": partner_id}})
            assert raw == baseline, (partner_id, raw)
    assert await count_clients(sessions) == len(oracle.CLIENT_NAMES)


# Users who may read a partner without belonging to its team: the merchants of its clients.
MERCHANT_PARTNERS = [
    (email, slug)
    for email in ALL_EMAILS
    for slug in oracle.PARTNER_SLUGS
    if slug in oracle.visible(email).partners
    and not oracle.may_onboard(email, slug)
    and not oracle.is_platform_staff(email)
]


def test_every_merchant_reads_a_partner() -> None:
    """The forbidden-onboarding case covers each demo merchant (guards the parametrization)."""
    merchants = {e for e in ALL_EMAILS if oracle.merchant_clients(e)}
    assert {e for e, _ in MERCHANT_PARTNERS} == merchants
    assert len(merchants) == 4


@pytest.mark.parametrize(("email", "slug"), MERCHANT_PARTNERS)
async def test_merchant_onboarding_into_their_partner_is_forbidden(
    api: Api, ids: Ids, sessions: async_sessionmaker[AsyncSession], email: str, slug: str
) -> None:
    for shape in (VALID_INPUT, INVALID_INPUT):
        data = await api.data(
            email, ONBOARD_PROBE, {"input": {**shape, "partnerId": ids.partners[slug]}}
        )
        assert data is not None
        payload = data["onboardClient"]
        assert payload["client"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "partnerId"], "FORBIDDEN")
        ]
    assert await count_clients(sessions) == len(oracle.CLIENT_NAMES)


ONBOARDERS = [
    (email, slug)
    for email in ALL_EMAILS
    for slug in oracle.PARTNER_SLUGS
    if oracle.may_onboard(email, slug)
]


@pytest.mark.parametrize(("email", "slug"), ONBOARDERS)
async def test_onboarding_payload_reveals_only_what_the_viewer_may_read(
    api: Api, ids: Ids, email: str, slug: str
) -> None:
    data = await api.data(
        email, ONBOARD_FULL, {"input": {**VALID_INPUT, "partnerId": ids.partners[slug]}}
    )
    assert data is not None
    payload = data["onboardClient"]
    assert payload["userErrors"] == []
    client = payload["client"]
    assert client["businessName"] == NEW_CLIENT
    assert client["store"]["subdomain"] == "quartz-quilts"

    role = oracle.membership(email)
    assert role is not None
    specialist = role[1] == PartnerRole.SPECIALIST
    assigned = ((email, AssignmentRole.LEAD),) if specialist else ()
    spec = DemoClient(
        NEW_CLIENT, slug, AccessStatus.ACTIVE, ClientStatus.ONBOARDING, 0, assigned=assigned
    )

    # The payload's partner shows the team and only the clients the viewer could already see.
    partner = client["partner"]
    assert partner["id"] == ids.partners[slug]
    assert partner["slug"] == slug
    assert {m["user"]["email"] for m in partner["members"]} == oracle.partner_members(email, slug)
    listed = [n["businessName"] for n in partner["clients"]["nodes"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == oracle.partner_clients(email, slug) | {NEW_CLIENT}
    assert partner["clients"]["totalCount"] == len(listed)
    assert client["assignees"] == [
        {"user": {"email": e}, "member": {"id": ids.members[e]}} for e, _ in assigned
    ]

    # Afterwards the new client is visible exactly to those the rules let see it.
    mine = await api.data(email, "{ clients(first: 100) { nodes { businessName } } }")
    assert mine is not None
    names = {n["businessName"] for n in mine["clients"]["nodes"]}
    assert names == oracle.visible(email).clients | {NEW_CLIENT}
    for other in ALL_EMAILS:
        if other == email or oracle.is_refused(other):
            continue
        seen = await api.data(
            other, "query($id: ID!) { client(id: $id) { id } }", {"id": client["id"]}
        )
        assert seen is not None
        assert (seen["client"] is not None) is oracle.reads_client(other, spec), other


# --- Acceptance points, stated literally ------------------------------------------------------

NORTHWIND_ACTIVE = {
    "Lumen Candles",
    "Aster Apparel",
    "Birch & Bloom Florists",
    "Copperleaf Tea",
    "Dune Outdoor Gear",
    "Ember Ceramics",
    "Fable Books",
    "Gilded Goat Cheese",
    "Halcyon Skincare",
    "Ironwood Furniture",
    "Juniper Pet Supply",
    "Kestrel Cycles",
    "Larkspur Jewelry",
}


async def visible_client_names(api: Api, email: str) -> set[str]:
    data = await api.data(email, "{ clients(first: 100) { totalCount nodes { businessName } } }")
    assert data is not None
    names = [n["businessName"] for n in data["clients"]["nodes"]]
    assert data["clients"]["totalCount"] == len(names) == len(set(names))
    return set(names)


async def test_northwind_owner_sees_exactly_northwinds_actively_accessed_clients(
    api: Api, ids: Ids
) -> None:
    email = "owner@northwind.test"
    assert oracle.visible(email).clients == NORTHWIND_ACTIVE
    assert await visible_client_names(api, email) == NORTHWIND_ACTIVE
    # Neither the revoked access (Old Mill Bakery) nor the ended one (Tidal Threads) counts.
    results = await api.each(
        email, "client", "{ id }", [ids.clients["Old Mill Bakery"], ids.clients["Tidal Threads"]]
    )
    assert results == [None, None]


async def test_northwind_specialist_sees_exactly_the_three_assigned_clients(
    api: Api, ids: Ids
) -> None:
    email = "specialist@northwind.test"
    expected = {"Lumen Candles", "Aster Apparel", "Birch & Bloom Florists"}
    assert oracle.visible(email).clients == expected
    assert await visible_client_names(api, email) == expected
    # Assigned to Old Mill Bakery, but Northwind's access there was revoked.
    data = await api.data(
        email,
        "query($c: ID!, $s: ID!) { client(id: $c) { id } node(id: $s) { id } }",
        {"c": ids.clients["Old Mill Bakery"], "s": ids.stores["Old Mill Bakery"]},
    )
    assert data == {"client": None, "node": None}


async def test_lumen_merchant_sees_exactly_lumen_candles(api: Api, ids: Ids) -> None:
    email = "merchant@lumen-candles.test"
    assert oracle.visible(email).clients == {"Lumen Candles"}
    assert await visible_client_names(api, email) == {"Lumen Candles"}
    # The merchant sees who works on the store, and the partner, but not the partner's team.
    data = await api.data(
        email,
        "query($p: ID!) { partner(id: $p) { slug members { id } "
        "clients(first: 100) { nodes { businessName } } } }",
        {"p": ids.partners["northwind-digital"]},
    )
    assert data == {
        "partner": {
            "slug": "northwind-digital",
            "members": [],
            "clients": {"nodes": [{"businessName": "Lumen Candles"}]},
        }
    }


async def test_bluefin_owner_resolves_no_northwind_id_through_any_field(
    api: Api, ids: Ids, http: httpx.AsyncClient, world: World
) -> None:
    email = "owner@bluefin.test"
    northwind = "northwind-digital"
    nw_clients = [c.name for c in CLIENTS if c.partner == northwind]
    nw_ids = [
        ids.partners[northwind],
        *(g for m, g in ids.members.items() if oracle.member_partner(m) == northwind),
        *(ids.clients[n] for n in nw_clients),
        *(ids.stores[n] for n in nw_clients),
        *(g for (_, m), g in ids.assignments.items() if oracle.member_partner(m) == northwind),
    ]
    assert len(nw_ids) == 1 + 6 + 14 + 14 + 8
    assert await api.each(email, "node", "{ id }", nw_ids) == [None] * len(nw_ids)
    client_ids = [ids.clients[n] for n in nw_clients]
    assert await api.each(email, "client", "{ id }", client_ids) == [None] * len(client_ids)
    assert await api.each(email, "partner", "{ id }", [ids.partners[northwind]]) == [None]

    # Nothing in any list, nested field or payload so much as mentions Northwind.
    token = token_for(world.users[email], email)
    documents: list[tuple[str, dict[str, Any]]] = [
        (ROOT_CLIENTS, {}),
        (VIEWER, {}),
        (
            f"query($id: ID!) {{ partner(id: $id) {PARTNER_FIELDS} }}",
            {"id": ids.partners["bluefin-studio"]},
        ),
        (ONBOARD_PROBE, {"input": {**VALID_INPUT, "partnerId": ids.partners[northwind]}}),
    ]
    for query, variables in documents:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert "errors" not in response.json()
        text = response.text
        assert "northwind" not in text.lower()
        assert not any(g in text for g in nw_ids)
        assert not any(n in text for n in nw_clients)


# --- Revocation, and the removed user ---------------------------------------------------------


async def test_revoking_access_takes_effect_on_the_next_request(
    api: Api, ids: Ids, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, merchant = "owner@northwind.test", "merchant@lumen-candles.test"
    lumen = "Lumen Candles"
    probe = """query($c: ID!, $s: ID!, $a: ID!, $p: ID!) {
      client(id: $c) { id }
      store: node(id: $s) { id }
      assignment: node(id: $a) { id }
      partner(id: $p) { id clients(first: 100) { nodes { businessName } } }
    }"""
    variables = {
        "c": ids.clients[lumen],
        "s": ids.stores[lumen],
        "a": ids.assignments[(lumen, "specialist@northwind.test")],
        "p": ids.partners["northwind-digital"],
    }
    before = await api.data(owner, probe, variables)
    assert before is not None
    assert before["client"] == {"id": ids.clients[lumen]}
    assert before["store"] == {"id": ids.stores[lumen]}
    assert before["assignment"] is not None
    assert lumen in await visible_client_names(api, owner)
    merchant_before = await api.data(merchant, probe, variables)
    assert merchant_before is not None
    assert merchant_before["partner"] is not None

    async with sessions.begin() as session:
        result = await session.execute(
            update(PartnerAccess)
            .where(
                PartnerAccess.client_id == world.clients[lumen],
                PartnerAccess.partner_id == world.partners["northwind-digital"],
                PartnerAccess.status == AccessStatus.ACTIVE,
            )
            .values(status=AccessStatus.REVOKED)
        )
        assert result.rowcount == 1  # type: ignore[attr-defined]

    after = await api.data(owner, probe, variables)
    assert after is not None
    assert after["client"] is None
    assert after["store"] is None
    assert after["assignment"] is None
    assert lumen not in {n["businessName"] for n in after["partner"]["clients"]["nodes"]}
    assert await visible_client_names(api, owner) == NORTHWIND_ACTIVE - {lumen}
    assert await visible_client_names(api, "specialist@northwind.test") == {
        "Aster Apparel",
        "Birch & Bloom Florists",
    }
    # The merchant keeps their own client but no longer sees the partner it revoked.
    merchant_after = await api.data(merchant, probe, variables)
    assert merchant_after is not None
    assert merchant_after["client"] == {"id": ids.clients[lumen]}
    assert merchant_after["partner"] is None


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { user { email } } }",
        "{ clients(first: 100) { totalCount } }",
        ONBOARD_PROBE,
    ],
)
async def test_removed_user_is_refused(
    http: httpx.AsyncClient, world: World, ids: Ids, query: str
) -> None:
    email = "former@northwind.test"
    assert oracle.is_refused(email)
    assert oracle.visible(email).clients == frozenset()
    token = token_for(world.users[email], email)
    variables = {"input": {**VALID_INPUT, "partnerId": ids.partners["northwind-digital"]}}
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables if "$input" in query else {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_refused(response)


# Global ids whose number no row can ever have: past the 32-bit integer keys, and the largest
# number a global id may carry. They were never issued, so they answer like any other such id.
OUT_OF_RANGE = (2**31, 10**18 - 1)


@pytest.mark.parametrize("field", ["client", "partner", "node"])
async def test_out_of_range_ids_answer_like_never_issued_ids(
    api: Api, ids: Ids, field: str
) -> None:
    email = "owner@northwind.test"
    kinds = {"client": ("Client",), "partner": ("Partner",), "node": NODE_KINDS}[field]
    query = f"query($id: ID!) {{ {field}(id: $id) {PROBE_FIELDS[field]} }}"
    baseline = await api.raw(email, query, {"id": NEVER_ISSUED[field][0]})
    assert baseline == json.dumps({"data": {field: None}}, separators=(",", ":")).encode()
    for kind in kinds:
        for number in OUT_OF_RANGE:
            raw = await api.raw(email, query, {"id": gid(kind, number)})
            assert raw == baseline, (kind, number, raw)


async def test_onboarding_into_an_out_of_range_partner_id_answers_not_found(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    email = "owner@northwind.test"
    baseline = await api.raw(
        email, ONBOARD_PROBE, {"input": {**VALID_INPUT, "partnerId": gid("Partner", NEVER)}}
    )
    assert baseline is not None
    not_found_payload(json.loads(baseline)["data"]["onboardClient"])
    for number in OUT_OF_RANGE:
        variables = {"input": {**VALID_INPUT, "partnerId": gid("Partner", number)}}
        raw = await api.raw(email, ONBOARD_PROBE, variables)
        assert raw == baseline, (number, raw)
    assert await count_clients(sessions) == len(oracle.CLIENT_NAMES)
