"""The partner's team over the API: inviting, accepting, changing roles, removing (and leaving),
and staffing clients, with what every viewer sees before and after each change.

Demo world in short: Northwind Digital's team is an owner, an admin, a manager and two
specialists (plus a removed user's membership and a pending invitation for
invitee@northwind.test as a specialist); Bluefin Studio has an owner and a specialist.
Northwind's specialist works on Lumen Candles (lead), Aster Apparel (lead) and Birch & Bloom
Florists, and is still assigned to Old Mill Bakery, where Northwind's access was revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import AssignmentRole, MemberStatus, PartnerRole, UserStatus
from db.models import Assignment, PartnerMember, Task, User
from server.tokens import AUDIENCE, ISSUER
from tests.conftest import TEST_SECRET, GraphQL, World, token_for
from tests.helpers import error_codes, gid

Sessions = async_sessionmaker[AsyncSession]
Payload = dict[str, Any]

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"

NW_OWNER = "owner@northwind.test"
NW_ADMIN = "admin@northwind.test"
NW_MANAGER = "manager@northwind.test"
NW_SPECIALIST = "specialist@northwind.test"
NW_DESIGNER = "designer@northwind.test"
NW_FORMER = "former@northwind.test"
NW_INVITEE = "invitee@northwind.test"
BF_OWNER = "owner@bluefin.test"
BF_SPECIALIST = "specialist@bluefin.test"
LUMEN_OWNER = "merchant@lumen-candles.test"
LUMEN_STAFF = "staff@lumen-candles.test"
HARBOR_OWNER = "merchant@harbor-coffee.test"
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"

LUMEN = "Lumen Candles"
ASTER = "Aster Apparel"
BIRCH = "Birch & Bloom Florists"
COPPERLEAF = "Copperleaf Tea"
OLD_MILL = "Old Mill Bakery"
HARBOR = "Harbor Coffee"

NW_ACTIVE = frozenset(
    {
        LUMEN,
        ASTER,
        BIRCH,
        COPPERLEAF,
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
)
SPECIALIST_CLIENTS = frozenset({LUMEN, ASTER, BIRCH})
# Everyone on Northwind's roster, the pending invitation included, with role and status.
NW_ROSTER: dict[str, tuple[str, str]] = {
    NW_OWNER: ("OWNER", "ACTIVE"),
    NW_ADMIN: ("ADMIN", "ACTIVE"),
    NW_MANAGER: ("MANAGER", "ACTIVE"),
    NW_SPECIALIST: ("SPECIALIST", "ACTIVE"),
    NW_DESIGNER: ("SPECIALIST", "ACTIVE"),
    NW_FORMER: ("SPECIALIST", "ACTIVE"),
    NW_INVITEE: ("SPECIALIST", "INVITED"),
}
MISSING_ID = 987_654_321

ERRORS = "userErrors { field message code }"
MEMBER = "id role status version acceptedAt user { email name }"
INVITE = (
    "mutation($input: InviteMemberInput!) { result: inviteMember(input: $input) "
    f"{{ member {{ {MEMBER} }} {ERRORS} }} }}"
)
ACCEPT = (
    "mutation($input: AcceptInvitationInput!) { result: acceptInvitation(input: $input) "
    f"{{ member {{ {MEMBER} }} {ERRORS} }} }}"
)
CHANGE_ROLE = (
    "mutation($input: ChangeMemberRoleInput!) { result: changeMemberRole(input: $input) "
    f"{{ member {{ {MEMBER} }} {ERRORS} }} }}"
)
REMOVE = (
    "mutation($input: RemoveMemberInput!) { result: removeMember(input: $input) "
    f"{{ removedMemberId {ERRORS} }} }}"
)
ASSIGN = (
    "mutation($input: AssignMemberInput!) { result: assignMember(input: $input) "
    f"{{ assignment {{ id role user {{ email name }} member {{ id role }} }} {ERRORS} }} }}"
)
UNASSIGN = (
    "mutation($input: UnassignMemberInput!) { result: unassignMember(input: $input) "
    f"{{ removedAssignmentId {ERRORS} }} }}"
)

CLIENTS = "{ clients(first: 100) { totalCount nodes { id } } }"
CLIENT = "query($id: ID!) { client(id: $id) { id } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
PARTNER = "query($id: ID!) { partner(id: $id) { id name } }"
MEMBERS = "query($id: ID!) { partner(id: $id) { id members { id role status user { email } } } }"
VIEWER = "{ viewer { memberships { id role status } invitations { id role status } } }"
ASSIGNEES = (
    "query($id: ID!) { client(id: $id) "
    "{ id assignees { id role user { name email } member { id role } } } }"
)


def member_gid(world: World, email: str) -> str:
    return gid("PartnerMember", world.members[email])


def client_gids(world: World, names: frozenset[str] | set[str]) -> set[str]:
    return {gid("Client", world.clients[name]) for name in names}


def payload_of(body: Payload) -> Payload:
    assert "errors" not in body, body
    result: Payload = body["data"]["result"]
    return result


async def mutate(gql: GraphQL, who: str, mutation: str, **input: Any) -> Payload:
    """Run a mutation as a demo user; the payload (object and userErrors)."""
    return payload_of(await gql(who, mutation, input=input))


async def succeed(gql: GraphQL, who: str, mutation: str, **input: Any) -> Payload:
    result = await mutate(gql, who, mutation, **input)
    assert result["userErrors"] == [], result
    return result


async def as_user(
    http: httpx.AsyncClient, user_id: int, query: str, **variables: Any
) -> httpx.Response:
    """A request signed in as any user, also one created during the test."""
    return await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token_for(user_id)}"},
    )


async def as_user_ok(
    http: httpx.AsyncClient, user_id: int, query: str, **variables: Any
) -> Payload:
    response = await as_user(http, user_id, query, **variables)
    assert response.status_code == 200, response.text
    body: Payload = response.json()
    assert "errors" not in body, body
    return body


async def team_state(sessions: Sessions) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a team mutation may write, to prove a refusal left nothing behind."""
    async with sessions() as session:
        users = await session.execute(
            select(User.id, User.email, User.name, User.status).order_by(User.id)
        )
        members = await session.execute(
            select(
                PartnerMember.id,
                PartnerMember.partner_id,
                PartnerMember.user_id,
                PartnerMember.role,
                PartnerMember.status,
                PartnerMember.accepted_at,
                PartnerMember.version,
            ).order_by(PartnerMember.id)
        )
        assignments = await session.execute(
            select(
                Assignment.id, Assignment.client_id, Assignment.member_id, Assignment.role
            ).order_by(Assignment.id)
        )
        tasks = await session.execute(
            select(Task.id, Task.assignee_member_id, Task.version).order_by(Task.id)
        )
        return {
            "users": [tuple(r) for r in users],
            "members": [tuple(r) for r in members],
            "assignments": [tuple(r) for r in assignments],
            "tasks": [tuple(r) for r in tasks],
        }


