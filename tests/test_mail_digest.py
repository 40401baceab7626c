"""The daily digest of overdue tasks: only for partner members who turned it on, only the tasks
each may read, once per user per day (an injected clock), and its one-click unsubscribe link:
valid, tampered, or another user's."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import AuditEvent
from db.enums import AccessStatus, TaskStatus
from db.models import Assignment, PartnerAccess, Task, User
from db.notifications import MailKind, NotificationPreference, SentMail
from resolvers.notification_preferences import (
    read_unsubscribe_token,
    unsubscribe_token,
)
from resolvers.notifications import send_daily_digests
from resolvers.notifications_transport import MailSettings, message_of
from tests.conftest import TEST_SECRET, GraphQL, World

OWNER = "owner@northwind.test"
ADMIN = "admin@northwind.test"
SPECIALIST = "specialist@northwind.test"
MERCHANT = "merchant@lumen-candles.test"
# The app's secret: the links the digest carries are the ones the app answers.
SETTINGS = MailSettings(secret=TEST_SECRET, public_url="https://shopiq.example")
DAY = date(2031, 3, 14)
MORNING = datetime.combine(DAY, time(9), UTC)
DIGEST_ON = """
mutation { updateNotificationPreferences(input: {dailyDigest: true}) {
  preferences { dailyDigest } userErrors { code } } }"""


async def overdue(
    sessions: async_sessionmaker[AsyncSession], world: World, client: str, partner: str, title: str
) -> None:
    """One open task of `partner` at `client` becomes overdue on DAY, titled `title`."""
    async with sessions.begin() as session:
        task_id = await session.scalar(
            select(Task.id)
            .where(
                Task.client_id == world.clients[client],
                Task.partner_id == world.partners[partner],
                Task.status != TaskStatus.DONE,
            )
            .order_by(Task.id)
            .limit(1)
        )
        assert task_id is not None
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(title=title, due_date=DAY - timedelta(days=3))
        )


async def unassigned_northwind_client(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> str:
    """A client Northwind serves that its specialist is not assigned to."""
    names = {v: k for k, v in world.clients.items()}
    async with sessions() as session:
        served = set(
            await session.scalars(
                select(PartnerAccess.client_id).where(
                    PartnerAccess.partner_id == world.partners["northwind-digital"],
                    PartnerAccess.status == AccessStatus.ACTIVE,
                )
            )
        )
        seated = set(
            await session.scalars(
                select(Assignment.client_id).where(
                    Assignment.member_id == world.members[SPECIALIST]
                )
            )
        )
        open_tasks = set(
            await session.scalars(select(Task.client_id).where(Task.status != TaskStatus.DONE))
        )
    return names[min((served - seated) & open_tasks)]


async def digests(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[SentMail]]:
    async with sessions() as session:
        rows = await session.execute(
            select(User.email, SentMail)
            .join(User, User.id == SentMail.user_id)
            .where(SentMail.kind == MailKind.DAILY_DIGEST)
            .order_by(SentMail.id)
        )
        found: dict[str, list[SentMail]] = {}
        for email, mail in rows:
            found.setdefault(email, []).append(mail)
        return found


async def opted_in(gql: GraphQL, *emails: str) -> None:
    for email in emails:
        body = await gql(email, DIGEST_ON)
        assert body["data"]["updateNotificationPreferences"]["userErrors"] == []


async def test_a_digest_lists_only_what_each_opted_in_member_may_read(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    other = await unassigned_northwind_client(sessions, world)
    await overdue(sessions, world, "Lumen Candles", "northwind-digital", "Lumen <i>late</i> one")
    await overdue(sessions, world, other, "northwind-digital", "Unassigned late one")
    await overdue(sessions, world, "Bramble Knitwear", "bluefin-studio", "Bluefin late one")
    await opted_in(gql, OWNER, SPECIALIST, MERCHANT, "owner@bluefin.test")

    made = await send_daily_digests(sessions, SETTINGS, MORNING)
    found = await digests(sessions)
    assert len(made) == 3
    # The admin did not opt in; the merchant is no partner member.
    assert sorted(found) == sorted([OWNER, "owner@bluefin.test", SPECIALIST])
    owner = found[OWNER][0].body_text
    assert "Lumen <i>late</i> one" in owner
    assert "Unassigned late one" in owner
    assert "Lumen &lt;i&gt;late&lt;/i&gt; one" in found[OWNER][0].body_html
    assert "Bluefin late one" not in owner
    specialist = found[SPECIALIST][0].body_text
    assert "Lumen <i>late</i> one" in specialist
    assert "Unassigned late one" not in specialist
    assert other not in specialist
    bluefin = found["owner@bluefin.test"][0].body_text
    assert "Bluefin late one" in bluefin
    assert "Lumen" not in bluefin


async def test_a_digest_is_made_once_a_day_from_its_hour(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await overdue(sessions, world, "Lumen Candles", "northwind-digital", "Late")
    await opted_in(gql, OWNER)
    assert await send_daily_digests(sessions, SETTINGS, MORNING.replace(hour=6)) == []
    assert len(await send_daily_digests(sessions, SETTINGS, MORNING)) == 1
    assert await send_daily_digests(sessions, SETTINGS, MORNING + timedelta(hours=8)) == []
    assert len(await send_daily_digests(sessions, SETTINGS, MORNING + timedelta(days=1))) == 1
    assert [m.key for m in (await digests(sessions))[OWNER]] == [
        "digest:2031-03-14",
        "digest:2031-03-15",
    ]


async def test_no_digest_without_overdue_tasks(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await opted_in(gql, OWNER)
    # Long before anything of the demo falls due.
    assert await send_daily_digests(sessions, SETTINGS, datetime(2001, 1, 1, 9, tzinfo=UTC)) == []


async def test_the_digest_carries_the_one_click_unsubscribe_headers(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await overdue(sessions, world, "Lumen Candles", "northwind-digital", "Late")
    await opted_in(gql, OWNER)
    await send_daily_digests(sessions, SETTINGS, MORNING)
    mail = (await digests(sessions))[OWNER][0]
    token = unsubscribe_token(TEST_SECRET, world.users[OWNER])
    assert mail.unsubscribe_url == f"https://shopiq.example/unsubscribe/{token}"
    message = message_of(mail, SETTINGS, MORNING)
    assert message["List-Unsubscribe"] == f"<{mail.unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.unsubscribe_url in mail.body_text


async def digest_on(sessions: async_sessionmaker[AsyncSession], user_id: int) -> bool:
    async with sessions() as session:
        found = await session.scalar(
            select(NotificationPreference.daily_digest).where(
                NotificationPreference.user_id == user_id
            )
        )
        return bool(found)


async def test_one_click_unsubscribe_turns_the_digest_off_without_signing_in(
    gql: GraphQL, http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await opted_in(gql, OWNER)
    owner = world.users[OWNER]
    path = f"/unsubscribe/{unsubscribe_token(TEST_SECRET, owner)}"
    # A GET (a link scanner, a preview) only shows the page.
    shown = await http.get(path)
    assert shown.status_code == 200
    assert "<form" in shown.text
    assert await digest_on(sessions, owner)

    done = await http.post(path, content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200
    assert not await digest_on(sessions, owner)
    async with sessions() as session:
        audited = await session.scalar(
            select(AuditEvent.actor_user_id)
            .where(AuditEvent.action == "unsubscribeDigest")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    assert audited == owner
    # Once more: still off, still fine.
    assert (await http.post(path)).status_code == 200


async def test_a_tampered_or_foreign_token_changes_nothing(
    gql: GraphQL, http: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await opted_in(gql, OWNER, SPECIALIST)
    owner, specialist = world.users[OWNER], world.users[SPECIALIST]
    token = unsubscribe_token(TEST_SECRET, owner)
    user_part, _, mac = token.partition(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    attempts = [
        f"{user_part}.{flipped}",  # tampered signature
        f"{specialist}.{mac}",  # the owner's signature on another user's id
        unsubscribe_token("another-server-secret-" + "y" * 20, specialist),  # another key
        f"{specialist}",
        "0.AAAAAAAAAAAAAAAAAAAAAA",
        "1.AAAAAAAAAAAAAAAAAAAAA%",
    ]
    for bad in attempts:
        assert read_unsubscribe_token(TEST_SECRET, bad) is None
        response = await http.post(f"/unsubscribe/{bad}")
        assert response.status_code == 404, bad
        assert (await http.get(f"/unsubscribe/{bad}")).status_code == 404
    assert await digest_on(sessions, owner)
    assert await digest_on(sessions, specialist)


async def test_two_runners_at_once_make_one_digest(
    gql: GraphQL, committed_world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await overdue(sessions, committed_world, "Lumen Candles", "northwind-digital", "Late")
    await opted_in(gql, OWNER)
    runs = await asyncio.gather(
        send_daily_digests(sessions, SETTINGS, MORNING),
        send_daily_digests(sessions, SETTINGS, MORNING),
    )
    assert sorted(len(made) for made in runs) == [0, 1]
    assert len((await digests(sessions))[OWNER]) == 1
