"""Launch readiness and launching a store.

A store can launch once its custom domain (if any) is verified, payments and shipping are active,
the catalog is ready with products, the brand is off template defaults, every policy is
published, the business is verified, tax is settled, and no launch-blocking task of the current
partner is open. launchStore refuses with every blocker while anything blocks, and otherwise
puts the store and the client live.

Demo clients used here: Ironwood Furniture and Harbor Coffee (ready), Copperleaf Tea (ready but
for its open launch rehearsal), Lumen Candles and Birch & Bloom Florists (half set up), Fable
Books (nothing set up), Aster Apparel (live), Tidal Threads (live, moved from Northwind to
Bluefin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import ClientStatus, LaunchStatus, TaskCategory, TaskStatus
from db.models import Client, Store, Task
from schema.relay import to_global_id
from tests.conftest import GraphQL, World
from tests.helpers import FakeDns, columns

NW_OWNER = "owner@northwind.test"
NW_ADMIN = "admin@northwind.test"
NW_MANAGER = "manager@northwind.test"
NW_SPECIALIST = "specialist@northwind.test"
NW_DESIGNER = "designer@northwind.test"
BF_OWNER = "owner@bluefin.test"
LUMEN_OWNER = "merchant@lumen-candles.test"
LUMEN_STAFF = "staff@lumen-candles.test"
HARBOR_OWNER = "merchant@harbor-coffee.test"
TIDAL_OWNER = "merchant@tidal-threads.test"
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"

IRONWOOD = "Ironwood Furniture"
COPPERLEAF = "Copperleaf Tea"
LUMEN = "Lumen Candles"
BIRCH = "Birch & Bloom Florists"
FABLE = "Fable Books"
ASTER = "Aster Apparel"
HARBOR = "Harbor Coffee"
TIDAL = "Tidal Threads"
OLD_MILL = "Old Mill Bakery"
PINE = "Pine & Pixel Prints"
SOLO = "Solo Soaps"

NEVER_ISSUED = 987_654

# Everything a store with nothing set up (and no custom domain) still needs.
UNSET = frozenset(
    {
        "PAYMENTS_NOT_ACTIVE",
        "LOGISTICS_NOT_ACTIVE",
        "CATALOG_NOT_READY",
        "TEMPLATE_DEFAULTS",
        "POLICIES_UNPUBLISHED",
        "KYC_NOT_VERIFIED",
        "TAX_NOT_REGISTERED",
    }
)

CLIENT_FIELDS = """
fragment ClientFields on Client {
  id businessName status version
  launchReadiness { ready blockers { code message } }
  store {
    id version launchStatus launchedAt
    domain { hostname status }
    payments { status }
    logistics { status }
    catalog { status productCount }
    brand { logoUrl themeCustomized onTemplateDefaults refundPolicyPublished
            shippingPolicyPublished privacyPolicyPublished termsPolicyPublished }
    compliance { kycStatus taxStatus }
  }
  tasks(first: 100) { nodes { id version status blocksLaunch title } }
}
"""
READ_CLIENT = "query($id: ID!) { client(id: $id) { ...ClientFields } }" + CLIENT_FIELDS
READ_CLIENTS = "{ clients(first: 100) { nodes { ...ClientFields } } }" + CLIENT_FIELDS
READ_READINESS = (
    "query($id: ID!) { client(id: $id) { launchReadiness { ready blockers { code message } } } }"
)
LAUNCH = (
    "mutation($input: LaunchStoreInput!) { launchStore(input: $input) { "
    "client { ...ClientFields } userErrors { field message code } } }" + CLIENT_FIELDS
)
STORE_PAYLOAD = (
    "{ store { id version domain { records { name value } } } userErrors { field message code } }"
)
STORE_INPUTS = {
    "connectStoreDomain": "ConnectDomainInput",
    "verifyStoreDomain": "StoreVersionInput",
    "updateStorePayments": "UpdateStorePaymentsInput",
    "updateStoreLogistics": "UpdateStoreLogisticsInput",
    "updateStoreCatalog": "UpdateStoreCatalogInput",
    "updateStoreBrand": "UpdateStoreBrandInput",
    "updateStoreCompliance": "UpdateStoreComplianceInput",
}
CREATE_TASK = (
    "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id version status } "
    "userErrors { field message code } } }"
)
COMPLETE_TASK = (
    "mutation($input: TaskVersionInput!) { completeTask(input: $input) { task { id status } "
    "userErrors { field message code } } }"
)
ONBOARD = (
    "mutation($input: OnboardClientInput!) { onboardClient(input: $input) { "
    "client { id status store { id version } } userErrors { field message code } } }"
)


def client_gid(world: World, name: str) -> str:
    return to_global_id("Client", world.clients[name])


def blocker_codes(client: dict[str, Any]) -> set[str]:
    return {b["code"] for b in client["launchReadiness"]["blockers"]}


async def read_client(gql: GraphQL, email: str, client_id: str) -> dict[str, Any]:
    body = await gql(email, READ_CLIENT, id=client_id)
    assert "errors" not in body, body
    client: dict[str, Any] = body["data"]["client"]
    assert client is not None
    return client


async def launch(gql: GraphQL, email: str, client_id: str) -> dict[str, Any]:
    body = await gql(email, LAUNCH, input={"clientId": client_id})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["launchStore"]
    return payload


async def snapshot(sessions: async_sessionmaker[AsyncSession], client_id: int) -> dict[str, Any]:
    """The client, its store and its tasks, as stored."""
    async with sessions() as session:
        client = await session.get(Client, client_id)
        store = (
            await session.execute(select(Store).where(Store.client_id == client_id))
        ).scalar_one()
        tasks = (
            (await session.execute(select(Task).where(Task.client_id == client_id))).scalars().all()
        )
        return {
            "client": columns(client),
            "store": columns(store),
            "tasks": sorted(tuple(columns(t).values()) for t in tasks),
        }


def derived_codes(client: dict[str, Any]) -> set[str]:
    """What should block the launch, worked out from the store's sections and the open
    launch-blocking tasks as the partner's owner sees them."""
    store = client["store"]
    found: set[str] = set()
    if store["launchStatus"] == "LIVE":
        found.add("ALREADY_LIVE")
    if store["domain"]["hostname"] is not None and store["domain"]["status"] != "VERIFIED":
        found.add("DOMAIN_NOT_VERIFIED")
    if store["payments"]["status"] != "ACTIVE":
        found.add("PAYMENTS_NOT_ACTIVE")
    if store["logistics"]["status"] != "ACTIVE":
        found.add("LOGISTICS_NOT_ACTIVE")
    if store["catalog"]["status"] != "READY" or store["catalog"]["productCount"] < 1:
        found.add("CATALOG_NOT_READY")
    brand = store["brand"]
    if brand["logoUrl"] is None or not brand["themeCustomized"]:
        found.add("TEMPLATE_DEFAULTS")
    policies = ("refund", "shipping", "privacy", "terms")
    if not all(brand[f"{p}PolicyPublished"] for p in policies):
        found.add("POLICIES_UNPUBLISHED")
    if store["compliance"]["kycStatus"] != "VERIFIED":
        found.add("KYC_NOT_VERIFIED")
    if store["compliance"]["taxStatus"] not in ("REGISTERED", "EXEMPT"):
        found.add("TAX_NOT_REGISTERED")
    if any(t["blocksLaunch"] and t["status"] != "DONE" for t in client["tasks"]["nodes"]):
        found.add("BLOCKING_TASKS_OPEN")
    return found


