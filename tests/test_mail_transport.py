"""How mails leave: over SMTP to a real server on loopback (aiosmtpd), or, without SMTP, into
the development mailbox that `shopiq mail` lists; and the SMTP settings from the environment."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.notifications import MailStatus, SentMail
from resolvers.notifications import make_event_mails, send_pending_mail
from resolvers.notifications_transport import MailboxTransport, MailSettings, SmtpTransport
from server import mail_cli
from server.mail_config import mail_settings
from server.settings import Settings, SettingsError
from server.worker import run_jobs
from tests.conftest import GraphQL, World
from tests.helpers import gid

OUTSIDER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
REQUEST = """
mutation($partnerId: ID!) {
  requestClientAccess(input: {partnerId: $partnerId,
                              merchantEmail: "merchant@lumen-candles.test"}) {
    userErrors { code }
  }
}"""


@dataclass
class Handler:
    """What the SMTP server received: (sender, recipients, message)."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802  (aiosmtpd's hook name)
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[Handler, int]]:
    handler = Handler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, loop=loop), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield handler, port
    finally:
        server.close()
        await server.wait_closed()


async def an_access_request(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], settings: MailSettings
) -> None:
    assert await make_event_mails(sessions, settings) == []  # the reader is running
    body = await gql(OUTSIDER, REQUEST, partnerId=gid("Partner", world.partners["bluefin-studio"]))
    assert body["data"]["requestClientAccess"]["userErrors"] == []


async def test_a_mail_is_sent_over_smtp_to_a_real_server(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: tuple[Handler, int],
) -> None:
    handler, port = smtp_server
    settings = MailSettings(
        secret="s" * 40,
        sender="ShopIQ <mail@shopiq.example>",
        smtp_host="127.0.0.1",
        smtp_port=port,
        starttls=False,  # a loopback test server without TLS
        settle=timedelta(0),
    )
    await an_access_request(gql, world, sessions, settings)
    later = utcnow() + timedelta(minutes=1)
    assert await send_pending_mail(sessions, settings, later) == 1
    assert await send_pending_mail(sessions, settings, later) == 0

    assert len(handler.received) == 1
    sender, recipients, message = handler.received[0]
    assert (sender, recipients) == ("mail@shopiq.example", [MERCHANT])
    assert message["To"] == MERCHANT
    assert message["Subject"] == "Bluefin Studio asks for access to Lumen Candles"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert "Bluefin Studio" in plain.get_content()
    assert html is not None
    assert "<strong>Bluefin Studio</strong>" in html.get_content()
    async with sessions() as session:
        mail = await session.scalar(select(SentMail))
    assert mail is not None
    assert mail.status == MailStatus.SENT


