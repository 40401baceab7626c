"""Store set-up sections: connecting and verifying a custom domain, payments, logistics, catalog,
brand and policies, compliance. Each section moves through its own state machine; a move that
the machine does not allow, a stale version, missing details, or a viewer without the permission
leaves the store exactly as it was.

Demo stores used here: Fable Books (nothing set up; a blank canvas for the state machines),
Juniper Pet Supply (onboarding), Lumen Candles (half way: domain pending, payments in KYC),
Ironwood Furniture (ready to launch), Aster Apparel (live), Harbor Coffee (Bluefin's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LogisticsStatus,
    PaymentProvider,
    PaymentStatus,
    TaxStatus,
)
from db.models import Client, Store
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
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"

LUMEN = "Lumen Candles"
FABLE = "Fable Books"
JUNIPER = "Juniper Pet Supply"
IRONWOOD = "Ironwood Furniture"
ASTER = "Aster Apparel"
EMBER = "Ember Ceramics"
HARBOR = "Harbor Coffee"
OLD_MILL = "Old Mill Bakery"
PINE = "Pine & Pixel Prints"
SOLO = "Solo Soaps"
TIDAL = "Tidal Threads"

NEVER_ISSUED = 987_654

STORE_FIELDS = """
fragment StoreFields on Store {
  id version customDomain domainStatus paymentStatus logisticsStatus catalogStatus launchStatus url
  domain { hostname status records { type name value purpose } failureReason checkedAt
           subdomainUrl }
  payments { provider status rejectionReason }
  logistics { provider status shippingZoneCount shippingMethodCount }
  catalog { status productCount categoryCount failureReason }
  brand { logoUrl theme themeCustomized onTemplateDefaults refundPolicyPublished
          shippingPolicyPublished privacyPolicyPublished termsPolicyPublished }
  compliance { kycStatus kycResponsible taxStatus taxResponsible }
}
"""

INPUT_TYPES = {
    "connectStoreDomain": "ConnectDomainInput",
    "verifyStoreDomain": "StoreVersionInput",
    "disconnectStoreDomain": "StoreVersionInput",
    "updateStorePayments": "UpdateStorePaymentsInput",
    "updateStoreLogistics": "UpdateStoreLogisticsInput",
    "updateStoreCatalog": "UpdateStoreCatalogInput",
    "updateStoreBrand": "UpdateStoreBrandInput",
    "updateStoreCompliance": "UpdateStoreComplianceInput",
}

READ_STORE = "query($id: ID!) { node(id: $id) { ... on Store { ...StoreFields } } }" + STORE_FIELDS
READ_CLIENT_STORE = (
    "query($id: ID!) { client(id: $id) { id status version store { ...StoreFields } } }"
    + STORE_FIELDS
)


def mutation_text(name: str) -> str:
    return (
        f"mutation($input: {INPUT_TYPES[name]}!) {{ {name}(input: $input) {{ "
        "store { ...StoreFields } userErrors { field message code } } }" + STORE_FIELDS
    )


def store_gid(world: World, name: str) -> str:
    return to_global_id("Store", world.stores[name])


def client_gid(world: World, name: str) -> str:
    return to_global_id("Client", world.clients[name])


async def run(gql: GraphQL, email: str, name: str, **fields: Any) -> dict[str, Any]:
    """The payload of one set-up mutation (storeId and version among `fields`)."""
    body = await gql(email, mutation_text(name), input=fields)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


async def read_store(gql: GraphQL, email: str, store_id: str) -> dict[str, Any] | None:
    body = await gql(email, READ_STORE, id=store_id)
    assert "errors" not in body, body
    node: dict[str, Any] | None = body["data"]["node"]
    return node


async def version_of(gql: GraphQL, world: World, name: str) -> int:
    store = await read_store(gql, NW_OWNER, store_gid(world, name))
    assert store is not None
    version: int = store["version"]
    return version


async def snapshot(sessions: async_sessionmaker[AsyncSession], store_id: int) -> dict[str, Any]:
    """Every column of the store and of its client, as stored."""
    async with sessions() as session:
        store = await session.get(Store, store_id)
        assert store is not None
        client = await session.get(Client, store.client_id)
        assert client is not None
        return {"store": columns(store), "client": columns(client)}


async def put_store(
    sessions: async_sessionmaker[AsyncSession], store_id: int, **columns: Any
) -> None:
    """Put a store's sections in a given state, as if earlier work had got it there."""
    async with sessions.begin() as session:
        await session.execute(update(Store).where(Store.id == store_id).values(**columns))


def only_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["store"] is None, payload
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    error: dict[str, Any] = payload["userErrors"][0]
    assert error["message"].strip()
    return error


def at(store: dict[str, Any], path: str) -> Any:
    value: Any = store
    for part in path.split("."):
        value = value[part]
    return value


# --- Reading the sections -------------------------------------------------------------------------


async def test_sections_show_the_stores_set_up(gql: GraphQL, world: World) -> None:
    lumen = await read_store(gql, NW_OWNER, store_gid(world, LUMEN))
    assert lumen is not None
    domain = lumen["domain"]
    assert domain["hostname"] == "lumen-candles.example"
    assert domain["status"] == "PENDING_DNS"
    assert domain["subdomainUrl"] == "https://lumen-candles.myshopiq.com"
    assert domain["failureReason"] is None
    assert [(r["type"], r["name"]) for r in domain["records"]] == [
        ("TXT", "_shopiq-challenge.lumen-candles.example"),
        ("CNAME", "lumen-candles.example"),
    ]
    assert domain["records"][0]["value"].startswith("shopiq-verify=")
    assert domain["records"][1]["value"] == "edge.myshopiq.com"
    assert all(r["purpose"].strip() for r in domain["records"])
    # Not verified yet: shoppers still go to the subdomain.
    assert lumen["url"] == "https://lumen-candles.myshopiq.com"
    assert lumen["payments"] == {
        "provider": "STRIPE",
        "status": "KYC_PENDING",
        "rejectionReason": None,
    }
    assert lumen["logistics"] == {
        "provider": "ShipBob",
        "status": "CONFIGURED",
        "shippingZoneCount": 3,
        "shippingMethodCount": 4,
    }
    assert lumen["catalog"] == {
        "status": "READY",
        "productCount": 60,
        "categoryCount": 6,
        "failureReason": None,
    }
    assert lumen["brand"] == {
        "logoUrl": "https://cdn.example/lumen-candles.example/logo.png",
        "theme": "aurora",
        "themeCustomized": False,
        "onTemplateDefaults": True,
        "refundPolicyPublished": True,
        "shippingPolicyPublished": False,
        "privacyPolicyPublished": True,
        "termsPolicyPublished": False,
    }
    assert lumen["compliance"] == {
        "kycStatus": "SUBMITTED",
        "kycResponsible": "MERCHANT",
        "taxStatus": "PENDING",
        "taxResponsible": "MERCHANT",
    }

    fable = await read_store(gql, NW_OWNER, store_gid(world, FABLE))
    assert fable is not None
    assert fable["domain"] == {
        "hostname": None,
        "status": "NOT_CONNECTED",
        "records": [],
        "failureReason": None,
        "checkedAt": None,
        "subdomainUrl": "https://fable-books.myshopiq.com",
    }
    assert fable["brand"]["onTemplateDefaults"] is True
    assert fable["brand"]["theme"] == "essentials"

    ironwood = await read_store(gql, NW_OWNER, store_gid(world, IRONWOOD))
    assert ironwood is not None
    assert ironwood["url"] == "https://ironwood-furniture.example"
    assert ironwood["brand"]["onTemplateDefaults"] is False


