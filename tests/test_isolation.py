"""The data-separation matrix: for every demo user and every read path (root connections, single
objects by id, node(id:), nested lists and counts, the viewer, mutation payloads), what the API
returns is exactly what the independent oracle in tests/oracle.py allows. An object the user may
not read answers byte for byte like an id that was never issued, on every read and on every
mutation that takes an id, and nothing changes; a user who may read an object but not change it
is told FORBIDDEN, and nothing changes either."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import cycle, islice
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import Base, utcnow
from db.demo import CLIENTS, PARTNERS, USERS, DemoClient
from db.enums import (
    AccessStatus,
    AssignmentRole,
    ClientStatus,
    MemberStatus,
    PartnerRole,
    TaskCategory,
)
from db.models import (
    Assignment,
    Client,
    Partner,
    PartnerAccess,
    PartnerMember,
    Task,
    User,
    WorkflowTemplate,
)
from tests import oracle
from tests.conftest import World, token_for
from tests.helpers import FakeDns, gid

ALL_EMAILS = tuple(USERS)
MAX_ALIASES = 30  # the schema's limit of aliases per document
NODE_KINDS = (
    "Client",
    "Partner",
    "Store",
    "PartnerMember",
    "Assignment",
    "Task",
    "WorkflowTemplate",
)
NEVER = 999_999  # a database id the demo world never reaches
INVITEE = "invitee@northwind.test"


def never_issued(kind: str) -> tuple[str, ...]:
    """Ids of `kind` that were never issued: the right type with an unused number, a string
    that is no global id at all, and an id of another type."""
    other = "Partner" if kind != "Partner" else "Client"
    return (gid(kind, NEVER), "abc", gid(other, 1))


# Ids that were never issued, by the field they are asked of.
NEVER_ISSUED: dict[str, tuple[str, ...]] = {
    "client": (gid("Client", NEVER), "abc"),
    "partner": (gid("Partner", NEVER), "abc"),
    "node": (
        *(gid(kind, NEVER) for kind in NODE_KINDS),
        "abc",
        gid("Nothing", 1),
    ),
}


def chunks(values: Sequence[Any], size: int = MAX_ALIASES) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def aliased_document(
    call: str, selection: str, count: int, var_type: str = "ID!", operation: str = "query"
) -> str:
    """One document asking `call` `count` times as a0..aN; "$v" in `call` becomes $v0..$vN."""
    params = ", ".join(f"$v{i}: {var_type}" for i in range(count))
    fields = " ".join(f"a{i}: {call.replace('$v', f'$v{i}')} {selection}" for i in range(count))
    return f"{operation}({params}) {{ {fields} }}"


def aliased_query(field: str, selection: str, count: int) -> str:
    """One document asking `field(id:)` `count` times."""
    return aliased_document(f"{field}(id: $v)", selection, count)


# --- Selections -----------------------------------------------------------------------------

STORE_FIELDS = """{
  id name customDomain domainStatus paymentStatus logisticsStatus catalogStatus
  domain { hostname status }
  payments { status }
  logistics { status }
  catalog { status }
  brand { theme logoUrl }
  compliance { kycStatus taxStatus }
}"""

CLIENT_FIELDS = f"""{{
  id businessName
  store {STORE_FIELDS}
  partner {{ id slug }}
  assignees {{ id user {{ email }} member {{ id }} }}
  tasks(first: 100) {{ totalCount pageInfo {{ hasNextPage }} nodes {{ id }} }}
  openTaskCount
  nextDueTask {{ id }}
  launchReadiness {{ ready blockers {{ code message }} }}
}}"""

PARTNER_FIELDS = """{
  id slug
  members { id status user { email } }
  clients(first: 100) { totalCount pageInfo { hasNextPage } nodes { id businessName } }
  workflowTemplates(first: 100) {
    totalCount pageInfo { hasNextPage } nodes { id name items { id } }
  }
}"""

TASK_FIELDS = "{ id title clientVisible client { id } assignee { id } }"

NODE_FIELDS = f"""{{
  __typename id
  ... on Client {{ businessName }}
  ... on Partner {{ slug }}
  ... on Store {STORE_FIELDS}
  ... on PartnerMember {{ status user {{ email }} partner {{ slug }} }}
  ... on Assignment {{ user {{ email }} member {{ id }} }}
  ... on Task {TASK_FIELDS}
  ... on WorkflowTemplate {{ name items {{ id }} }}
}}"""

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

ROOT_TASKS = f"""query($after: String) {{
  tasks(first: 100, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ id }} }}
    nodes {TASK_FIELDS}
  }}
}}"""

TASKS_OF_CLIENT = "{ totalCount pageInfo { hasNextPage } nodes { id } }"

VIEWER = """{
  viewer {
    isPlatformStaff
    user { email }
    memberships { id partner { id slug } }
    clientAccounts { id businessName }
    invitations { id status role partner { id slug name } }
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
    tasks: dict[oracle.TaskKey, str]  # (client name, position) -> Task id
    templates: dict[tuple[str, str], str]  # (partner slug, name) -> WorkflowTemplate id

    def of_kind(self, kind: str) -> dict[Any, str]:
        by_kind: dict[str, dict[Any, str]] = {
            "Client": self.clients,
            "Partner": self.partners,
            "Store": self.stores,
            "PartnerMember": self.members,
            "Assignment": self.assignments,
            "Task": self.tasks,
            "WorkflowTemplate": self.templates,
        }
        return by_kind[kind]

    def nodes(self) -> dict[str, tuple[str, object]]:
        """Every Node id -> (type name, oracle key)."""
        found: dict[str, tuple[str, object]] = {}
        for kind in NODE_KINDS:
            for key, global_id in self.of_kind(kind).items():
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
        "Task": vis.tasks,
        "WorkflowTemplate": vis.templates,
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
        task_rows = (
            await session.execute(
                select(Client.business_name, Task.position, Task.id).join(
                    Client, Client.id == Task.client_id
                )
            )
        ).all()
        template_rows = (
            await session.execute(
                select(Partner.slug, WorkflowTemplate.name, WorkflowTemplate.id).join(
                    Partner, Partner.id == WorkflowTemplate.partner_id
                )
            )
        ).all()
    found = Ids(
        clients={name: gid("Client", id_) for name, id_ in world.clients.items()},
        partners={slug: gid("Partner", id_) for slug, id_ in world.partners.items()},
        stores={name: gid("Store", id_) for name, id_ in world.stores.items()},
        members={email: gid("PartnerMember", id_) for email, id_ in world.members.items()},
        assignments={(name, email): gid("Assignment", id_) for name, email, id_ in rows},
        tasks={(name, pos): gid("Task", id_) for name, pos, id_ in task_rows},
        templates={(slug, name): gid("WorkflowTemplate", id_) for slug, name, id_ in template_rows},
    )
    # The seeded world is the declarative one the oracle reads.
    assert set(found.clients) == set(oracle.CLIENT_NAMES)
    assert set(found.stores) == set(oracle.CLIENT_NAMES)
    assert set(found.partners) == set(oracle.PARTNER_SLUGS)
    assert set(found.members) == set(oracle.MEMBER_EMAILS)
    assert set(found.assignments) == set(oracle.ASSIGNMENT_KEYS)
    assert len(task_rows) == len(found.tasks)
    assert set(found.tasks) == set(oracle.TASK_KEYS)
    assert set(found.templates) == set(oracle.TEMPLATE_KEYS)
    return found


# --- Talking to the API ---------------------------------------------------------------------


class Api:
    """Sends documents as a demo user. A removed user must be refused with 401 on every request;
    the helpers assert that and return None, so a matrix test ends there for them."""

    def __init__(self, http: httpx.AsyncClient, world: World) -> None:
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
        raw = await self.raw(email, query, variables or {})
        if raw is None:
            return None
        body = json.loads(raw)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def each_call(
        self, email: str, call: str, selection: str, values: Sequence[Any], var_type: str = "ID!"
    ) -> list[Any] | None:
        """`call` with each value as $v, batched into documents within the alias limit."""
        results: list[Any] = []
        for chunk in chunks(values):
            query = aliased_document(call, selection, len(chunk), var_type)
            data = await self.data(email, query, {f"v{i}": v for i, v in enumerate(chunk)})
            if data is None:
                return None
            results.extend(data[f"a{i}"] for i in range(len(chunk)))
        return results

    async def each_call_raw(
        self, email: str, call: str, selection: str, values: Sequence[Any], var_type: str = "ID!"
    ) -> list[bytes] | None:
        """The exact response bytes of the same batched documents as `each_call`."""
        bodies: list[bytes] = []
        for chunk in chunks(values):
            query = aliased_document(call, selection, len(chunk), var_type)
            raw = await self.raw(email, query, {f"v{i}": v for i, v in enumerate(chunk)})
            if raw is None:
                return None
            bodies.append(raw)
        return bodies

    async def each(
        self, email: str, field: str, selection: str, values: Sequence[str]
    ) -> list[Any] | None:
        """`field(id:)` for every value."""
        return await self.each_call(email, f"{field}(id: $v)", selection, values)

    async def each_raw(
        self, email: str, field: str, selection: str, values: Sequence[str]
    ) -> list[bytes] | None:
        return await self.each_call_raw(email, f"{field}(id: $v)", selection, values)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.fixture
def api(dns_http: httpx.AsyncClient, world: World) -> Api:
    return Api(dns_http, world)


async def count_clients(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(Client.id)))).scalar_one())


