"""`shopiq mail`: the development mailbox (var/mail/, where mails go when no SMTP is
configured). `shopiq mail` lists the mails newest first (number, time, recipient, subject);
`shopiq mail show N` prints the Nth; `shopiq mail send` makes and sends the due mails once (the
background jobs do it every few seconds)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, cast

from db.engine import create_engine, create_session_factory
from resolvers.notifications import send_daily_digests, send_pending_mail
from server.mail_config import mail_settings
from server.settings import Settings


@dataclass(frozen=True, slots=True)
class Letter:
    path: Path
    message: EmailMessage

    @property
    def sent_at(self) -> datetime | None:
        value = self.message["Date"]
        try:
            return parsedate_to_datetime(str(value)) if value else None
        except (TypeError, ValueError):
            return None


def mailbox(directory: Path) -> list[Letter]:
    """The .eml files of `directory`, newest first (by file name: their time and mail id)."""
    if not directory.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    found = []
    for path in sorted(directory.glob("*.eml"), key=lambda p: p.name, reverse=True):
        with path.open("rb") as handle:
            found.append(Letter(path, parser.parse(handle)))
    return found


def _line(number: int, letter: Letter) -> str:
    at = letter.sent_at
    when = at.strftime("%Y-%m-%d %H:%M") if at else "?"
    return f"{number:>4}  {when}  {letter.message['To']!s:32}  {letter.message['Subject']!s}"


def cmd_mail(settings: Settings, args: argparse.Namespace) -> int:
    directory = mail_settings(settings).mailbox
    action = getattr(args, "mail_command", None) or "list"
    if action == "send":
        return _send(settings)
    letters = mailbox(directory)
    if action == "show":
        if not 1 <= args.number <= len(letters):
            print(f"no mail number {args.number} ({len(letters)} in {directory})", file=sys.stderr)
            return 1
        sys.stdout.write(_shown(letters[args.number - 1]))
        return 0
    if not letters:
        print(f"no mail in {directory}", file=sys.stderr)
        return 0
    for number, letter in enumerate(letters, start=1):
        print(_line(number, letter))
    return 0


def _shown(letter: Letter) -> str:
    message = letter.message
    head = "".join(
        f"{name}: {message[name]}\n"
        for name in ("Date", "From", "To", "Subject", "List-Unsubscribe")
        if message[name] is not None
    )
    body = message.get_body(preferencelist=("plain",))
    text = cast(Any, body).get_content() if body is not None else ""
    return f"{head}\n{text}"


def _send(settings: Settings) -> int:
    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            sessions = create_session_factory(engine)
            mail = mail_settings(settings)
            await send_daily_digests(sessions, mail)
            return await send_pending_mail(sessions, mail)
        finally:
            await engine.dispose()

    attempts = asyncio.run(run())
    print(f"{attempts} mail(s) attempted", file=sys.stderr)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mail = sub.add_parser("mail", help="list the development mailbox (var/mail/), or show one")
    mail_sub = mail.add_subparsers(dest="mail_command")
    mail_sub.add_parser("list", help="the mails, newest first (the default)")
    show = mail_sub.add_parser("show", help="print mail number N of the list")
    show.add_argument("number", type=int)
    mail_sub.add_parser("send", help="make and send the due mails once")
    mail.set_defaults(handler=cmd_mail)