@pytest.mark.parametrize("email", [LUMEN_OWNER, LUMEN_STAFF, PLATFORM, NW_SPECIALIST, NW_DESIGNER])
async def test_merchant_staff_and_platform_read_the_same_sections(
    gql: GraphQL, world: World, email: str
) -> None:
    expected = await gql(NW_OWNER, READ_CLIENT_STORE, id=client_gid(world, LUMEN))
    seen = await gql(email, READ_CLIENT_STORE, id=client_gid(world, LUMEN))
    assert expected["data"]["client"]["store"] is not None
    assert seen == expected
    assert await read_store(gql, email, store_gid(world, LUMEN)) == await read_store(
        gql, NW_OWNER, store_gid(world, LUMEN)
    )


@pytest.mark.parametrize(
    ("email", "name"),
    [
        (HARBOR_OWNER, LUMEN),
        (LUMEN_OWNER, HARBOR),
        (BF_OWNER, LUMEN),
        (NW_OWNER, HARBOR),
        (NW_SPECIALIST, EMBER),
        (NW_SPECIALIST, OLD_MILL),
        (NW_OWNER, TIDAL),
        (NEWCOMER, LUMEN),
        (BF_OWNER, PINE),
        (NW_OWNER, SOLO),
    ],
)
async def test_sections_of_another_client_are_invisible(
    gql: GraphQL, world: World, email: str, name: str
) -> None:
    compliance = (
        "query($id: ID!) { node(id: $id) { id ... on Store { compliance { kycStatus } "
        "domain { hostname records { value } } } ... on Client { store { compliance "
        "{ kycStatus } } } } }"
    )
    never = await gql(email, compliance, id=to_global_id("Store", NEVER_ISSUED))
    assert never == {"data": {"node": None}}
    assert await gql(email, compliance, id=store_gid(world, name)) == never
    assert await gql(email, compliance, id=client_gid(world, name)) == never
    body = await gql(email, READ_CLIENT_STORE, id=client_gid(world, name))
    assert body == {"data": {"client": None}}


async def test_harbor_merchant_cannot_read_lumens_compliance(gql: GraphQL, world: World) -> None:
    body = await gql(
        HARBOR_OWNER,
        "query($s: ID!, $c: ID!) { store: node(id: $s) { ... on Store { compliance "
        "{ kycStatus taxStatus } } } client: node(id: $c) { ... on Client { store { compliance "
        "{ kycStatus taxStatus } } } } viewer { clientAccounts { businessName store "
        "{ compliance { kycStatus } } } } }",
        s=store_gid(world, LUMEN),
        c=client_gid(world, LUMEN),
    )
    assert "errors" not in body, body
    assert body["data"]["store"] is None
    assert body["data"]["client"] is None
    accounts = body["data"]["viewer"]["clientAccounts"]
    assert [a["businessName"] for a in accounts] == [HARBOR]


# --- State machines -------------------------------------------------------------------------------


def payments_at(status: PaymentStatus) -> dict[str, Any]:
    return {
        "payment_status": status,
        "payment_provider": None if status == PaymentStatus.NOT_STARTED else PaymentProvider.STRIPE,
        "payment_rejection_reason": "ID document expired"
        if status == PaymentStatus.REJECTED
        else None,
    }


def logistics_at(status: LogisticsStatus) -> dict[str, Any]:
    started = status != LogisticsStatus.NOT_STARTED
    return {
        "logistics_status": status,
        "logistics_provider": "ShipBob" if started else None,
        "shipping_zone_count": 2 if started else 0,
        "shipping_method_count": 3 if started else 0,
    }


def catalog_at(status: CatalogStatus) -> dict[str, Any]:
    return {
        "catalog_status": status,
        "product_count": 25 if status == CatalogStatus.READY else 0,
        "category_count": 4 if status == CatalogStatus.READY else 0,
        "catalog_failure_reason": "Bad CSV" if status == CatalogStatus.FAILED else None,
    }


@dataclass(frozen=True)
class Move:
    """One section change: the store's state before, the mutation's input, what must show after."""

    name: str
    mutation: str
    before: dict[str, Any]
    given: dict[str, Any]
    after: dict[str, Any] = field(default_factory=dict)
    error_field: tuple[str, ...] = ("input", "status")


P, L, C, K, T = PaymentStatus, LogisticsStatus, CatalogStatus, KycStatus, TaxStatus