def assert_recent(stamp: str | None) -> None:
    assert stamp is not None
    moment = datetime.fromisoformat(stamp)
    assert moment.tzinfo is not None
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


# --- Readiness of the demo world ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (IRONWOOD, set()),
        (COPPERLEAF, {"BLOCKING_TASKS_OPEN"}),
        (
            LUMEN,
            {
                "DOMAIN_NOT_VERIFIED",
                "PAYMENTS_NOT_ACTIVE",
                "LOGISTICS_NOT_ACTIVE",
                "TEMPLATE_DEFAULTS",
                "POLICIES_UNPUBLISHED",
                "KYC_NOT_VERIFIED",
                "TAX_NOT_REGISTERED",
                "BLOCKING_TASKS_OPEN",
            },
        ),
        (BIRCH, UNSET | {"BLOCKING_TASKS_OPEN"}),
        (FABLE, set(UNSET)),
        (ASTER, {"ALREADY_LIVE"}),
    ],
)
async def test_demo_clients_readiness(
    gql: GraphQL, world: World, name: str, expected: set[str]
) -> None:
    client = await read_client(gql, NW_OWNER, client_gid(world, name))
    readiness = client["launchReadiness"]
    assert blocker_codes(client) == expected
    assert readiness["ready"] is (not expected)
    assert len(readiness["blockers"]) == len(expected)  # each blocker once
    assert all(b["message"].strip() for b in readiness["blockers"])


