"""Billing terms and service invoices: who may set and read them, versions by effective date,
exact totals, the invoice status machine, gapless numbering (also under concurrent issuing) and
idempotent drafting from the terms."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.money import Invoice
from resolvers.task_queries import today
from tests.conftest import GraphQL, World, token_for
from tests.helpers import codes, gid

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
MERCHANT_STAFF = "staff@lumen-candles.test"
PLATFORM = "staff@shopiq.test"
NEWCOMER = "newcomer@shopiq.test"
NORTHWIND = "northwind-digital"
LUMEN = "Lumen Candles"
BIRCH = "Birch & Bloom Florists"  # Northwind's, no terms or invoices in the demo
OLD_MILL = "Old Mill Bakery"  # Northwind's access revoked

SET_TERMS = """
mutation($input: SetBillingTermsInput!) {
  setBillingTerms(input: $input) {
    billingTerms { id effectiveFrom endDate cycle paymentTermsDays
      implementationFee { amount currencyCode } recurringFee { amount currencyCode }
      client { businessName } }
    userErrors { field message code }
  }
}"""

CREATE = """
mutation($input: CreateInvoiceInput!) {
  createInvoice(input: $input) {
    invoice { id number status version currency overdue
      subtotal { amount currencyCode } tax { amount } total { amount }
      lines { position description quantity taxRate unitPrice { amount } amount { amount }
        tax { amount } } }
    userErrors { field message code }
  }
}"""

INVOICE_FIELDS = "id number status version issueDate dueDate overdue paidAt paymentReference"
ISSUE = f"""
mutation($input: IssueInvoiceInput!) {{
  issueInvoice(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} userErrors {{ field code }} }}
}}"""
PAY = f"""
mutation($input: MarkInvoicePaidInput!) {{
  markInvoicePaid(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} userErrors {{ field code }} }}
}}"""
VOID = f"""
mutation($input: VoidInvoiceInput!) {{
  voidInvoice(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} userErrors {{ field code }} }}
}}"""
GENERATE = """
mutation($input: GenerateRecurringInvoicesInput!) {
  generateRecurringInvoices(input: $input) {
    invoices { id kind status periodStart periodEnd total { amount currencyCode }
      lines { description } client { businessName } }
    userErrors { field code }
  }
}"""
CLIENT_BILLING = """
query($id: ID!) {
  client(id: $id) {
    billingTerms(first: 50) { totalCount nodes { id effectiveFrom recurringFee { amount } } }
    invoices(first: 100) { totalCount nodes { id status number } }
  }
}"""

Payload = dict[str, Any]


def terms_input(client_id: int, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "clientId": gid("Client", client_id),
        "effectiveFrom": "2027-01-01",
        "recurringFee": {"amount": "499.00", "currencyCode": "USD"},
        "implementationFee": {"amount": "2500", "currencyCode": "USD"},
        "cycle": "MONTHLY",
        "paymentTermsDays": 14,
    }
    values.update(over)
    return values


def invoice_input(client_id: int, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "clientId": gid("Client", client_id),
        "currencyCode": "USD",
        "lines": [
            {"description": "Theme customisation", "quantity": "1.5", "unitPrice": "19.99"},
            {"description": "Hosting set-up", "unitPrice": "10.05", "taxRate": "0.2"},
        ],
    }
    values.update(over)
    return values


async def create(gql: GraphQL, email: str, client_id: int, **over: Any) -> Payload:
    body = await gql(email, CREATE, input=invoice_input(client_id, **over))
    payload: Payload = body["data"]["createInvoice"]
    return payload


async def issue(gql: GraphQL, email: str, invoice: Payload, **over: Any) -> Payload:
    body = await gql(
        email, ISSUE, input={"invoiceId": invoice["id"], "version": invoice["version"], **over}
    )
    payload: Payload = body["data"]["issueInvoice"]
    return payload


# --- Billing terms --------------------------------------------------------------------------


@pytest.mark.parametrize("email", [OWNER, ADMIN, MANAGER])
async def test_managers_set_terms_and_versions_keep_history(
    gql: GraphQL, world: World, email: str
) -> None:
    birch = world.clients[BIRCH]
    first = (await gql(email, SET_TERMS, input=terms_input(birch)))["data"]["setBillingTerms"]
    assert first["userErrors"] == []
    assert first["billingTerms"]["recurringFee"] == {"amount": "499.00", "currencyCode": "USD"}
    assert first["billingTerms"]["implementationFee"] == {
        "amount": "2500.00",
        "currencyCode": "USD",
    }
    second = await gql(
        email,
        SET_TERMS,
        input=terms_input(
            birch,
            effectiveFrom="2027-06-01",
            recurringFee={"amount": "599", "currencyCode": "USD"},
            implementationFee=None,
        ),
    )
    assert second["data"]["setBillingTerms"]["userErrors"] == []
    listed = (await gql(email, CLIENT_BILLING, id=gid("Client", birch)))["data"]["client"]
    assert [
        (t["effectiveFrom"], t["recurringFee"]["amount"]) for t in listed["billingTerms"]["nodes"]
    ] == [
        ("2027-01-01", "499.00"),
        ("2027-06-01", "599.00"),
    ]


async def test_a_version_must_follow_the_latest(gql: GraphQL, world: World) -> None:
    birch = world.clients[BIRCH]
    assert (
        codes((await gql(OWNER, SET_TERMS, input=terms_input(birch)))["data"]["setBillingTerms"])
        == []
    )
    for when in ("2027-01-01", "2026-12-31"):
        refused = await gql(OWNER, SET_TERMS, input=terms_input(birch, effectiveFrom=when))
        assert codes(refused["data"]["setBillingTerms"]) == [
            (["input", "effectiveFrom"], "INVALID")
        ]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"recurringFee": {"amount": "10.001", "currencyCode": "USD"}}, "recurringFee"),
        ({"recurringFee": {"amount": "-1", "currencyCode": "USD"}}, "recurringFee"),
        ({"implementationFee": {"amount": "5", "currencyCode": "EUR"}}, "implementationFee"),
        ({"paymentTermsDays": 400}, "paymentTermsDays"),
        ({"endDate": "2026-12-01"}, "endDate"),
    ],
)
async def test_terms_are_checked(
    gql: GraphQL, world: World, over: dict[str, Any], field: str
) -> None:
    refused = await gql(OWNER, SET_TERMS, input=terms_input(world.clients[BIRCH], **over))
    assert codes(refused["data"]["setBillingTerms"]) == [(["input", field], "INVALID")]


async def test_zero_and_three_digit_currencies_keep_their_digits(
    gql: GraphQL, world: World
) -> None:
    birch = world.clients[BIRCH]
    yen = await gql(
        OWNER,
        SET_TERMS,
        input=terms_input(
            birch,
            recurringFee={"amount": "50000", "currencyCode": "JPY"},
            implementationFee={"amount": "1", "currencyCode": "JPY"},
        ),
    )
    terms = yen["data"]["setBillingTerms"]["billingTerms"]
    assert terms["recurringFee"] == {"amount": "50000", "currencyCode": "JPY"}
    refused = await gql(
        OWNER,
        SET_TERMS,
        input=terms_input(
            birch,
            effectiveFrom="2028-01-01",
            recurringFee={"amount": "0.5", "currencyCode": "JPY"},
            implementationFee=None,
        ),
    )
    assert codes(refused["data"]["setBillingTerms"]) == [(["input", "recurringFee"], "INVALID")]
    dinar = await gql(
        OWNER,
        SET_TERMS,
        input=terms_input(
            birch,
            effectiveFrom="2028-01-01",
            recurringFee={"amount": "12.345", "currencyCode": "BHD"},
            implementationFee=None,
        ),
    )
    fee = dinar["data"]["setBillingTerms"]["billingTerms"]["recurringFee"]
    assert fee == {"amount": "12.345", "currencyCode": "BHD"}


async def test_an_unknown_currency_is_a_graphql_error(gql: GraphQL, world: World) -> None:
    body = await gql(
        OWNER,
        SET_TERMS,
        input=terms_input(
            world.clients[BIRCH], recurringFee={"amount": "1", "currencyCode": "ZZZ"}
        ),
    )
    assert body.get("data") is None
    assert body["errors"]


@pytest.mark.parametrize(
    ("email", "client", "code"),
    [
        (SPECIALIST, LUMEN, "FORBIDDEN"),  # works on it, but billing is for managers and up
        (MERCHANT, LUMEN, "FORBIDDEN"),
        (PLATFORM, LUMEN, "FORBIDDEN"),
        (BLUEFIN_OWNER, LUMEN, "NOT_FOUND"),
        (OWNER, OLD_MILL, "NOT_FOUND"),
        (NEWCOMER, LUMEN, "NOT_FOUND"),
    ],
)
async def test_who_may_not_set_terms(
    gql: GraphQL, world: World, email: str, client: str, code: str
) -> None:
    refused = await gql(email, SET_TERMS, input=terms_input(world.clients[client]))
    assert codes(refused["data"]["setBillingTerms"]) == [(["input", "clientId"], code)]
    invoice = await create(gql, email, world.clients[client])
    assert codes(invoice) == [(["input", "clientId"], code)]


# --- Invoices -------------------------------------------------------------------------------


async def test_invoice_totals_are_exact_and_rounded_once_per_line(
    gql: GraphQL, world: World
) -> None:
    draft = (await create(gql, OWNER, world.clients[LUMEN]))["invoice"]
    assert draft["number"] is None
    assert draft["status"] == "DRAFT"
    # 1.5 x 19.99 = 29.985 -> 29.98 (half to even); 10.05 x 0.2 = 2.01
    assert [line["amount"]["amount"] for line in draft["lines"]] == ["29.98", "10.05"]
    assert [line["tax"]["amount"] for line in draft["lines"]] == ["0.00", "2.01"]
    assert draft["lines"][0]["quantity"] == "1.5"
    assert draft["lines"][1]["taxRate"] == "0.2"
    assert draft["subtotal"] == {"amount": "40.03", "currencyCode": "USD"}
    assert (draft["tax"]["amount"], draft["total"]["amount"]) == ("2.01", "42.04")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], ["input", "lines"]),
        ([{"description": "x", "unitPrice": "1.001"}], ["input", "lines", "0", "unitPrice"]),
        (
            [{"description": "x", "unitPrice": "1", "quantity": "0"}],
            ["input", "lines", "0", "quantity"],
        ),
        (
            [{"description": "x", "unitPrice": "1", "quantity": "0.0001"}],
            ["input", "lines", "0", "quantity"],
        ),
        (
            [{"description": "x", "unitPrice": "1", "taxRate": "1.5"}],
            ["input", "lines", "0", "taxRate"],
        ),
        ([{"description": " ", "unitPrice": "1"}], ["input", "lines", "0", "description"]),
    ],
)
async def test_invoice_lines_are_checked(
    gql: GraphQL, world: World, lines: list[dict[str, Any]], field: list[str]
) -> None:
    refused = await create(gql, OWNER, world.clients[LUMEN], lines=lines)
    assert [f for f, _ in codes(refused)] == [field]


async def test_issue_pay_void_and_the_status_machine(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    lumen = world.clients[LUMEN]
    async with sessions() as session:
        before = (
            await session.execute(
                select(func.max(Invoice.number)).where(
                    Invoice.partner_id == world.partners[NORTHWIND]
                )
            )
        ).scalar_one() or 0
    draft = (await create(gql, MANAGER, lumen, paymentTermsDays=10))["invoice"]
    issued = await issue(gql, MANAGER, draft, issueDate="2026-01-05")
    assert issued["userErrors"] == []
    invoice = issued["invoice"]
    assert invoice["number"] == before + 1
    assert (invoice["issueDate"], invoice["dueDate"]) == ("2026-01-05", "2026-01-15")
    assert invoice["overdue"] is (date(2026, 1, 15) < today())
    again = await issue(gql, MANAGER, invoice)
    assert codes(again) == [(["input", "invoiceId"], "INVALID_TRANSITION")]
    stale = await gql(MANAGER, PAY, input={"invoiceId": invoice["id"], "version": 1})
    assert codes(stale["data"]["markInvoicePaid"]) == [(["input", "version"], "CONFLICT")]
    paid = await gql(
        MANAGER,
        PAY,
        input={"invoiceId": invoice["id"], "version": invoice["version"], "reference": "TX-1"},
    )
    paid_invoice = paid["data"]["markInvoicePaid"]["invoice"]
    assert (paid_invoice["status"], paid_invoice["paymentReference"]) == ("PAID", "TX-1")
    assert paid_invoice["overdue"] is False
    void = await gql(
        MANAGER, VOID, input={"invoiceId": invoice["id"], "version": paid_invoice["version"]}
    )
    assert codes(void["data"]["voidInvoice"]) == [(["input", "invoiceId"], "INVALID_TRANSITION")]
    # A second draft issued next gets the next number; a voided draft never takes one.
    other = (await create(gql, MANAGER, lumen))["invoice"]
    voided = await gql(MANAGER, VOID, input={"invoiceId": other["id"], "version": other["version"]})
    assert voided["data"]["voidInvoice"]["invoice"]["number"] is None
    third = (await create(gql, MANAGER, lumen))["invoice"]
    assert (await issue(gql, MANAGER, third))["invoice"]["number"] == before + 2


async def test_merchants_see_issued_invoices_never_drafts(gql: GraphQL, world: World) -> None:
    lumen = world.clients[LUMEN]
    draft = (await create(gql, OWNER, lumen))["invoice"]
    node = "query($id: ID!) { node(id: $id) { ... on Invoice { id status } } }"
    assert (await gql(MERCHANT, node, id=draft["id"]))["data"]["node"] is None
    await issue(gql, OWNER, draft)
    assert (await gql(MERCHANT, node, id=draft["id"]))["data"]["node"]["status"] == "ISSUED"
    assert (await gql(MERCHANT_STAFF, node, id=draft["id"]))["data"]["node"] is None
    seen = (await gql(MERCHANT, CLIENT_BILLING, id=gid("Client", lumen)))["data"]["client"]
    assert {i["status"] for i in seen["invoices"]["nodes"]} <= {"ISSUED", "PAID", "VOID"}
    assert seen["billingTerms"]["totalCount"] == 2  # every version of the demo's terms


async def test_specialists_read_invoices_of_assigned_clients_but_do_not_manage(
    gql: GraphQL, world: World
) -> None:
    draft = (await create(gql, OWNER, world.clients[LUMEN]))["invoice"]
    node = "query($id: ID!) { node(id: $id) { ... on Invoice { id status } } }"
    assert (await gql(SPECIALIST, node, id=draft["id"]))["data"]["node"]["status"] == "DRAFT"
    refused = await issue(gql, SPECIALIST, draft)
    assert codes(refused) == [(["input", "invoiceId"], "FORBIDDEN")]
    for email in (BLUEFIN_OWNER, NEWCOMER, MERCHANT):
        assert codes(await issue(gql, email, draft)) == [(["input", "invoiceId"], "NOT_FOUND")]


# --- Drafting from the terms ----------------------------------------------------------------


async def test_generating_drafts_each_period_once(gql: GraphQL, world: World) -> None:
    birch = world.clients[BIRCH]
    start = today().replace(day=1) - timedelta(days=1)
    start = start.replace(day=1)  # the first of last month
    await gql(
        OWNER,
        SET_TERMS,
        input=terms_input(
            birch,
            effectiveFrom=start.isoformat(),
            recurringFee={"amount": "300", "currencyCode": "EUR"},
            implementationFee={"amount": "1000", "currencyCode": "EUR"},
        ),
    )
    partner = gid("Partner", world.partners[NORTHWIND])
    as_of = today().isoformat()
    first = (await gql(OWNER, GENERATE, input={"partnerId": partner, "asOf": as_of}))["data"]
    made = first["generateRecurringInvoices"]
    birch_made = [i for i in made["invoices"] if i["client"]["businessName"] == BIRCH]
    assert sorted((i["kind"], i["periodStart"], i["total"]["amount"]) for i in birch_made) == [
        ("IMPLEMENTATION", start.isoformat(), "1000.00"),
        ("RECURRING", start.isoformat(), "300.00"),
        ("RECURRING", today().replace(day=1).isoformat(), "300.00"),
    ]
    assert {i["status"] for i in made["invoices"]} == {"DRAFT"}
    again = (await gql(OWNER, GENERATE, input={"partnerId": partner, "asOf": as_of}))["data"]
    assert again["generateRecurringInvoices"] == {"invoices": [], "userErrors": []}


async def test_generating_is_for_those_who_manage_billing(gql: GraphQL, world: World) -> None:
    partner = gid("Partner", world.partners[NORTHWIND])
    as_of = (today() + timedelta(days=400)).isoformat()
    for email in (SPECIALIST, PLATFORM):
        made = (await gql(email, GENERATE, input={"partnerId": partner, "asOf": as_of}))["data"]
        assert made["generateRecurringInvoices"] == {"invoices": [], "userErrors": []}
    refused = await gql(BLUEFIN_OWNER, GENERATE, input={"partnerId": partner, "asOf": as_of})
    assert codes(refused["data"]["generateRecurringInvoices"]) == [
        (["input", "partnerId"], "NOT_FOUND")
    ]


# --- Concurrency ----------------------------------------------------------------------------


async def test_concurrent_issuing_numbers_without_gaps(
    committed_world: World,
    http: httpx.AsyncClient,
    backend: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Drafts issued at the same moment on separate connections take consecutive numbers."""
    if backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite has one writer at a time)")
    world = committed_world

    async def run(query: str, **variables: Any) -> Payload:
        headers = {"Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}"}
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: Payload = response.json()
        return body

    lumen = world.clients[LUMEN]
    drafts = [
        (await run(CREATE, input=invoice_input(lumen)))["data"]["createInvoice"]["invoice"]
        for _ in range(8)
    ]
    results = await asyncio.gather(
        *(run(ISSUE, input={"invoiceId": d["id"], "version": d["version"]}) for d in drafts)
    )
    numbers = sorted(r["data"]["issueInvoice"]["invoice"]["number"] for r in results)
    assert len(set(numbers)) == 8
    assert numbers == list(range(numbers[0], numbers[0] + 8))
    async with sessions() as session:
        every = (
            await session.execute(
                select(Invoice.number).where(
                    Invoice.partner_id == world.partners[NORTHWIND], Invoice.number.is_not(None)
                )
            )
        ).scalars()
        assert sorted(every) == list(range(1, numbers[-1] + 1))  # each number once, no gaps