ALLOWED = [
    # Payments: not started -> KYC pending -> active | rejected -> KYC pending.
    Move(
        "payments not_started->kyc_pending",
        "updateStorePayments",
        payments_at(P.NOT_STARTED),
        {"status": "KYC_PENDING", "provider": "ADYEN"},
        {
            "paymentStatus": "KYC_PENDING",
            "payments": {"provider": "ADYEN", "status": "KYC_PENDING", "rejectionReason": None},
        },
    ),
    Move(
        "payments kyc_pending->active",
        "updateStorePayments",
        payments_at(P.KYC_PENDING),
        {"status": "ACTIVE"},
        {
            "paymentStatus": "ACTIVE",
            "payments": {"provider": "STRIPE", "status": "ACTIVE", "rejectionReason": None},
        },
    ),
    Move(
        "payments kyc_pending->rejected",
        "updateStorePayments",
        payments_at(P.KYC_PENDING),
        {"status": "REJECTED", "rejectionReason": "  Bank account name does not match.  "},
        {
            "paymentStatus": "REJECTED",
            "payments": {
                "provider": "STRIPE",
                "status": "REJECTED",
                "rejectionReason": "Bank account name does not match.",
            },
        },
    ),
    Move(
        "payments active->kyc_pending (switching provider)",
        "updateStorePayments",
        payments_at(P.ACTIVE),
        {"status": "KYC_PENDING", "provider": "ADYEN"},
        {
            "paymentStatus": "KYC_PENDING",
            "payments": {"provider": "ADYEN", "status": "KYC_PENDING", "rejectionReason": None},
        },
    ),
    Move(
        "payments rejected->kyc_pending",
        "updateStorePayments",
        payments_at(P.REJECTED),
        {"status": "KYC_PENDING", "provider": "MOLLIE"},
        {
            "paymentStatus": "KYC_PENDING",
            "payments": {"provider": "MOLLIE", "status": "KYC_PENDING", "rejectionReason": None},
        },
    ),
    # Logistics: not started <-> configured <-> active.
    Move(
        "logistics not_started->configured",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {
            "status": "CONFIGURED",
            "provider": "Easyship",
            "shippingZoneCount": 2,
            "shippingMethodCount": 5,
        },
        {
            "logisticsStatus": "CONFIGURED",
            "logistics": {
                "provider": "Easyship",
                "status": "CONFIGURED",
                "shippingZoneCount": 2,
                "shippingMethodCount": 5,
            },
        },
    ),
    Move(
        "logistics configured->active",
        "updateStoreLogistics",
        logistics_at(L.CONFIGURED),
        {"status": "ACTIVE"},
        {
            "logisticsStatus": "ACTIVE",
            "logistics": {
                "provider": "ShipBob",
                "status": "ACTIVE",
                "shippingZoneCount": 2,
                "shippingMethodCount": 3,
            },
        },
    ),
    Move(
        "logistics configured->not_started",
        "updateStoreLogistics",
        logistics_at(L.CONFIGURED),
        {"status": "NOT_STARTED"},
        {"logisticsStatus": "NOT_STARTED", "logistics.status": "NOT_STARTED"},
    ),
    Move(
        "logistics active->configured",
        "updateStoreLogistics",
        logistics_at(L.ACTIVE),
        {"status": "CONFIGURED", "shippingMethodCount": 6},
        {
            "logisticsStatus": "CONFIGURED",
            "logistics": {
                "provider": "ShipBob",
                "status": "CONFIGURED",
                "shippingZoneCount": 2,
                "shippingMethodCount": 6,
            },
        },
    ),
    # Catalog: empty -> importing -> ready | failed -> importing; ready -> importing (re-import).
    Move(
        "catalog empty->importing",
        "updateStoreCatalog",
        catalog_at(C.EMPTY),
        {"status": "IMPORTING"},
        {"catalogStatus": "IMPORTING", "catalog.status": "IMPORTING"},
    ),
    Move(
        "catalog importing->ready",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "READY", "productCount": 12, "categoryCount": 3},
        {
            "catalogStatus": "READY",
            "catalog": {
                "status": "READY",
                "productCount": 12,
                "categoryCount": 3,
                "failureReason": None,
            },
        },
    ),
    Move(
        "catalog importing->failed",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "FAILED", "failureReason": "The price column is missing."},
        {
            "catalogStatus": "FAILED",
            "catalog.status": "FAILED",
            "catalog.failureReason": "The price column is missing.",
        },
    ),
    Move(
        "catalog failed->importing",
        "updateStoreCatalog",
        catalog_at(C.FAILED),
        {"status": "IMPORTING"},
        {
            "catalogStatus": "IMPORTING",
            "catalog.status": "IMPORTING",
            "catalog.failureReason": None,
        },
    ),
    Move(
        "catalog ready->importing",
        "updateStoreCatalog",
        catalog_at(C.READY),
        {"status": "IMPORTING", "productCount": 30},
        {"catalogStatus": "IMPORTING", "catalog.status": "IMPORTING", "catalog.productCount": 30},
    ),
    # Business verification: not started -> submitted -> verified | rejected -> submitted.
    Move(
        "kyc not_started->submitted",
        "updateStoreCompliance",
        {"kyc_status": K.NOT_STARTED},
        {"kycStatus": "SUBMITTED"},
        {"compliance.kycStatus": "SUBMITTED"},
    ),
    Move(
        "kyc submitted->verified",
        "updateStoreCompliance",
        {"kyc_status": K.SUBMITTED},
        {"kycStatus": "VERIFIED"},
        {"compliance.kycStatus": "VERIFIED"},
    ),
    Move(
        "kyc submitted->rejected",
        "updateStoreCompliance",
        {"kyc_status": K.SUBMITTED},
        {"kycStatus": "REJECTED", "kycResponsible": "PARTNER"},
        {"compliance.kycStatus": "REJECTED", "compliance.kycResponsible": "PARTNER"},
    ),
    Move(
        "kyc rejected->submitted",
        "updateStoreCompliance",
        {"kyc_status": K.REJECTED},
        {"kycStatus": "SUBMITTED"},
        {"compliance.kycStatus": "SUBMITTED"},
    ),
    # Tax: not started -> pending | exempt; pending -> registered | exempt; exempt -> pending.
    Move(
        "tax not_started->pending",
        "updateStoreCompliance",
        {"tax_status": T.NOT_STARTED},
        {"taxStatus": "PENDING", "taxResponsible": "PARTNER"},
        {"compliance.taxStatus": "PENDING", "compliance.taxResponsible": "PARTNER"},
    ),
    Move(
        "tax not_started->exempt",
        "updateStoreCompliance",
        {"tax_status": T.NOT_STARTED},
        {"taxStatus": "EXEMPT"},
        {"compliance.taxStatus": "EXEMPT"},
    ),
    Move(
        "tax pending->registered",
        "updateStoreCompliance",
        {"tax_status": T.PENDING},
        {"taxStatus": "REGISTERED"},
        {"compliance.taxStatus": "REGISTERED"},
    ),
    Move(
        "tax pending->exempt",
        "updateStoreCompliance",
        {"tax_status": T.PENDING},
        {"taxStatus": "EXEMPT"},
        {"compliance.taxStatus": "EXEMPT"},
    ),
    Move(
        "tax exempt->pending",
        "updateStoreCompliance",
        {"tax_status": T.EXEMPT},
        {"taxStatus": "PENDING"},
        {"compliance.taxStatus": "PENDING"},
    ),
]


def refused(
    name: str,
    mutation: str,
    before: dict[str, Any],
    given: dict[str, Any],
    error_field: str = "status",
) -> Move:
    return Move(name, mutation, before, given, error_field=("input", error_field))


REFUSED = [
    refused(
        "payments not_started->active",
        "updateStorePayments",
        payments_at(P.NOT_STARTED),
        {"status": "ACTIVE", "provider": "STRIPE"},
    ),
    refused(
        "payments not_started->rejected",
        "updateStorePayments",
        payments_at(P.NOT_STARTED),
        {"status": "REJECTED", "provider": "STRIPE", "rejectionReason": "No."},
    ),
    refused(
        "payments active: a new provider without KYC again",
        "updateStorePayments",
        payments_at(P.ACTIVE),
        {"status": "ACTIVE", "provider": "ADYEN"},
        error_field="provider",
    ),
    refused(
        "payments active->not_started",
        "updateStorePayments",
        payments_at(P.ACTIVE),
        {"status": "NOT_STARTED"},
    ),
    refused(
        "payments rejected->active",
        "updateStorePayments",
        payments_at(P.REJECTED),
        {"status": "ACTIVE"},
    ),
    refused(
        "payments kyc_pending->not_started",
        "updateStorePayments",
        payments_at(P.KYC_PENDING),
        {"status": "NOT_STARTED"},
    ),
    refused(
        "logistics not_started->active",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {
            "status": "ACTIVE",
            "provider": "ShipBob",
            "shippingZoneCount": 1,
            "shippingMethodCount": 1,
        },
    ),
    refused(
        "logistics active->not_started",
        "updateStoreLogistics",
        logistics_at(L.ACTIVE),
        {"status": "NOT_STARTED"},
    ),
    refused(
        "catalog empty->ready",
        "updateStoreCatalog",
        catalog_at(C.EMPTY),
        {"status": "READY", "productCount": 10},
    ),
    refused(
        "catalog empty->failed",
        "updateStoreCatalog",
        catalog_at(C.EMPTY),
        {"status": "FAILED", "failureReason": "Bad file"},
    ),
    refused("catalog ready->empty", "updateStoreCatalog", catalog_at(C.READY), {"status": "EMPTY"}),
    refused(
        "catalog failed->ready",
        "updateStoreCatalog",
        catalog_at(C.FAILED),
        {"status": "READY", "productCount": 10},
    ),
    refused(
        "catalog importing->empty",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "EMPTY"},
    ),
    refused(
        "kyc not_started->verified",
        "updateStoreCompliance",
        {"kyc_status": K.NOT_STARTED},
        {"kycStatus": "VERIFIED"},
        "kycStatus",
    ),
    refused(
        "kyc verified->submitted",
        "updateStoreCompliance",
        {"kyc_status": K.VERIFIED},
        {"kycStatus": "SUBMITTED"},
        "kycStatus",
    ),
    refused(
        "kyc rejected->verified",
        "updateStoreCompliance",
        {"kyc_status": K.REJECTED},
        {"kycStatus": "VERIFIED"},
        "kycStatus",
    ),
    refused(
        "kyc submitted->not_started",
        "updateStoreCompliance",
        {"kyc_status": K.SUBMITTED},
        {"kycStatus": "NOT_STARTED"},
        "kycStatus",
    ),
    refused(
        "tax not_started->registered",
        "updateStoreCompliance",
        {"tax_status": T.NOT_STARTED},
        {"taxStatus": "REGISTERED"},
        "taxStatus",
    ),
    refused(
        "tax registered->pending",
        "updateStoreCompliance",
        {"tax_status": T.REGISTERED},
        {"taxStatus": "PENDING"},
        "taxStatus",
    ),
    refused(
        "tax exempt->registered",
        "updateStoreCompliance",
        {"tax_status": T.EXEMPT},
        {"taxStatus": "REGISTERED"},
        "taxStatus",
    ),
    refused(
        "tax pending->not_started",
        "updateStoreCompliance",
        {"tax_status": T.PENDING},
        {"taxStatus": "NOT_STARTED"},
        "taxStatus",
    ),
    # One refused half spoils the whole change: the allowed KYC step is not saved either.
    refused(
        "kyc allowed but tax refused",
        "updateStoreCompliance",
        {"kyc_status": K.SUBMITTED, "tax_status": T.REGISTERED},
        {"kycStatus": "VERIFIED", "taxStatus": "PENDING"},
        "taxStatus",
    ),
]


