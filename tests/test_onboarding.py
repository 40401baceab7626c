"""onboardClient: one call creates the client, its one store, the partner's active access, the
creator's assignment (specialists only) and the invited merchant owner, or nothing at all."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import AccessStatus, AssignmentRole, MerchantRole, UserStatus
from db.models import Assignment, Client, ClientUser, PartnerAccess, PartnerMember, Store, User
from schema.relay import from_global_id, to_global_id
from tests.conftest import GraphQL, World, token_for
from tests.helpers import codes

Sessions = async_sessionmaker[AsyncSession]
Payload = dict[str, Any]

NORTHWIND = "northwind-digital"
BLUEFIN = "bluefin-studio"
OWNER = "owner@northwind.test"
SPECIALIST = "specialist@northwind.test"
PLATFORM_STAFF = "staff@shopiq.test"

ONBOARD = """
mutation Onboard($input: OnboardClientInput!) {
  onboardClient(input: $input) {
    client {
      id
      businessName
      legalName
      contactEmail
      country
      currency
      status
      partner { id }
      store { id name subdomain }
      assignees { role user { email } }
    }
    access { id status client { id } }
    userErrors { field message code }
  }
}
"""

CLIENT_IDS = "query Ids { clients(first: 100) { totalCount nodes { id } } }"
CLIENT_BY_ID = "query One($id: ID!) { client(id: $id) { id businessName } }"

COUNTED = (Client, Store, PartnerAccess, Assignment, User, ClientUser)


def partner_gid(world: World, slug: str = NORTHWIND) -> str:
    return to_global_id("Partner", world.partners[slug])


def client_pk(global_id: str) -> int:
    """The database id behind a client's global id."""
    decoded = from_global_id(global_id)
    assert decoded is not None
    assert decoded[0] == "Client"
    return decoded[1]


async def row_counts(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__tablename__: int(
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
            )
            for model in COUNTED
        }


def grew(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in before}


NOTHING_WRITTEN = {model.__tablename__: 0 for model in COUNTED}


async def onboard(gql: GraphQL, email: str, **fields: Any) -> Payload:
    """The onboardClient payload; the request itself must not fail."""
    body = await gql(email, ONBOARD, input=fields)
    assert "errors" not in body, body
    payload: Payload = body["data"]["onboardClient"]
    return payload


def valid_input(world: World, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "partnerId": partner_gid(world),
        "businessName": "Café Rosé & Co.",
        "contactEmail": "rose@example.com",
    }
    fields.update(overrides)
    return fields


