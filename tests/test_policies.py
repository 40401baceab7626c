"""The authorization policy end to end at the SQL level: viewers loaded from the demo world, the
filter built by Oso through the SQL adapter, executed on the test database.

Demo world in short: Northwind has active access to 13 clients (revoked for Old Mill Bakery,
ended for Tidal Threads, which moved to Bluefin); Bluefin has active access to 12 (one of them,
Granite Fitness, past its expiry, so 11 in force; Driftwood Decor narrowed to SUPPORT) and a
pending request for Pine & Pixel Prints; Northwind asks Tidal Threads to come back; Solo Soaps
has no partner. Northwind's specialist is assigned to
Lumen Candles, Aster Apparel, Birch & Bloom Florists and (revoked) Old Mill Bakery."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import CLIENTS
from db.enums import AccessStatus, AssignmentRole
from db.models import (
    Assignment,
    Client,
    ClientUser,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    Task,
    User,
)
from policies import ANONYMOUS, Authorizer, Membership, MerchantGrant, Viewer, load_viewer
from policies.authorize import Action
from tests.conftest import World

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"

NW_OWNER = "owner@northwind.test"
NW_ADMIN = "admin@northwind.test"
NW_MANAGER = "manager@northwind.test"
NW_SPECIALIST = "specialist@northwind.test"
NW_DESIGNER = "designer@northwind.test"
NW_FORMER = "former@northwind.test"
BF_OWNER = "owner@bluefin.test"
BF_SPECIALIST = "specialist@bluefin.test"
LUMEN_OWNER = "merchant@lumen-candles.test"
LUMEN_STAFF = "staff@lumen-candles.test"
HARBOR_OWNER = "merchant@harbor-coffee.test"
TIDAL_OWNER = "merchant@tidal-threads.test"
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"

LUMEN = "Lumen Candles"
OLD_MILL = "Old Mill Bakery"
TIDAL = "Tidal Threads"
HARBOR = "Harbor Coffee"

NW_ACTIVE = frozenset(
    {
        LUMEN,
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
)
BF_ACTIVE = frozenset(
    {
        HARBOR,
        "Alpine Honey",
        "Bramble Knitwear",
        "Cobalt Audio",
        "Driftwood Decor",
        "Evergreen Grocers",
        "Foxglove Perfumery",
        "Hollow Oak Toys",
        "Indigo Dye Works",
        "Jade Garden Plants",
        TIDAL,
    }
)
ALL_CLIENTS = frozenset(spec.name for spec in CLIENTS)
NW_TEAM = frozenset({NW_OWNER, NW_ADMIN, NW_MANAGER, NW_SPECIALIST, NW_DESIGNER, NW_FORMER})
BF_TEAM = frozenset({BF_OWNER, BF_SPECIALIST})
# The roster readers see also lists the pending invitation (it grants nothing until accepted).
NW_INVITEE = "invitee@northwind.test"
NW_ROSTER = NW_TEAM | {NW_INVITEE}

# Every assignment of the demo world: (client, assigned member's email).
SEATS = frozenset(
    {
        (LUMEN, NW_SPECIALIST),
        (LUMEN, NW_DESIGNER),
        ("Aster Apparel", NW_SPECIALIST),
        ("Birch & Bloom Florists", NW_SPECIALIST),
        ("Birch & Bloom Florists", NW_DESIGNER),
        ("Copperleaf Tea", NW_DESIGNER),
        ("Larkspur Jewelry", NW_DESIGNER),
        (OLD_MILL, NW_SPECIALIST),
        ("Jade Garden Plants", BF_SPECIALIST),
    }
)


@dataclass(frozen=True)
class Sees:
    """What a viewer may read. Stores follow clients; assignments are those on visible clients."""

    clients: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()  # read
    onboards_for: frozenset[str] = frozenset()  # onboard_client on Partner
    members: frozenset[str] = frozenset()  # PartnerMember, by the member's email

    def table(self) -> dict[str, frozenset[Any]]:
        return {
            "Client": self.clients,
            "Store": self.clients,
            "Assignment": frozenset(s for s in SEATS if s[0] in self.clients),
            "Partner": self.partners,
            "Partner/onboard_client": self.onboards_for,
            "PartnerMember": self.members,
        }


def _nw_staff(clients: Iterable[str]) -> Sees:
    nw = frozenset({NORTHWIND})
    return Sees(frozenset(clients), nw, nw, NW_ROSTER)


def _bf_staff(clients: Iterable[str]) -> Sees:
    bf = frozenset({BLUEFIN})
    return Sees(frozenset(clients), bf, bf, BF_TEAM)


EXPECTED: dict[str, Sees] = {
    NW_OWNER: _nw_staff(NW_ACTIVE),
    NW_ADMIN: _nw_staff(NW_ACTIVE),
    NW_MANAGER: _nw_staff(NW_ACTIVE),
    # Assigned to Old Mill Bakery too, but Northwind's access there was revoked.
    NW_SPECIALIST: _nw_staff({LUMEN, "Aster Apparel", "Birch & Bloom Florists"}),
    NW_DESIGNER: _nw_staff({LUMEN, "Birch & Bloom Florists", "Copperleaf Tea", "Larkspur Jewelry"}),
    BF_OWNER: _bf_staff(BF_ACTIVE),
    BF_SPECIALIST: _bf_staff({"Jade Garden Plants"}),
    # Merchants see their client and the partner working on it, not the partner's team.
    LUMEN_OWNER: Sees(clients=frozenset({LUMEN}), partners=frozenset({NORTHWIND})),
    LUMEN_STAFF: Sees(clients=frozenset({LUMEN}), partners=frozenset({NORTHWIND})),
    HARBOR_OWNER: Sees(clients=frozenset({HARBOR}), partners=frozenset({BLUEFIN})),
    # Tidal Threads left Northwind (access ended): only Bluefin is its partner now.
    # The merchant sees the partner working for them and the one that worked for them before
    # (and asks to come back).
    TIDAL_OWNER: Sees(clients=frozenset({TIDAL}), partners=frozenset({BLUEFIN, NORTHWIND})),
    # Platform staff read across partners but onboard for none.
    PLATFORM: Sees(
        clients=ALL_CLIENTS,
        partners=frozenset({NORTHWIND, BLUEFIN}),
        members=NW_ROSTER | BF_TEAM,
    ),
    NEWCOMER: Sees(),
}

MODELS: tuple[type[Any], ...] = (Client, Store, Assignment, Partner, PartnerMember)
EVERY_CHECK: tuple[tuple[Action, type[Any]], ...] = (
    *(("read", model) for model in MODELS),
    ("read_members", Partner),
    ("onboard_client", Partner),
)
MISSING_ID = 987_654_321


async def _ids(
    session: AsyncSession, authz: Authorizer, viewer: Viewer, action: Action, model: type[Any]
) -> set[int]:
    predicate: ColumnElement[bool] = authz.filter(viewer, action, model)
    return set((await session.execute(select(model.id).where(predicate))).scalars())


async def _seat_keys(session: AsyncSession) -> dict[int, tuple[str, str]]:
    rows = await session.execute(
        select(Assignment.id, Client.business_name, User.email)
        .join(Client, Client.id == Assignment.client_id)
        .join(PartnerMember, PartnerMember.id == Assignment.member_id)
        .join(User, User.id == PartnerMember.user_id)
    )
    return {seat_id: (client, email) for seat_id, client, email in rows}


async def what_viewer_sees(
    session: AsyncSession, authz: Authorizer, world: World, viewer: Viewer
) -> dict[str, frozenset[Any]]:
    """The visibility table of `viewer`, in the human-readable keys of `Sees.table`."""

    def names(ids: set[int], by_name: dict[str, int]) -> frozenset[Any]:
        inverse = {v: k for k, v in by_name.items()}
        return frozenset(inverse.get(i, i) for i in ids)

    seats = await _seat_keys(session)
    return {
        "Client": names(await _ids(session, authz, viewer, "read", Client), world.clients),
        "Store": names(await _ids(session, authz, viewer, "read", Store), world.stores),
        "Assignment": frozenset(
            seats[i] for i in await _ids(session, authz, viewer, "read", Assignment)
        ),
        "Partner": names(await _ids(session, authz, viewer, "read", Partner), world.partners),
        "Partner/onboard_client": names(
            await _ids(session, authz, viewer, "onboard_client", Partner), world.partners
        ),
        "PartnerMember": names(
            await _ids(session, authz, viewer, "read", PartnerMember), world.members
        ),
    }


async def _viewer(session: AsyncSession, world: World, email: str) -> Viewer:
    viewer = await load_viewer(session, world.users[email])
    assert viewer is not None
    return viewer


# --- Who sees what ------------------------------------------------------------------------------


async def test_demo_world_is_as_described(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert set(world.clients) == ALL_CLIENTS
    assert len(ALL_CLIENTS) == 29
    assert set(world.members) == NW_ROSTER | BF_TEAM
    async with sessions() as session:
        assert set((await _seat_keys(session)).values()) == SEATS


@pytest.mark.parametrize("email", list(EXPECTED))
async def test_visibility(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer, email: str
) -> None:
    async with sessions() as session:
        viewer = await _viewer(session, world, email)
        seen = await what_viewer_sees(session, authz, world, viewer)
    assert seen == EXPECTED[email].table()


async def test_platform_staff_who_is_also_a_specialist_still_reads_everything(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    # Clients without any partner access (Solo Soaps) must not drop out because another rule
    # of the same viewer goes through the accesses relation.
    specialist = Membership(world.members[NW_SPECIALIST], world.partners[NORTHWIND], "specialist")
    viewer = Viewer(1, "x@example.test", "X", True, (specialist,), ())
    async with sessions() as session:
        seen = await what_viewer_sees(session, authz, world, viewer)
    assert seen["Client"] == ALL_CLIENTS
    assert seen["Store"] == ALL_CLIENTS
    assert seen["Assignment"] == SEATS
    assert seen["Partner/onboard_client"] == {NORTHWIND}


async def test_memberships_in_two_partners_add_up(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    viewer = Viewer(
        1,
        "x@example.test",
        "X",
        False,
        (
            Membership(world.members[NW_SPECIALIST], world.partners[NORTHWIND], "specialist"),
            Membership(world.members[BF_OWNER], world.partners[BLUEFIN], "owner"),
        ),
        (MerchantGrant(world.clients["Solo Soaps"], "merchant_staff"),),
    )
    async with sessions() as session:
        seen = await what_viewer_sees(session, authz, world, viewer)
    expected_clients = EXPECTED[NW_SPECIALIST].clients | BF_ACTIVE | {"Solo Soaps"}
    assert seen["Client"] == expected_clients
    assert seen["Partner"] == {NORTHWIND, BLUEFIN}
    assert seen["PartnerMember"] == NW_ROSTER | BF_TEAM


async def test_merchant_of_two_clients_sees_both_and_both_partners(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    grants = (
        MerchantGrant(world.clients[LUMEN], "merchant_owner"),
        MerchantGrant(world.clients[HARBOR], "merchant_staff"),
    )
    viewer = Viewer(MISSING_ID, "x@example.test", "X", False, (), grants)
    async with sessions() as session:
        seen = await what_viewer_sees(session, authz, world, viewer)
    assert seen["Client"] == {LUMEN, HARBOR}
    assert seen["Partner"] == {NORTHWIND, BLUEFIN}
    assert seen["PartnerMember"] == frozenset()
    assert seen["Partner/onboard_client"] == frozenset()


async def test_unknown_merchant_role_grants_nothing(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    viewer = Viewer(
        1, "x@example.test", "X", False, (), (MerchantGrant(world.clients[LUMEN], "x"),)
    )
    async with sessions() as session:
        assert await _ids(session, authz, viewer, "read", Client) == set()


# --- Nothing for a viewer without grants --------------------------------------------------------


@pytest.mark.parametrize(("action", "model"), EVERY_CHECK)
async def test_viewer_without_grants_gets_nothing(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    action: Action,
    model: type[Any],
) -> None:
    async with sessions() as session:
        newcomer = await _viewer(session, world, NEWCOMER)
        assert newcomer.memberships == ()
        assert newcomer.merchant_grants == ()
        assert not newcomer.is_platform_staff
        assert await _ids(session, authz, newcomer, action, model) == set()
        assert await _ids(session, authz, ANONYMOUS, action, model) == set()


async def test_removed_user_has_no_viewer(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        # Frank is removed yet still listed in Northwind's team.
        assert await load_viewer(session, world.users[NW_FORMER]) is None
        assert await session.get(PartnerMember, world.members[NW_FORMER]) is not None
        assert await load_viewer(session, MISSING_ID) is None


async def test_viewer_holds_every_grant_as_plain_values(
    world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        specialist = await _viewer(session, world, NW_SPECIALIST)
        merchant = await _viewer(session, world, LUMEN_OWNER)
        platform = await _viewer(session, world, PLATFORM)
    assert specialist.memberships == (
        Membership(world.members[NW_SPECIALIST], world.partners[NORTHWIND], "specialist"),
    )
    assert specialist.merchant_grants == ()
    assert merchant.merchant_grants == (MerchantGrant(world.clients[LUMEN], "merchant_owner"),)
    assert merchant.memberships == ()
    assert platform.is_platform_staff
    assert platform.memberships == ()
    assert platform.merchant_grants == ()


# --- One object ---------------------------------------------------------------------------------


async def test_one_returns_a_readable_object(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions() as session:
        viewer = await _viewer(session, world, NW_SPECIALIST)
        client = await authz.one(session, viewer, Client, world.clients[LUMEN])
        store = await authz.one(session, viewer, Store, world.stores[LUMEN])
        partner = await authz.one(session, viewer, Partner, world.partners[NORTHWIND])
    assert client is not None
    assert client.business_name == LUMEN
    assert store is not None
    assert store.client_id == world.clients[LUMEN]
    assert partner is not None
    assert partner.slug == NORTHWIND


@pytest.mark.parametrize(
    ("email", "model", "key"),
    [
        (NW_SPECIALIST, Client, HARBOR),  # another partner's client
        (NW_SPECIALIST, Client, OLD_MILL),  # assigned, access revoked
        (NW_SPECIALIST, Client, TIDAL),  # access ended
        (NW_SPECIALIST, Client, "Copperleaf Tea"),  # own partner, not assigned
        (NW_OWNER, Store, "Pine & Pixel Prints"),
        (NW_OWNER, Partner, BLUEFIN),
        (LUMEN_OWNER, Store, "Aster Apparel"),
        (LUMEN_OWNER, PartnerMember, NW_OWNER),
        (BF_OWNER, Client, LUMEN),
    ],
)
async def test_one_answers_foreign_and_missing_ids_alike(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    statements: list[str],
    email: str,
    model: type[Any],
    key: str,
) -> None:
    by_key = {
        Client: world.clients,
        Store: world.stores,
        Partner: world.partners,
        PartnerMember: world.members,
    }[model]
    async with sessions() as session:
        viewer = await _viewer(session, world, email)
        statements.clear()
        foreign = await authz.one(session, viewer, model, by_key[key])
        foreign_sql = list(statements)
        statements.clear()
        missing = await authz.one(session, viewer, model, MISSING_ID)
        missing_sql = list(statements)
        # The object exists: only the policy hides it.
        assert await session.get(model, by_key[key]) is not None
    assert foreign is None
    assert missing is None
    # One statement each, the same statement: the same path for both.
    assert len(foreign_sql) == 1
    assert foreign_sql == missing_sql


@pytest.mark.parametrize(
    ("email", "model", "key", "action", "allowed"),
    [
        (NW_SPECIALIST, Partner, NORTHWIND, "onboard_client", True),
        (NW_OWNER, Partner, NORTHWIND, "onboard_client", True),
        (NW_MANAGER, Partner, NORTHWIND, "read_members", True),
        (LUMEN_OWNER, Partner, NORTHWIND, "onboard_client", False),
        (LUMEN_OWNER, Partner, NORTHWIND, "read_members", False),
        (PLATFORM, Partner, BLUEFIN, "onboard_client", False),
        (PLATFORM, Partner, BLUEFIN, "read_members", True),
        (NW_SPECIALIST, Client, LUMEN, "read", True),
    ],
)
async def test_one_with_permission_on_a_readable_object(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    email: str,
    model: type[Any],
    key: str,
    action: Action,
    allowed: bool,
) -> None:
    by_key = {Partner: world.partners, Client: world.clients}[model]
    async with sessions() as session:
        viewer = await _viewer(session, world, email)
        obj, may = await authz.one_with_permission(
            session, viewer, model, by_key[key], action=action
        )
    assert obj is not None
    assert obj.id == by_key[key]
    assert may is allowed


@pytest.mark.parametrize(
    ("email", "model", "id_key", "action"),
    [
        (LUMEN_OWNER, Partner, BLUEFIN, "onboard_client"),
        (NW_SPECIALIST, Partner, BLUEFIN, "onboard_client"),
        (NW_SPECIALIST, Client, OLD_MILL, "read"),
        (NW_OWNER, Partner, None, "onboard_client"),
        (NEWCOMER, Partner, NORTHWIND, "read"),
    ],
)
async def test_one_with_permission_on_an_unreadable_object(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    email: str,
    model: type[Any],
    id_key: str | None,
    action: Action,
) -> None:
    by_key = {Partner: world.partners, Client: world.clients}[model]
    id_ = MISSING_ID if id_key is None else by_key[id_key]
    async with sessions() as session:
        viewer = await _viewer(session, world, email)
        assert await authz.one_with_permission(session, viewer, model, id_, action=action) == (
            None,
            False,
        )


# --- Built once, without the database -----------------------------------------------------------


async def test_equal_grants_share_one_filter(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions() as session:
        owner = await _viewer(session, world, NW_OWNER)
    # A later request of the same user with the same grants reuses the filter it built.
    again = dataclasses.replace(owner, name="Renamed")
    for action, model in EVERY_CHECK:
        assert authz.filter(again, action, model) is authz.filter(owner, action, model)


async def test_filters_are_per_user_because_rules_name_the_user(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    """Some rules compare rows with the viewer's own user id (their invitation, leaving a
    team), so equal memberships of two users never share a cached filter."""
    async with sessions() as session:
        owner = await _viewer(session, world, NW_OWNER)
    twin = dataclasses.replace(owner, user_id=MISSING_ID, email="twin@example.test", name="Twin")
    assert authz.filter(twin, "read", PartnerMember) is not authz.filter(
        owner, "read", PartnerMember
    )

    def sql(viewer: Viewer) -> str:
        predicate = authz.filter(viewer, "read", PartnerMember)
        return str(predicate.compile(compile_kwargs={"literal_binds": True}))

    assert f"partner_members.user_id = {MISSING_ID}" in sql(twin)
    assert f"partner_members.user_id = {owner.user_id}" in sql(owner)


async def test_different_grants_get_different_filters(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions() as session:
        owner = await _viewer(session, world, NW_OWNER)
        demoted = dataclasses.replace(
            owner,
            memberships=tuple(dataclasses.replace(m, role="specialist") for m in owner.memberships),
        )
        staff = dataclasses.replace(owner, is_platform_staff=True)
        merchant = dataclasses.replace(
            owner, merchant_grants=(MerchantGrant(world.clients[HARBOR], "merchant_owner"),)
        )
        base = authz.filter(owner, "read", Client)
        for other in (demoted, staff, merchant):
            assert authz.filter(other, "read", Client) is not base
        assert authz.filter(owner, "read", Store) is not base
        assert authz.filter(owner, "onboard_client", Partner) is not authz.filter(
            owner, "read", Partner
        )
        # And they mean different things.
        assert len(await _ids(session, authz, demoted, "read", Client)) == 0
        assert HARBOR in {
            c.business_name
            for c in (await session.execute(authz.readable(merchant, Client))).scalars()
        }


async def test_building_filters_never_touches_the_database(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    authz: Authorizer,
    statements: list[str],
) -> None:
    # Grants no earlier test used, so nothing is cached yet for this viewer.
    viewer = Viewer(
        None,
        "",
        "",
        False,
        (
            Membership(MISSING_ID, world.partners[NORTHWIND], "specialist"),
            Membership(MISSING_ID + 1, world.partners[BLUEFIN], "manager"),
        ),
        (MerchantGrant(world.clients[LUMEN], "merchant_staff"),),
    )
    statements.clear()
    built = {(action, model): authz.filter(viewer, action, model) for action, model in EVERY_CHECK}
    assert statements == []
    # A second round comes from the cache.
    for (action, model), predicate in built.items():
        assert authz.filter(viewer, action, model) is predicate
    assert statements == []
    async with sessions() as session:
        clients = await _ids(session, authz, viewer, "read", Client)
    assert {world.clients[LUMEN]} | {world.clients[name] for name in BF_ACTIVE} == clients


# --- Filters follow the data, not a snapshot of it ----------------------------------------------


async def test_revoked_access_hides_the_client_on_the_next_query(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions() as session:
        owner = await _viewer(session, world, NW_OWNER)
        specialist = await _viewer(session, world, NW_SPECIALIST)
        merchant = await _viewer(session, world, LUMEN_OWNER)
        before = authz.filter(owner, "read", Client)
        assert world.clients[LUMEN] in await _ids(session, authz, owner, "read", Client)
    async with sessions.begin() as session:
        await session.execute(
            update(PartnerAccess)
            .where(
                PartnerAccess.client_id == world.clients[LUMEN],
                PartnerAccess.partner_id == world.partners[NORTHWIND],
            )
            .values(status=AccessStatus.REVOKED)
        )
    async with sessions() as session:
        assert authz.filter(owner, "read", Client) is before
        seen = await what_viewer_sees(session, authz, world, owner)
        assert seen["Client"] == NW_ACTIVE - {LUMEN}
        assert seen["Store"] == NW_ACTIVE - {LUMEN}
        assert all(client != LUMEN for client, _ in seen["Assignment"])
        assert LUMEN not in (await what_viewer_sees(session, authz, world, specialist))["Client"]
        # The merchant keeps their own client, and sees Northwind's name as their history.
        merchant_sees = await what_viewer_sees(session, authz, world, merchant)
        assert merchant_sees["Client"] == {LUMEN}
        assert merchant_sees["Partner"] == frozenset({NORTHWIND})


async def test_new_assignment_shows_the_client_on_the_next_query(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    async with sessions() as session:
        specialist = await _viewer(session, world, NW_SPECIALIST)
        assert (
            "Copperleaf Tea"
            not in (await what_viewer_sees(session, authz, world, specialist))["Client"]
        )
    async with sessions.begin() as session:
        session.add(
            Assignment(
                partner_id=world.partners[NORTHWIND],
                client_id=world.clients["Copperleaf Tea"],
                member_id=world.members[NW_SPECIALIST],
                user_id=world.users[NW_SPECIALIST],
                role=AssignmentRole.CONTRIBUTOR,
            )
        )
    async with sessions() as session:
        seen = await what_viewer_sees(session, authz, world, specialist)
    assert seen["Client"] == EXPECTED[NW_SPECIALIST].clients | {"Copperleaf Tea"}
    assert ("Copperleaf Tea", NW_SPECIALIST) in seen["Assignment"]
    assert ("Copperleaf Tea", NW_DESIGNER) in seen["Assignment"]


async def test_a_user_in_two_partners_never_mixes_one_partners_role_with_the_others_rows(
    world: World, sessions: async_sessionmaker[AsyncSession], authz: Authorizer
) -> None:
    """Bluefin's owner, also an unassigned Northwind specialist, must not see the tasks or the
    staffing Northwind left at Tidal Threads (now Bluefin's client, Northwind's access ended):
    the owner role is Bluefin's, the partner match Northwind's, and rules tie both to one
    membership."""
    from db.enums import TaskCategory
    from db.models import Task

    tidal = world.clients[TIDAL]
    northwind = world.partners[NORTHWIND]
    async with sessions.begin() as session:
        specialist = world.members["specialist@northwind.test"]
        left = Task(
            partner_id=northwind,
            client_id=tidal,
            title="Old internal note",
            category=TaskCategory.OTHER,
            position=99,
        )
        seat = Assignment(
            partner_id=northwind,
            client_id=tidal,
            member_id=specialist,
            user_id=world.users["specialist@northwind.test"],
            role=AssignmentRole.LEAD,
        )
        session.add_all([left, seat])
    async with sessions() as session:
        owner = await _viewer(session, world, BF_OWNER)
    both = dataclasses.replace(
        owner,
        memberships=(
            *owner.memberships,
            Membership(world.members["designer@northwind.test"], northwind, "specialist"),
        ),
    )
    async with sessions() as session:
        for action in ("read", "update", "complete", "delete"):
            tasks = await session.execute(
                select(Task.id).where(Task.id == left.id, authz.filter(both, action, Task))
            )
            assert tasks.first() is None, action
        for action in ("read", "remove"):
            seats = await session.execute(
                select(Assignment.id).where(
                    Assignment.id == seat.id, authz.filter(both, action, Assignment)
                )
            )
            assert seats.first() is None, action
        # Bluefin's own staffing of its client stays visible to its owner.
        assert (
            await session.execute(
                select(Client.id).where(Client.id == tidal, authz.filter(both, "read", Client))
            )
        ).first() is not None


# --- What the filters take from the schema -------------------------------------------------------


@pytest.mark.parametrize("model", [PartnerAccess, Assignment, ClientUser, Store, Task])
async def test_the_database_refuses_a_row_whose_client_does_not_exist(
    world: World, sessions: async_sessionmaker[AsyncSession], model: type[Any]
) -> None:
    # A filter asks "an active access with access.client_id = task.client_id" without reading
    # the client row in between (policies/sql_filter.py), which is sound only because no such
    # row can name a client that does not exist.
    async with sessions() as session:
        row_id = (await session.execute(select(model.id).limit(1))).scalar_one()
        pointing_nowhere = update(model).where(model.id == row_id).values(client_id=MISSING_ID)
        with pytest.raises(IntegrityError):
            await session.execute(pointing_nowhere)