@pytest.mark.parametrize("move", ALLOWED, ids=[m.name for m in ALLOWED])
async def test_allowed_transition(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], move: Move
) -> None:
    store_id = world.stores[FABLE]
    await put_store(sessions, store_id, **move.before)
    version = await version_of(gql, world, FABLE)
    payload = await run(
        gql, NW_OWNER, move.mutation, storeId=store_gid(world, FABLE), version=version, **move.given
    )
    assert payload["userErrors"] == []
    store = payload["store"]
    assert store["version"] == version + 1
    for path, expected in move.after.items():
        assert at(store, path) == expected, path
    # What the mutation answered is what is now stored.
    assert await read_store(gql, NW_OWNER, store_gid(world, FABLE)) == store
    assert (await snapshot(sessions, store_id))["store"]["version"] == version + 1


@pytest.mark.parametrize("move", REFUSED, ids=[m.name for m in REFUSED])
async def test_refused_transition_changes_nothing(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], move: Move
) -> None:
    store_id = world.stores[FABLE]
    await put_store(sessions, store_id, **move.before)
    version = await version_of(gql, world, FABLE)
    before = await snapshot(sessions, store_id)
    payload = await run(
        gql, NW_OWNER, move.mutation, storeId=store_gid(world, FABLE), version=version, **move.given
    )
    error = only_error(payload)
    assert error["code"] == "INVALID_TRANSITION"
    assert error["field"] == list(move.error_field)
    assert await snapshot(sessions, store_id) == before


# --- Domain ---------------------------------------------------------------------------------------

HOST = "shop.fable-books.example"
TOKEN = "0123456789abcdef0123456789abcdef"


def domain_at(status: DomainStatus) -> dict[str, Any]:
    connected = status != DomainStatus.NOT_CONNECTED
    checked = status in (DomainStatus.VERIFIED, DomainStatus.FAILED)
    return {
        "domain_status": status,
        "custom_domain": HOST if connected else None,
        "domain_verification_token": TOKEN if connected else None,
        "domain_failure_reason": "No TXT record yet." if status == DomainStatus.FAILED else None,
        "domain_checked_at": datetime.now(UTC) - timedelta(hours=1) if checked else None,
    }


def challenge(host: str) -> str:
    return f"_shopiq-challenge.{host}"


def assert_recent(stamp: str | None) -> None:
    assert stamp is not None
    moment = datetime.fromisoformat(stamp)
    assert moment.tzinfo is not None
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


def assert_connected(store: dict[str, Any], host: str) -> str:
    """The pending-DNS state of `host`; returns the verification token."""
    domain = store["domain"]
    assert store["customDomain"] == host
    assert store["domainStatus"] == "PENDING_DNS"
    assert domain["hostname"] == host
    assert domain["status"] == "PENDING_DNS"
    assert domain["failureReason"] is None
    assert domain["checkedAt"] is None
    txt, cname = domain["records"]
    assert (txt["type"], txt["name"]) == ("TXT", challenge(host))
    assert txt["value"].startswith("shopiq-verify=")
    token: str = txt["value"].removeprefix("shopiq-verify=")
    assert len(token) >= 16
    assert (cname["type"], cname["name"], cname["value"]) == ("CNAME", host, "edge.myshopiq.com")
    # Until it verifies, shoppers keep using the subdomain.
    assert store["url"] == domain["subdomainUrl"]
    return token


@pytest.mark.parametrize("start", [DomainStatus.NOT_CONNECTED, DomainStatus.FAILED])
async def test_connect_domain(
    dns_gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    start: DomainStatus,
) -> None:
    await put_store(sessions, world.stores[FABLE], **domain_at(start))
    version = await version_of(dns_gql, world, FABLE)
    payload = await run(
        dns_gql,
        NW_OWNER,
        "connectStoreDomain",
        storeId=store_gid(world, FABLE),
        version=version,
        hostname="  Www.Fable-Books.EXAMPLE.  ",
    )
    assert payload["userErrors"] == []
    store = payload["store"]
    assert store["version"] == version + 1
    token = assert_connected(store, "www.fable-books.example")
    assert token != TOKEN  # a new connection gets a new token
    assert store["domain"]["subdomainUrl"] == "https://fable-books.myshopiq.com"
    assert await read_store(dns_gql, NW_OWNER, store_gid(world, FABLE)) == store


@pytest.mark.parametrize("start", [DomainStatus.PENDING_DNS, DomainStatus.FAILED])
async def test_verify_domain_with_the_record_published(
    dns_gql: GraphQL,
    dns: FakeDns,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    start: DomainStatus,
) -> None:
    await put_store(sessions, world.stores[FABLE], **domain_at(start))
    dns.answers[challenge(HOST)] = ["v=spf1 -all", f" shopiq-verify={TOKEN} "]
    version = await version_of(dns_gql, world, FABLE)
    payload = await run(
        dns_gql, NW_OWNER, "verifyStoreDomain", storeId=store_gid(world, FABLE), version=version
    )
    assert payload["userErrors"] == []
    assert dns.asked == [challenge(HOST)]
    store = payload["store"]
    assert store["version"] == version + 1
    assert store["domainStatus"] == "VERIFIED"
    assert store["domain"]["status"] == "VERIFIED"
    assert store["domain"]["hostname"] == HOST
    assert store["domain"]["failureReason"] is None
    assert_recent(store["domain"]["checkedAt"])
    assert store["url"] == f"https://{HOST}"
    assert store["domain"]["subdomainUrl"] == "https://fable-books.myshopiq.com"
    assert await read_store(dns_gql, NW_OWNER, store_gid(world, FABLE)) == store