async def test_blocker_messages_say_what_is_missing(gql: GraphQL, world: World) -> None:
    lumen = await read_client(gql, NW_OWNER, client_gid(world, LUMEN))
    messages = {b["code"]: b["message"] for b in lumen["launchReadiness"]["blockers"]}
    assert "lumen-candles.example" in messages["DOMAIN_NOT_VERIFIED"]
    # Refund and privacy are published; shipping and terms are not.
    assert "shipping" in messages["POLICIES_UNPUBLISHED"]
    assert "terms" in messages["POLICIES_UNPUBLISHED"]
    assert "refund" not in messages["POLICIES_UNPUBLISHED"]
    assert "privacy" not in messages["POLICIES_UNPUBLISHED"]
    # Two launch-blocking tasks are open: the policies and the launch rehearsal.
    assert "2" in messages["BLOCKING_TASKS_OPEN"]
    copperleaf = await read_client(gql, NW_OWNER, client_gid(world, COPPERLEAF))
    (blocker,) = copperleaf["launchReadiness"]["blockers"]
    assert "1" in blocker["message"]


@pytest.mark.parametrize("email", [NW_OWNER, BF_OWNER])
async def test_every_clients_blockers_match_its_store(
    gql: GraphQL, world: World, email: str
) -> None:
    body = await gql(email, READ_CLIENTS)
    assert "errors" not in body, body
    clients = body["data"]["clients"]["nodes"]
    assert len(clients) >= 11  # Bluefin's 11 clients in force (Granite Fitness's access expired)
    seen = {c["businessName"]: blocker_codes(c) for c in clients}
    assert seen == {c["businessName"]: derived_codes(c) for c in clients}
    # The demo world has clients at every point: ready, live, and blocked.
    assert any(not c for c in seen.values())
    assert any("ALREADY_LIVE" in c for c in seen.values())
    assert any(len(c) > 3 for c in seen.values())


@pytest.mark.parametrize(
    ("name", "partner_owner", "viewers"),
    [
        (LUMEN, NW_OWNER, [NW_SPECIALIST, NW_DESIGNER, LUMEN_OWNER, LUMEN_STAFF, PLATFORM]),
        (HARBOR, BF_OWNER, [HARBOR_OWNER, PLATFORM]),
        (COPPERLEAF, NW_OWNER, [NW_DESIGNER, PLATFORM]),
        (TIDAL, BF_OWNER, [TIDAL_OWNER, PLATFORM]),
    ],
)
async def test_everyone_who_sees_the_client_sees_the_same_readiness(
    gql: GraphQL, world: World, name: str, partner_owner: str, viewers: list[str]
) -> None:
    expected = await gql(partner_owner, READ_READINESS, id=client_gid(world, name))
    assert expected["data"]["client"] is not None
    for email in viewers:
        assert await gql(email, READ_READINESS, id=client_gid(world, name)) == expected, email