# --- success --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "owner@northwind.test",
        "admin@northwind.test",
        "manager@northwind.test",
        "specialist@northwind.test",
    ],
)
async def test_partner_staff_onboard_a_client_in_one_go(
    gql: GraphQL, sessions: Sessions, world: World, email: str
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(
        gql,
        email,
        **valid_input(
            world,
            contactEmail="Rose.Owner@Example.COM",
            legalName="Café Rosé & Co. GmbH",
            country="DE",
            merchantName="Rosa Blum",
        ),
    )
    assert payload["userErrors"] == []
    client = payload["client"]
    assert client["businessName"] == "Café Rosé & Co."
    assert client["legalName"] == "Café Rosé & Co. GmbH"
    assert client["contactEmail"] == "rose.owner@example.com"
    assert client["status"] == "ONBOARDING"
    assert (client["country"], client["currency"]) == ("DE", "EUR")
    assert client["partner"] == {"id": partner_gid(world)}
    assert client["store"]["subdomain"] == "cafe-rose-co"
    assert client["store"]["name"] == "Café Rosé & Co."
    is_specialist = email == SPECIALIST
    if is_specialist:
        assert client["assignees"] == [{"role": "LEAD", "user": {"email": SPECIALIST}}]
    else:
        assert client["assignees"] == []

    after = await row_counts(sessions)
    assert grew(before, after) == {
        "clients": 1,
        "stores": 1,
        "partner_accesses": 1,
        "assignments": 1 if is_specialist else 0,
        "users": 1,
        "client_users": 1,
    }

    client_id = client_pk(client["id"])
    async with sessions() as session:
        row = await session.get(Client, client_id)
        assert row is not None
        assert row.partner_id == world.partners[NORTHWIND]
        stores = (await session.execute(select(Store).where(Store.client_id == client_id))).all()
        assert len(stores) == 1
        accesses = (
            (
                await session.execute(
                    select(PartnerAccess).where(PartnerAccess.client_id == client_id)
                )
            )
            .scalars()
            .all()
        )
        assert [(a.partner_id, a.status) for a in accesses] == [
            (world.partners[NORTHWIND], AccessStatus.ACTIVE)
        ]
        assert accesses[0].activated_at is not None
        seats = (
            (await session.execute(select(Assignment).where(Assignment.client_id == client_id)))
            .scalars()
            .all()
        )
        if is_specialist:
            assert [(s.member_id, s.user_id, s.partner_id, s.role) for s in seats] == [
                (
                    world.members[SPECIALIST],
                    world.users[SPECIALIST],
                    world.partners[NORTHWIND],
                    AssignmentRole.LEAD,
                )
            ]
        else:
            assert seats == []
        links = (
            await session.execute(
                select(ClientUser.role, User.email, User.name, User.status)
                .join(User, User.id == ClientUser.user_id)
                .where(ClientUser.client_id == client_id)
            )
        ).all()
        assert [tuple(link) for link in links] == [
            (MerchantRole.MERCHANT_OWNER, "rose.owner@example.com", "Rosa Blum", UserStatus.INVITED)
        ]

    # The creator finds the new client in their own list and by id.
    listed = await gql(email, CLIENT_IDS)
    assert client["id"] in {n["id"] for n in listed["data"]["clients"]["nodes"]}
    found = await gql(email, CLIENT_BY_ID, id=client["id"])
    assert found["data"]["client"] == {"id": client["id"], "businessName": "Café Rosé & Co."}


async def test_specialist_sees_only_the_client_they_onboarded_not_colleagues(
    gql: GraphQL, world: World
) -> None:
    before = await gql(SPECIALIST, CLIENT_IDS)
    payload = await onboard(gql, SPECIALIST, **valid_input(world, businessName="Quartz Lamps"))
    new_id = payload["client"]["id"]
    after = await gql(SPECIALIST, CLIENT_IDS)
    assert after["data"]["clients"]["totalCount"] == before["data"]["clients"]["totalCount"] + 1
    assert new_id in {n["id"] for n in after["data"]["clients"]["nodes"]}
    assert new_id not in {n["id"] for n in before["data"]["clients"]["nodes"]}

    # Another specialist of the same partner is not assigned, so the client does not exist for them.
    other = await gql("designer@northwind.test", CLIENT_BY_ID, id=new_id)
    assert other == {"data": {"client": None}}
    # Another partner never sees it.
    foreign = await gql("owner@bluefin.test", CLIENT_BY_ID, id=new_id)
    assert foreign == {"data": {"client": None}}


async def test_invited_merchant_owner_sees_exactly_their_new_client(
    gql: GraphQL, http: httpx.AsyncClient, sessions: Sessions, world: World
) -> None:
    payload = await onboard(gql, OWNER, **valid_input(world, contactEmail="New.Owner@Example.com"))
    async with sessions() as session:
        user = (
            await session.execute(select(User).where(User.email == "new.owner@example.com"))
        ).scalar_one()
    assert user.status == UserStatus.INVITED
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { clientAccounts { id } } clients(first: 100) { nodes { id } } }"},
        headers={"Authorization": f"Bearer {token_for(user.id, user.email)}"},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["viewer"]["clientAccounts"] == [{"id": payload["client"]["id"]}]
    assert data["clients"]["nodes"] == [{"id": payload["client"]["id"]}]


# --- subdomains -----------------------------------------------------------------------------


