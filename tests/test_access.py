"""Merchant consent: access scope and expiry on every path, requests (by email and by one-time
code), approval, decline, revocation, onboarding of an existing account, merchant staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.access import AccessCode
from db.base import utcnow
from db.enums import AccessScope, AccessStatus, ClientUserStatus
from db.models import ClientUser, PartnerAccess, Task, User
from tests.conftest import GraphQL, World
from tests.helpers import assert_current_partners_follow_accesses, codes, db_id, gid

Sessions = async_sessionmaker[AsyncSession]

NW_OWNER = "owner@northwind.test"
NW_ADMIN = "admin@northwind.test"
NW_SPECIALIST = "specialist@northwind.test"
BF_OWNER = "owner@bluefin.test"
BF_SPECIALIST = "specialist@bluefin.test"
LUMEN_OWNER = "merchant@lumen-candles.test"
LUMEN_STAFF = "staff@lumen-candles.test"
HARBOR_OWNER = "merchant@harbor-coffee.test"
LUMEN = "Lumen Candles"
NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"

ACCESS_FIELDS = "id status scope version inForce message expiresAt activatedAt partner { name }"

PROBE = """
query Probe($c: ID!, $s: ID!, $t: ID!) {
  client(id: $c) {
    id
    store { id }
    tasks(first: 100) { totalCount nodes { id } }
    openTaskCount
    nextDueTask { id }
  }
  store: node(id: $s) { id }
  task: node(id: $t) { id }
  tasks(first: 100, filter: { clientId: $c }) { totalCount }
}
"""

REQUEST = f"""
mutation Request($input: RequestClientAccessInput!) {{
  requestClientAccess(input: $input) {{
    access {{ {ACCESS_FIELDS} client {{ id businessName }} }}
    userErrors {{ field message code }}
  }}
}}
"""
APPROVE = f"""
mutation Approve($input: ApproveAccessRequestInput!) {{
  approveAccessRequest(input: $input) {{
    access {{ {ACCESS_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""
DECLINE = f"""
mutation Decline($input: AccessDecisionInput!) {{
  declineAccessRequest(input: $input) {{
    access {{ {ACCESS_FIELDS} endedAt }}
    userErrors {{ field message code }}
  }}
}}
"""
REVOKE = f"""
mutation Revoke($input: AccessDecisionInput!) {{
  revokePartnerAccess(input: $input) {{
    access {{ {ACCESS_FIELDS} endedAt }}
    userErrors {{ field message code }}
  }}
}}
"""
CODE = """
mutation Code($input: CreateAccessCodeInput!) {
  createAccessCode(input: $input) { code scope expiresAt userErrors { field message code } }
}
"""
REQUESTS = f"""
query Requests {{
  viewer {{
    accessRequests(first: 50) {{ totalCount nodes {{ {ACCESS_FIELDS} client {{ id }} }} }}
  }}
}}
"""
COMPLETE = """
mutation Complete($id: ID!, $v: Int!) {
  completeTask(input: { taskId: $id, version: $v }) {
    task { id status }
    userErrors { field code }
  }
}
"""
BRAND = """
mutation Brand($id: ID!, $v: Int!) {
  updateStoreBrand(input: { storeId: $id, version: $v, themeCustomized: true }) {
    store { id }
    userErrors { field code }
  }
}
"""
LAUNCH = """
mutation Launch($id: ID!) {
  launchStore(input: { clientId: $id }) { userErrors { field code } }
}
"""
ASSIGN = """
mutation Assign($c: ID!, $m: ID!) {
  assignMember(input: { clientId: $c, memberId: $m }) { userErrors { field code } }
}
"""
CREATE_TASK = """
mutation NewTask($c: ID!) {
  createTask(input: { clientId: $c, title: "Check the fonts" }) { userErrors { field code } }
}
"""


async def data(gql: GraphQL, email: str, query: str, **variables: Any) -> dict[str, Any]:
    body = await gql(email, query, **variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


async def mutate(gql: GraphQL, who: str, query: str, **input_: Any) -> dict[str, Any]:
    result = await data(gql, who, query, input=input_)
    payload: dict[str, Any] = next(iter(result.values()))
    return payload


async def lumen_access(sessions: Sessions, world: World, slug: str = NORTHWIND) -> PartnerAccess:
    async with sessions() as session:
        found = await session.execute(
            select(PartnerAccess)
            .where(
                PartnerAccess.client_id == world.clients[LUMEN],
                PartnerAccess.partner_id == world.partners[slug],
            )
            .order_by(PartnerAccess.id.desc())
            .limit(1)
        )
        return found.scalar_one()


async def set_access(sessions: Sessions, world: World, **values: Any) -> None:
    """Change Northwind's access to Lumen Candles in place."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(PartnerAccess)
            .where(
                PartnerAccess.client_id == world.clients[LUMEN],
                PartnerAccess.partner_id == world.partners[NORTHWIND],
                PartnerAccess.status == AccessStatus.ACTIVE,
            )
            .values(**values)
        )
        assert result.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult from an UPDATE


async def lumen_tasks(sessions: Sessions, world: World) -> list[Task]:
    async with sessions() as session:
        rows = await session.execute(
            select(Task).where(Task.client_id == world.clients[LUMEN]).order_by(Task.position)
        )
        return list(rows.scalars())


async def probe(gql: GraphQL, world: World, email: str, task_id: int) -> dict[str, Any]:
    return await data(
        gql,
        email,
        PROBE,
        c=gid("Client", world.clients[LUMEN]),
        s=gid("Store", world.stores[LUMEN]),
        t=gid("Task", task_id),
    )


# --- Scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [NW_OWNER, NW_SPECIALIST])
async def test_support_scope_reads_the_client_and_store_but_no_implementation_work(
    gql: GraphQL, sessions: Sessions, world: World, email: str
) -> None:
    tasks = await lumen_tasks(sessions, world)
    open_task = next(t for t in tasks if t.status != "done")
    before = await probe(gql, world, email, open_task.id)
    assert before["client"]["tasks"]["totalCount"] == len(tasks)
    assert before["task"] == {"id": gid("Task", open_task.id)}

    await set_access(sessions, world, scope=AccessScope.SUPPORT.value)
    after = await probe(gql, world, email, open_task.id)
    # Reads of the client and its store stay, by every path.
    assert after["client"]["id"] == gid("Client", world.clients[LUMEN])
    assert after["client"]["store"] == {"id": gid("Store", world.stores[LUMEN])}
    assert after["store"] == {"id": gid("Store", world.stores[LUMEN])}
    # Tasks go, by every path: connection, count, nested field, node(id:), root list.
    assert after["client"]["tasks"] == {"totalCount": 0, "nodes": []}
    assert after["client"]["openTaskCount"] == 0
    assert after["client"]["nextDueTask"] is None
    assert after["task"] is None
    assert after["tasks"] == {"totalCount": 0}
    # Mutations: a task is not found (as a never-issued id); the client's work is forbidden.
    complete = await data(gql, email, COMPLETE, id=gid("Task", open_task.id), v=open_task.version)
    assert codes(complete["completeTask"]) == [(["input", "taskId"], "NOT_FOUND")]
    never = await data(gql, email, COMPLETE, id=gid("Task", 999_999), v=1)
    assert complete == never
    store_version = await _store_version(sessions, world)
    brand = await data(gql, email, BRAND, id=gid("Store", world.stores[LUMEN]), v=store_version)
    assert codes(brand["updateStoreBrand"]) == [(["input", "storeId"], "FORBIDDEN")]
    launch = await data(gql, email, LAUNCH, id=gid("Client", world.clients[LUMEN]))
    assert codes(launch["launchStore"]) == [(["input", "clientId"], "FORBIDDEN")]
    created = await data(gql, email, CREATE_TASK, c=gid("Client", world.clients[LUMEN]))
    assert codes(created["createTask"]) == [(["input", "clientId"], "FORBIDDEN")]
    assert len(await lumen_tasks(sessions, world)) == len(tasks)


async def test_support_scope_removes_staffing(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    await set_access(sessions, world, scope=AccessScope.SUPPORT.value)
    assigned = await data(
        gql,
        NW_OWNER,
        ASSIGN,
        c=gid("Client", world.clients[LUMEN]),
        m=gid("PartnerMember", world.members["manager@northwind.test"]),
    )
    assert codes(assigned["assignMember"]) == [(["input", "clientId"], "FORBIDDEN")]


@pytest.mark.parametrize("scope", [AccessScope.FULL, AccessScope.IMPLEMENTATION])
async def test_full_and_implementation_scopes_keep_the_implementation_work(
    gql: GraphQL, sessions: Sessions, world: World, scope: AccessScope
) -> None:
    await set_access(sessions, world, scope=scope.value)
    tasks = await lumen_tasks(sessions, world)
    open_task = next(t for t in tasks if t.status != "done")
    seen = await probe(gql, world, NW_SPECIALIST, open_task.id)
    assert seen["client"]["tasks"]["totalCount"] == len(tasks)
    assert seen["task"] == {"id": gid("Task", open_task.id)}
    complete = await data(
        gql, NW_SPECIALIST, COMPLETE, id=gid("Task", open_task.id), v=open_task.version
    )
    assert complete["completeTask"]["userErrors"] == []


async def _store_version(sessions: Sessions, world: World) -> int:
    from db.models import Store

    async with sessions() as session:
        store = await session.get(Store, world.stores[LUMEN])
        assert store is not None
        return store.version


# --- Expiry ------------------------------------------------------------------------------------


async def test_an_expired_access_gives_nothing_without_any_job(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    tasks = await lumen_tasks(sessions, world)
    await set_access(sessions, world, expires_at=utcnow() + timedelta(hours=1))
    before = await probe(gql, world, NW_OWNER, tasks[0].id)
    assert before["client"] is not None
    assert before["task"] is not None

    # The row still says ACTIVE; only the clock (the database's) says it is over.
    await set_access(sessions, world, expires_at=utcnow() - timedelta(minutes=1))
    for email in (NW_OWNER, NW_SPECIALIST):
        after = await probe(gql, world, email, tasks[0].id)
        assert after == {"client": None, "store": None, "task": None, "tasks": {"totalCount": 0}}
    # The merchant keeps the client; the expired partner's shared tasks become history.
    merchant = await probe(gql, world, LUMEN_OWNER, tasks[0].id)
    assert merchant["client"] is not None
    shared = next(t for t in tasks if t.client_visible and t.status != "done")
    done = await data(gql, LUMEN_OWNER, COMPLETE, id=gid("Task", shared.id), v=shared.version)
    assert codes(done["completeTask"]) == [(["input", "taskId"], "FORBIDDEN")]


# --- Requests ------------------------------------------------------------------------------------


async def _revoke_northwind(gql: GraphQL, sessions: Sessions, world: World) -> None:
    access = await lumen_access(sessions, world)
    payload = await mutate(
        gql,
        LUMEN_OWNER,
        REVOKE,
        accessId=gid("PartnerAccess", access.id),
        version=access.version,
    )
    assert payload["userErrors"] == []
    assert payload["access"]["status"] == "REVOKED"


async def _request(gql: GraphQL, world: World, **extra: Any) -> dict[str, Any]:
    fields = {
        "partnerId": gid("Partner", world.partners[BLUEFIN]),
        "merchantEmail": LUMEN_OWNER,
        "scope": "IMPLEMENTATION",
        "message": "We would love to help with the catalog.",
    }
    fields.update(extra)
    return await mutate(gql, BF_OWNER, REQUEST, **fields)


async def test_request_approve_flow(gql: GraphQL, sessions: Sessions, world: World) -> None:
    requested = await _request(gql, world)
    assert requested["userErrors"] == []
    access = requested["access"]
    assert (access["status"], access["scope"], access["inForce"]) == (
        "REQUESTED",
        "IMPLEMENTATION",
        False,
    )
    # Until approved the partner sees its request and nothing of the client, not even its name.
    assert access["client"] is None
    client_id = gid("Client", world.clients[LUMEN])
    assert (await data(gql, BF_OWNER, "query($id: ID!) { client(id: $id) { id } }", id=client_id))[
        "client"
    ] is None
    outgoing = await data(gql, BF_OWNER, REQUESTS)
    assert access["id"] in [n["id"] for n in outgoing["viewer"]["accessRequests"]["nodes"]]
    # The merchant owner and staff see it, with the partner's name; other merchants do not.
    for email in (LUMEN_OWNER, LUMEN_STAFF):
        incoming = await data(gql, email, REQUESTS)
        nodes = incoming["viewer"]["accessRequests"]["nodes"]
        assert [(n["id"], n["partner"]["name"]) for n in nodes] == [
            (access["id"], "Bluefin Studio")
        ]
    for email in (HARBOR_OWNER, NW_OWNER):
        others = await data(gql, email, REQUESTS)
        assert access["id"] not in {n["id"] for n in others["viewer"]["accessRequests"]["nodes"]}

    # Staff read but cannot approve; while Northwind is active the owner is told to revoke it.
    approve = {"accessId": access["id"], "version": access["version"]}
    staff = await mutate(gql, LUMEN_STAFF, APPROVE, **approve)
    assert codes(staff) == [(["input", "accessId"], "FORBIDDEN")]
    busy = await mutate(gql, LUMEN_OWNER, APPROVE, **approve)
    assert codes(busy) == [(["input", "accessId"], "CONFLICT")]
    await _revoke_northwind(gql, sessions, world)

    # Widening is refused; narrowing to SUPPORT with an expiry is not.
    wider = await mutate(gql, LUMEN_OWNER, APPROVE, **approve, scope="FULL")
    assert codes(wider) == [(["input", "scope"], "INVALID")]
    expiry = (utcnow() + timedelta(days=30)).isoformat()
    approved = await mutate(gql, LUMEN_OWNER, APPROVE, **approve, scope="SUPPORT", expiresAt=expiry)
    assert approved["userErrors"] == []
    assert (approved["access"]["status"], approved["access"]["scope"]) == ("ACTIVE", "SUPPORT")
    assert approved["access"]["inForce"] is True
    # A stale version is a conflict now.
    stale = await mutate(gql, LUMEN_OWNER, APPROVE, **approve)
    assert codes(stale) == [(["input", "version"], "CONFLICT")]

    tasks = await lumen_tasks(sessions, world)
    bluefin = await probe(gql, world, BF_OWNER, tasks[0].id)
    assert bluefin["client"]["id"] == client_id
    assert bluefin["client"]["tasks"]["totalCount"] == 0  # SUPPORT, and never Northwind's tasks
    northwind = await probe(gql, world, NW_OWNER, tasks[0].id)
    assert northwind["client"] is None
    assert northwind["task"] is None

    # The merchant sees Northwind's shared tasks as history, labelled, no longer tickable.
    history = await data(
        gql,
        LUMEN_OWNER,
        "query($id: ID!) { client(id: $id) { "
        "tasks(first: 100) { nodes { id partner { name } } } } }",
        id=client_id,
    )
    shared = [t for t in tasks if t.client_visible]
    assert {n["id"] for n in history["client"]["tasks"]["nodes"]} == {
        gid("Task", t.id) for t in shared
    }
    assert {n["partner"]["name"] for n in history["client"]["tasks"]["nodes"]} == {
        "Northwind Digital"
    }
    open_shared = next(t for t in shared if t.status != "done")
    tick = await data(
        gql, LUMEN_OWNER, COMPLETE, id=gid("Task", open_shared.id), v=open_shared.version
    )
    assert codes(tick["completeTask"]) == [(["input", "taskId"], "FORBIDDEN")]
    await assert_current_partners_follow_accesses(sessions)


async def test_decline(gql: GraphQL, sessions: Sessions, world: World) -> None:
    access = (await _request(gql, world))["access"]
    declined = await mutate(
        gql, LUMEN_OWNER, DECLINE, accessId=access["id"], version=access["version"]
    )
    assert declined["userErrors"] == []
    assert (declined["access"]["status"], declined["access"]["activatedAt"]) == ("ENDED", None)
    again = await mutate(
        gql, LUMEN_OWNER, DECLINE, accessId=access["id"], version=declined["access"]["version"]
    )
    assert codes(again) == [(["input", "accessId"], "INVALID_TRANSITION")]
    # Declined: Bluefin may ask again.
    assert (await _request(gql, world))["userErrors"] == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"merchantEmail": "not an email"}, [(["input", "merchantEmail"], "INVALID")]),
        ({"merchantEmail": "nobody@example.com"}, [(["input", "merchantEmail"], "NOT_FOUND")]),
        ({"merchantEmail": None}, [(["input", "merchantEmail"], "REQUIRED")]),
        ({"accessCode": "shopiq-x"}, [(["input", "merchantEmail"], "INVALID")]),
        ({"expiresAt": "2020-01-01T00:00:00+00:00"}, [(["input", "expiresAt"], "INVALID")]),
        ({"message": "x" * 2_001}, [(["input", "message"], "TOO_LONG")]),
    ],
)
async def test_bad_requests_write_nothing(
    gql: GraphQL, sessions: Sessions, world: World, extra: dict[str, Any], expected: Any
) -> None:
    before = await _count(sessions, PartnerAccess)
    payload = await _request(gql, world, **extra)
    assert payload["access"] is None
    assert codes(payload) == expected
    assert await _count(sessions, PartnerAccess) == before


async def test_a_second_open_request_is_taken(gql: GraphQL, world: World) -> None:
    assert (await _request(gql, world))["userErrors"] == []
    assert codes(await _request(gql, world)) == [(["input", "partnerId"], "TAKEN")]


async def test_approving_with_an_expiry_in_the_past_is_refused(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    access = (await _request(gql, world))["access"]
    await _revoke_northwind(gql, sessions, world)
    past = await mutate(
        gql,
        LUMEN_OWNER,
        APPROVE,
        accessId=access["id"],
        version=access["version"],
        expiresAt=(utcnow() - timedelta(days=1)).isoformat(),
    )
    assert codes(past) == [(["input", "expiresAt"], "INVALID")]
    assert (await lumen_access(sessions, world, BLUEFIN)).status == AccessStatus.REQUESTED


async def _count(sessions: Sessions, model: type[Any]) -> int:
    from sqlalchemy import func

    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


# --- Access codes -----------------------------------------------------------------------------


async def test_access_code_is_one_time_hashed_and_scoped(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    client_id = gid("Client", world.clients[LUMEN])
    staff = await mutate(gql, LUMEN_STAFF, CODE, clientId=client_id)
    assert codes(staff) == [(["input", "clientId"], "FORBIDDEN")]
    partner = await mutate(gql, NW_OWNER, CODE, clientId=client_id)
    assert codes(partner) == [(["input", "clientId"], "FORBIDDEN")]
    made = await mutate(gql, LUMEN_OWNER, CODE, clientId=client_id, scope="SUPPORT")
    assert made["userErrors"] == []
    code = made["code"]
    async with sessions() as session:
        stored = (
            (
                await session.execute(
                    select(AccessCode).where(AccessCode.client_id == world.clients[LUMEN])
                )
            )
            .scalars()
            .all()
        )
    assert [len(s.code_sha256) for s in stored] == [64]
    assert all(code not in s.code_sha256 for s in stored)

    # While Northwind is active the code cannot be used (and stays unused).
    busy = await _request(gql, world, merchantEmail=None, accessCode=code, scope="FULL")
    assert codes(busy) == [(["input", "accessCode"], "CONFLICT")]
    await _revoke_northwind(gql, sessions, world)
    used = await _request(gql, world, merchantEmail=None, accessCode=code, scope="FULL")
    assert used["userErrors"] == []
    # Active at once, within the code's scope.
    assert (used["access"]["status"], used["access"]["scope"]) == ("ACTIVE", "SUPPORT")
    assert used["access"]["client"]["id"] == client_id
    again = await mutate(
        gql,
        NW_OWNER,
        REQUEST,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        accessCode=code,
    )
    assert codes(again) == [(["input", "accessCode"], "INVALID")]
    await assert_current_partners_follow_accesses(sessions)


async def test_an_expired_code_is_refused(gql: GraphQL, sessions: Sessions, world: World) -> None:
    made = await mutate(gql, LUMEN_OWNER, CODE, clientId=gid("Client", world.clients[LUMEN]))
    async with sessions.begin() as session:
        await session.execute(update(AccessCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    await _revoke_northwind(gql, sessions, world)
    used = await _request(gql, world, merchantEmail=None, accessCode=made["code"])
    assert codes(used) == [(["input", "accessCode"], "INVALID")]


# --- Revocation ---------------------------------------------------------------------------------


async def test_the_partner_ends_its_own_access(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    access = await lumen_access(sessions, world)
    decision = {"accessId": gid("PartnerAccess", access.id), "version": access.version}
    specialist = await mutate(gql, NW_SPECIALIST, REVOKE, **decision)
    assert codes(specialist) == [(["input", "accessId"], "FORBIDDEN")]
    other = await mutate(gql, BF_OWNER, REVOKE, **decision)
    never = await mutate(gql, BF_OWNER, REVOKE, accessId=gid("PartnerAccess", 999_999), version=1)
    assert other == never
    assert codes(other) == [(["input", "accessId"], "NOT_FOUND")]
    ended = await mutate(gql, NW_ADMIN, REVOKE, **decision)
    assert ended["userErrors"] == []
    assert ended["access"]["status"] == "ENDED"
    tasks = await lumen_tasks(sessions, world)
    assert (await probe(gql, world, NW_SPECIALIST, tasks[0].id))["client"] is None
    await assert_current_partners_follow_accesses(sessions)


# --- Onboarding an existing account -------------------------------------------------------------

ONBOARD = """
mutation Onboard($input: OnboardClientInput!) {
  onboardClient(input: $input) {
    client { id }
    access { id status }
    userErrors { field code }
  }
}
"""
INVITATIONS = """
query { viewer { clientInvitations { businessName invitation { id status role } } } }
"""
ACCEPT = """
mutation Accept($input: AcceptClientInvitationInput!) {
  acceptClientInvitation(input: $input) {
    merchantUser { id status role }
    userErrors { field code }
  }
}
"""


async def test_onboarding_an_existing_account_waits_for_its_acceptance(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    onboarded = await mutate(
        gql,
        NW_OWNER,
        ONBOARD,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        businessName="Harbor Coffee Roasters",
        contactEmail=HARBOR_OWNER,
    )
    assert onboarded["userErrors"] == []
    assert onboarded["client"] is None
    assert onboarded["access"]["status"] == "REQUESTED"
    invitations = await data(gql, HARBOR_OWNER, INVITATIONS)
    [pending] = invitations["viewer"]["clientInvitations"]
    assert pending["businessName"] == "Harbor Coffee Roasters"
    assert (pending["invitation"]["status"], pending["invitation"]["role"]) == (
        "INVITED",
        "MERCHANT_OWNER",
    )
    # Nobody else accepts it (it does not exist for them).
    other = await mutate(gql, LUMEN_OWNER, ACCEPT, merchantUserId=pending["invitation"]["id"])
    assert codes(other) == [(["input", "merchantUserId"], "NOT_FOUND")]
    accepted = await mutate(gql, HARBOR_OWNER, ACCEPT, merchantUserId=pending["invitation"]["id"])
    assert accepted["userErrors"] == []
    assert accepted["merchantUser"]["status"] == "ACTIVE"
    clients = await data(gql, NW_OWNER, "{ clients(first: 100) { nodes { businessName } } }")
    assert "Harbor Coffee Roasters" in {n["businessName"] for n in clients["clients"]["nodes"]}
    twice = await mutate(gql, HARBOR_OWNER, ACCEPT, merchantUserId=pending["invitation"]["id"])
    assert codes(twice) == [(["input", "merchantUserId"], "FORBIDDEN")]
    await assert_current_partners_follow_accesses(sessions)


# --- Merchant staff -----------------------------------------------------------------------------

INVITE_STAFF = """
mutation Invite($input: InviteMerchantStaffInput!) {
  inviteMerchantStaff(input: $input) {
    merchantUser { id status role version }
    userErrors { field code }
  }
}
"""
REMOVE_STAFF = """
mutation Remove($input: RemoveMerchantStaffInput!) {
  removeMerchantStaff(input: $input) { removedMerchantUserId userErrors { field code } }
}
"""


async def test_merchant_owner_manages_staff_and_staff_decide_nothing(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    client_id = gid("Client", world.clients[LUMEN])
    by_staff = await mutate(gql, LUMEN_STAFF, INVITE_STAFF, clientId=client_id, email="a@b.test")
    assert codes(by_staff) == [(["input", "clientId"], "FORBIDDEN")]
    bad = await mutate(gql, LUMEN_OWNER, INVITE_STAFF, clientId=client_id, email="nope")
    assert codes(bad) == [(["input", "email"], "INVALID")]
    invited = await mutate(
        gql, LUMEN_OWNER, INVITE_STAFF, clientId=client_id, email="Helper@Lumen-Candles.test"
    )
    assert invited["userErrors"] == []
    assert invited["merchantUser"]["status"] == "INVITED"
    taken = await mutate(
        gql, LUMEN_OWNER, INVITE_STAFF, clientId=client_id, email="helper@lumen-candles.test"
    )
    assert codes(taken) == [(["input", "email"], "TAKEN")]
    member = invited["merchantUser"]
    stale = await mutate(
        gql, LUMEN_OWNER, REMOVE_STAFF, merchantUserId=member["id"], version=member["version"] + 1
    )
    assert codes(stale) == [(["input", "version"], "CONFLICT")]
    removed = await mutate(
        gql, LUMEN_OWNER, REMOVE_STAFF, merchantUserId=member["id"], version=member["version"]
    )
    assert removed == {"removedMerchantUserId": member["id"], "userErrors": []}
    # The owner cannot be removed as staff; staff cannot revoke the partner.
    async with sessions() as session:
        owner_link = (
            await session.execute(
                select(ClientUser)
                .join(User, User.id == ClientUser.user_id)
                .where(User.email == LUMEN_OWNER)
            )
        ).scalar_one()
        assert owner_link.status == ClientUserStatus.ACTIVE
    owner_removed = await mutate(
        gql,
        LUMEN_OWNER,
        REMOVE_STAFF,
        merchantUserId=gid("MerchantUser", owner_link.id),
        version=owner_link.version,
    )
    assert codes(owner_removed) == [(["input", "merchantUserId"], "FORBIDDEN")]
    access = await lumen_access(sessions, world)
    revoke = await mutate(
        gql,
        LUMEN_STAFF,
        REVOKE,
        accessId=gid("PartnerAccess", access.id),
        version=access.version,
    )
    assert codes(revoke) == [(["input", "accessId"], "FORBIDDEN")]
    assert db_id(gid("PartnerAccess", access.id)) == access.id