@pytest.mark.parametrize(
    ("email", "name"),
    [
        (HARBOR_OWNER, LUMEN),
        (LUMEN_OWNER, IRONWOOD),
        (BF_OWNER, IRONWOOD),
        (NW_SPECIALIST, IRONWOOD),
        (NW_OWNER, TIDAL),
        (NW_SPECIALIST, OLD_MILL),
        (NEWCOMER, COPPERLEAF),
    ],
)
async def test_readiness_of_a_hidden_client_is_not_there(
    gql: GraphQL, world: World, email: str, name: str
) -> None:
    never = await gql(email, READ_READINESS, id=to_global_id("Client", NEVER_ISSUED))
    assert never == {"data": {"client": None}}
    assert await gql(email, READ_READINESS, id=client_gid(world, name)) == never


# --- From nothing to live ----------------------------------------------------------------------


async def test_blockers_disappear_one_by_one_until_the_store_launches(
    dns_gql: GraphQL, dns: FakeDns, world: World
) -> None:
    """An assigned specialist onboards a new client and sets its store up section by section;
    each step removes exactly the blocker it addresses, and nothing else."""
    onboarded = await dns_gql(
        NW_SPECIALIST,
        ONBOARD,
        input={
            "partnerId": to_global_id("Partner", world.partners[NORTHWIND]),
            "businessName": "Quill & Quire Stationery",
            "contactEmail": "hello@quill-quire.example",
        },
    )
    assert onboarded["data"]["onboardClient"]["userErrors"] == [], onboarded
    client_id = onboarded["data"]["onboardClient"]["client"]["id"]
    store_id = onboarded["data"]["onboardClient"]["client"]["store"]["id"]
    version = onboarded["data"]["onboardClient"]["client"]["store"]["version"]

    client = await read_client(dns_gql, NW_SPECIALIST, client_id)
    assert client["status"] == "ONBOARDING"
    assert blocker_codes(client) == UNSET
    assert client["launchReadiness"]["ready"] is False

    async def step(mutation: str, **given: Any) -> dict[str, Any]:
        nonlocal version
        body = await dns_gql(
            NW_SPECIALIST,
            f"mutation($input: {STORE_INPUTS[mutation]}!) {{ {mutation}(input: $input) "
            f"{STORE_PAYLOAD} }}",
            input={"storeId": store_id, "version": version, **given},
        )
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"][mutation]
        assert payload["userErrors"] == [], (mutation, given)
        version = payload["store"]["version"]
        return payload

    async def blockers() -> set[str]:
        current = await read_client(dns_gql, NW_SPECIALIST, client_id)
        assert current["launchReadiness"]["ready"] is (not blocker_codes(current))
        assert blocker_codes(current) == derived_codes(current)
        return blocker_codes(current)

    remaining = set(UNSET)

    # Connecting a custom domain adds a blocker until the domain verifies.
    connected = await step("connectStoreDomain", hostname="shop.quill-quire.example")
    assert await blockers() == remaining | {"DOMAIN_NOT_VERIFIED"}
    await step("verifyStoreDomain")  # too early: nothing published yet
    assert await blockers() == remaining | {"DOMAIN_NOT_VERIFIED"}
    txt = connected["store"]["domain"]["records"][0]
    dns.answers[txt["name"]] = [txt["value"]]
    await step("verifyStoreDomain")
    assert await blockers() == remaining

    journey: list[tuple[str, dict[str, Any], str | None]] = [
        ("updateStorePayments", {"status": "KYC_PENDING", "provider": "STRIPE"}, None),
        ("updateStorePayments", {"status": "ACTIVE"}, "PAYMENTS_NOT_ACTIVE"),
        (
            "updateStoreLogistics",
            {
                "status": "CONFIGURED",
                "provider": "ShipBob",
                "shippingZoneCount": 1,
                "shippingMethodCount": 2,
            },
            None,
        ),
        ("updateStoreLogistics", {"status": "ACTIVE"}, "LOGISTICS_NOT_ACTIVE"),
        ("updateStoreCatalog", {"status": "IMPORTING"}, None),
        ("updateStoreCatalog", {"status": "READY", "productCount": 12}, "CATALOG_NOT_READY"),
        ("updateStoreBrand", {"logoUrl": "https://cdn.example/quill.png"}, None),
        ("updateStoreBrand", {"themeCustomized": True}, "TEMPLATE_DEFAULTS"),
        (
            "updateStoreBrand",
            {
                "refundPolicyPublished": True,
                "shippingPolicyPublished": True,
                "privacyPolicyPublished": True,
            },
            None,
        ),
        ("updateStoreBrand", {"termsPolicyPublished": True}, "POLICIES_UNPUBLISHED"),
        ("updateStoreCompliance", {"kycStatus": "SUBMITTED"}, None),
        ("updateStoreCompliance", {"kycStatus": "VERIFIED"}, "KYC_NOT_VERIFIED"),
        ("updateStoreCompliance", {"taxStatus": "PENDING"}, None),
        ("updateStoreCompliance", {"taxStatus": "REGISTERED"}, "TAX_NOT_REGISTERED"),
    ]
    for mutation, given, cleared in journey:
        await step(mutation, **given)
        if cleared is not None:
            remaining.discard(cleared)
        assert await blockers() == remaining, (mutation, given)
    assert remaining == set()

    ready = await read_client(dns_gql, NW_SPECIALIST, client_id)
    assert ready["launchReadiness"] == {"ready": True, "blockers": []}
    assert ready["status"] == "IMPLEMENTATION"

    # A task that blocks the launch holds it back until it is done; other tasks do not.
    for title, blocks in (("Order gift wrap", False), ("Final proofread", True)):
        created = await dns_gql(
            NW_SPECIALIST,
            CREATE_TASK,
            input={"clientId": client_id, "title": title, "blocksLaunch": blocks},
        )
        assert created["data"]["createTask"]["userErrors"] == [], created
    task = created["data"]["createTask"]["task"]
    assert await blockers() == {"BLOCKING_TASKS_OPEN"}
    refused = await launch(dns_gql, NW_SPECIALIST, client_id)
    assert refused["client"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("NOT_READY", ["input", "clientId"])
    ]

    done = await dns_gql(
        NW_SPECIALIST, COMPLETE_TASK, input={"taskId": task["id"], "version": task["version"]}
    )
    assert done["data"]["completeTask"]["userErrors"] == []
    assert await blockers() == set()

    launched = await launch(dns_gql, NW_SPECIALIST, client_id)
    assert launched["userErrors"] == []
    assert launched["client"]["status"] == "LIVE"
    assert launched["client"]["store"]["launchStatus"] == "LIVE"
    assert_recent(launched["client"]["store"]["launchedAt"])
    assert await blockers() == {"ALREADY_LIVE"}