async def refused(
    gql: GraphQL, sessions: Sessions, who: str, mutation: str, **input: Any
) -> list[Payload]:
    """Run a mutation that must be refused: no object back, nothing written; its userErrors."""
    before = await team_state(sessions)
    result = await mutate(gql, who, mutation, **input)
    assert await team_state(sessions) == before
    assert all(value is None for key, value in result.items() if key != "userErrors"), result
    errors: list[Payload] = result["userErrors"]
    assert errors, result
    return errors


async def visible_client_ids(gql: GraphQL, email: str) -> set[str]:
    data = only_data(await gql(email, CLIENTS))
    ids = {n["id"] for n in data["clients"]["nodes"]}
    assert data["clients"]["totalCount"] == len(ids)
    return ids


def only_data(body: Payload) -> Payload:
    assert "errors" not in body, body
    data: Payload = body["data"]
    return data


async def member_row(sessions: Sessions, member_id: int) -> PartnerMember | None:
    async with sessions() as session:
        return await session.get(PartnerMember, member_id)


async def user_by_email(sessions: Sessions, email: str) -> User | None:
    async with sessions() as session:
        found = await session.execute(select(User).where(User.email == email))
        return found.scalar_one_or_none()


async def assignment_id(sessions: Sessions, world: World, client: str, email: str) -> int:
    async with sessions() as session:
        found = await session.execute(
            select(Assignment.id).where(
                Assignment.client_id == world.clients[client],
                Assignment.member_id == world.members[email],
            )
        )
        return int(found.scalar_one())


async def roster(gql: GraphQL, email: str, world: World) -> dict[str, tuple[str, str]] | None:
    """Northwind's team as `email` sees it (email -> role, status), or None if unreadable."""
    data = only_data(await gql(email, MEMBERS, id=gid("Partner", world.partners[NORTHWIND])))
    if data["partner"] is None:
        return None
    members = data["partner"]["members"]
    by_email = {m["user"]["email"]: (m["role"], m["status"]) for m in members}
    assert len(by_email) == len(members)
    for m in members:
        if m["user"]["email"] in world.members:
            assert m["id"] == member_gid(world, m["user"]["email"])
    return by_email


# --- inviteMember -----------------------------------------------------------------------------


@pytest.mark.parametrize("inviter", [NW_OWNER, NW_ADMIN])
async def test_owners_and_admins_invite_a_new_person(
    gql: GraphQL, world: World, sessions: Sessions, inviter: str
) -> None:
    partner = gid("Partner", world.partners[NORTHWIND])
    result = await succeed(
        gql,
        inviter,
        INVITE,
        partnerId=partner,
        email="  Rita.Ng@Example.COM ",
        role="MANAGER",
        name="Rita Ng",
    )
    member = result["member"]
    assert member["role"] == "MANAGER"
    assert member["status"] == "INVITED"
    assert member["acceptedAt"] is None
    assert member["user"] == {"email": "rita.ng@example.com", "name": "Rita Ng"}

    user = await user_by_email(sessions, "rita.ng@example.com")
    assert user is not None
    assert user.status == UserStatus.INVITED
    assert user.name == "Rita Ng"
    async with sessions() as session:
        row = (
            await session.execute(select(PartnerMember).where(PartnerMember.user_id == user.id))
        ).scalar_one()
    assert member["id"] == gid("PartnerMember", row.id)
    assert (row.partner_id, row.role, row.status) == (
        world.partners[NORTHWIND],
        PartnerRole.MANAGER,
        MemberStatus.INVITED,
    )
    assert row.invited_by_user_id == world.users[inviter]

    # Without a name, the address's local part stands in for it.
    result = await succeed(
        gql, inviter, INVITE, partnerId=partner, email="theo@example.com", role="SPECIALIST"
    )
    assert result["member"]["user"] == {"email": "theo@example.com", "name": "theo"}

    # The team sees both invitations on its roster.
    seen = await roster(gql, NW_OWNER, world)
    assert seen is not None
    assert seen["rita.ng@example.com"] == ("MANAGER", "INVITED")
    assert seen["theo@example.com"] == ("SPECIALIST", "INVITED")
    assert len(seen) == len(NW_ROSTER) + 2


@pytest.mark.parametrize("inviter", [NW_MANAGER, NW_SPECIALIST, LUMEN_OWNER, PLATFORM, NW_INVITEE])
async def test_those_who_see_the_partner_but_may_not_invite_are_forbidden(
    gql: GraphQL, world: World, sessions: Sessions, inviter: str
) -> None:
    # Each of them can read Northwind (its team or, for the merchant, as their store's partner).
    seen = only_data(await gql(inviter, PARTNER, id=gid("Partner", world.partners[NORTHWIND])))
    assert seen["partner"] is not None
    errors = await refused(
        gql,
        sessions,
        inviter,
        INVITE,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        email="rita@example.com",
        role="SPECIALIST",
    )
    assert error_codes(errors) == [(["input", "partnerId"], "FORBIDDEN")]
    assert await user_by_email(sessions, "rita@example.com") is None


@pytest.mark.parametrize("inviter", [BF_OWNER, HARBOR_OWNER, NEWCOMER])
async def test_a_partner_the_inviter_cannot_see_is_not_found_like_an_unknown_id(
    gql: GraphQL, world: World, sessions: Sessions, inviter: str
) -> None:
    def attempt(partner_id: str) -> dict[str, str]:
        return {"partnerId": partner_id, "email": "rita@example.com", "role": "SPECIALIST"}

    foreign = await refused(
        gql, sessions, inviter, INVITE, **attempt(gid("Partner", world.partners[NORTHWIND]))
    )
    unknown = await refused(gql, sessions, inviter, INVITE, **attempt(gid("Partner", MISSING_ID)))
    garbage = await refused(gql, sessions, inviter, INVITE, **attempt("not-an-id"))
    assert error_codes(foreign) == [(["input", "partnerId"], "NOT_FOUND")]
    assert foreign == unknown == garbage


