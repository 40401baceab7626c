"""Email notifications from the outbox: each kind reaches the people it is for and nobody else,
says only what they may read, nothing is mailed for a refused mutation, and the jobs mail
nobody twice however often they run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import AccessStatus
from db.models import PartnerAccess, User
from db.notifications import MailKind, MailStatus, SentMail
from resolvers.notifications import make_event_mails, send_due_mail, send_pending_mail
from resolvers.notifications_transport import MailSettings
from tests.conftest import GraphQL, World
from tests.helpers import gid

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
OUTSIDER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
LUMEN = "Lumen Candles"
SETTINGS = MailSettings(secret="mail-test-secret-" + "x" * 20, settle=timedelta(0))

INVITE = """
mutation($partnerId: ID!, $address: String!, $name: String) {
  inviteMember(input: {partnerId: $partnerId, email: $address, role: ADMIN, name: $name}) {
    userErrors { code }
  }
}"""
REQUEST = """
mutation($partnerId: ID!, $merchant: String!, $message: String) {
  requestClientAccess(input: {partnerId: $partnerId, merchantEmail: $merchant, message: $message}) {
    access { id version } userErrors { code }
  }
}"""
APPROVE = """
mutation($id: ID!, $version: Int!) {
  approveAccessRequest(input: {accessId: $id, version: $version}) {
    access { id version } userErrors { code }
  }
}"""
REVOKE = """
mutation($id: ID!, $version: Int!) {
  revokePartnerAccess(input: {accessId: $id, version: $version}) { userErrors { code } }
}"""
CREATE_INVOICE = """
mutation($clientId: ID!) {
  createInvoice(input: {clientId: $clientId, currencyCode: USD,
                        lines: [{description: "Set-up", unitPrice: "100", quantity: "1"}]}) {
    invoice { id version } userErrors { code }
  }
}"""
ISSUE_INVOICE = """
mutation($id: ID!, $version: Int!) {
  issueInvoice(input: {invoiceId: $id, version: $version}) {
    invoice { number } userErrors { code }
  }
}"""
PREFERENCES = """
mutation($kinds: [NotificationKind!], $digest: Boolean, $userId: ID) {
  updateNotificationPreferences(input: {kinds: $kinds, dailyDigest: $digest, userId: $userId}) {
    preferences { kinds dailyDigest } userErrors { field code }
  }
}"""


@dataclass
class Outbox:
    """A transport that keeps what it is handed (and fails while `failing`)."""

    sent: list[EmailMessage] = field(default_factory=list)
    failing: bool = False

    async def send(self, message: EmailMessage) -> None:
        if self.failing:
            raise ConnectionRefusedError("the SMTP server is down")
        self.sent.append(message)


async def reader_started(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The mail reader as a running worker has it: past every event so far."""
    assert await make_event_mails(sessions, SETTINGS) == []