async def test_subdomain_is_derived_from_the_business_name_and_numbered_when_taken(
    gql: GraphQL, world: World
) -> None:
    first = await onboard(gql, OWNER, **valid_input(world))
    second = await onboard(gql, OWNER, **valid_input(world, contactEmail="rose2@example.com"))
    third = await onboard(gql, OWNER, **valid_input(world, contactEmail="rose3@example.com"))
    assert [p["client"]["store"]["subdomain"] for p in (first, second, third)] == [
        "cafe-rose-co",
        "cafe-rose-co-2",
        "cafe-rose-co-3",
    ]
    # The demo already has a store at lumen-candles, and another partner's at harbor-coffee.
    lumen = await onboard(gql, OWNER, **valid_input(world, businessName="Lumen Candles"))
    assert lumen["client"]["store"]["subdomain"] == "lumen-candles-2"
    harbor = await onboard(gql, OWNER, **valid_input(world, businessName="Harbor Coffee"))
    assert harbor["client"]["store"]["subdomain"] == "harbor-coffee-2"


@pytest.mark.parametrize(
    ("business_name", "stored_name", "subdomain"),
    [
        ("Café Rosé & Co.", "Café Rosé & Co.", "cafe-rose-co"),
        ("  Über Café 42  ", "Über Café 42", "uber-cafe-42"),
        ("ACME   --  Tools!!", "ACME   --  Tools!!", "acme-tools"),
        ("AB", "AB", "store-ab"),  # too short for a subdomain
        ("Shop", "Shop", "store-shop"),  # reserved on its own
        ("東京", "東京", "store"),  # nothing left after transliteration
    ],
)
async def test_derived_subdomain_is_always_valid(
    gql: GraphQL, world: World, business_name: str, stored_name: str, subdomain: str
) -> None:
    payload = await onboard(gql, OWNER, **valid_input(world, businessName=business_name))
    assert payload["userErrors"] == []
    assert payload["client"]["businessName"] == stored_name
    assert payload["client"]["store"]["subdomain"] == subdomain


async def test_explicit_subdomain_and_store_name_are_used(gql: GraphQL, world: World) -> None:
    payload = await onboard(
        gql, OWNER, **valid_input(world, subdomain="  Rose-Shop ", storeName="Rosé Online")
    )
    assert payload["userErrors"] == []
    assert payload["client"]["store"] == {
        "id": payload["client"]["store"]["id"],
        "name": "Rosé Online",
        "subdomain": "rose-shop",
    }


async def test_longest_business_name_is_accepted_with_a_short_subdomain(
    gql: GraphQL, world: World
) -> None:
    name = "Northern Lights " * 12 + "Emporium"
    assert len(name) == 200
    payload = await onboard(gql, OWNER, **valid_input(world, businessName=name))
    assert payload["userErrors"] == []
    subdomain = payload["client"]["store"]["subdomain"]
    assert 3 <= len(subdomain) <= 63
    assert subdomain.startswith("northern-lights-")
    assert not subdomain.endswith("-")