async def test_an_smtp_server_that_is_down_is_retried(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # A port that was just free: nothing listens on it.
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    settings = MailSettings(
        secret="s" * 40,
        smtp_host="127.0.0.1",
        smtp_port=port,
        starttls=False,
        timeout_seconds=5,
        settle=timedelta(0),
    )
    await an_access_request(gql, world, sessions, settings)
    now = utcnow() + timedelta(minutes=1)
    assert await send_pending_mail(sessions, settings, now) == 1
    async with sessions() as session:
        mail = await session.scalar(select(SentMail))
    assert mail is not None
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
    assert mail.next_attempt_at == now + settings.first_retry
    assert mail.last_error


async def test_without_smtp_mails_go_to_the_mailbox_that_shopiq_mail_lists(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    local = replace(settings, var_dir=tmp_path)
    mail = replace(mail_settings(local, environ={}), settle=timedelta(0))
    assert mail.smtp_host is None
    assert mail.mailbox == tmp_path / "mail"
    await an_access_request(gql, world, sessions, mail)
    await send_pending_mail(sessions, mail, utcnow() + timedelta(minutes=1))
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    # And one more, later, which lists first.
    await MailboxTransport(tmp_path / "mail").send(_note("Later mail"))

    assert mail_cli.cmd_mail(local, argparse.Namespace(mail_command=None)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "1"
    assert "Later mail" in lines[0]
    assert MERCHANT in lines[1]
    assert "Bluefin Studio asks for access" in lines[1]

    shown = argparse.Namespace(mail_command="show", number=2)
    assert mail_cli.cmd_mail(local, shown) == 0
    out = capsys.readouterr().out
    assert f"To: {MERCHANT}" in out
    assert "Bluefin Studio asks for" in out
    assert mail_cli.cmd_mail(local, argparse.Namespace(mail_command="show", number=3)) == 1


def _note(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = "someone@example.test"
    message["Subject"] = subject
    message["Date"] = "Sat, 01 Jan 2039 10:00:00 +0000"
    message["X-ShopIQ-Stamp"] = "20390101T100000-99999999"
    message.set_content("hello")
    return message


def test_an_empty_mailbox_is_said_so(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = replace(settings, var_dir=tmp_path)
    assert mail_cli.cmd_mail(local, argparse.Namespace(mail_command=None)) == 0
    assert "no mail" in capsys.readouterr().err


def base(tmp_path: Path) -> Settings:
    return Settings(
        env="development", database_url="sqlite+aiosqlite://", jwt_secret="j" * 40, var_dir=tmp_path
    )


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, (None, 587, None, None, True, False)),
        (
            {"SHOPIQ_SMTP_URL": "smtp://ann%40x:p%3Ass@mail.example:2525"},
            ("mail.example", 2525, "ann@x", "p:ss", True, False),
        ),
        (
            {"SHOPIQ_SMTP_URL": "smtps://mail.example"},
            ("mail.example", 465, None, None, False, True),
        ),
        (
            {
                "SHOPIQ_SMTP_HOST": "relay.example",
                "SHOPIQ_SMTP_PORT": "25",
                "SHOPIQ_SMTP_USER": "u",
                "SHOPIQ_SMTP_PASSWORD": "pw",
                "SHOPIQ_SMTP_STARTTLS": "0",
            },
            ("relay.example", 25, "u", "pw", False, False),
        ),
    ],
)
def test_smtp_settings_from_the_environment(
    environ: dict[str, str], expected: tuple[Any, ...], tmp_path: Path
) -> None:
    found = mail_settings(base(tmp_path), environ)
    assert (
        found.smtp_host,
        found.smtp_port,
        found.smtp_user,
        found.smtp_password,
        found.starttls,
        found.implicit_tls,
    ) == expected
    assert "pw" not in repr(found)
    assert "p:ss" not in repr(found)


@pytest.mark.parametrize(
    "environ",
    [
        {"SHOPIQ_SMTP_URL": "http://mail.example"},
        {"SHOPIQ_SMTP_URL": "smtp://mail.example:99999"},
        {"SHOPIQ_SMTP_HOST": "h", "SHOPIQ_SMTP_PORT": "abc"},
        {"SHOPIQ_SMTP_HOST": "h", "SHOPIQ_SMTP_STARTTLS": "maybe"},
    ],
)
def test_bad_smtp_settings_are_refused(environ: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        mail_settings(base(tmp_path), environ)


def test_the_transport_follows_the_settings(tmp_path: Path) -> None:
    from resolvers.notifications_transport import transport_for

    assert isinstance(transport_for(MailSettings(secret="s", mailbox=tmp_path)), MailboxTransport)
    smtp = transport_for(MailSettings(secret="s", smtp_host="mail.example"))
    assert isinstance(smtp, SmtpTransport)


async def test_the_background_runner_sends_mail(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tmp_path: Path,
) -> None:
    mail = mail_settings(replace(settings, var_dir=tmp_path), environ={})
    await an_access_request(gql, world, sessions, mail)
    stop = asyncio.Event()
    runner = asyncio.create_task(run_jobs(sessions, stop, poll_seconds=0.05, mail=mail))
    try:
        for _ in range(1200):  # until the first round has run (at most a minute)
            if list((tmp_path / "mail").glob("*.eml")):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await runner
    (path,) = (tmp_path / "mail").glob("*.eml")
    assert f"To: {MERCHANT}" in path.read_text()