async def snapshot(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            stmt = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [tuple(row) for row in (await session.execute(stmt)).all()]
    return found


def changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


# --- Expectations for one visible object ----------------------------------------------------


def expected_member(email: str, ids: Ids, member_email: str | None) -> dict[str, str] | None:
    """A `member { id }` / `assignee { id }`: the membership, if the viewer may read it."""
    if member_email is None or not oracle.reads_member(email, member_email):
        return None
    return {"id": ids.members[member_email]}


def check_store(ids: Ids, name: str, got: dict[str, Any]) -> None:
    """A visible store, with every set-up section present and telling what the store tells."""
    assert got["id"] == ids.stores[name], name
    assert got["name"] == name  # every demo store is named after its client
    assert got["domain"] == {"hostname": got["customDomain"], "status": got["domainStatus"]}
    assert got["payments"] == {"status": got["paymentStatus"]}
    assert got["logistics"] == {"status": got["logisticsStatus"]}
    assert got["catalog"] == {"status": got["catalogStatus"]}
    assert isinstance(got["brand"]["theme"], str)
    assert got["compliance"]["kycStatus"]
    assert got["compliance"]["taxStatus"]


def check_readiness(name: str, got: dict[str, Any]) -> None:
    """Readiness counts the current partner's open blocking tasks, whoever asks."""
    blockers = got["blockers"]
    assert got["ready"] is (blockers == []), name
    blocking = oracle.open_blocking_tasks(name)
    tasks = [b for b in blockers if b["code"] == "BLOCKING_TASKS_OPEN"]
    if blocking:
        assert len(tasks) == 1, (name, blockers)
        noun = "task blocks" if blocking == 1 else "tasks block"
        assert tasks[0]["message"] == f"{blocking} open {noun} the launch.", name
    else:
        assert tasks == [], (name, blockers)


def check_client(email: str, ids: Ids, got: dict[str, Any]) -> str:
    """Checks a visible client's nested store, partner, assignees and work; returns its name."""
    name: str = got["businessName"]
    assert got["id"] == ids.clients[name], name
    check_store(ids, name, got["store"])
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
    tasks = got["tasks"]
    expected = [ids.tasks[t.key] for t in oracle.client_tasks(email, name)]
    assert [n["id"] for n in tasks["nodes"]] == expected, name
    assert tasks["totalCount"] == len(expected), name
    assert tasks["pageInfo"]["hasNextPage"] is False
    assert got["openTaskCount"] == oracle.open_task_count(email, name), name
    due = oracle.next_due_task(email, name)
    assert got["nextDueTask"] == (None if due is None else {"id": ids.tasks[due.key]}), name
    check_readiness(name, got["launchReadiness"])
    return name


def check_partner(email: str, ids: Ids, got: dict[str, Any]) -> str:
    """Checks a visible partner's team, client list and workflows; returns its slug."""
    slug: str = got["slug"]
    assert got["id"] == ids.partners[slug]
    members = {m["user"]["email"]: m for m in got["members"]}
    assert len(members) == len(got["members"])
    assert set(members) == oracle.partner_members(email, slug), slug
    for member_email, member in members.items():
        assert member["id"] == ids.members[member_email]
        invited = oracle.invitation(member_email) is not None
        assert member["status"] == ("INVITED" if invited else "ACTIVE"), member_email
    clients = got["clients"]
    names = [n["businessName"] for n in clients["nodes"]]
    assert len(names) == len(set(names))
    assert set(names) == oracle.partner_clients(email, slug), slug
    assert all(n["id"] == ids.clients[n["businessName"]] for n in clients["nodes"])
    assert clients["totalCount"] == len(names)
    assert clients["pageInfo"]["hasNextPage"] is False
    templates = got["workflowTemplates"]
    keys = [(slug, t["name"]) for t in templates["nodes"]]
    assert len(keys) == len(set(keys))
    assert set(keys) == oracle.partner_templates(email, slug), slug
    for key, node in zip(keys, templates["nodes"], strict=True):
        assert node["id"] == ids.templates[key]
        assert len(node["items"]) == oracle.TEMPLATE_ITEM_COUNTS[key]
    assert templates["totalCount"] == len(keys)
    assert templates["pageInfo"]["hasNextPage"] is False
    return slug


def check_task(email: str, ids: Ids, key: oracle.TaskKey, got: dict[str, Any]) -> None:
    task = oracle.task_spec(key)
    assert got["title"] == task.title, key
    assert got["clientVisible"] is task.client_visible, key
    assert got["client"] == {"id": ids.clients[task.client]}, key
    assert got["assignee"] == expected_member(email, ids, task.assignee), key


def check_node(email: str, ids: Ids, kind: str, key: Any, got: dict[str, Any]) -> None:
    assert got["__typename"] == kind
    if kind == "Client":
        assert got["businessName"] == key
    elif kind == "Partner":
        assert got["slug"] == key
    elif kind == "Store":
        check_store(ids, key, got)
    elif kind == "PartnerMember":
        assert got["user"] == {"email": key}
        assert got["partner"] == {"slug": oracle.member_partner(key)}
        assert got["status"] == ("INVITED" if oracle.invitation(key) else "ACTIVE")
    elif kind == "Assignment":
        _client_name, member_email = key
        assert got["user"] == {"email": member_email}
        assert got["member"] == expected_member(email, ids, member_email), key
    elif kind == "Task":
        check_task(email, ids, key, got)
    else:
        assert got["name"] == key[1]
        assert len(got["items"]) == oracle.TEMPLATE_ITEM_COUNTS[key]


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
async def test_partner_by_id_with_team_clients_and_workflows(
    api: Api, ids: Ids, email: str
) -> None:
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
async def test_root_tasks_connection_and_its_client_filter(api: Api, ids: Ids, email: str) -> None:
    """Every page of `tasks(first: 100)`: exactly the tasks the user may see, once each; and
    `tasks(filter: { clientId })` for every client."""
    keys_by_id = {g: k for k, g in ids.tasks.items()}
    seen: list[oracle.TaskKey] = []
    after: str | None = None
    for _page in range(len(oracle.TASK_KEYS) // 100 + 2):
        data = await api.data(email, ROOT_TASKS, {"after": after})
        if data is None:
            return
        connection = data["tasks"]
        nodes = connection["nodes"]
        assert [e["node"]["id"] for e in connection["edges"]] == [n["id"] for n in nodes]
        for node in nodes:
            key = keys_by_id[node["id"]]
            check_task(email, ids, key, node)
            seen.append(key)
        assert connection["totalCount"] == len(oracle.visible(email).tasks)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        assert len(nodes) == 100
        after = connection["pageInfo"]["endCursor"]
    else:
        pytest.fail("the task list never ended")
    assert len(seen) == len(set(seen))
    assert set(seen) == oracle.visible(email).tasks

    # Filtered by client: the client's visible tasks; for a foreign client, byte for byte what
    # a client id that was never issued gets.
    call = "tasks(first: 100, filter: { clientId: $v })"
    names = list(ids.clients)
    results = await api.each_call(email, call, TASKS_OF_CLIENT, [ids.clients[n] for n in names])
    if results is None:
        return
    for name, got in zip(names, results, strict=True):
        expected = {ids.tasks[t.key] for t in oracle.client_tasks(email, name)}
        assert {n["id"] for n in got["nodes"]} == expected, name
        assert got["totalCount"] == len(expected), name
    foreign = [g for n, g in ids.clients.items() if n not in oracle.visible(email).clients]
    never = [gid("Client", NEVER)] * len(foreign)
    assert await api.each_call_raw(email, call, TASKS_OF_CLIENT, foreign) == (
        await api.each_call_raw(email, call, TASKS_OF_CLIENT, never)
    )


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
async def test_viewer_memberships_accounts_and_invitations(api: Api, ids: Ids, email: str) -> None:
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
    partner_names = {p.slug: p.name for p in PARTNERS}
    assert viewer["invitations"] == [
        {
            "id": ids.members[member],
            "status": "INVITED",
            "role": oracle.member_role(member).name,
            "partner": {"id": ids.partners[slug], "slug": slug, "name": partner_names[slug]},
        }
        for member, slug in oracle.viewer_invitations(email)
    ]


async def test_launch_readiness_is_the_same_for_everyone_who_sees_the_client(api: Api) -> None:
    query = "{ clients(first: 100) { nodes { businessName launchReadiness { ready "
    query += "blockers { code message } } } } }"
    answers: dict[str, dict[str, Any]] = {}
    for email in ALL_EMAILS:
        data = await api.data(email, query)
        if data is None:
            continue
        for node in data["clients"]["nodes"]:
            name = node["businessName"]
            check_readiness(name, node["launchReadiness"])
            reference = answers.setdefault(name, node["launchReadiness"])
            assert node["launchReadiness"] == reference, (email, name)
    assert set(answers) == set(oracle.CLIENT_NAMES)


def foreign_ids(email: str, ids: Ids, field: str) -> list[str]:
    """The issued ids `field(id:)` must not resolve for the user."""
    if field == "client":
        return [g for n, g in ids.clients.items() if n not in oracle.visible(email).clients]
    if field == "partner":
        return [g for s, g in ids.partners.items() if s not in oracle.visible(email).partners]
    return [g for g, (kind, key) in ids.nodes().items() if key not in visible_keys(email, kind)]


def null_aliases(count: int) -> bytes:
    """The exact body of a document of `count` aliases that all answer null."""
    return b'{"data":{' + b",".join(b'"a%d":null' % i for i in range(count)) + b"}}"


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_foreign_ids_answer_like_never_issued_ids(api: Api, ids: Ids, email: str) -> None:
    """client(id:), partner(id:) and node(id:) with every id the user may not read answer
    byte for byte like ids that were never issued: one at a time, and all at once."""
    for root in ("client", "partner", "node"):
        never = NEVER_ISSUED[root]
        selection = PROBE_FIELDS[root]
        single = f"query($id: ID!) {{ {root}(id: $id) {selection} }}"
        null_body = json.dumps({"data": {root: None}}, separators=(",", ":")).encode()

        # One id at a time: each never-issued id, then the first foreign one, same bytes.
        foreign = foreign_ids(email, ids, root)
        for value in [*never, *foreign[:1]]:
            raw = await api.raw(email, single, {"id": value})
            if raw is None:
                return
            assert raw == null_body, (root, value, raw)

        # Every foreign id at once, in documents that also ask never-issued ids: each answers
        # exactly as a document asking only never-issued ids does.
        probes = [*never, *foreign]
        got = await api.each_raw(email, root, selection, probes)
        assert got is not None
        sizes = [len(chunk) for chunk in chunks(probes)]
        assert got == [null_aliases(size) for size in sizes], root
        baseline = list(islice(cycle(never), sizes[-1]))
        assert await api.each_raw(email, root, selection, baseline) == [null_aliases(sizes[-1])]


# --- Mutations: foreign ids do not exist, lesser roles are refused ----------------------------


@dataclass(frozen=True)
class Case:
    """One mutation with one of its id arguments under test."""

    mutation: str
    input_type: str
    kind: str  # the type of the id under test
    id_field: str  # its key in the input
    payload: str  # the payload's selection besides userErrors
    allowed: Callable[[str, Any], bool]  # may the user do it to a readable object?
    # The rest of a valid input for the user; None when the case does not apply to them.
    extra: Callable[[Ids, str], dict[str, Any] | None] = lambda ids, email: {}
    # Does the id name nothing the user may use here? By default: they may not read it.
    hidden: Callable[[str, Any], bool] | None = None
    # The refusal when the user may read the object but not do this to it.
    refusal: Callable[[str, Any], str] = lambda email, key: "FORBIDDEN"
    # Probe every foreign id, not one of each kind of foreign object (see `sample`).
    every_id: bool = False

    @property
    def name(self) -> str:
        return f"{self.mutation}.{self.id_field}"

    def hides(self, email: str, key: Any) -> bool:
        if self.hidden is not None:
            return self.hidden(email, key)
        return key not in visible_keys(email, self.kind)

    def input(self, ids: Ids, email: str, value: str) -> dict[str, Any] | None:
        extra = self.extra(ids, email)
        return None if extra is None else {**extra, self.id_field: value}

    def document(self, count: int) -> str:
        selection = f"{{ {self.payload} userErrors {{ field message code }} }}"
        return aliased_document(
            f"{self.mutation}(input: $v)", selection, count, f"{self.input_type}!", "mutation"
        )


def workable_client(email: str) -> str | None:
    """A client the user may work on (tasks, store, launch), if any."""
    return next((n for n in oracle.CLIENT_NAMES if oracle.may_work_on(email, n)), None)


def staffable_client(email: str) -> str | None:
    """A client whose team the user may staff, if any."""
    return next((n for n in oracle.CLIENT_NAMES if oracle.may_assign(email, n)), None)


def own_partner(email: str) -> str | None:
    found = oracle.membership(email)
    return None if found is None or oracle.is_refused(email) else found[0]


def usable_member(client: str | None, email: str, member: str) -> bool:
    """May `member` be put to work on `client` by the user: a readable, active member of the
    client's partner?"""
    if client is None:
        return False
    return (
        oracle.reads_member(email, member)
        and oracle.member_partner(member) == oracle.client_spec(client).partner
        and oracle.invitation(member) is None
    )


def usable_template(client: str | None, email: str, key: tuple[str, str]) -> bool:
    if client is None:
        return False
    return oracle.reads_template(email, key) and key[0] == oracle.client_spec(client).partner


def _with_client(
    pick: Callable[[str], str | None], rest: dict[str, Any]
) -> Callable[[Ids, str], dict[str, Any] | None]:
    def extra(ids: Ids, email: str) -> dict[str, Any] | None:
        client = pick(email)
        return None if client is None else {"clientId": ids.clients[client], **rest}

    return extra


def _onboarding_extra(ids: Ids, email: str) -> dict[str, Any] | None:
    slug = own_partner(email)
    return None if slug is None else {**VALID_INPUT, "partnerId": ids.partners[slug]}


def _first_template(ids: Ids, email: str) -> dict[str, Any]:
    return {"templateId": ids.templates[oracle.TEMPLATE_KEYS[0]]}


TASK = "task { id title status }"
STORE = "store { id version }"
MEMBER = "member { id status role }"
TEMPLATE = "workflowTemplate { id name }"
VERSION = {"version": 1}


def _store_case(
    mutation: str, input_type: str, rest: dict[str, Any], every_id: bool = False
) -> Case:
    return Case(
        mutation,
        input_type,
        "Store",
        "storeId",
        STORE,
        oracle.may_work_on,
        extra=lambda ids, email: {**VERSION, **rest},
        every_id=every_id,
    )


def _accept_refusal(email: str, key: str) -> str:
    # Their own membership, already accepted.
    return "INVALID_TRANSITION" if key == email else "FORBIDDEN"


CASES: tuple[Case, ...] = (
    # By client.
    Case(
        "createTask",
        "CreateTaskInput",
        "Client",
        "clientId",
        TASK,
        oracle.may_work_on,
        extra=lambda ids, email: {"title": "Probe task", "clientVisible": True},
        every_id=True,
    ),
    Case(
        "reorderTasks",
        "ReorderTasksInput",
        "Client",
        "clientId",
        "client { id }",
        oracle.may_work_on,
        extra=lambda ids, email: {"taskIds": []},
    ),
    Case(
        "applyWorkflowTemplate",
        "ApplyWorkflowTemplateInput",
        "Client",
        "clientId",
        "client { id } tasks { id }",
        oracle.may_work_on,
        extra=_first_template,
    ),
    Case(
        "launchStore",
        "LaunchStoreInput",
        "Client",
        "clientId",
        "client { id status }",
        oracle.may_work_on,
    ),
    Case(
        "assignMember",
        "AssignMemberInput",
        "Client",
        "clientId",
        "assignment { id }",
        oracle.may_assign,
        extra=lambda ids, email: {"memberId": ids.members["specialist@northwind.test"]},
    ),
    # By store.
    _store_case(
        "connectStoreDomain", "ConnectDomainInput", {"hostname": "probe.example"}, every_id=True
    ),
    _store_case("verifyStoreDomain", "StoreVersionInput", {}),
    _store_case("disconnectStoreDomain", "StoreVersionInput", {}),
    _store_case(
        "updateStorePayments",
        "UpdateStorePaymentsInput",
        {"status": "KYC_PENDING", "provider": "STRIPE"},
    ),
    _store_case(
        "updateStoreLogistics",
        "UpdateStoreLogisticsInput",
        {
            "status": "CONFIGURED",
            "provider": "ShipBob",
            "shippingZoneCount": 1,
            "shippingMethodCount": 1,
        },
    ),
    _store_case("updateStoreCatalog", "UpdateStoreCatalogInput", {"status": "IMPORTING"}),
    _store_case("updateStoreBrand", "UpdateStoreBrandInput", {"themeCustomized": True}),
    _store_case(
        "updateStoreCompliance", "UpdateStoreComplianceInput", {"kycResponsible": "MERCHANT"}
    ),
    # By task.
    Case(
        "updateTask",
        "UpdateTaskInput",
        "Task",
        "taskId",
        TASK,
        lambda email, key: oracle.may_edit_task(email, oracle.task_spec(key)),
        extra=lambda ids, email: {**VERSION, "title": "Renamed"},
        every_id=True,
    ),
    Case(
        "completeTask",
        "TaskVersionInput",
        "Task",
        "taskId",
        TASK,
        lambda email, key: oracle.may_complete_task(email, oracle.task_spec(key)),
        extra=lambda ids, email: VERSION,
    ),
    Case(
        "reopenTask",
        "TaskVersionInput",
        "Task",
        "taskId",
        TASK,
        lambda email, key: oracle.may_edit_task(email, oracle.task_spec(key)),
        extra=lambda ids, email: VERSION,
    ),
    Case(
        "deleteTask",
        "TaskVersionInput",
        "Task",
        "taskId",
        "deletedTaskId",
        lambda email, key: oracle.may_edit_task(email, oracle.task_spec(key)),
        extra=lambda ids, email: VERSION,
    ),
    # By workflow template.
    Case(
        "updateWorkflowTemplate",
        "UpdateWorkflowTemplateInput",
        "WorkflowTemplate",
        "templateId",
        TEMPLATE,
        lambda email, key: oracle.may_manage_templates(email, key[0]),
        extra=lambda ids, email: {**VERSION, "name": "Renamed workflow"},
    ),
    Case(
        "deleteWorkflowTemplate",
        "DeleteWorkflowTemplateInput",
        "WorkflowTemplate",
        "templateId",
        "deletedWorkflowTemplateId",
        lambda email, key: oracle.may_manage_templates(email, key[0]),
        extra=lambda ids, email: VERSION,
    ),
    Case(
        "applyWorkflowTemplate",
        "ApplyWorkflowTemplateInput",
        "WorkflowTemplate",
        "templateId",
        "client { id } tasks { id }",
        lambda email, key: True,
        extra=_with_client(workable_client, {}),
        hidden=lambda email, key: not usable_template(workable_client(email), email, key),
    ),
    Case(
        "onboardClient",
        "OnboardClientInput",
        "WorkflowTemplate",
        "workflowTemplateId",
        "client { id businessName }",
        lambda email, key: True,
        extra=_onboarding_extra,
        hidden=lambda email, key: (
            not (oracle.reads_template(email, key) and key[0] == own_partner(email))
        ),
    ),
    # By team member (or invitation).
    Case(
        "changeMemberRole",
        "ChangeMemberRoleInput",
        "PartnerMember",
        "memberId",
        MEMBER,
        oracle.may_change_member,
        extra=lambda ids, email: {**VERSION, "role": "MANAGER"},
    ),
    Case(
        "removeMember",
        "RemoveMemberInput",
        "PartnerMember",
        "memberId",
        "removedMemberId",
        oracle.may_remove_member,
        extra=lambda ids, email: VERSION,
    ),
    Case(
        "acceptInvitation",
        "AcceptInvitationInput",
        "PartnerMember",
        "memberId",
        MEMBER,
        oracle.may_accept,
        refusal=_accept_refusal,
    ),
    Case(
        "assignMember",
        "AssignMemberInput",
        "PartnerMember",
        "memberId",
        "assignment { id }",
        lambda email, key: True,
        extra=_with_client(staffable_client, {}),
        hidden=lambda email, key: not usable_member(staffable_client(email), email, key),
    ),
    Case(
        "createTask",
        "CreateTaskInput",
        "PartnerMember",
        "assigneeId",
        TASK,
        lambda email, key: True,
        extra=_with_client(workable_client, {"title": "Probe task"}),
        hidden=lambda email, key: not usable_member(workable_client(email), email, key),
    ),
    # By assignment.
    Case(
        "unassignMember",
        "UnassignMemberInput",
        "Assignment",
        "assignmentId",
        "removedAssignmentId",
        lambda email, key: oracle.may_assign(email, key[0]),
    ),
    # By partner.
    Case(
        "inviteMember",
        "InviteMemberInput",
        "Partner",
        "partnerId",
        MEMBER,
        oracle.may_manage_team,
        extra=lambda ids, email: {"email": "probe@example.test", "role": "SPECIALIST"},
    ),
    Case(
        "createWorkflowTemplate",
        "CreateWorkflowTemplateInput",
        "Partner",
        "partnerId",
        TEMPLATE,
        oracle.may_manage_templates,
        extra=lambda ids, email: {"name": "Probe workflow", "items": [{"title": "One"}]},
    ),
)


def test_every_mutation_that_takes_an_id_is_covered() -> None:
    """Guards the case list: each mutation with an id argument, every such argument."""
    covered = {case.name for case in CASES}
    assert covered >= {
        "createTask.clientId",
        "createTask.assigneeId",
        "reorderTasks.clientId",
        "applyWorkflowTemplate.clientId",
        "applyWorkflowTemplate.templateId",
        "launchStore.clientId",
        "assignMember.clientId",
        "assignMember.memberId",
        "connectStoreDomain.storeId",
        "verifyStoreDomain.storeId",
        "disconnectStoreDomain.storeId",
        "updateStorePayments.storeId",
        "updateStoreLogistics.storeId",
        "updateStoreCatalog.storeId",
        "updateStoreBrand.storeId",
        "updateStoreCompliance.storeId",
        "updateTask.taskId",
        "completeTask.taskId",
        "reopenTask.taskId",
        "deleteTask.taskId",
        "updateWorkflowTemplate.templateId",
        "deleteWorkflowTemplate.templateId",
        "onboardClient.workflowTemplateId",
        "changeMemberRole.memberId",
        "removeMember.memberId",
        "acceptInvitation.memberId",
        "unassignMember.assignmentId",
        "inviteMember.partnerId",
        "createWorkflowTemplate.partnerId",
    }


def situation(email: str, client_name: str) -> tuple[object, ...]:
    """What sets a client apart for the user: its current partner and that partner's access,
    its older accesses, whether it has merchant users, and whether the user is assigned."""
    spec = oracle.client_spec(client_name)
    assigned = any(e == email for e, _ in spec.assigned)
    return (spec.partner, spec.access, spec.previous, bool(spec.merchants), assigned)


def sample(email: str, kind: str, keys: Sequence[Any]) -> list[Any]:
    """One object of each kind of foreign object: per situation of its client (and, for tasks,
    shared or internal). Teams, assignments, workflows and partners are few: all of them."""
    if kind not in ("Client", "Store", "Task"):
        return list(keys)
    picked: dict[tuple[object, ...], Any] = {}
    for key in keys:
        if kind == "Task":
            group = (*situation(email, key[0]), oracle.task_spec(key).client_visible)
        else:
            group = situation(email, key)
        picked.setdefault(group, key)
    return list(picked.values())


def payload_is_empty(payload: dict[str, Any]) -> bool:
    return all(v in (None, []) for k, v in payload.items() if k != "userErrors")


def repeated(single: bytes, count: int) -> bytes:
    """The exact body of a document of `count` aliases that each answer like the one alias of
    `single` (compact JSON, aliases in order)."""
    head, tail = b'{"data":{"a0":', b"}}"
    assert single.startswith(head), single
    assert single.endswith(tail), single
    one = single[len(head) : -len(tail)]
    return b'{"data":{' + b",".join(b'"a%d":%s' % (i, one) for i in range(count)) + tail


def alias_payloads(body: bytes) -> list[Any]:
    parsed = json.loads(body)
    assert "errors" not in parsed, parsed
    data: dict[str, Any] = parsed["data"]
    return [data[f"a{i}"] for i in range(len(data))]


async def foreign_id_failures(api: Api, ids: Ids, email: str, case: Case) -> list[str]:
    """Sends the case with every id that names nothing for the user, next to never-issued ids;
    returns a description of every answer that differs from a never-issued id's."""
    never = never_issued(case.kind)
    first = case.input(ids, email, never[0])
    if first is None:
        return []
    universe = ids.of_kind(case.kind)
    hidden = [k for k in universe if case.hides(email, k)]
    if not case.every_id:
        hidden = sample(email, case.kind, hidden)
    probes: list[tuple[Any, str]] = [(None, v) for v in never[1:]]
    probes += [(k, universe[k]) for k in hidden]

    # The answer for one never-issued id; a document of n such aliases answers it n times.
    single = await api.raw(email, case.document(1), {"v0": first})
    assert single is not None
    payload = alias_payloads(single)[0]
    assert payload_is_empty(payload), (case.name, payload)
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", case.id_field], "NOT_FOUND")
    ], (case.name, payload)
    failures: list[str] = []
    for chunk in chunks(probes):
        inputs = [case.input(ids, email, value) for _, value in chunk]
        document = case.document(len(chunk))
        raw = await api.raw(email, document, {f"v{i}": v for i, v in enumerate(inputs)})
        assert raw is not None
        if raw != repeated(single, len(chunk)):
            for (key, value), got in zip(chunk, alias_payloads(raw), strict=True):
                if got != payload:
                    failures.append(f"{case.name} {key or value}: {got}")
            failures.append(f"{case.name}: bytes differ from never-issued ids' in {raw!r}")
    return failures


async def refusal_failures(api: Api, ids: Ids, email: str, case: Case) -> list[str]:
    """Sends the case with every id the user may read but not act on; returns a description of
    every answer that is not the expected refusal with nothing in the payload."""
    if case.input(ids, email, "") is None:
        return []
    universe = ids.of_kind(case.kind)
    refused = [k for k in universe if not case.hides(email, k) and not case.allowed(email, k)]
    failures: list[str] = []
    for chunk in chunks(refused):
        inputs = [case.input(ids, email, universe[k]) for k in chunk]
        raw = await api.raw(
            email, case.document(len(chunk)), {f"v{i}": v for i, v in enumerate(inputs)}
        )
        assert raw is not None
        for key, payload in zip(chunk, alias_payloads(raw), strict=True):
            errors = [(e["field"], e["code"]) for e in payload["userErrors"]]
            expected = [(["input", case.id_field], case.refusal(email, key))]
            if errors != expected or not payload_is_empty(payload):
                failures.append(f"{case.name} {key}: {payload}")
    return failures


@pytest.mark.parametrize("email", ALL_EMAILS)
async def test_mutations_by_id_find_nothing_foreign_and_refuse_lesser_roles(
    api: Api,
    ids: Ids,
    sessions: async_sessionmaker[AsyncSession],
    dns: FakeDns,
    email: str,
) -> None:
    """Every mutation that takes an id:
    - with ids of that type the user may not read (or may not use there): the same NOT_FOUND
      as for an id that was never issued, byte for byte;
    - with every object the user may read but not act on that way: FORBIDDEN
      (INVALID_TRANSITION for accepting one's own accepted membership) on the id's field and
      an empty payload;
    and nothing changes, not even a DNS lookup."""
    if oracle.is_refused(email):
        case = CASES[0]
        assert await api.raw(email, case.document(1), {"v0": case.input(ids, email, "x")}) is None
        return
    before = await snapshot(sessions)
    failures: list[str] = []
    for case in CASES:
        failures += await foreign_id_failures(api, ids, email, case)
        failures += await refusal_failures(api, ids, email, case)
    assert not failures, "\n".join(failures)
    assert changed_tables(before, await snapshot(sessions)) == []
    assert dns.asked == []


# Who the refusal matrix must exercise (guards its parametrization against a shrinking world).
def test_refusal_matrix_covers_the_named_lesser_roles() -> None:
    lumen = "Lumen Candles"
    by_name = {(c.mutation, c.kind): c for c in CASES}
    payments = by_name[("updateStorePayments", "Store")]
    assign = by_name[("assignMember", "Client")]
    merchant, staff, specialist = (
        "merchant@lumen-candles.test",
        "staff@shopiq.test",
        "specialist@northwind.test",
    )
    assert not payments.hides(merchant, lumen)
    assert not payments.allowed(merchant, lumen)
    assert not assign.hides(specialist, lumen)
    assert not assign.allowed(specialist, lumen)
    for case in CASES:
        if case.hidden is None:
            assert not any(case.allowed(staff, k) for k in visible_keys(staff, case.kind))


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


# Users who may read a partner without belonging to its team: the merchants of its clients,
# someone it invited, and platform staff.
OUTSIDE_READERS = [
    (email, slug)
    for email in ALL_EMAILS
    for slug in oracle.PARTNER_SLUGS
    if slug in oracle.visible(email).partners and not oracle.may_onboard(email, slug)
]


def test_every_outside_reader_of_a_partner_is_covered() -> None:
    """The forbidden-onboarding case covers each demo merchant, the invited user and platform
    staff (guards the parametrization)."""
    # A merchant reads the partners that work, worked or asked to work for them: Quill & Ink's,
    # handed over, still reads Northwind.
    merchants = {e for e in ALL_EMAILS if oracle.merchant_clients(e) and oracle.visible(e).partners}
    assert len(merchants) == 5
    assert {e for e, _ in OUTSIDE_READERS} == merchants | {INVITEE, "staff@shopiq.test"}
    assert (INVITEE, "northwind-digital") in OUTSIDE_READERS


@pytest.mark.parametrize(("email", "slug"), OUTSIDE_READERS)
async def test_onboarding_by_a_reader_outside_the_team_is_forbidden(
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
    # Each actively accessed client past the lead stage has its ten-item checklist.
    assert len(oracle.visible(email).tasks) == 10 * (len(NORTHWIND_ACTIVE) - 1)


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
    assert {k[0] for k in oracle.visible(email).tasks} == expected


async def test_lumen_merchant_sees_exactly_lumen_candles_and_its_shared_tasks(
    api: Api, ids: Ids
) -> None:
    email = "merchant@lumen-candles.test"
    assert oracle.visible(email).clients == {"Lumen Candles"}
    assert await visible_client_names(api, email) == {"Lumen Candles"}
    # The merchant sees who works on the store, and the partner, but not the partner's team
    # or its workflows.
    data = await api.data(
        email,
        "query($p: ID!) { partner(id: $p) { slug members { id } "
        "clients(first: 100) { nodes { businessName } } "
        "workflowTemplates(first: 100) { totalCount nodes { id } } } }",
        {"p": ids.partners["northwind-digital"]},
    )
    assert data == {
        "partner": {
            "slug": "northwind-digital",
            "members": [],
            "clients": {"nodes": [{"businessName": "Lumen Candles"}]},
            "workflowTemplates": {"totalCount": 0, "nodes": []},
        }
    }
    # Only the four tasks shared with the merchant, never the internal ones.
    shared = oracle.visible(email).tasks
    assert shared == {("Lumen Candles", p) for p in (1, 2, 7, 9)}
    tasks = await api.data(email, "{ tasks(first: 100) { totalCount nodes { clientVisible } } }")
    assert tasks == {"tasks": {"totalCount": 4, "nodes": [{"clientVisible": True}] * 4}}


async def test_invited_user_sees_their_invitation_and_the_partners_name_only(
    api: Api, ids: Ids
) -> None:
    own = ids.members[INVITEE]
    northwind = ids.partners["northwind-digital"]
    data = await api.data(
        INVITEE,
        """query($p: ID!, $m: ID!) {
          viewer { memberships { id } clientAccounts { id } invitations { id } }
          partner(id: $p) {
            name tier members { id } clients(first: 100) { totalCount }
            workflowTemplates(first: 100) { totalCount }
          }
          invitation: node(id: $m) { id ... on PartnerMember { status partner { name } } }
          clients(first: 100) { totalCount }
          tasks(first: 100) { totalCount }
        }""",
        {"p": northwind, "m": own},
    )
    assert data == {
        "viewer": {"memberships": [], "clientAccounts": [], "invitations": [{"id": own}]},
        "partner": {
            "name": "Northwind Digital",
            "tier": "GOLD",
            "members": [],
            "clients": {"totalCount": 0},
            "workflowTemplates": {"totalCount": 0},
        },
        "invitation": {"id": own, "status": "INVITED", "partner": {"name": "Northwind Digital"}},
        "clients": {"totalCount": 0},
        "tasks": {"totalCount": 0},
    }
    # The rest of the team, its clients, stores, tasks and workflows do not exist for them.
    others = [
        *(g for m, g in ids.members.items() if m != INVITEE),
        *ids.clients.values(),
        *ids.stores.values(),
        *ids.tasks.values(),
        *ids.templates.values(),
    ]
    assert await api.each(INVITEE, "node", "{ id }", others) == [None] * len(others)


async def test_the_team_sees_the_pending_invitation_and_no_one_else_does(
    api: Api, ids: Ids
) -> None:
    invitation = ids.members[INVITEE]
    for email in ALL_EMAILS:
        data = await api.data(
            email,
            "query($m: ID!) { node(id: $m) { id ... on PartnerMember { status } } }",
            {"m": invitation},
        )
        if data is None:
            continue
        expected = oracle.reads_member(email, INVITEE)
        assert data["node"] == ({"id": invitation, "status": "INVITED"} if expected else None)
        assert expected is (
            email == INVITEE
            or oracle.is_platform_staff(email)
            or own_partner(email) == "northwind-digital"
        ), email


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
        *(g for k, g in ids.tasks.items() if oracle.task_spec(k).partner == northwind),
        *(g for k, g in ids.templates.items() if k[0] == northwind),
    ]
    # The partner, 6 members and an invitation, 15 clients and stores (one handed over), 8
    # assignments, the checklists of its 12 active clients past the lead stage, 2 workflows.
    assert len(nw_ids) == 1 + 7 + 15 + 15 + 8 + 120 + 2
    assert await api.each(email, "node", "{ id }", nw_ids) == [None] * len(nw_ids)
    client_ids = [ids.clients[n] for n in nw_clients]
    assert await api.each(email, "client", "{ id }", client_ids) == [None] * len(client_ids)
    assert await api.each(email, "partner", "{ id }", [ids.partners[northwind]]) == [None]

    # Nothing in any list, nested field or payload so much as mentions Northwind.
    token = token_for(world.users[email], email)
    documents: list[tuple[str, dict[str, Any]]] = [
        (ROOT_CLIENTS, {}),
        (ROOT_TASKS, {"after": None}),
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
        assert not any(f'"{g}"' in text for g in nw_ids)
        assert not any(n in text for n in nw_clients)


# --- A client's other partner ---------------------------------------------------------------

TIDAL = "Tidal Threads"
# Work Northwind left behind at Tidal Threads before the client moved to Bluefin: one task
# shared with the merchant, one internal and assigned, both open, blocking and overdue.
LEFTOVERS = (
    oracle.DemoTask(
        TIDAL, "northwind-digital", 11, "Old shared checklist item", True, True, False, -3, None
    ),
    oracle.DemoTask(
        TIDAL,
        "northwind-digital",
        12,
        "Old internal checklist item",
        False,
        True,
        False,
        -2,
        "specialist@northwind.test",
    ),
)


async def add_leftovers(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> dict[oracle.TaskKey, str]:
    today = utcnow().date()
    rows = []
    async with sessions.begin() as session:
        for spec in LEFTOVERS:
            assert spec.due_offset is not None
            row = Task(
                partner_id=world.partners[spec.partner],
                client_id=world.clients[spec.client],
                title=spec.title,
                category=TaskCategory.OTHER,
                client_visible=spec.client_visible,
                blocks_launch=spec.blocks_launch,
                position=spec.position,
                due_date=today + timedelta(days=spec.due_offset),
                assignee_member_id=world.members[spec.assignee] if spec.assignee else None,
            )
            session.add(row)
            rows.append(row)
        await session.flush()
    return {spec.key: gid("Task", row.id) for spec, row in zip(LEFTOVERS, rows, strict=True)}


async def assert_task_mutations_find_nothing(
    api: Api, ids: Ids, email: str, task_ids: list[str]
) -> None:
    """Every task mutation answers for these ids byte for byte as for never-issued ids."""
    for case in CASES:
        if case.kind != "Task":
            continue
        never = never_issued("Task")
        first = case.input(ids, email, never[0])
        single = await api.raw(email, case.document(1), {"v0": first})
        assert single is not None
        values = [*task_ids, *never[1:]]
        inputs = [case.input(ids, email, v) for v in values]
        document = case.document(len(values))
        raw = await api.raw(email, document, {f"v{i}": v for i, v in enumerate(inputs)})
        assert raw == repeated(single, len(values)), (case.name, raw)


async def test_a_clients_next_partner_never_sees_the_previous_partners_tasks(
    api: Api, ids: Ids, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    leftover = await add_leftovers(world, sessions)
    query = """query($a: ID!, $b: ID!, $c: ID!) {
      a: node(id: $a) { id }
      b: node(id: $b) { id }
      client(id: $c) {
        openTaskCount nextDueTask { id } tasks(first: 100) { totalCount nodes { id } }
        launchReadiness { ready blockers { code } }
      }
    }"""
    [shared, internal] = LEFTOVERS
    variables = {"a": leftover[shared.key], "b": leftover[internal.key], "c": ids.clients[TIDAL]}
    for email in ALL_EMAILS:
        data = await api.data(email, query, variables)
        if data is None:
            continue
        mine = [t for t in LEFTOVERS if oracle.reads_task(email, t)]
        for alias, spec in (("a", shared), ("b", internal)):
            expected = {"id": leftover[spec.key]} if spec in mine else None
            assert data[alias] == expected, (email, spec.title)
        client = data["client"]
        if client is None:
            assert TIDAL not in oracle.visible(email).clients
            assert mine == [], email
            continue
        listed = [ids.tasks[t.key] for t in oracle.client_tasks(email, TIDAL)]
        listed += [leftover[t.key] for t in mine]
        assert [n["id"] for n in client["tasks"]["nodes"]] == listed, email
        assert client["tasks"]["totalCount"] == len(listed)
        assert client["openTaskCount"] == oracle.open_task_count(email, TIDAL) + len(mine)
        # Tidal's own checklist is done, so the overdue leftover is next, if visible at all.
        assert client["nextDueTask"] == ({"id": leftover[mine[0].key]} if mine else None), email
        # The launch waits only on the current partner's work.
        assert client["launchReadiness"] == {"ready": False, "blockers": [{"code": "ALREADY_LIVE"}]}
    # Bluefin works on Tidal Threads now, but sees none of Northwind's old tasks ...
    assert not any(oracle.reads_task("owner@bluefin.test", t) for t in LEFTOVERS)
    # ... and its mutations cannot find them either.
    email = "owner@bluefin.test"
    before = await snapshot(sessions)
    await assert_task_mutations_find_nothing(api, ids, email, list(leftover.values()))
    # Reordering Tidal's checklist takes Bluefin's own tasks only: the hidden ones are neither
    # required nor accepted, and answer like never-issued ids.
    reorder = """mutation($input: ReorderTasksInput!) {
      reorderTasks(input: $input) { client { id } userErrors { field message code } }
    }"""
    own = [ids.tasks[t.key] for t in oracle.client_tasks(email, TIDAL)]
    assert len(own) == 10
    with_hidden = await api.raw(
        email,
        reorder,
        {"input": {"clientId": ids.clients[TIDAL], "taskIds": [*own, leftover[shared.key]]}},
    )
    with_never = await api.raw(
        email,
        reorder,
        {"input": {"clientId": ids.clients[TIDAL], "taskIds": [*own, gid("Task", NEVER)]}},
    )
    assert with_hidden == with_never
    assert changed_tables(before, await snapshot(sessions)) == []
    data = await api.data(
        email, reorder, {"input": {"clientId": ids.clients[TIDAL], "taskIds": own[::-1]}}
    )
    assert data == {"reorderTasks": {"client": {"id": ids.clients[TIDAL]}, "userErrors": []}}


async def test_a_member_of_both_partners_sees_only_what_each_membership_grants(
    api: Api, ids: Ids, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Bluefin's owner also joins Northwind as a specialist (assigned nowhere). Northwind's
    access to Tidal Threads has ended, and Bluefin is another partner there: the tasks
    Northwind left at Tidal Threads stay out of reach, whichever membership is asked."""
    leftover = await add_leftovers(world, sessions)
    email = "owner@bluefin.test"
    async with sessions.begin() as session:
        session.add(
            PartnerMember(
                partner_id=world.partners["northwind-digital"],
                user_id=world.users[email],
                role=PartnerRole.SPECIALIST,
                status=MemberStatus.ACTIVE,
            )
        )
    data = await api.data(
        email,
        """query($a: ID!, $b: ID!, $c: ID!) {
          viewer { memberships { partner { slug } } }
          a: node(id: $a) { id }
          b: node(id: $b) { id }
          client(id: $c) { openTaskCount nextDueTask { id } tasks(first: 100) { totalCount } }
          tasks(first: 100, filter: { clientId: $c }) { totalCount }
        }""",
        {"a": leftover[LEFTOVERS[0].key], "b": leftover[LEFTOVERS[1].key], "c": ids.clients[TIDAL]},
    )
    assert data is not None
    assert {m["partner"]["slug"] for m in data["viewer"]["memberships"]} == {
        "bluefin-studio",
        "northwind-digital",
    }
    own = len(oracle.client_tasks(email, TIDAL))
    assert data["a"] is None
    assert data["b"] is None
    assert data["client"] == {"openTaskCount": 0, "nextDueTask": None, "tasks": {"totalCount": own}}
    assert data["tasks"] == {"totalCount": own}
    before = await snapshot(sessions)
    await assert_task_mutations_find_nothing(api, ids, email, list(leftover.values()))
    assert changed_tables(before, await snapshot(sessions)) == []


# --- Revocation, and the removed user ---------------------------------------------------------


async def test_revoking_access_takes_effect_on_the_next_request(
    api: Api, ids: Ids, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, merchant = "owner@northwind.test", "merchant@lumen-candles.test"
    lumen = "Lumen Candles"
    probe = """query($c: ID!, $s: ID!, $a: ID!, $p: ID!, $shared: ID!, $internal: ID!) {
      client(id: $c) { id }
      store: node(id: $s) { id }
      assignment: node(id: $a) { id }
      partner(id: $p) { id clients(first: 100) { nodes { businessName } } }
      shared: node(id: $shared) { id }
      internal: node(id: $internal) { id }
    }"""
    variables = {
        "c": ids.clients[lumen],
        "s": ids.stores[lumen],
        "a": ids.assignments[(lumen, "specialist@northwind.test")],
        "p": ids.partners["northwind-digital"],
        "shared": ids.tasks[(lumen, 1)],
        "internal": ids.tasks[(lumen, 3)],
    }
    assert oracle.task_spec((lumen, 1)).client_visible
    assert not oracle.task_spec((lumen, 3)).client_visible
    before = await api.data(owner, probe, variables)
    assert before is not None
    assert before["client"] == {"id": ids.clients[lumen]}
    assert before["store"] == {"id": ids.stores[lumen]}
    assert before["assignment"] is not None
    assert before["shared"] is not None
    assert before["internal"] is not None
    assert lumen in await visible_client_names(api, owner)
    merchant_before = await api.data(merchant, probe, variables)
    assert merchant_before is not None
    assert merchant_before["partner"] is not None
    assert merchant_before["shared"] is not None
    assert merchant_before["internal"] is None

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
        assert result.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult from an UPDATE

    after = await api.data(owner, probe, variables)
    assert after is not None
    assert after["client"] is None
    assert after["store"] is None
    assert after["assignment"] is None
    assert after["shared"] is None
    assert after["internal"] is None
    assert lumen not in {n["businessName"] for n in after["partner"]["clients"]["nodes"]}
    assert await visible_client_names(api, owner) == NORTHWIND_ACTIVE - {lumen}
    assert await visible_client_names(api, "specialist@northwind.test") == {
        "Aster Apparel",
        "Birch & Bloom Florists",
    }
    specialist_tasks = await api.data(
        "specialist@northwind.test", "{ tasks(first: 100) { nodes { client { businessName } } } }"
    )
    assert specialist_tasks is not None
    assert lumen not in {n["client"]["businessName"] for n in specialist_tasks["tasks"]["nodes"]}
    # The merchant keeps their own client and its shared tasks (now history), and still sees the
    # name of the partner it revoked, which labels that history.
    merchant_after = await api.data(merchant, probe, variables)
    assert merchant_after is not None
    assert merchant_after["client"] == {"id": ids.clients[lumen]}
    assert merchant_after["partner"]["id"] == ids.partners["northwind-digital"]
    assert merchant_after["shared"] == {"id": ids.tasks[(lumen, 1)]}
    assert merchant_after["internal"] is None


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { user { email } } }",
        "{ clients(first: 100) { totalCount } }",
        "{ tasks(first: 100) { totalCount } }",
        ONBOARD_PROBE,
    ],
)
async def test_removed_user_is_refused(
    http: httpx.AsyncClient, world: World, ids: Ids, query: str
) -> None:
    email = "former@northwind.test"
    assert oracle.is_refused(email)
    assert oracle.visible(email).clients == frozenset()
    assert oracle.visible(email).tasks == frozenset()
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