async def test_subdomain_of_another_partners_store_is_taken_without_revealing_its_owner(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    before = await row_counts(sessions)
    foreign = await onboard(gql, OWNER, **valid_input(world, subdomain="harbor-coffee"))
    own = await onboard(gql, OWNER, **valid_input(world, subdomain="lumen-candles"))
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN

    for payload in (foreign, own):
        assert payload["client"] is None
        assert codes(payload) == [(["input", "subdomain"], "TAKEN")]
    message = foreign["userErrors"][0]["message"]
    # The same sentence whoever owns the store: only the subdomain the caller typed differs.
    assert message.replace("harbor-coffee", "X") == own["userErrors"][0]["message"].replace(
        "lumen-candles", "X"
    )
    assert "taken" in message.lower()
    lowered = message.lower()
    for secret in (
        "harbor coffee",
        "bluefin",
        "hello@",
        "harbor-coffee.example",
        str(world.clients["Harbor Coffee"]),
        to_global_id("Client", world.clients["Harbor Coffee"]).lower(),
    ):
        assert secret not in lowered


@pytest.mark.parametrize("subdomain", ["www", "admin", "Shop", "shopiq", "api"])
async def test_reserved_subdomain_is_taken(
    gql: GraphQL, sessions: Sessions, world: World, subdomain: str
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(gql, OWNER, **valid_input(world, subdomain=subdomain))
    assert payload["client"] is None
    assert codes(payload) == [(["input", "subdomain"], "TAKEN")]
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"businessName": ""}, "businessName", "REQUIRED"),
        ({"businessName": "   \t "}, "businessName", "REQUIRED"),
        ({"contactEmail": ""}, "contactEmail", "REQUIRED"),
        ({"contactEmail": "not-an-email"}, "contactEmail", "INVALID"),
        ({"contactEmail": "two@@example.com"}, "contactEmail", "INVALID"),
        ({"contactEmail": "someone@"}, "contactEmail", "INVALID"),
        ({"contactEmail": "a" * 250 + "@example.com"}, "contactEmail", "TOO_LONG"),
        ({"businessName": "B" * 201}, "businessName", "TOO_LONG"),
        ({"legalName": "L" * 201}, "legalName", "TOO_LONG"),
        ({"storeName": "S" * 201}, "storeName", "TOO_LONG"),
        ({"merchantName": "M" * 201}, "merchantName", "TOO_LONG"),
        ({"industry": "I" * 101}, "industry", "TOO_LONG"),
        ({"contactPhone": "call me maybe"}, "contactPhone", "INVALID"),
        ({"country": "USA"}, "country", "INVALID"),
        ({"country": "D"}, "country", "INVALID"),
        ({"country": "1X"}, "country", "INVALID"),
        ({"country": "   "}, "country", "INVALID"),
        ({"country": "ÜB"}, "country", "INVALID"),
        ({"currency": "EURO"}, "currency", "INVALID"),
        ({"currency": "E1R"}, "currency", "INVALID"),
        ({"currency": "US"}, "currency", "INVALID"),
        ({"subdomain": "ab"}, "subdomain", "INVALID"),
        ({"subdomain": "-rose"}, "subdomain", "INVALID"),
        ({"subdomain": "rose-"}, "subdomain", "INVALID"),
        ({"subdomain": "rose--shop"}, "subdomain", "INVALID"),
        ({"subdomain": "rose shop"}, "subdomain", "INVALID"),
        ({"subdomain": "rose_shop"}, "subdomain", "INVALID"),
        ({"subdomain": "rosé"}, "subdomain", "INVALID"),
        ({"subdomain": "rose.shop"}, "subdomain", "INVALID"),
        ({"subdomain": "r" * 64}, "subdomain", "INVALID"),
        ({"subdomain": "   "}, "subdomain", "INVALID"),
    ],
)
async def test_invalid_input_is_a_user_error_and_writes_nothing(
    gql: GraphQL,
    sessions: Sessions,
    world: World,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(gql, OWNER, **valid_input(world, **overrides))
    assert payload["client"] is None
    assert codes(payload) == [(["input", field], code)]
    assert payload["userErrors"][0]["message"].strip()
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # Well formed but not assigned by ISO: "UK" is a common slip for GB.
        ({"country": "UK"}, "country"),
        ({"currency": "ABC"}, "currency"),
    ],
)
async def test_unassigned_iso_codes_are_invalid(
    gql: GraphQL, sessions: Sessions, world: World, overrides: dict[str, Any], field: str
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(gql, OWNER, **valid_input(world, **overrides))
    assert payload["client"] is None
    assert codes(payload) == [(["input", field], "INVALID")]
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


async def test_every_problem_is_reported_at_once(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(
        gql,
        OWNER,
        **valid_input(world, businessName=" ", contactEmail="nope", country="123", subdomain="x_y"),
    )
    assert payload["client"] is None
    assert sorted(codes(payload)) == [
        (["input", "businessName"], "REQUIRED"),
        (["input", "contactEmail"], "INVALID"),
        (["input", "country"], "INVALID"),
        (["input", "subdomain"], "INVALID"),
    ]
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


@pytest.mark.parametrize(
    ("country", "currency", "expected"),
    [
        (None, None, ("US", "USD")),
        ("DE", None, ("DE", "EUR")),
        ("de", None, ("DE", "EUR")),
        ("GB", None, ("GB", "GBP")),
        ("FR", None, ("FR", "EUR")),
        ("JP", None, ("JP", "JPY")),
        ("CA", None, ("CA", "CAD")),
        ("DE", "chf", ("DE", "CHF")),
        (None, "EUR", ("US", "EUR")),
    ],
)
async def test_currency_defaults_from_the_country(
    gql: GraphQL,
    world: World,
    country: str | None,
    currency: str | None,
    expected: tuple[str, str],
) -> None:
    payload = await onboard(gql, OWNER, **valid_input(world, country=country, currency=currency))
    assert payload["userErrors"] == []
    assert (payload["client"]["country"], payload["client"]["currency"]) == expected


# --- who may onboard ------------------------------------------------------------------------


async def test_unknown_garbage_and_foreign_partner_ids_look_the_same(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    before = await row_counts(sessions)
    ids = [
        to_global_id("Partner", 987_654),  # never issued
        "garbage",
        "",
        "UGFydG5lcjo=",  # "Partner:" with no number
        to_global_id("Client", world.clients["Lumen Candles"]),  # an id of another type
        partner_gid(world, BLUEFIN),  # exists, belongs to someone else
    ]
    payloads = [await onboard(gql, OWNER, **valid_input(world, partnerId=i)) for i in ids]
    # Invalid input on a foreign partner reveals nothing either: the partner is checked first.
    payloads.append(
        await onboard(
            gql,
            OWNER,
            **valid_input(world, partnerId=partner_gid(world, BLUEFIN), businessName=""),
        )
    )
    expected = payloads[0]
    assert expected["client"] is None
    assert codes(expected) == [(["input", "partnerId"], "NOT_FOUND")]
    for payload in payloads:
        assert payload == expected
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


@pytest.mark.parametrize(
    ("email", "slug"),
    [
        ("specialist@bluefin.test", NORTHWIND),
        ("owner@bluefin.test", NORTHWIND),
        ("merchant@harbor-coffee.test", NORTHWIND),  # a merchant of another partner's client
        ("newcomer@shopiq.test", NORTHWIND),  # no grants at all
        ("owner@northwind.test", BLUEFIN),
    ],
)
async def test_viewers_who_cannot_read_the_partner_get_not_found(
    gql: GraphQL, sessions: Sessions, world: World, email: str, slug: str
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(gql, email, **valid_input(world, partnerId=partner_gid(world, slug)))
    assert payload["client"] is None
    assert codes(payload) == [(["input", "partnerId"], "NOT_FOUND")]
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


@pytest.mark.parametrize(
    ("email", "slug"),
    [
        # Merchants see the partner that works on their store, but do not onboard for it.
        ("merchant@lumen-candles.test", NORTHWIND),
        ("staff@lumen-candles.test", NORTHWIND),
        ("merchant@harbor-coffee.test", BLUEFIN),
        # Platform staff read every partner for support, but onboarding is the partner's job.
        (PLATFORM_STAFF, NORTHWIND),
        (PLATFORM_STAFF, BLUEFIN),
    ],
)
async def test_readers_without_the_onboarding_permission_are_forbidden(
    gql: GraphQL, sessions: Sessions, world: World, email: str, slug: str
) -> None:
    before = await row_counts(sessions)
    payload = await onboard(gql, email, **valid_input(world, partnerId=partner_gid(world, slug)))
    assert payload["client"] is None
    assert codes(payload) == [(["input", "partnerId"], "FORBIDDEN")]
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


async def test_anonymous_caller_is_refused(http: httpx.AsyncClient, world: World) -> None:
    response = await http.post(
        "/graphql", json={"query": ONBOARD, "variables": {"input": valid_input(world)}}
    )
    assert response.status_code == 401


# --- the merchant owner ---------------------------------------------------------------------


async def test_a_merchant_sees_an_earlier_partner_but_cannot_onboard_for_it(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    """Tidal Threads moved away from Northwind: its merchant sees Northwind's name (history)
    and is refused as a role, not told that the partner does not exist."""
    before = await row_counts(sessions)
    payload = await onboard(gql, "merchant@tidal-threads.test", **valid_input(world))
    assert codes(payload) == [(["input", "partnerId"], "FORBIDDEN")]
    assert grew(before, await row_counts(sessions)) == NOTHING_WRITTEN


async def test_existing_user_is_reused_and_email_is_normalised(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    async with sessions.begin() as session:
        existing = User(email="returning@example.com", name="Rita Return", status=UserStatus.ACTIVE)
        session.add(existing)
    before = await row_counts(sessions)

    first = await onboard(
        gql, OWNER, **valid_input(world, contactEmail="  Returning@EXAMPLE.com ", merchantName="X")
    )
    second = await onboard(
        gql,
        OWNER,
        **valid_input(
            world, businessName="Rita's Second Shop", contactEmail="RETURNING@example.com"
        ),
    )
    assert first["userErrors"] == []
    assert second["userErrors"] == []
    # An account in use is not made merchant owner silently: the client waits for its consent,
    # and the partner sees nothing of it but its own request meanwhile.
    assert first["client"] is None
    assert first["access"]["status"] == "REQUESTED"
    assert grew(before, await row_counts(sessions)) == {
        "clients": 2,
        "stores": 2,
        "partner_accesses": 2,
        "assignments": 0,
        "users": 0,
        "client_users": 2,
    }
    async with sessions() as session:
        users = (
            (
                await session.execute(
                    select(User).where(func.lower(User.email) == "returning@example.com")
                )
            )
            .scalars()
            .all()
        )
        assert [(u.id, u.name, u.status) for u in users] == [
            (existing.id, "Rita Return", UserStatus.ACTIVE)
        ]
        links = (
            await session.execute(
                select(ClientUser.client_id, ClientUser.role, ClientUser.status)
                .where(ClientUser.user_id == existing.id)
                .order_by(ClientUser.client_id)
            )
        ).all()
    assert first["access"]["client"] is None
    assert [tuple(link)[1:] for link in links] == [
        (MerchantRole.MERCHANT_OWNER, "invited"),
        (MerchantRole.MERCHANT_OWNER, "invited"),
    ]


async def test_new_merchant_email_in_other_case_is_not_duplicated(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    before = await row_counts(sessions)
    await onboard(gql, OWNER, **valid_input(world, contactEmail="Mixed.Case@Example.org"))
    await onboard(
        gql,
        OWNER,
        **valid_input(world, businessName="Second Venture", contactEmail="MIXED.CASE@example.ORG"),
    )
    assert grew(before, await row_counts(sessions))["users"] == 1
    async with sessions() as session:
        user = (
            await session.execute(select(User).where(User.email == "mixed.case@example.org"))
        ).scalar_one()
        # The invited owner is named after the business when no merchant name is given.
        assert (user.name, user.status) == ("Café Rosé & Co.", UserStatus.INVITED)


async def test_removed_user_is_invited_again(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    async with sessions.begin() as session:
        gone = User(email="gone@example.com", name="Gail Gone", status=UserStatus.REMOVED)
        session.add(gone)
    before = await row_counts(sessions)
    payload = await onboard(gql, OWNER, **valid_input(world, contactEmail="gone@example.com"))
    assert payload["userErrors"] == []
    assert grew(before, await row_counts(sessions))["users"] == 0
    async with sessions() as session:
        user = await session.get(User, gone.id)
        assert user is not None
        assert user.status == UserStatus.INVITED


async def test_a_removed_user_invited_again_gets_none_of_their_old_access(
    gql: GraphQL, sessions: Sessions, world: World
) -> None:
    """former@northwind.test was removed while still on Northwind's team and Lumen's staff;
    becoming a merchant owner elsewhere must not bring any of that back."""
    former = "former@northwind.test"
    payload = await onboard(
        gql,
        "owner@bluefin.test",
        **valid_input(
            world,
            partnerId=to_global_id("Partner", world.partners["bluefin-studio"]),
            businessName="Second Chance Shop",
            contactEmail=former,
        ),
    )
    assert payload["userErrors"] == []
    async with sessions() as session:
        user = await session.get(User, world.users[former])
        assert user is not None
        assert user.status == UserStatus.INVITED
        # Nothing of Northwind's was changed on the way: its rows stay, they just grant nothing.
        kept = await session.execute(
            select(func.count()).select_from(PartnerMember).where(PartnerMember.user_id == user.id)
        )
        assert kept.scalar_one() == 1
    body = await gql(
        former,
        "{ viewer { memberships { id } clientAccounts { businessName } } "
        "clients(first: 100) { nodes { businessName } } }",
    )
    assert body["data"]["viewer"]["memberships"] == []
    assert body["data"]["viewer"]["clientAccounts"] == [{"businessName": "Second Chance Shop"}]
    assert body["data"]["clients"]["nodes"] == [{"businessName": "Second Chance Shop"}]


# --- concurrency ----------------------------------------------------------------------------


# Two requests at once need two connections and real commits: no rolled-back transaction.
@pytest.mark.usefixtures("committed_world")
@pytest.mark.parametrize("round_", range(3))
async def test_concurrent_onboarding_with_one_subdomain_keeps_exactly_one(
    gql: GraphQL, sessions: Sessions, world: World, round_: int
) -> None:
    subdomain = f"race-shop-{round_}"
    before = await row_counts(sessions)
    racers = (
        (OWNER, "Racing Owner Goods", "racer.one@example.com"),
        (SPECIALIST, "Racing Specialist Goods", "racer.two@example.com"),
    )
    payloads = await asyncio.gather(
        *(
            onboard(
                gql,
                email,
                **valid_input(world, businessName=name, contactEmail=contact, subdomain=subdomain),
            )
            for email, name, contact in racers
        )
    )
    winners = [i for i, p in enumerate(payloads) if p["client"] is not None]
    losers = [i for i, p in enumerate(payloads) if p["client"] is None]
    assert len(winners) == 1, payloads
    assert len(losers) == 1, payloads
    winner, loser = payloads[winners[0]], payloads[losers[0]]
    assert winner["userErrors"] == []
    assert winner["client"]["store"]["subdomain"] == subdomain
    assert len(loser["userErrors"]) == 1
    assert loser["userErrors"][0]["code"] in {"TAKEN", "CONFLICT"}

    specialist_won = racers[winners[0]][0] == SPECIALIST
    assert grew(before, await row_counts(sessions)) == {
        "clients": 1,
        "stores": 1,
        "partner_accesses": 1,
        "assignments": 1 if specialist_won else 0,
        "users": 1,
        "client_users": 1,
    }
    _, loser_name, loser_contact = racers[losers[0]]
    async with sessions() as session:
        assert (
            await session.execute(select(Client.id).where(Client.business_name == loser_name))
        ).first() is None
        assert (
            await session.execute(select(User.id).where(User.email == loser_contact))
        ).first() is None
        owners = (
            (await session.execute(select(Store.client_id).where(Store.subdomain == subdomain)))
            .scalars()
            .all()
        )
        assert owners == [client_pk(winner["client"]["id"])]
        # Every client still has exactly its one store and one active access.
        orphans = (
            await session.execute(
                select(Client.id)
                .outerjoin(Store, Store.client_id == Client.id)
                .where(Store.id.is_(None))
            )
        ).all()
        assert orphans == []