# --- Launching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [NW_OWNER, NW_ADMIN, NW_MANAGER])
async def test_launching_a_ready_store(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], email: str
) -> None:
    before = await read_client(gql, NW_OWNER, client_gid(world, IRONWOOD))
    assert before["launchReadiness"]["ready"] is True
    assert before["status"] == "IMPLEMENTATION"
    assert before["store"]["launchStatus"] == "NOT_LAUNCHED"
    assert before["store"]["launchedAt"] is None

    payload = await launch(gql, email, client_gid(world, IRONWOOD))
    assert payload["userErrors"] == []
    client = payload["client"]
    assert client["id"] == client_gid(world, IRONWOOD)
    assert client["status"] == "LIVE"
    assert client["version"] == before["version"] + 1
    assert client["store"]["launchStatus"] == "LIVE"
    assert client["store"]["version"] == before["store"]["version"] + 1
    assert_recent(client["store"]["launchedAt"])
    assert client["launchReadiness"]["ready"] is False
    assert blocker_codes(client) == {"ALREADY_LIVE"}
    assert await read_client(gql, NW_OWNER, client_gid(world, IRONWOOD)) == client

    stored = await snapshot(sessions, world.clients[IRONWOOD])
    assert stored["store"]["launch_status"] == LaunchStatus.LIVE
    assert stored["store"]["launched_at"] is not None
    assert stored["client"]["status"] == ClientStatus.LIVE