async def mails(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, SentMail]]:
    """(recipient email, mail) of every mail made, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            select(User.email, SentMail)
            .join(User, User.id == SentMail.user_id)
            .order_by(SentMail.id)
        )
        return [(email, mail) for email, mail in rows]


async def run_jobs_twice(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
    later = utcnow() + timedelta(minutes=1)
    await send_pending_mail(sessions, SETTINGS, later, transport=outbox)
    await send_pending_mail(sessions, SETTINGS, later, transport=outbox)


async def request_access(gql: GraphQL, world: World, merchant: str) -> dict[str, Any]:
    body = await gql(
        OUTSIDER,
        REQUEST,
        partnerId=gid("Partner", world.partners["bluefin-studio"]),
        merchant=merchant,
        message="We <3 candles & stores",
    )
    payload = body["data"]["requestClientAccess"]
    assert payload["userErrors"] == [], payload
    access: dict[str, Any] = payload["access"]
    return access


async def test_an_invitation_is_mailed_to_the_invitee_once(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    body = await gql(
        OWNER,
        INVITE,
        partnerId=gid("Partner", world.partners["northwind-digital"]),
        address="new.person@example.test",
        name="<b>Eve</b>",
    )
    assert body["data"]["inviteMember"]["userErrors"] == []
    outbox = Outbox()
    await run_jobs_twice(sessions, outbox)

    made = await mails(sessions)
    assert [(email, m.kind) for email, m in made] == [
        ("new.person@example.test", MailKind.INVITATION)
    ]
    mail = made[0][1]
    assert mail.status == MailStatus.SENT
    assert mail.attempts == 1
    assert "Northwind Digital" in mail.subject
    assert "&lt;b&gt;Eve&lt;/b&gt;" in mail.body_html
    assert "<b>Eve</b>" not in mail.body_html
    assert len(outbox.sent) == 1
    assert outbox.sent[0]["To"] == "new.person@example.test"
    assert outbox.sent[0]["List-Unsubscribe"] is None  # only digests have one


async def test_an_access_request_is_mailed_to_the_merchant_owner_only(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    await request_access(gql, world, MERCHANT)
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    # Not the merchant's staff, not the partner asking.
    assert [(email, m.kind) for email, m in made] == [(MERCHANT, MailKind.ACCESS_REQUESTED)]
    mail = made[0][1]
    assert "Bluefin" in mail.subject
    assert LUMEN in mail.subject
    assert "We <3 candles & stores" in mail.body_text
    assert "We &lt;3 candles &amp; stores" in mail.body_html


async def test_an_approval_is_mailed_to_the_partners_owners_and_admins(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    access = await request_access(gql, world, "merchant@quill-ink.test")
    await reader_started(sessions)
    body = await gql("merchant@quill-ink.test", APPROVE, id=access["id"], version=access["version"])
    assert body["data"]["approveAccessRequest"]["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    # Bluefin's owner; not its specialist, not Northwind, not the merchant.
    assert [(email, m.kind) for email, m in made] == [(OUTSIDER, MailKind.ACCESS_APPROVED)]
    assert "Quill" in made[0][1].subject


async def test_a_revocation_leaves_the_clients_name_out(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    async with sessions() as session:
        access = await session.scalar(
            select(PartnerAccess).where(
                PartnerAccess.client_id == world.clients[LUMEN],
                PartnerAccess.partner_id == world.partners["northwind-digital"],
                PartnerAccess.status == AccessStatus.ACTIVE,
            )
        )
    assert access is not None
    body = await gql(MERCHANT, REVOKE, id=gid("PartnerAccess", access.id), version=access.version)
    assert body["data"]["revokePartnerAccess"]["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    assert sorted(email for email, _ in made) == [ADMIN, OWNER]
    for _, mail in made:
        assert mail.kind == MailKind.ACCESS_REVOKED
        # They no longer see the client: its name is in no part of the mail.
        for part in (mail.subject, mail.body_text, mail.body_html):
            assert LUMEN not in part


async def test_an_approval_revoked_before_its_mail_is_made_says_nothing_of_the_client(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    access = await request_access(gql, world, "merchant@quill-ink.test")
    await reader_started(sessions)
    approved = await gql(
        "merchant@quill-ink.test", APPROVE, id=access["id"], version=access["version"]
    )
    after = approved["data"]["approveAccessRequest"]["access"]
    revoked = await gql("merchant@quill-ink.test", REVOKE, id=after["id"], version=after["version"])
    assert revoked["data"]["revokePartnerAccess"]["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    # The approval would name a client Bluefin may no longer read: not made.
    assert [(email, m.kind) for email, m in made] == [(OUTSIDER, MailKind.ACCESS_REVOKED)]
    assert "Quill" not in made[0][1].body_text


async def test_a_handover_is_mailed_to_the_merchant(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    body = await gql(
        "merchant@tidal-threads.test",
        "mutation($id: ID!) { handOverClient(input: {clientId: $id, keepAccess: NONE}) "
        "{ userErrors { code } } }",
        id=gid("Client", world.clients["Tidal Threads"]),
    )
    assert body["data"]["handOverClient"]["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    assert [(email, m.kind) for email, m in made] == [
        ("merchant@tidal-threads.test", MailKind.HANDOVER)
    ]
    assert "Tidal Threads" in made[0][1].subject


async def issue_an_invoice(gql: GraphQL, world: World, issuer: str = OWNER) -> dict[str, Any]:
    created = await gql(OWNER, CREATE_INVOICE, clientId=gid("Client", world.clients[LUMEN]))
    invoice = created["data"]["createInvoice"]["invoice"]
    body = await gql(issuer, ISSUE_INVOICE, id=invoice["id"], version=invoice["version"])
    payload: dict[str, Any] = body["data"]["issueInvoice"]
    return payload


async def test_an_issued_invoice_is_mailed_to_the_merchant_owner(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    issued = await issue_an_invoice(gql, world)
    assert issued["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    assert [(email, m.kind) for email, m in made] == [(MERCHANT, MailKind.INVOICE_ISSUED)]
    mail = made[0][1]
    assert f"Invoice {issued['invoice']['number']} from Northwind Digital" == mail.subject
    assert "100.00 USD" in mail.body_text


async def test_nothing_is_mailed_for_a_refused_mutation(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    refused = await issue_an_invoice(gql, world, issuer=OUTSIDER)
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    body = await gql(
        OUTSIDER,
        INVITE,
        partnerId=gid("Partner", world.partners["northwind-digital"]),
        address="sneaky@example.test",
    )
    assert body["data"]["inviteMember"]["userErrors"]
    await run_jobs_twice(sessions, Outbox())
    assert await mails(sessions) == []


async def test_a_kind_turned_off_is_not_mailed(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    body = await gql(MERCHANT, PREFERENCES, kinds=["ACCESS_REQUESTED", "HANDOVER"])
    prefs = body["data"]["updateNotificationPreferences"]
    assert prefs == {
        "preferences": {"kinds": ["ACCESS_REQUESTED", "HANDOVER"], "dailyDigest": False},
        "userErrors": [],
    }
    await reader_started(sessions)
    assert (await issue_an_invoice(gql, world))["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())
    assert await mails(sessions) == []


async def test_a_failed_send_is_retried_with_backoff_then_given_up(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    await request_access(gql, world, MERCHANT)
    outbox = Outbox(failing=True)
    settings = MailSettings(secret=SETTINGS.secret, settle=timedelta(0), max_attempts=3)
    now = utcnow() + timedelta(minutes=1)
    assert await send_pending_mail(sessions, settings, now, transport=outbox) == 1
    (_, mail), *_ = await mails(sessions)
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
    assert mail.next_attempt_at == now + settings.first_retry
    assert mail.last_error is not None
    assert "down" in mail.last_error
    # Not due yet: nothing is tried.
    assert await send_due_mail(sessions, settings, now, transport=outbox) == 0
    now += timedelta(minutes=1)
    assert await send_due_mail(sessions, settings, now, transport=outbox) == 1
    (_, mail), *_ = await mails(sessions)
    assert mail.next_attempt_at == now + 2 * settings.first_retry
    now += timedelta(minutes=2)
    assert await send_due_mail(sessions, settings, now, transport=outbox) == 1
    (_, mail), *_ = await mails(sessions)
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 3)
    assert await send_due_mail(sessions, settings, now + timedelta(days=1), transport=outbox) == 0
    assert outbox.sent == []


async def test_a_retry_that_succeeds_sends_once(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    await request_access(gql, world, MERCHANT)
    outbox = Outbox(failing=True)
    now = utcnow() + timedelta(minutes=1)
    await send_pending_mail(sessions, SETTINGS, now, transport=outbox)
    outbox.failing = False
    later = now + timedelta(hours=1)
    await send_due_mail(sessions, SETTINGS, later, transport=outbox)
    await send_due_mail(sessions, SETTINGS, later, transport=outbox)
    (_, mail), *_ = await mails(sessions)
    assert (mail.status, mail.attempts, mail.sent_at) == (MailStatus.SENT, 2, later)
    assert len(outbox.sent) == 1


@pytest.mark.parametrize("runs", [1, 3])
async def test_events_young_enough_to_have_uncommitted_neighbours_are_read_again_not_mailed_again(
    runs: int, gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    await request_access(gql, world, MERCHANT)
    patient = MailSettings(secret=SETTINGS.secret, settle=timedelta(hours=1))
    for _ in range(runs):
        await make_event_mails(sessions, patient)
    assert len(await mails(sessions)) == 1


async def test_a_merchant_staff_invitation_names_the_business(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await reader_started(sessions)
    body = await gql(
        MERCHANT,
        "mutation($id: ID!) { inviteMerchantStaff(input: {clientId: $id, "
        'email: "till@example.test", name: "Till"}) { userErrors { code } } }',
        id=gid("Client", world.clients[LUMEN]),
    )
    assert body["data"]["inviteMerchantStaff"]["userErrors"] == []
    await run_jobs_twice(sessions, Outbox())

    made = await mails(sessions)
    assert [(email, m.kind) for email, m in made] == [("till@example.test", MailKind.INVITATION)]
    assert made[0][1].subject == f"You are invited to join {LUMEN} on ShopIQ"
    assert "store of Lumen Candles" in made[0][1].body_text