@pytest.mark.parametrize("start", [DomainStatus.PENDING_DNS, DomainStatus.FAILED])
@pytest.mark.parametrize(
    "published", [[], ["shopiq-verify=someone-elses-token"]], ids=["absent", "wrong-value"]
)
async def test_verify_domain_without_the_record_fails_with_a_reason(
    dns_gql: GraphQL,
    dns: FakeDns,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    start: DomainStatus,
    published: list[str],
) -> None:
    await put_store(sessions, world.stores[FABLE], **domain_at(start))
    dns.answers[challenge(HOST)] = published
    version = await version_of(dns_gql, world, FABLE)
    payload = await run(
        dns_gql, NW_OWNER, "verifyStoreDomain", storeId=store_gid(world, FABLE), version=version
    )
    assert payload["userErrors"] == []
    store = payload["store"]
    assert store["version"] == version + 1
    assert store["domainStatus"] == "FAILED"
    assert store["domain"]["status"] == "FAILED"
    assert challenge(HOST) in store["domain"]["failureReason"]
    assert_recent(store["domain"]["checkedAt"])
    # The records to publish are still shown, and the subdomain keeps serving shoppers.
    assert [r["value"] for r in store["domain"]["records"]] == [
        f"shopiq-verify={TOKEN}",
        "edge.myshopiq.com",
    ]
    assert store["url"] == "https://fable-books.myshopiq.com"