async def test_inviting_reuses_an_existing_user(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    async with sessions.begin() as session:
        session.add(User(email="pat@example.com", name="Pat Doe", status=UserStatus.ACTIVE))
    pat = await user_by_email(sessions, "pat@example.com")
    assert pat is not None
    users_before = len((await team_state(sessions))["users"])

    result = await succeed(
        gql,
        NW_ADMIN,
        INVITE,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        email="PAT@Example.com",
        role="SPECIALIST",
        name="Somebody Else",
    )
    # The same person, not a second account; their name and status stay theirs, and until they
    # accept, the team sees only the address and the name it typed (no one else's profile).
    assert result["member"]["user"] == {"email": "pat@example.com", "name": "Somebody Else"}
    assert len((await team_state(sessions))["users"]) == users_before
    again = await user_by_email(sessions, "pat@example.com")
    assert again is not None
    assert (again.id, again.name, again.status) == (pat.id, "Pat Doe", UserStatus.ACTIVE)

    # A person invited by one partner can be invited by another: one user, two invitations.
    await succeed(
        gql,
        BF_OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners[BLUEFIN]),
        email="pat@example.com",
        role="SPECIALIST",
    )
    async with sessions() as session:
        partners = (
            await session.execute(
                select(PartnerMember.partner_id).where(PartnerMember.user_id == pat.id)
            )
        ).scalars()
        assert set(partners) == {world.partners[NORTHWIND], world.partners[BLUEFIN]}
    assert len((await team_state(sessions))["users"]) == users_before


