"""Billing's data-separation matrix: for every demo user, the billing terms, invoices and invoice
lines they get through every read path (the client's and the partner's connections, node(id:))
are exactly those the rules below allow, and an invoice they may not read answers every
mutation exactly as an id that was never issued.

The rules, in plain Python over the demo's declarations (tests/oracle.py) and the rows' own
partner, client and status:
- partner staff who work on the client for the partner of the row (owners, admins and managers
  while the access is active; the assigned specialist) see its terms and invoices (the demo's
  accesses are all of FULL scope, which covers billing);
- the client's merchant owner sees every version of its terms, and its invoices once issued
  (issued, paid or void), never drafts; merchant staff see none;
- platform staff see all; anyone else nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import USERS
from db.enums import MerchantRole
from db.models import Client, Partner
from db.money import BillingTerms, Invoice, InvoiceStatus
from tests import oracle
from tests.conftest import GraphQL, World
from tests.helpers import gid

EMAILS = tuple(e for e in USERS if not oracle.is_refused(e))
NEVER = 999_999


@dataclass(frozen=True)
class Row:
    id: int
    partner: str  # slug
    client: str  # business name
    status: InvoiceStatus | None  # invoices only


def reads(email: str, row: Row) -> bool:
    if oracle.is_platform_staff(email):
        return True
    client = oracle.client_spec(row.client)
    found = oracle.membership(email)
    if found is not None and found[0] == row.partner and oracle.works_on(email, client):
        return True
    owner = any(m == email and r == MerchantRole.MERCHANT_OWNER for m, r in client.merchants)
    return owner and row.status != InvoiceStatus.DRAFT


async def rows(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[Row], list[Row]]:
    async with sessions() as session:
        terms = (
            await session.execute(
                select(BillingTerms.id, Partner.slug, Client.business_name)
                .join(Partner, Partner.id == BillingTerms.partner_id)
                .join(Client, Client.id == BillingTerms.client_id)
            )
        ).all()
        invoices = (
            await session.execute(
                select(Invoice.id, Partner.slug, Client.business_name, Invoice.status)
                .join(Partner, Partner.id == Invoice.partner_id)
                .join(Client, Client.id == Invoice.client_id)
            )
        ).all()
    return (
        [Row(t[0], t[1], t[2], None) for t in terms],
        [Row(i[0], i[1], i[2], InvoiceStatus(i[3])) for i in invoices],
    )


PAGE = "first: 100"
CLIENT_QUERY = f"""
query($id: ID!) {{
  client(id: $id) {{
    billingTerms({PAGE}) {{ totalCount nodes {{ id }} }}
    invoices({PAGE}) {{ totalCount nodes {{ id lines {{ description }} }} }}
  }}
}}"""
PARTNER_QUERY = f"""
query($id: ID!) {{
  partner(id: $id) {{ invoices({PAGE}) {{ totalCount nodes {{ id lines {{ description }} }} }} }}
}}"""


def ids(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["id"] for n in nodes}


@pytest.mark.parametrize("email", EMAILS)
async def test_each_user_gets_exactly_the_billing_they_may_see(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], email: str
) -> None:
    terms, invoices = await rows(sessions)
    assert terms
    assert invoices
    for name in sorted({r.client for r in terms} | {r.client for r in invoices}):
        body = await gql(email, CLIENT_QUERY, id=gid("Client", world.clients[name]))
        client = body["data"]["client"]
        if not oracle.reads_client(email, oracle.client_spec(name)):
            assert client is None
            continue
        expected_terms = {
            gid("BillingTerms", r.id) for r in terms if r.client == name and reads(email, r)
        }
        expected_invoices = {
            gid("Invoice", r.id) for r in invoices if r.client == name and reads(email, r)
        }
        assert ids(client["billingTerms"]["nodes"]) == expected_terms, name
        assert client["billingTerms"]["totalCount"] == len(expected_terms)
        assert ids(client["invoices"]["nodes"]) == expected_invoices, name
        assert client["invoices"]["totalCount"] == len(expected_invoices)
        assert all(len(i["lines"]) == 1 for i in client["invoices"]["nodes"])
    for slug, partner_id in world.partners.items():
        body = await gql(email, PARTNER_QUERY, id=gid("Partner", partner_id))
        partner = body["data"]["partner"]
        expected = {gid("Invoice", r.id) for r in invoices if r.partner == slug and reads(email, r)}
        if partner is None:  # a merchant still reads its own invoices through its client
            assert not oracle.reads_partner(email, slug)
            continue
        # The partner's list pages through at most 100: compare its count, and the page.
        assert partner["invoices"]["totalCount"] == len(expected), slug
        assert ids(partner["invoices"]["nodes"]) <= expected


@pytest.mark.parametrize("email", EMAILS)
async def test_node_answers_exactly_the_visible_objects(
    gql: GraphQL, sessions: async_sessionmaker[AsyncSession], email: str
) -> None:
    terms, invoices = await rows(sessions)
    # One of each kind of row (partner, client, status) is enough: the filter is per row.
    samples: dict[tuple[str, str, str, InvoiceStatus | None], Row] = {}
    for kind, group in (("BillingTerms", terms), ("Invoice", invoices)):
        for row in group:
            samples.setdefault((kind, row.partner, row.client, row.status), row)
    items = list(samples.items())
    for start in range(0, len(items), 25):
        chunk = items[start : start + 25]
        fields = " ".join(
            f'n{n}: node(id: "{gid(key[0], row.id)}") {{ id }}'
            for n, (key, row) in enumerate(chunk)
        )
        data = (await gql(email, f"{{ {fields} }}"))["data"]
        for n, (key, row) in enumerate(chunk):
            assert (data[f"n{n}"] is not None) == reads(email, row), (key, email)


MUTATIONS = {
    "issueInvoice": "issueInvoice(input: {invoiceId: $id, version: 1})",
    "markInvoicePaid": "markInvoicePaid(input: {invoiceId: $id, version: 1})",
    "voidInvoice": "voidInvoice(input: {invoiceId: $id, version: 1})",
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
async def test_an_unreadable_invoice_answers_like_a_never_issued_one(
    gql: GraphQL, sessions: async_sessionmaker[AsyncSession], mutation: str
) -> None:
    _, invoices = await rows(sessions)
    query = (
        f"mutation($id: ID!) {{ {MUTATIONS[mutation]} "
        "{ invoice { id status } userErrors { field message code } } }"
    )
    for email in EMAILS:
        never = await gql(email, query, id=gid("Invoice", NEVER))
        for row in {(r.partner, r.client, r.status): r for r in invoices}.values():
            if reads(email, row):
                continue
            answer = await gql(email, query, id=gid("Invoice", row.id))
            assert json.dumps(answer, sort_keys=True) == json.dumps(never, sort_keys=True)