async def test_launching_twice_is_refused(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await launch(gql, NW_OWNER, client_gid(world, IRONWOOD))
    assert first["userErrors"] == []
    before = await snapshot(sessions, world.clients[IRONWOOD])

    again = await launch(gql, NW_OWNER, client_gid(world, IRONWOOD))
    assert again["client"] is None
    (error,) = again["userErrors"]
    assert (error["code"], error["field"]) == ("NOT_READY", ["input", "clientId"])
    assert "live" in error["message"].lower()
    assert await snapshot(sessions, world.clients[IRONWOOD]) == before


async def test_launching_a_store_that_is_already_live(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = await snapshot(sessions, world.clients[ASTER])
    payload = await launch(gql, NW_SPECIALIST, client_gid(world, ASTER))
    assert payload["client"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_READY"]
    assert await snapshot(sessions, world.clients[ASTER]) == before


@pytest.mark.parametrize(("name", "email"), [(LUMEN, NW_OWNER), (BIRCH, NW_SPECIALIST)])
async def test_launching_a_store_that_is_not_ready_lists_every_blocker(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    email: str,
) -> None:
    readiness = (await read_client(gql, email, client_gid(world, name)))["launchReadiness"]
    assert readiness["ready"] is False
    before = await snapshot(sessions, world.clients[name])

    payload = await launch(gql, email, client_gid(world, name))
    assert payload["client"] is None
    errors = payload["userErrors"]
    assert len(errors) == len(readiness["blockers"]) > 1
    assert all(e["code"] == "NOT_READY" for e in errors)
    assert all(e["field"] == ["input", "clientId"] for e in errors)
    assert sorted(e["message"] for e in errors) == sorted(
        b["message"] for b in readiness["blockers"]
    )
    assert await snapshot(sessions, world.clients[name]) == before


async def test_completing_the_last_blocking_task_makes_copperleaf_ready(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client_id = client_gid(world, COPPERLEAF)
    client = await read_client(gql, NW_DESIGNER, client_id)
    assert blocker_codes(client) == {"BLOCKING_TASKS_OPEN"}
    (task,) = [t for t in client["tasks"]["nodes"] if t["blocksLaunch"] and t["status"] != "DONE"]

    before = await snapshot(sessions, world.clients[COPPERLEAF])
    refused = await launch(gql, NW_DESIGNER, client_id)
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_READY"]
    assert await snapshot(sessions, world.clients[COPPERLEAF]) == before

    done = await gql(
        NW_DESIGNER, COMPLETE_TASK, input={"taskId": task["id"], "version": task["version"]}
    )
    assert done["data"]["completeTask"]["userErrors"] == []
    assert (await read_client(gql, NW_DESIGNER, client_id))["launchReadiness"] == {
        "ready": True,
        "blockers": [],
    }

    # The assigned specialist may launch.
    launched = await launch(gql, NW_DESIGNER, client_id)
    assert launched["userErrors"] == []
    assert launched["client"]["status"] == "LIVE"
    assert launched["client"]["store"]["launchStatus"] == "LIVE"


async def _relaunchable_tidal_threads(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    """Tidal Threads as if it had not launched yet (it is fully set up with Bluefin)."""
    async with sessions.begin() as session:
        await session.execute(
            update(Store)
            .where(Store.client_id == world.clients[TIDAL])
            .values(launch_status=LaunchStatus.NOT_LAUNCHED, launched_at=None)
        )
        await session.execute(
            update(Client)
            .where(Client.id == world.clients[TIDAL])
            .values(status=ClientStatus.IMPLEMENTATION)
        )


async def _add_blocking_task(
    sessions: async_sessionmaker[AsyncSession], world: World, partner: str
) -> None:
    async with sessions.begin() as session:
        last = (
            await session.execute(
                select(func.max(Task.position)).where(Task.client_id == world.clients[TIDAL])
            )
        ).scalar_one()
        session.add(
            Task(
                partner_id=world.partners[partner],
                client_id=world.clients[TIDAL],
                title="Migrate the old storefront's redirects",
                category=TaskCategory.LAUNCH,
                status=TaskStatus.TODO,
                blocks_launch=True,
                position=(last or 0) + 1,
            )
        )


async def test_previous_partners_open_task_does_not_block(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _relaunchable_tidal_threads(sessions, world)
    await _add_blocking_task(sessions, world, NORTHWIND)

    for email in (BF_OWNER, TIDAL_OWNER, PLATFORM):
        body = await gql(email, READ_READINESS, id=client_gid(world, TIDAL))
        assert body["data"]["client"]["launchReadiness"] == {"ready": True, "blockers": []}, email

    launched = await launch(gql, BF_OWNER, client_gid(world, TIDAL))
    assert launched["userErrors"] == []
    assert launched["client"]["status"] == "LIVE"
    assert launched["client"]["store"]["launchStatus"] == "LIVE"


async def test_current_partners_open_task_blocks(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _relaunchable_tidal_threads(sessions, world)
    await _add_blocking_task(sessions, world, BLUEFIN)

    for email in (BF_OWNER, TIDAL_OWNER):
        body = await gql(email, READ_READINESS, id=client_gid(world, TIDAL))
        readiness = body["data"]["client"]["launchReadiness"]
        assert readiness["ready"] is False, email
        assert [b["code"] for b in readiness["blockers"]] == ["BLOCKING_TASKS_OPEN"], email
    before = await snapshot(sessions, world.clients[TIDAL])
    refused = await launch(gql, BF_OWNER, client_gid(world, TIDAL))
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_READY"]
    assert await snapshot(sessions, world.clients[TIDAL]) == before


# --- Who may launch ---------------------------------------------------------------------------

HIDDEN: list[tuple[str, str]] = [
    (NW_SPECIALIST, IRONWOOD),  # same partner, not assigned
    (NW_DESIGNER, IRONWOOD),  # same partner, not assigned
    (NW_SPECIALIST, OLD_MILL),  # assigned, but the partner's access was revoked
    (NW_OWNER, TIDAL),  # the client moved to another partner
    (NW_OWNER, HARBOR),  # another partner's ready client
    (BF_OWNER, IRONWOOD),  # another partner
    (HARBOR_OWNER, IRONWOOD),  # the merchant of another client
    (LUMEN_OWNER, HARBOR),
    (NEWCOMER, IRONWOOD),  # nobody
    (BF_OWNER, PINE),  # access requested, not granted
    (NW_OWNER, SOLO),  # works with no partner
]
READ_ONLY: list[tuple[str, str]] = [
    (HARBOR_OWNER, HARBOR),  # ready: only the role stands in the way
    (LUMEN_OWNER, LUMEN),
    (LUMEN_STAFF, LUMEN),
    (PLATFORM, IRONWOOD),
    (PLATFORM, HARBOR),
]


async def test_viewers_who_may_not_launch(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = {name: await snapshot(sessions, cid) for name, cid in world.clients.items()}
    for email, name in HIDDEN:
        never = await launch(gql, email, to_global_id("Client", NEVER_ISSUED))
        assert never["client"] is None
        assert [(e["code"], e["field"]) for e in never["userErrors"]] == [
            ("NOT_FOUND", ["input", "clientId"])
        ]
        assert await launch(gql, email, client_gid(world, name)) == never, (email, name)
    for email, name in READ_ONLY:
        payload = await launch(gql, email, client_gid(world, name))
        assert payload["client"] is None, email
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("FORBIDDEN", ["input", "clientId"])
        ], (email, name)
    after = {name: await snapshot(sessions, cid) for name, cid in world.clients.items()}
    assert after == before


@pytest.mark.parametrize("raw", ["not-an-id", "", "U3RvcmU6MQ=="])
async def test_ids_that_are_not_client_ids_are_not_found(
    gql: GraphQL, world: World, raw: str
) -> None:
    never = await launch(gql, NW_OWNER, to_global_id("Client", NEVER_ISSUED))
    assert await launch(gql, NW_OWNER, raw) == never