async def test_verify_domain_when_the_lookup_fails_says_try_again(
    dns_gql: GraphQL, dns: FakeDns, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await put_store(sessions, world.stores[FABLE], **domain_at(DomainStatus.PENDING_DNS))
    dns.answers[challenge(HOST)] = [f"shopiq-verify={TOKEN}"]
    dns.failure = "the nameserver timed out"
    version = await version_of(dns_gql, world, FABLE)
    payload = await run(
        dns_gql, NW_OWNER, "verifyStoreDomain", storeId=store_gid(world, FABLE), version=version
    )
    assert payload["userErrors"] == []
    store = payload["store"]
    assert store["domain"]["status"] == "FAILED"
    assert "try again" in store["domain"]["failureReason"].lower()
    assert_recent(store["domain"]["checkedAt"])

    # Once DNS answers again, verifying again succeeds.
    dns.failure = None
    again = await run(
        dns_gql,
        NW_OWNER,
        "verifyStoreDomain",
        storeId=store_gid(world, FABLE),
        version=store["version"],
    )
    assert again["userErrors"] == []
    assert again["store"]["domain"]["status"] == "VERIFIED"
    assert again["store"]["domain"]["failureReason"] is None
    assert again["store"]["version"] == store["version"] + 1


async def test_connect_fail_then_publish_and_verify(
    dns_gql: GraphQL, dns: FakeDns, world: World
) -> None:
    """The whole journey a merchant goes through: connect, verify too early, publish, verify."""
    version = await version_of(dns_gql, world, FABLE)
    connected = await run(
        dns_gql,
        NW_OWNER,
        "connectStoreDomain",
        storeId=store_gid(world, FABLE),
        version=version,
        hostname="fablebooks.example",
    )
    assert connected["userErrors"] == []
    token = assert_connected(connected["store"], "fablebooks.example")

    early = await run(
        dns_gql,
        NW_OWNER,
        "verifyStoreDomain",
        storeId=store_gid(world, FABLE),
        version=version + 1,
    )
    assert early["store"]["domain"]["status"] == "FAILED"

    dns.answers[challenge("fablebooks.example")] = [f"shopiq-verify={token}"]
    verified = await run(
        dns_gql,
        NW_OWNER,
        "verifyStoreDomain",
        storeId=store_gid(world, FABLE),
        version=version + 2,
    )
    assert verified["userErrors"] == []
    assert verified["store"]["domain"]["status"] == "VERIFIED"
    assert verified["store"]["url"] == "https://fablebooks.example"


@pytest.mark.parametrize(
    "start", [DomainStatus.PENDING_DNS, DomainStatus.FAILED, DomainStatus.VERIFIED]
)
async def test_disconnect_domain_keeps_the_subdomain(
    dns_gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    start: DomainStatus,
) -> None:
    await put_store(sessions, world.stores[FABLE], **domain_at(start))
    version = await version_of(dns_gql, world, FABLE)
    payload = await run(
        dns_gql, NW_OWNER, "disconnectStoreDomain", storeId=store_gid(world, FABLE), version=version
    )
    assert payload["userErrors"] == []
    store = payload["store"]
    assert store["version"] == version + 1
    assert store["customDomain"] is None
    assert store["domainStatus"] == "NOT_CONNECTED"
    assert store["domain"] == {
        "hostname": None,
        "status": "NOT_CONNECTED",
        "records": [],
        "failureReason": None,
        "checkedAt": None,
        "subdomainUrl": "https://fable-books.myshopiq.com",
    }
    assert store["url"] == "https://fable-books.myshopiq.com"
    stored = (await snapshot(sessions, world.stores[FABLE]))["store"]
    assert stored["custom_domain"] is None
    assert stored["domain_verification_token"] is None

    # The hostname is free again, for this store or another.
    other = await run(
        dns_gql,
        NW_OWNER,
        "connectStoreDomain",
        storeId=store_gid(world, JUNIPER),
        version=await version_of(dns_gql, world, JUNIPER),
        hostname=HOST,
    )
    assert other["userErrors"] == []
    assert other["store"]["domain"]["hostname"] == HOST


@pytest.mark.parametrize(
    ("start", "mutation", "extra", "error_field"),
    [
        (DomainStatus.VERIFIED, "connectStoreDomain", {"hostname": "new.example"}, "hostname"),
        (DomainStatus.NOT_CONNECTED, "verifyStoreDomain", {}, "storeId"),
        (DomainStatus.VERIFIED, "verifyStoreDomain", {}, "storeId"),
    ],
    ids=["verified->connect", "not_connected->verify", "verified->verify"],
)
async def test_refused_domain_transition_changes_nothing(
    dns_gql: GraphQL,
    dns: FakeDns,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    start: DomainStatus,
    mutation: str,
    extra: dict[str, Any],
    error_field: str,
) -> None:
    store_id = world.stores[FABLE]
    await put_store(sessions, store_id, **domain_at(start))
    dns.answers[challenge(HOST)] = [f"shopiq-verify={TOKEN}"]
    version = await version_of(dns_gql, world, FABLE)
    before = await snapshot(sessions, store_id)
    payload = await run(
        dns_gql, NW_OWNER, mutation, storeId=store_gid(world, FABLE), version=version, **extra
    )
    error = only_error(payload)
    assert error["code"] == "INVALID_TRANSITION"
    assert error["field"] == ["input", error_field]
    assert await snapshot(sessions, store_id) == before


BAD_HOSTNAMES = [
    "not a hostname",
    "localhost",
    "shop",
    "http://shop.example.com",
    "https://shop.example.com",
    "shop.example.com/path",
    "shop.example.com:8080",
    "shop..example.com",
    "-shop.example.com",
    "shop-.example.com",
    "shop_1.example.com",
    "1.2.3.4",
    "shop.example.c",
    "shöp.example.com",
    "a" * 64 + ".example.com",
    ".".join(["abcdefghij"] * 25) + ".com",
    "lumen-candles.myshopiq.com",
    "Fable-Books.MyShopIQ.com",
    "myshopiq.com",
    "edge.myshopiq.com",
]
TAKEN_HOSTNAMES = [
    "lumen-candles.example",  # the same partner's other store
    "LUMEN-CANDLES.Example",
    "lumen-candles.example.",
    "harbor-coffee.example",  # another partner's store: still one store per hostname
    "Harbor-Coffee.EXAMPLE",
]


@pytest.mark.parametrize(
    ("code", "hostnames"),
    [("INVALID", BAD_HOSTNAMES), ("TAKEN", TAKEN_HOSTNAMES)],
    ids=["invalid", "taken"],
)
async def test_hostnames_that_cannot_be_connected(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    hostnames: list[str],
) -> None:
    store_id = world.stores[FABLE]
    before = await snapshot(sessions, store_id)
    for hostname in hostnames:
        payload = await run(
            gql,
            NW_OWNER,
            "connectStoreDomain",
            storeId=store_gid(world, FABLE),
            version=before["store"]["version"],
            hostname=hostname,
        )
        error = only_error(payload)
        assert (error["code"], error["field"]) == (code, ["input", "hostname"]), hostname
        # Which store holds a taken hostname is not revealed.
        assert "harbor" not in error["message"].lower(), hostname
        assert "lumen" not in error["message"].lower(), hostname
        assert await snapshot(sessions, store_id) == before, hostname


async def test_reconnecting_a_stores_own_hostname_is_not_taken(gql: GraphQL, world: World) -> None:
    payload = await run(
        gql,
        NW_OWNER,
        "connectStoreDomain",
        storeId=store_gid(world, LUMEN),
        version=await version_of(gql, world, LUMEN),
        hostname="Lumen-Candles.example",
    )
    assert payload["userErrors"] == []
    assert_connected(payload["store"], "lumen-candles.example")


# --- Required details -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    name: str
    mutation: str
    before: dict[str, Any]
    given: dict[str, Any]
    code: str
    field: str


MISSING = [
    Missing(
        "payments without a provider",
        "updateStorePayments",
        payments_at(P.NOT_STARTED),
        {"status": "KYC_PENDING"},
        "REQUIRED",
        "provider",
    ),
    Missing(
        "payments rejected without a reason",
        "updateStorePayments",
        payments_at(P.KYC_PENDING),
        {"status": "REJECTED"},
        "REQUIRED",
        "rejectionReason",
    ),
    Missing(
        "payments rejected with a blank reason",
        "updateStorePayments",
        payments_at(P.KYC_PENDING),
        {"status": "REJECTED", "rejectionReason": "   "},
        "REQUIRED",
        "rejectionReason",
    ),
    Missing(
        "payments rejected with a too long reason",
        "updateStorePayments",
        payments_at(P.KYC_PENDING),
        {"status": "REJECTED", "rejectionReason": "x" * 501},
        "TOO_LONG",
        "rejectionReason",
    ),
    Missing(
        "logistics configured without a provider",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {"status": "CONFIGURED", "shippingZoneCount": 1, "shippingMethodCount": 1},
        "REQUIRED",
        "provider",
    ),
    Missing(
        "logistics configured without zones or methods",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {"status": "CONFIGURED", "provider": "ShipBob"},
        "INVALID",
        "shippingZoneCount",
    ),
    Missing(
        "logistics configured without a zone",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {"status": "CONFIGURED", "provider": "ShipBob", "shippingMethodCount": 2},
        "INVALID",
        "shippingZoneCount",
    ),
    Missing(
        "logistics configured without a method",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {"status": "CONFIGURED", "provider": "ShipBob", "shippingZoneCount": 2},
        "INVALID",
        "shippingZoneCount",
    ),
    Missing(
        "logistics active after removing every zone",
        "updateStoreLogistics",
        logistics_at(L.CONFIGURED),
        {"status": "ACTIVE", "shippingZoneCount": 0},
        "INVALID",
        "shippingZoneCount",
    ),
    Missing(
        "logistics with a negative count",
        "updateStoreLogistics",
        logistics_at(L.NOT_STARTED),
        {"status": "NOT_STARTED", "shippingMethodCount": -1},
        "INVALID",
        "shippingMethodCount",
    ),
    Missing(
        "catalog ready without products",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "READY"},
        "INVALID",
        "productCount",
    ),
    Missing(
        "catalog ready with zero products",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "READY", "productCount": 0, "categoryCount": 2},
        "INVALID",
        "productCount",
    ),
    Missing(
        "catalog failed without a reason",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "FAILED"},
        "REQUIRED",
        "failureReason",
    ),
    Missing(
        "catalog with a negative count",
        "updateStoreCatalog",
        catalog_at(C.IMPORTING),
        {"status": "IMPORTING", "categoryCount": -3},
        "INVALID",
        "categoryCount",
    ),
    Missing(
        "logo that is not https",
        "updateStoreBrand",
        {},
        {"logoUrl": "http://cdn.example/logo.png"},
        "INVALID",
        "logoUrl",
    ),
    Missing(
        "logo that is not an address",
        "updateStoreBrand",
        {},
        {"logoUrl": "logo.png"},
        "INVALID",
        "logoUrl",
    ),
    Missing(
        "logo address with a space",
        "updateStoreBrand",
        {},
        {"logoUrl": "https://cdn.example/my logo.png"},
        "INVALID",
        "logoUrl",
    ),
    Missing(
        "theme that is not a name",
        "updateStoreBrand",
        {},
        {"theme": "Bold & Bright!"},
        "INVALID",
        "theme",
    ),
    Missing(
        "theme with one letter",
        "updateStoreBrand",
        {},
        {"theme": "x"},
        "INVALID",
        "theme",
    ),
    Missing(
        "brand change with a bad logo among good changes",
        "updateStoreBrand",
        {},
        {"logoUrl": "ftp://cdn.example/logo.png", "refundPolicyPublished": True},
        "INVALID",
        "logoUrl",
    ),
]


@pytest.mark.parametrize("case", MISSING, ids=[m.name for m in MISSING])
async def test_missing_or_bad_details_change_nothing(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], case: Missing
) -> None:
    store_id = world.stores[FABLE]
    if case.before:
        await put_store(sessions, store_id, **case.before)
    before = await snapshot(sessions, store_id)
    payload = await run(
        gql,
        NW_OWNER,
        case.mutation,
        storeId=store_gid(world, FABLE),
        version=before["store"]["version"],
        **case.given,
    )
    error = only_error(payload)
    assert (error["code"], error["field"]) == (case.code, ["input", case.field])
    assert await snapshot(sessions, store_id) == before


# --- Brand and policies ---------------------------------------------------------------------------