async def test_inviting_someone_already_on_the_team_or_invited_is_taken(
    gql: GraphQL, http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    partner = gid("Partner", world.partners[NORTHWIND])
    await succeed(gql, NW_OWNER, INVITE, partnerId=partner, email="rita@example.com", role="ADMIN")

    # A pending invitation, whatever the case of the address or the role asked for.
    errors = await refused(
        gql,
        sessions,
        NW_ADMIN,
        INVITE,
        partnerId=partner,
        email="Rita@EXAMPLE.com",
        role="SPECIALIST",
    )
    assert error_codes(errors) == [(["input", "email"], "TAKEN")]

    # An active member.
    rita = await user_by_email(sessions, "rita@example.com")
    assert rita is not None
    invitation = only_data(await as_user_ok(http, rita.id, VIEWER))["viewer"]["invitations"]
    body = await as_user_ok(http, rita.id, ACCEPT, input={"memberId": invitation[0]["id"]})
    assert body["data"]["result"]["userErrors"] == []
    errors = await refused(
        gql, sessions, NW_OWNER, INVITE, partnerId=partner, email="rita@example.com", role="ADMIN"
    )
    assert error_codes(errors) == [(["input", "email"], "TAKEN")]


@pytest.mark.parametrize("email", [NW_SPECIALIST, NW_INVITEE])
async def test_inviting_a_demo_team_member_by_their_address_is_taken(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    """The demo's own people sign in with these addresses, so they are not invalid ones."""
    errors = await refused(
        gql,
        sessions,
        NW_OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        email=email.upper(),
        role="SPECIALIST",
    )
    assert error_codes(errors) == [(["input", "email"], "TAKEN")]


async def test_inviting_a_demo_user_by_their_address_reuses_them(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    result = await succeed(
        gql,
        NW_OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        email=HARBOR_OWNER,
        role="SPECIALIST",
    )
    # Another tenant's merchant: the inviter learns nothing of their profile (no name given, so
    # the address's local part stands in), and the account itself is unchanged.
    assert result["member"]["user"] == {"email": HARBOR_OWNER, "name": "merchant"}
    user = await user_by_email(sessions, HARBOR_OWNER)
    assert user is not None
    assert (user.id, user.name, user.status) == (
        world.users[HARBOR_OWNER],
        "Hugo Reyes",
        UserStatus.ACTIVE,
    )


@pytest.mark.parametrize(
    ("email", "name", "problem"),
    [
        ("not-an-email", None, (["input", "email"], "INVALID")),
        ("rita@@example.com", None, (["input", "email"], "INVALID")),
        ("rita@", None, (["input", "email"], "INVALID")),
        ("", None, (["input", "email"], "REQUIRED")),
        ("   ", None, (["input", "email"], "REQUIRED")),
        ("rita@example.com", "x" * 201, (["input", "name"], "TOO_LONG")),
    ],
)
async def test_inviting_with_a_bad_address_or_name_is_refused(
    gql: GraphQL,
    world: World,
    sessions: Sessions,
    email: str,
    name: str | None,
    problem: tuple[list[str], str],
) -> None:
    errors = await refused(
        gql,
        sessions,
        NW_OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners[NORTHWIND]),
        email=email,
        role="SPECIALIST",
        name=name,
    )
    assert error_codes(errors) == [problem]


async def test_only_an_owner_invites_an_owner(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    partner = gid("Partner", world.partners[NORTHWIND])
    errors = await refused(
        gql, sessions, NW_ADMIN, INVITE, partnerId=partner, email="rita@example.com", role="OWNER"
    )
    assert error_codes(errors) == [(["input", "role"], "FORBIDDEN")]

    result = await succeed(
        gql, NW_OWNER, INVITE, partnerId=partner, email="rita@example.com", role="OWNER"
    )
    assert (result["member"]["role"], result["member"]["status"]) == ("OWNER", "INVITED")


async def test_reinviting_a_removed_user_does_not_bring_back_their_old_team(
    gql: GraphQL, http: httpx.AsyncClient, world: World, sessions: Sessions
) -> None:
    """Someone whose account was removed while still on Northwind's team, later invited by
    Bluefin: the invitation is Bluefin's only; Northwind's team and clients stay closed."""
    async with sessions.begin() as session:
        gone = User(email="gone@example.com", name="Gil Gone", status=UserStatus.REMOVED)
        session.add(gone)
        await session.flush()
        old = PartnerMember(
            partner_id=world.partners[NORTHWIND], user_id=gone.id, role=PartnerRole.SPECIALIST
        )
        session.add(old)
        await session.flush()
        session.add(
            Assignment(
                partner_id=old.partner_id,
                client_id=world.clients[LUMEN],
                member_id=old.id,
                user_id=gone.id,
                role=AssignmentRole.CONTRIBUTOR,
            )
        )
        gone_id = gone.id
    assert (await as_user(http, gone_id, VIEWER)).status_code == 401

    await succeed(
        gql,
        BF_OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners[BLUEFIN]),
        email="gone@example.com",
        role="SPECIALIST",
    )
    viewer = only_data(await as_user_ok(http, gone_id, VIEWER))["viewer"]
    clients = only_data(await as_user_ok(http, gone_id, CLIENTS))["clients"]["nodes"]
    northwind = gid("Partner", world.partners[NORTHWIND])
    team = only_data(await as_user_ok(http, gone_id, MEMBERS, id=northwind))["partner"]
    seen = {
        "memberships": [m["role"] for m in viewer["memberships"]],
        "invitations": [i["role"] for i in viewer["invitations"]],
        "clients": {c["id"] for c in clients},
        "northwind": team,
    }
    assert seen == {
        "memberships": [],
        "invitations": ["SPECIALIST"],
        "clients": set(),
        "northwind": None,
    }


# --- viewer.invitations and acceptInvitation -----------------------------------------------


async def test_invitee_sees_the_invitation_and_nothing_of_the_partner_before_accepting(
    gql: GraphQL, world: World
) -> None:
    viewer = only_data(await gql(NW_INVITEE, VIEWER))["viewer"]
    assert viewer == {
        "memberships": [],
        "invitations": [
            {"id": member_gid(world, NW_INVITEE), "role": "SPECIALIST", "status": "INVITED"}
        ],
    }
    assert await visible_client_ids(gql, NW_INVITEE) == set()
    lumen = gid("Client", world.clients[LUMEN])
    assert only_data(await gql(NW_INVITEE, CLIENT, id=lumen))["client"] is None
    assert only_data(await gql(NW_INVITEE, NODE, id=lumen))["node"] is None
    store = gid("Store", world.stores[LUMEN])
    assert only_data(await gql(NW_INVITEE, NODE, id=store))["node"] is None
    # Who invited them (the partner's name) is visible; its team is not, beyond the invitation.
    partner = gid("Partner", world.partners[NORTHWIND])
    assert only_data(await gql(NW_INVITEE, PARTNER, id=partner))["partner"] == {
        "id": partner,
        "name": "Northwind Digital",
    }
    assert await roster(gql, NW_INVITEE, world) == {}
    # Their own invitation, and no one else's membership.
    own = only_data(await gql(NW_INVITEE, NODE, id=member_gid(world, NW_INVITEE)))
    assert own["node"] == {"id": member_gid(world, NW_INVITEE)}
    other = only_data(await gql(NW_INVITEE, NODE, id=member_gid(world, NW_OWNER)))
    assert other["node"] is None


async def test_an_invitation_names_the_partner_that_sent_it(gql: GraphQL, world: World) -> None:
    """Deciding whether to join needs to know whom: the invitation shows the partner's name."""
    body = await gql(NW_INVITEE, "{ viewer { invitations { id partner { name } } } }")
    assert only_data(body)["viewer"]["invitations"] == [
        {"id": member_gid(world, NW_INVITEE), "partner": {"name": "Northwind Digital"}}
    ]


@pytest.mark.parametrize("email", [NW_OWNER, NW_SPECIALIST, BF_OWNER, LUMEN_OWNER, NEWCOMER])
async def test_nobody_else_has_pending_invitations(gql: GraphQL, email: str) -> None:
    assert only_data(await gql(email, VIEWER))["viewer"]["invitations"] == []


async def test_accepting_makes_the_invitee_an_active_member_on_the_next_request(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    invitation = member_gid(world, NW_INVITEE)
    result = await succeed(gql, NW_INVITEE, ACCEPT, memberId=invitation)
    member = result["member"]
    assert (member["id"], member["role"], member["status"]) == (invitation, "SPECIALIST", "ACTIVE")
    assert member["acceptedAt"] is not None
    assert member["version"] == 2

    row = await member_row(sessions, world.members[NW_INVITEE])
    assert row is not None
    assert (row.status, row.accepted_at is not None) == (MemberStatus.ACTIVE, True)
    user = await user_by_email(sessions, NW_INVITEE)
    assert user is not None
    assert user.status == UserStatus.ACTIVE

    viewer = only_data(await gql(NW_INVITEE, VIEWER))["viewer"]
    assert viewer == {
        "memberships": [{"id": invitation, "role": "SPECIALIST", "status": "ACTIVE"}],
        "invitations": [],
    }
    # A specialist: the partner and its team, but only the clients they are assigned to (none).
    partner = gid("Partner", world.partners[NORTHWIND])
    assert only_data(await gql(NW_INVITEE, PARTNER, id=partner))["partner"] == {
        "id": partner,
        "name": "Northwind Digital",
    }
    assert await roster(gql, NW_INVITEE, world) == {
        **NW_ROSTER,
        NW_INVITEE: ("SPECIALIST", "ACTIVE"),
    }
    assert await visible_client_ids(gql, NW_INVITEE) == set()

    # Now a member, they can be staffed; the client shows on their next request.
    await succeed(
        gql,
        NW_MANAGER,
        ASSIGN,
        clientId=gid("Client", world.clients[COPPERLEAF]),
        memberId=invitation,
    )
    assert await visible_client_ids(gql, NW_INVITEE) == client_gids(world, {COPPERLEAF})


async def test_an_invited_manager_sees_every_client_once_they_accept(
    gql: GraphQL, world: World
) -> None:
    invitation = member_gid(world, NW_INVITEE)
    await succeed(gql, NW_OWNER, CHANGE_ROLE, memberId=invitation, version=1, role="MANAGER")
    # Still only invited: the role grants nothing yet.
    assert await visible_client_ids(gql, NW_INVITEE) == set()

    result = await succeed(gql, NW_INVITEE, ACCEPT, memberId=invitation)
    assert (result["member"]["role"], result["member"]["status"]) == ("MANAGER", "ACTIVE")
    assert await visible_client_ids(gql, NW_INVITEE) == client_gids(world, NW_ACTIVE)


@pytest.mark.parametrize(
    ("email", "code"),
    [
        # Northwind's team and platform staff can read the invitation: theirs to see, not accept.
        (NW_OWNER, "FORBIDDEN"),
        (NW_ADMIN, "FORBIDDEN"),
        (NW_SPECIALIST, "FORBIDDEN"),
        (PLATFORM, "FORBIDDEN"),
        # Everyone else cannot even see it.
        (BF_OWNER, "NOT_FOUND"),
        (BF_SPECIALIST, "NOT_FOUND"),
        (LUMEN_OWNER, "NOT_FOUND"),
        (NEWCOMER, "NOT_FOUND"),
    ],
)
async def test_nobody_else_can_accept_an_invitation(
    gql: GraphQL, world: World, sessions: Sessions, email: str, code: str
) -> None:
    errors = await refused(gql, sessions, email, ACCEPT, memberId=member_gid(world, NW_INVITEE))
    assert error_codes(errors) == [(["input", "memberId"], code)]
    if code == "NOT_FOUND":
        unknown = await refused(
            gql, sessions, email, ACCEPT, memberId=gid("PartnerMember", MISSING_ID)
        )
        assert errors == unknown
    # The invitation still waits for its invitee.
    viewer = only_data(await gql(NW_INVITEE, VIEWER))["viewer"]
    assert [i["id"] for i in viewer["invitations"]] == [member_gid(world, NW_INVITEE)]


async def test_accepting_twice_fails(gql: GraphQL, world: World, sessions: Sessions) -> None:
    invitation = member_gid(world, NW_INVITEE)
    await succeed(gql, NW_INVITEE, ACCEPT, memberId=invitation)
    errors = await refused(gql, sessions, NW_INVITEE, ACCEPT, memberId=invitation)
    # The membership is theirs to read, but there is no invitation left to accept.
    assert error_codes(errors) == [(["input", "memberId"], "INVALID_TRANSITION")]


async def test_an_active_member_cannot_accept_their_own_membership(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    errors = await refused(
        gql, sessions, NW_SPECIALIST, ACCEPT, memberId=member_gid(world, NW_SPECIALIST)
    )
    assert error_codes(errors) == [(["input", "memberId"], "INVALID_TRANSITION")]


# --- changeMemberRole ---------------------------------------------------------------------


async def test_an_owner_changes_anyones_role(gql: GraphQL, world: World) -> None:
    for email, role in ((NW_ADMIN, "MANAGER"), (NW_MANAGER, "ADMIN"), (NW_SPECIALIST, "MANAGER")):
        result = await succeed(
            gql, NW_OWNER, CHANGE_ROLE, memberId=member_gid(world, email), version=1, role=role
        )
        member = result["member"]
        assert (member["id"], member["role"], member["version"]) == (
            member_gid(world, email),
            role,
            2,
        )
    assert await roster(gql, NW_OWNER, world) == {
        **NW_ROSTER,
        NW_ADMIN: ("MANAGER", "ACTIVE"),
        NW_MANAGER: ("ADMIN", "ACTIVE"),
        NW_SPECIALIST: ("MANAGER", "ACTIVE"),
    }
    # The specialist, now a manager, sees every client on the next request.
    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(world, NW_ACTIVE)


async def test_an_admin_changes_admins_managers_and_specialists_but_not_owners(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    for email, role in ((NW_MANAGER, "SPECIALIST"), (NW_DESIGNER, "MANAGER")):
        result = await succeed(
            gql, NW_ADMIN, CHANGE_ROLE, memberId=member_gid(world, email), version=1, role=role
        )
        assert result["member"]["role"] == role

    # The admin can read the owner's membership, so it is FORBIDDEN rather than NOT_FOUND.
    owner = member_gid(world, NW_OWNER)
    assert only_data(await gql(NW_ADMIN, NODE, id=owner))["node"] == {"id": owner}
    errors = await refused(
        gql, sessions, NW_ADMIN, CHANGE_ROLE, memberId=owner, version=1, role="ADMIN"
    )
    assert error_codes(errors) == [(["input", "memberId"], "FORBIDDEN")]

    # Nor may an admin make anyone an owner, themselves included.
    for email in (NW_SPECIALIST, NW_ADMIN):
        errors = await refused(
            gql,
            sessions,
            NW_ADMIN,
            CHANGE_ROLE,
            memberId=member_gid(world, email),
            version=1,
            role="OWNER",
        )
        assert error_codes(errors) == [(["input", "role"], "FORBIDDEN")]


@pytest.mark.parametrize("email", [NW_MANAGER, NW_SPECIALIST, PLATFORM])
async def test_those_who_see_the_team_but_may_not_manage_it_are_forbidden(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    for target in (NW_DESIGNER, NW_INVITEE):
        errors = await refused(
            gql,
            sessions,
            email,
            CHANGE_ROLE,
            memberId=member_gid(world, target),
            version=1,
            role="MANAGER",
        )
        assert error_codes(errors) == [(["input", "memberId"], "FORBIDDEN")]
        errors = await refused(
            gql, sessions, email, REMOVE, memberId=member_gid(world, target), version=1
        )
        assert error_codes(errors) == [(["input", "memberId"], "FORBIDDEN")]


@pytest.mark.parametrize("email", [BF_OWNER, LUMEN_OWNER, NEWCOMER])
async def test_another_teams_member_is_not_found_like_an_unknown_id(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    for mutation, extra in ((CHANGE_ROLE, {"role": "ADMIN"}), (REMOVE, {})):
        foreign = await refused(
            gql,
            sessions,
            email,
            mutation,
            memberId=member_gid(world, NW_SPECIALIST),
            version=1,
            **extra,
        )
        unknown = await refused(
            gql,
            sessions,
            email,
            mutation,
            memberId=gid("PartnerMember", MISSING_ID),
            version=1,
            **extra,
        )
        assert error_codes(foreign) == [(["input", "memberId"], "NOT_FOUND")]
        assert foreign == unknown


@pytest.mark.parametrize(("owner", "partner"), [(NW_OWNER, NORTHWIND), (BF_OWNER, BLUEFIN)])
async def test_the_last_owner_cannot_step_down(
    gql: GraphQL, world: World, sessions: Sessions, owner: str, partner: str
) -> None:
    errors = await refused(
        gql,
        sessions,
        owner,
        CHANGE_ROLE,
        memberId=member_gid(world, owner),
        version=1,
        role="ADMIN",
    )
    assert error_codes(errors) == [(["input", "role"], "LAST_OWNER")]


async def test_with_two_owners_one_may_step_down(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    await succeed(
        gql, NW_OWNER, CHANGE_ROLE, memberId=member_gid(world, NW_ADMIN), version=1, role="OWNER"
    )
    result = await succeed(
        gql, NW_OWNER, CHANGE_ROLE, memberId=member_gid(world, NW_OWNER), version=1, role="ADMIN"
    )
    assert result["member"]["role"] == "ADMIN"
    assert await roster(gql, NW_ADMIN, world) == {
        **NW_ROSTER,
        NW_OWNER: ("ADMIN", "ACTIVE"),
        NW_ADMIN: ("OWNER", "ACTIVE"),
    }
    # Now the other one is the last owner; the former owner, an admin now, cannot touch them.
    errors = await refused(
        gql,
        sessions,
        NW_ADMIN,
        CHANGE_ROLE,
        memberId=member_gid(world, NW_ADMIN),
        version=2,
        role="MANAGER",
    )
    assert error_codes(errors) == [(["input", "role"], "LAST_OWNER")]
    errors = await refused(
        gql,
        sessions,
        NW_OWNER,
        CHANGE_ROLE,
        memberId=member_gid(world, NW_ADMIN),
        version=2,
        role="MANAGER",
    )
    assert error_codes(errors) == [(["input", "memberId"], "FORBIDDEN")]


async def test_changing_a_role_with_a_stale_version_conflicts(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    specialist = member_gid(world, NW_SPECIALIST)
    errors = await refused(
        gql, sessions, NW_OWNER, CHANGE_ROLE, memberId=specialist, version=2, role="MANAGER"
    )
    assert error_codes(errors) == [(["input", "version"], "CONFLICT")]

    await succeed(gql, NW_ADMIN, CHANGE_ROLE, memberId=specialist, version=1, role="MANAGER")
    errors = await refused(
        gql, sessions, NW_OWNER, CHANGE_ROLE, memberId=specialist, version=1, role="ADMIN"
    )
    assert error_codes(errors) == [(["input", "version"], "CONFLICT")]
    assert (await roster(gql, NW_OWNER, world) or {})[NW_SPECIALIST] == ("MANAGER", "ACTIVE")


# --- removeMember -------------------------------------------------------------------------


async def test_owners_remove_anyone_and_admins_anyone_but_owners(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    result = await succeed(gql, NW_ADMIN, REMOVE, memberId=member_gid(world, NW_MANAGER), version=1)
    assert result["removedMemberId"] == member_gid(world, NW_MANAGER)
    errors = await refused(
        gql, sessions, NW_ADMIN, REMOVE, memberId=member_gid(world, NW_OWNER), version=1
    )
    assert error_codes(errors) == [(["input", "memberId"], "FORBIDDEN")]

    result = await succeed(gql, NW_OWNER, REMOVE, memberId=member_gid(world, NW_ADMIN), version=1)
    assert result["removedMemberId"] == member_gid(world, NW_ADMIN)
    roster_now = {k: v for k, v in NW_ROSTER.items() if k not in {NW_MANAGER, NW_ADMIN}}
    assert await roster(gql, NW_OWNER, world) == roster_now
    assert await member_row(sessions, world.members[NW_MANAGER]) is None
    assert await member_row(sessions, world.members[NW_ADMIN]) is None
    # The removed people see nothing of Northwind on their next request.
    for email in (NW_MANAGER, NW_ADMIN):
        assert await visible_client_ids(gql, email) == set()
        assert await roster(gql, email, world) is None


async def test_an_owner_withdraws_a_pending_invitation(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    invitation = member_gid(world, NW_INVITEE)
    await succeed(gql, NW_OWNER, REMOVE, memberId=invitation, version=1)
    assert only_data(await gql(NW_INVITEE, VIEWER))["viewer"]["invitations"] == []
    errors = await refused(gql, sessions, NW_INVITEE, ACCEPT, memberId=invitation)
    assert error_codes(errors) == [(["input", "memberId"], "NOT_FOUND")]


@pytest.mark.parametrize("email", [NW_SPECIALIST, NW_MANAGER, NW_ADMIN])
async def test_a_member_may_leave_the_team(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    result = await succeed(gql, email, REMOVE, memberId=member_gid(world, email), version=1)
    assert result["removedMemberId"] == member_gid(world, email)
    viewer = only_data(await gql(email, VIEWER))["viewer"]
    assert viewer == {"memberships": [], "invitations": []}
    assert await visible_client_ids(gql, email) == set()
    partner = gid("Partner", world.partners[NORTHWIND])
    assert only_data(await gql(email, PARTNER, id=partner))["partner"] is None
    assert await roster(gql, NW_OWNER, world) == {k: v for k, v in NW_ROSTER.items() if k != email}


async def test_an_invitee_may_decline_their_invitation(gql: GraphQL, world: World) -> None:
    invitation = member_gid(world, NW_INVITEE)
    await succeed(gql, NW_INVITEE, REMOVE, memberId=invitation, version=1)
    assert only_data(await gql(NW_INVITEE, VIEWER))["viewer"] == {
        "memberships": [],
        "invitations": [],
    }


@pytest.mark.parametrize(("owner", "partner"), [(NW_OWNER, NORTHWIND), (BF_OWNER, BLUEFIN)])
async def test_the_last_owner_cannot_leave(
    gql: GraphQL, world: World, sessions: Sessions, owner: str, partner: str
) -> None:
    errors = await refused(
        gql, sessions, owner, REMOVE, memberId=member_gid(world, owner), version=1
    )
    assert error_codes(errors) == [(["input", "memberId"], "LAST_OWNER")]


async def test_with_two_owners_one_may_leave(gql: GraphQL, world: World) -> None:
    await succeed(
        gql, NW_OWNER, CHANGE_ROLE, memberId=member_gid(world, NW_ADMIN), version=1, role="OWNER"
    )
    await succeed(gql, NW_OWNER, REMOVE, memberId=member_gid(world, NW_OWNER), version=1)
    assert await visible_client_ids(gql, NW_OWNER) == set()
    assert await visible_client_ids(gql, NW_ADMIN) == client_gids(world, NW_ACTIVE)


async def test_removing_with_a_stale_version_conflicts(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    specialist = member_gid(world, NW_SPECIALIST)
    await succeed(gql, NW_OWNER, CHANGE_ROLE, memberId=specialist, version=1, role="MANAGER")
    errors = await refused(gql, sessions, NW_OWNER, REMOVE, memberId=specialist, version=1)
    assert error_codes(errors) == [(["input", "version"], "CONFLICT")]
    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(world, NW_ACTIVE)


async def test_removing_a_specialist_takes_their_seats_and_tasks_at_once(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    specialist_id = world.members[NW_SPECIALIST]
    async with sessions() as session:
        seats = set(
            (
                await session.execute(
                    select(Assignment.client_id).where(Assignment.member_id == specialist_id)
                )
            ).scalars()
        )
        their_tasks = set(
            (
                await session.execute(
                    select(Task.id).where(Task.assignee_member_id == specialist_id)
                )
            ).scalars()
        )
    assert seats == {world.clients[n] for n in (LUMEN, ASTER, BIRCH, OLD_MILL)}
    assert their_tasks  # the open work on Lumen Candles is theirs
    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(world, SPECIALIST_CLIENTS)

    await succeed(gql, NW_OWNER, REMOVE, memberId=member_gid(world, NW_SPECIALIST), version=1)

    async with sessions() as session:
        left = await session.execute(
            select(Assignment.id).where(Assignment.member_id == specialist_id)
        )
        assert list(left) == []
        tasks = dict(
            (
                await session.execute(
                    select(Task.id, Task.assignee_member_id).where(Task.id.in_(their_tasks))
                )
            ).all()
        )
    assert tasks == dict.fromkeys(their_tasks)  # still there, unassigned

    # The next request: the specialist sees no client, not even through an id.
    assert await visible_client_ids(gql, NW_SPECIALIST) == set()
    lumen = gid("Client", world.clients[LUMEN])
    assert only_data(await gql(NW_SPECIALIST, CLIENT, id=lumen))["client"] is None
    store = gid("Store", world.stores[LUMEN])
    assert only_data(await gql(NW_SPECIALIST, NODE, id=store))["node"] is None
    # The team no longer lists them, and Lumen Candles is down to its designer.
    assert await roster(gql, NW_OWNER, world) == {
        k: v for k, v in NW_ROSTER.items() if k != NW_SPECIALIST
    }
    data = only_data(await gql(NW_OWNER, ASSIGNEES, id=lumen))
    assert [(a["role"], a["user"]["email"]) for a in data["client"]["assignees"]] == [
        ("CONTRIBUTOR", NW_DESIGNER)
    ]


async def test_a_refused_removal_keeps_seats_and_tasks(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    errors = await refused(
        gql, sessions, NW_MANAGER, REMOVE, memberId=member_gid(world, NW_SPECIALIST), version=1
    )
    assert error_codes(errors) == [(["input", "memberId"], "FORBIDDEN")]
    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(world, SPECIALIST_CLIENTS)


# --- assignMember / unassignMember --------------------------------------------------------


@pytest.mark.parametrize("email", [NW_OWNER, NW_ADMIN, NW_MANAGER])
async def test_owners_admins_and_managers_staff_a_client(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    copperleaf = gid("Client", world.clients[COPPERLEAF])
    result = await succeed(
        gql,
        email,
        ASSIGN,
        clientId=copperleaf,
        memberId=member_gid(world, NW_SPECIALIST),
        role="LEAD",
    )
    assignment = result["assignment"]
    seat = await assignment_id(sessions, world, COPPERLEAF, NW_SPECIALIST)
    assert assignment == {
        "id": gid("Assignment", seat),
        "role": "LEAD",
        "user": {"email": NW_SPECIALIST, "name": "Sam Patel"},
        "member": {"id": member_gid(world, NW_SPECIALIST), "role": "SPECIALIST"},
    }
    async with sessions() as session:
        row = await session.get(Assignment, seat)
        assert row is not None
        assert (row.partner_id, row.user_id, row.role) == (
            world.partners[NORTHWIND],
            world.users[NW_SPECIALIST],
            AssignmentRole.LEAD,
        )

    result = await succeed(gql, email, UNASSIGN, assignmentId=gid("Assignment", seat))
    assert result["removedAssignmentId"] == gid("Assignment", seat)
    async with sessions() as session:
        assert await session.get(Assignment, seat) is None


async def test_the_role_defaults_to_contributor(gql: GraphQL, world: World) -> None:
    result = await succeed(
        gql,
        NW_OWNER,
        ASSIGN,
        clientId=gid("Client", world.clients[COPPERLEAF]),
        memberId=member_gid(world, NW_MANAGER),
    )
    assert result["assignment"]["role"] == "CONTRIBUTOR"


async def test_an_assigned_specialist_sees_the_client_until_unassigned(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    copperleaf = gid("Client", world.clients[COPPERLEAF])
    store = gid("Store", world.stores[COPPERLEAF])

    async def sees_copperleaf() -> bool:
        client = only_data(await gql(NW_SPECIALIST, CLIENT, id=copperleaf))["client"]
        node = only_data(await gql(NW_SPECIALIST, NODE, id=store))["node"]
        assert (client is None) == (node is None)
        if client is not None:
            assert (client, node) == ({"id": copperleaf}, {"id": store})
        return client is not None

    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(world, SPECIALIST_CLIENTS)
    assert not await sees_copperleaf()

    result = await succeed(
        gql, NW_MANAGER, ASSIGN, clientId=copperleaf, memberId=member_gid(world, NW_SPECIALIST)
    )
    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(
        world, SPECIALIST_CLIENTS | {COPPERLEAF}
    )
    assert await sees_copperleaf()

    await succeed(gql, NW_MANAGER, UNASSIGN, assignmentId=result["assignment"]["id"])
    assert await visible_client_ids(gql, NW_SPECIALIST) == client_gids(world, SPECIALIST_CLIENTS)
    assert not await sees_copperleaf()


async def test_a_specialist_cannot_staff_clients(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    designer = member_gid(world, NW_DESIGNER)
    # A client they work on: FORBIDDEN.
    errors = await refused(
        gql,
        sessions,
        NW_SPECIALIST,
        ASSIGN,
        clientId=gid("Client", world.clients[ASTER]),
        memberId=designer,
    )
    assert error_codes(errors) == [(["input", "clientId"], "FORBIDDEN")]
    # A client they cannot see: the same as an unknown id.
    hidden = await refused(
        gql,
        sessions,
        NW_SPECIALIST,
        ASSIGN,
        clientId=gid("Client", world.clients[COPPERLEAF]),
        memberId=member_gid(world, NW_SPECIALIST),
    )
    unknown = await refused(
        gql,
        sessions,
        NW_SPECIALIST,
        ASSIGN,
        clientId=gid("Client", MISSING_ID),
        memberId=member_gid(world, NW_SPECIALIST),
    )
    assert error_codes(hidden) == [(["input", "clientId"], "NOT_FOUND")]
    assert hidden == unknown


@pytest.mark.parametrize("client", [HARBOR, OLD_MILL])
async def test_staffing_a_client_the_partner_cannot_see_is_not_found(
    gql: GraphQL, world: World, sessions: Sessions, client: str
) -> None:
    hidden = await refused(
        gql,
        sessions,
        NW_OWNER,
        ASSIGN,
        clientId=gid("Client", world.clients[client]),
        memberId=member_gid(world, NW_DESIGNER),
    )
    unknown = await refused(
        gql,
        sessions,
        NW_OWNER,
        ASSIGN,
        clientId=gid("Client", MISSING_ID),
        memberId=member_gid(world, NW_DESIGNER),
    )
    assert error_codes(hidden) == [(["input", "clientId"], "NOT_FOUND")]
    assert hidden == unknown


async def test_only_the_partners_active_members_can_be_assigned(
    gql: GraphQL, world: World, sessions: Sessions
) -> None:
    copperleaf = gid("Client", world.clients[COPPERLEAF])
    answers = [
        await refused(gql, sessions, NW_OWNER, ASSIGN, clientId=copperleaf, memberId=member)
        for member in (
            member_gid(world, BF_SPECIALIST),  # another partner's
            member_gid(world, NW_INVITEE),  # invited, not yet accepted
            gid("PartnerMember", MISSING_ID),
            gid("Client", world.clients[LUMEN]),  # not a member id at all
        )
    ]
    assert error_codes(answers[0]) == [(["input", "memberId"], "NOT_FOUND")]
    assert all(answer == answers[0] for answer in answers)


async def test_assigning_twice_is_taken(gql: GraphQL, world: World, sessions: Sessions) -> None:
    errors = await refused(
        gql,
        sessions,
        NW_MANAGER,
        ASSIGN,
        clientId=gid("Client", world.clients[LUMEN]),
        memberId=member_gid(world, NW_SPECIALIST),
        role="CONTRIBUTOR",
    )
    assert error_codes(errors) == [(["input", "memberId"], "TAKEN")]


@pytest.mark.parametrize("email", [NW_SPECIALIST, LUMEN_OWNER, PLATFORM])
async def test_those_who_see_an_assignment_but_may_not_staff_are_forbidden_to_remove_it(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    seat = gid("Assignment", await assignment_id(sessions, world, LUMEN, NW_SPECIALIST))
    assert only_data(await gql(email, NODE, id=seat))["node"] == {"id": seat}
    errors = await refused(gql, sessions, email, UNASSIGN, assignmentId=seat)
    assert error_codes(errors) == [(["input", "assignmentId"], "FORBIDDEN")]


@pytest.mark.parametrize("email", [NW_SPECIALIST, BF_OWNER, HARBOR_OWNER, NEWCOMER])
async def test_an_assignment_on_a_hidden_client_is_not_found_like_an_unknown_id(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    # The designer's seat on Copperleaf Tea: a client none of these viewers can see.
    seat = gid("Assignment", await assignment_id(sessions, world, COPPERLEAF, NW_DESIGNER))
    assert only_data(await gql(email, NODE, id=seat))["node"] is None
    hidden = await refused(gql, sessions, email, UNASSIGN, assignmentId=seat)
    unknown = await refused(
        gql, sessions, email, UNASSIGN, assignmentId=gid("Assignment", MISSING_ID)
    )
    assert error_codes(hidden) == [(["input", "assignmentId"], "NOT_FOUND")]
    assert hidden == unknown


# --- partner.members and client.assignees -------------------------------------------------


@pytest.mark.parametrize(
    "email", [NW_OWNER, NW_ADMIN, NW_MANAGER, NW_SPECIALIST, NW_DESIGNER, PLATFORM]
)
async def test_the_team_and_platform_staff_see_the_whole_roster(
    gql: GraphQL, world: World, email: str
) -> None:
    assert await roster(gql, email, world) == NW_ROSTER


@pytest.mark.parametrize("email", [LUMEN_OWNER, LUMEN_STAFF])
async def test_a_merchant_sees_their_partner_but_not_its_team(
    gql: GraphQL, world: World, email: str
) -> None:
    data = only_data(await gql(email, MEMBERS, id=gid("Partner", world.partners[NORTHWIND])))
    assert data["partner"] == {"id": gid("Partner", world.partners[NORTHWIND]), "members": []}
    for member in (NW_OWNER, NW_SPECIALIST):
        assert only_data(await gql(email, NODE, id=member_gid(world, member)))["node"] is None


@pytest.mark.parametrize("email", [BF_OWNER, BF_SPECIALIST, HARBOR_OWNER, NEWCOMER])
async def test_outsiders_see_neither_the_partner_nor_its_team(
    gql: GraphQL, world: World, email: str
) -> None:
    assert await roster(gql, email, world) is None
    for member in (NW_OWNER, NW_SPECIALIST):
        assert only_data(await gql(email, NODE, id=member_gid(world, member)))["node"] is None


@pytest.mark.parametrize("email", [LUMEN_OWNER, LUMEN_STAFF])
async def test_a_merchant_sees_who_works_on_their_store_but_not_their_memberships(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    lumen = gid("Client", world.clients[LUMEN])
    data = only_data(await gql(email, ASSIGNEES, id=lumen))
    lead = await assignment_id(sessions, world, LUMEN, NW_SPECIALIST)
    helper = await assignment_id(sessions, world, LUMEN, NW_DESIGNER)
    assert data["client"] == {
        "id": lumen,
        "assignees": [
            {
                "id": gid("Assignment", lead),
                "role": "LEAD",
                "user": {"name": "Sam Patel", "email": NW_SPECIALIST},
                "member": None,
            },
            {
                "id": gid("Assignment", helper),
                "role": "CONTRIBUTOR",
                "user": {"name": "Dana Cruz", "email": NW_DESIGNER},
                "member": None,
            },
        ],
    }


@pytest.mark.parametrize("email", [NW_OWNER, NW_SPECIALIST, NW_DESIGNER])
async def test_the_team_sees_assignees_with_their_memberships(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    lumen = gid("Client", world.clients[LUMEN])
    data = only_data(await gql(email, ASSIGNEES, id=lumen))
    assert [
        (a["id"], a["role"], a["user"]["email"], a["member"]) for a in data["client"]["assignees"]
    ] == [
        (
            gid("Assignment", await assignment_id(sessions, world, LUMEN, NW_SPECIALIST)),
            "LEAD",
            NW_SPECIALIST,
            {"id": member_gid(world, NW_SPECIALIST), "role": "SPECIALIST"},
        ),
        (
            gid("Assignment", await assignment_id(sessions, world, LUMEN, NW_DESIGNER)),
            "CONTRIBUTOR",
            NW_DESIGNER,
            {"id": member_gid(world, NW_DESIGNER), "role": "SPECIALIST"},
        ),
    ]


@pytest.mark.parametrize("email", [BF_OWNER, BF_SPECIALIST, HARBOR_OWNER, NEWCOMER, NW_INVITEE])
async def test_another_partner_or_merchant_sees_no_assignees(
    gql: GraphQL, world: World, sessions: Sessions, email: str
) -> None:
    lumen = gid("Client", world.clients[LUMEN])
    assert only_data(await gql(email, ASSIGNEES, id=lumen))["client"] is None
    for member in (NW_SPECIALIST, NW_DESIGNER):
        seat = gid("Assignment", await assignment_id(sessions, world, LUMEN, member))
        assert only_data(await gql(email, NODE, id=seat))["node"] is None


async def test_one_partner_inviting_a_removed_user_changes_nothing_of_another_partner(
    gql: GraphQL, world: World, http: httpx.AsyncClient
) -> None:
    """Bluefin invites Northwind's removed specialist: Northwind's roster is Northwind's, and the
    tokens he held before his removal stay refused."""
    issued = datetime.now(UTC) - timedelta(days=2)  # before the demo's removal
    old_token = jwt.encode(
        {
            "sub": str(world.users[NW_FORMER]),
            "email": NW_FORMER,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued.timestamp(),
            "exp": issued + timedelta(days=30),
        },
        TEST_SECRET,
        algorithm="HS256",
    )
    before = await roster(gql, NW_OWNER, world)
    assert before is not None
    assert NW_FORMER in before
    await succeed(
        gql,
        BF_OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners["bluefin-studio"]),
        email=NW_FORMER,
        role="SPECIALIST",
    )
    assert await roster(gql, NW_OWNER, world) == before
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { user { email } } }"},
        headers={"Authorization": f"Bearer {old_token}"},
    )
    assert response.status_code == 401
