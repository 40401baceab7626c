"""How a mail leaves: over SMTP (aiosmtplib) when one is configured, else written as an .eml file
to the development mailbox (var/mail/, listed by `shopiq mail`). `message_of` builds the
MIME message of a stored mail: plain text with an HTML alternative, and for a digest the
one-click unsubscribe headers of RFC 8058."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib

from db.notifications import SentMail

__all__ = [
    "MailSettings",
    "MailboxTransport",
    "SmtpTransport",
    "Transport",
    "message_of",
    "transport_for",
]


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where mails go and what they link to (server/mail_config.py reads it from SHOPIQ_*)."""

    # Signs the unsubscribe links (derived from the server's secret, never sent).
    secret: str
    # The public address of this server: the unsubscribe links point at it.
    public_url: str = "http://127.0.0.1:8000"
    sender: str = "ShopIQ <no-reply@shopiq.test>"
    # SMTP; without a host, mails are written to `mailbox`.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    # STARTTLS required (True), or TLS from the first byte (`implicit_tls`, smtps on 465).
    starttls: bool = True
    implicit_tls: bool = False
    timeout_seconds: float = 30.0
    mailbox: Path = Path("var/mail")
    # Retries: doubling from `first_retry`, capped at `longest_retry`; failed after
    # `max_attempts` attempts.
    max_attempts: int = 8
    first_retry: timedelta = timedelta(minutes=1)
    longest_retry: timedelta = timedelta(hours=6)
    # The digest of a day is made from this hour (UTC) on.
    digest_hour: int = 7
    # A mail event younger than this may have a lower-numbered neighbour still uncommitted:
    # it is looked at again next time (its mails are made once).
    settle: timedelta = timedelta(seconds=30)


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hands the message on; raises when it could not."""


@dataclass(frozen=True, slots=True)
class SmtpTransport:
    settings: MailSettings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password,
            use_tls=s.implicit_tls,
            start_tls=False if s.implicit_tls else s.starttls,
            timeout=s.timeout_seconds,
        )


@dataclass(frozen=True, slots=True)
class MailboxTransport:
    """Development: each message an .eml file in `directory`, named by its time and id."""

    directory: Path

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{message['X-ShopIQ-Stamp']}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(bytes(message))
        os.replace(partial, self.directory / name)  # a reader never sees half a file


def transport_for(settings: MailSettings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return MailboxTransport(settings.mailbox)


def message_of(mail: SentMail, settings: MailSettings, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    domain = settings.sender.rpartition("@")[2].strip(" >") or "shopiq.test"
    message["Message-ID"] = make_msgid(f"mail{mail.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-ShopIQ-Stamp"] = f"{now:%Y%m%dT%H%M%S}-{mail.id:08d}"
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message