async def test_brand_logo_theme_and_policies(gql: GraphQL, world: World) -> None:
    store = store_gid(world, FABLE)
    version = await version_of(gql, world, FABLE)

    step = await run(
        gql,
        NW_OWNER,
        "updateStoreBrand",
        storeId=store,
        version=version,
        logoUrl=" https://cdn.example/fable/logo.svg ",
        theme="Meridian",
        refundPolicyPublished=True,
    )
    assert step["userErrors"] == []
    brand = step["store"]["brand"]
    assert brand["logoUrl"] == "https://cdn.example/fable/logo.svg"
    assert brand["theme"] == "meridian"
    assert brand["themeCustomized"] is False
    assert brand["onTemplateDefaults"] is True  # a logo alone is not enough
    assert brand["refundPolicyPublished"] is True
    assert brand["shippingPolicyPublished"] is False  # fields not given stay as they were

    step = await run(
        gql,
        NW_OWNER,
        "updateStoreBrand",
        storeId=store,
        version=version + 1,
        themeCustomized=True,
        shippingPolicyPublished=True,
        privacyPolicyPublished=True,
        termsPolicyPublished=True,
    )
    brand = step["store"]["brand"]
    assert step["store"]["version"] == version + 2
    assert brand == {
        "logoUrl": "https://cdn.example/fable/logo.svg",
        "theme": "meridian",
        "themeCustomized": True,
        "onTemplateDefaults": False,
        "refundPolicyPublished": True,
        "shippingPolicyPublished": True,
        "privacyPolicyPublished": True,
        "termsPolicyPublished": True,
    }

    # Choosing the same theme again (in any case) keeps the customisation.
    step = await run(
        gql, NW_OWNER, "updateStoreBrand", storeId=store, version=version + 2, theme="MERIDIAN"
    )
    assert step["userErrors"] == []
    assert step["store"]["brand"]["themeCustomized"] is True
    current = step["store"]["version"]

    # Unpublishing a policy and clearing the logo put the store back on defaults.
    step = await run(
        gql,
        NW_OWNER,
        "updateStoreBrand",
        storeId=store,
        version=current,
        clearLogo=True,
        termsPolicyPublished=False,
    )
    brand = step["store"]["brand"]
    assert brand["logoUrl"] is None
    assert brand["onTemplateDefaults"] is True
    assert brand["termsPolicyPublished"] is False
    assert brand["themeCustomized"] is True


async def test_a_new_theme_starts_from_its_defaults(gql: GraphQL, world: World) -> None:
    before = await read_store(gql, NW_OWNER, store_gid(world, IRONWOOD))
    assert before is not None
    assert before["brand"]["themeCustomized"] is True
    assert before["brand"]["onTemplateDefaults"] is False
    payload = await run(
        gql,
        NW_OWNER,
        "updateStoreBrand",
        storeId=store_gid(world, IRONWOOD),
        version=before["version"],
        theme="harbor-light",
    )
    assert payload["userErrors"] == []
    brand = payload["store"]["brand"]
    assert brand["theme"] == "harbor-light"
    assert brand["themeCustomized"] is False
    assert brand["onTemplateDefaults"] is True
    assert brand["logoUrl"] == before["brand"]["logoUrl"]
    assert payload["store"]["version"] == before["version"] + 1


# --- Versions -------------------------------------------------------------------------------------

# A change each mutation could make to Lumen Candles (domain pending, payments in KYC, logistics
# configured, catalog ready, KYC submitted, tax pending).
LUMEN_CHANGES: dict[str, dict[str, Any]] = {
    "connectStoreDomain": {"hostname": "candles.example"},
    "verifyStoreDomain": {},
    "disconnectStoreDomain": {},
    "updateStorePayments": {"status": "ACTIVE"},
    "updateStoreLogistics": {"status": "ACTIVE"},
    "updateStoreCatalog": {"status": "IMPORTING"},
    "updateStoreBrand": {"themeCustomized": True},
    "updateStoreCompliance": {"kycStatus": "VERIFIED"},
}


@pytest.mark.parametrize("mutation", list(LUMEN_CHANGES))
async def test_stale_version_is_a_conflict(
    dns_gql: GraphQL,
    dns: FakeDns,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    mutation: str,
) -> None:
    store_id = world.stores[LUMEN]
    stale = await version_of(dns_gql, world, LUMEN)
    # Someone else saves a change first.
    first = await run(
        dns_gql,
        NW_SPECIALIST,
        "updateStoreCompliance",
        storeId=store_gid(world, LUMEN),
        version=stale,
        taxResponsible="PARTNER",
    )
    assert first["store"]["version"] == stale + 1
    token = first["store"]["domain"]["records"][0]["value"]
    dns.answers[challenge("lumen-candles.example")] = [token]
    before = await snapshot(sessions, store_id)
    payload = await run(
        dns_gql,
        NW_OWNER,
        mutation,
        storeId=store_gid(world, LUMEN),
        version=stale,
        **LUMEN_CHANGES[mutation],
    )
    error = only_error(payload)
    assert error["code"] == "CONFLICT"
    assert error["field"] == ["input", "version"]
    assert await snapshot(sessions, store_id) == before
    assert dns.asked == []

    # With the current version the same change goes through.
    payload = await run(
        dns_gql,
        NW_OWNER,
        mutation,
        storeId=store_gid(world, LUMEN),
        version=stale + 1,
        **LUMEN_CHANGES[mutation],
    )
    assert payload["userErrors"] == []
    assert payload["store"]["version"] == stale + 2


# --- The client's lifecycle -----------------------------------------------------------------------

# First changes an onboarding client (Juniper Pet Supply: payments in KYC, catalog importing,
# nothing else started) can make.
FIRST_CHANGES: dict[str, dict[str, Any]] = {
    "connectStoreDomain": {"hostname": "juniper-pets.example"},
    "updateStorePayments": {"status": "ACTIVE"},
    "updateStoreLogistics": {
        "status": "CONFIGURED",
        "provider": "ShipBob",
        "shippingZoneCount": 1,
        "shippingMethodCount": 1,
    },
    "updateStoreCatalog": {"status": "READY", "productCount": 8},
    "updateStoreBrand": {"logoUrl": "https://cdn.example/juniper.png"},
    "updateStoreCompliance": {"taxStatus": "PENDING"},
}


@pytest.mark.parametrize("mutation", list(FIRST_CHANGES))
async def test_first_section_change_moves_onboarding_to_implementation(
    gql: GraphQL, world: World, mutation: str
) -> None:
    before = await gql(NW_OWNER, READ_CLIENT_STORE, id=client_gid(world, JUNIPER))
    client = before["data"]["client"]
    assert client["status"] == "ONBOARDING"
    payload = await run(
        gql,
        NW_OWNER,
        mutation,
        storeId=client["store"]["id"],
        version=client["store"]["version"],
        **FIRST_CHANGES[mutation],
    )
    assert payload["userErrors"] == []
    after = (await gql(NW_OWNER, READ_CLIENT_STORE, id=client_gid(world, JUNIPER)))["data"]
    assert after["client"]["status"] == "IMPLEMENTATION"
    assert after["client"]["version"] == client["version"] + 1

    # Further work keeps it there.
    again = await run(
        gql,
        NW_OWNER,
        "updateStoreCompliance",
        storeId=client["store"]["id"],
        version=payload["store"]["version"],
        kycResponsible="PARTNER",
    )
    assert again["userErrors"] == []
    latest = (await gql(NW_OWNER, READ_CLIENT_STORE, id=client_gid(world, JUNIPER)))["data"]
    assert latest["client"]["status"] == "IMPLEMENTATION"


async def test_refused_change_leaves_an_onboarding_client_onboarding(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = await snapshot(sessions, world.stores[JUNIPER])
    payload = await run(
        gql,
        NW_OWNER,
        "updateStoreCatalog",
        storeId=store_gid(world, JUNIPER),
        version=before["store"]["version"],
        status="EMPTY",
    )
    assert only_error(payload)["code"] == "INVALID_TRANSITION"
    after = await snapshot(sessions, world.stores[JUNIPER])
    assert after["client"]["status"] == "onboarding"
    assert after == before


@pytest.mark.parametrize(("name", "status"), [(ASTER, "LIVE"), (LUMEN, "IMPLEMENTATION")])
async def test_set_up_work_never_moves_a_client_backwards(
    gql: GraphQL, world: World, name: str, status: str
) -> None:
    before = (await gql(NW_OWNER, READ_CLIENT_STORE, id=client_gid(world, name)))["data"]
    assert before["client"]["status"] == status
    payload = await run(
        gql,
        NW_SPECIALIST,
        "updateStoreBrand",
        storeId=before["client"]["store"]["id"],
        version=before["client"]["store"]["version"],
        theme="autumn",
    )
    assert payload["userErrors"] == []
    after = (await gql(NW_OWNER, READ_CLIENT_STORE, id=client_gid(world, name)))["data"]
    assert after["client"]["status"] == status
    assert after["client"]["version"] == before["client"]["version"]


# --- Who may change a store -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", [NW_OWNER, NW_ADMIN, NW_MANAGER, NW_SPECIALIST, NW_DESIGNER], ids=str
)
async def test_partner_staff_working_on_the_client_may_update(
    gql: GraphQL, world: World, email: str
) -> None:
    version = await version_of(gql, world, LUMEN)
    payload = await run(
        gql,
        email,
        "updateStoreBrand",
        storeId=store_gid(world, LUMEN),
        version=version,
        shippingPolicyPublished=True,
    )
    assert payload["userErrors"] == []
    assert payload["store"]["brand"]["shippingPolicyPublished"] is True
    assert payload["store"]["version"] == version + 1


async def test_assigned_specialist_runs_every_set_up_step(
    dns_gql: GraphQL, dns: FakeDns, world: World
) -> None:
    store = store_gid(world, LUMEN)
    version = await version_of(dns_gql, world, LUMEN)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("disconnectStoreDomain", {}),
        ("connectStoreDomain", {"hostname": "lumencandles.example"}),
        ("verifyStoreDomain", {}),
        ("updateStorePayments", {"status": "ACTIVE"}),
        ("updateStoreLogistics", {"status": "ACTIVE"}),
        ("updateStoreCatalog", {"status": "IMPORTING"}),
        ("updateStoreBrand", {"themeCustomized": True}),
        ("updateStoreCompliance", {"kycStatus": "VERIFIED", "taxStatus": "REGISTERED"}),
    ]
    for mutation, given in steps:
        payload = await run(
            dns_gql, NW_SPECIALIST, mutation, storeId=store, version=version, **given
        )
        assert payload["userErrors"] == [], mutation
        assert payload["store"]["version"] == version + 1, mutation
        version += 1
        if mutation == "connectStoreDomain":
            records = payload["store"]["domain"]["records"]
            dns.answers[records[0]["name"]] = [records[0]["value"]]
    final = await read_store(dns_gql, NW_SPECIALIST, store)
    assert final is not None
    assert final["domain"]["status"] == "VERIFIED"
    assert final["payments"]["status"] == "ACTIVE"
    assert final["logistics"]["status"] == "ACTIVE"
    assert final["catalog"]["status"] == "IMPORTING"
    assert final["brand"]["themeCustomized"] is True
    assert final["compliance"]["kycStatus"] == "VERIFIED"
    assert final["compliance"]["taxStatus"] == "REGISTERED"


# Who gets NOT_FOUND, exactly as for an id that was never issued; and who can look but not touch.
HIDDEN: list[tuple[str, str]] = [
    (NW_SPECIALIST, EMBER),  # same partner, not assigned
    (NW_DESIGNER, ASTER),  # same partner, not assigned
    (NW_SPECIALIST, OLD_MILL),  # assigned, but the partner's access was revoked
    (NW_OWNER, TIDAL),  # the client moved to another partner
    (BF_OWNER, LUMEN),  # another partner
    (HARBOR_OWNER, LUMEN),  # the merchant of another client
    (NEWCOMER, LUMEN),  # nobody
    (BF_OWNER, PINE),  # access requested, not granted
    (NW_OWNER, SOLO),  # works with no partner
]
READ_ONLY: list[tuple[str, str]] = [
    (LUMEN_OWNER, LUMEN),
    (LUMEN_STAFF, LUMEN),
    (HARBOR_OWNER, HARBOR),
    (PLATFORM, LUMEN),
]


@pytest.mark.parametrize("mutation", list(LUMEN_CHANGES))
async def test_viewers_who_may_not_update(
    dns_gql: GraphQL,
    dns: FakeDns,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    mutation: str,
) -> None:
    given = LUMEN_CHANGES[mutation]
    for store_id in world.stores.values():
        records = (await snapshot(sessions, store_id))["store"]
        if records["custom_domain"]:
            dns.answers[challenge(records["custom_domain"])] = [
                f"shopiq-verify={records['domain_verification_token']}"
            ]
    before = {name: await snapshot(sessions, sid) for name, sid in world.stores.items()}

    for email, name in HIDDEN:
        never = await run(
            dns_gql,
            email,
            mutation,
            storeId=to_global_id("Store", NEVER_ISSUED),
            version=1,
            **given,
        )
        error = only_error(never)
        assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "storeId"])
        version = before[name]["store"]["version"]
        hidden = await run(
            dns_gql, email, mutation, storeId=store_gid(world, name), version=version, **given
        )
        assert hidden == never, (email, name)
        # A stale version does not tell them anything more.
        stale = await run(
            dns_gql, email, mutation, storeId=store_gid(world, name), version=version + 5, **given
        )
        assert stale == never, (email, name)

    for email, name in READ_ONLY:
        payload = await run(
            dns_gql,
            email,
            mutation,
            storeId=store_gid(world, name),
            version=before[name]["store"]["version"],
            **given,
        )
        error = only_error(payload)
        assert (error["code"], error["field"]) == ("FORBIDDEN", ["input", "storeId"]), email

    after = {name: await snapshot(sessions, sid) for name, sid in world.stores.items()}
    assert after == before
    assert dns.asked == []


@pytest.mark.parametrize("raw", ["not-an-id", to_global_id("Client", 1), ""])
async def test_ids_that_are_not_store_ids_are_not_found(
    gql: GraphQL, world: World, raw: str
) -> None:
    never = await run(
        gql,
        NW_OWNER,
        "updateStoreBrand",
        storeId=to_global_id("Store", NEVER_ISSUED),
        version=1,
        themeCustomized=True,
    )
    payload = await run(
        gql, NW_OWNER, "updateStoreBrand", storeId=raw, version=1, themeCustomized=True
    )
    assert payload == never
