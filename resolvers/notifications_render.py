"""The mails' words: one plain-text and one HTML template per kind in resolvers/mail_templates/
(jinja2; the HTML ones autoescaped, so a name like `<script>` arrives as text), and the subject
lines. Rendering never touches the database: the caller hands in only what the recipient may
read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from db.notifications import MailKind

TEMPLATES = Path(__file__).parent / "mail_templates"
SUBJECT_LIMIT = 300

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

SUBJECTS: dict[MailKind, str] = {
    MailKind.INVITATION: "You are invited to join {{ team_name }} on ShopIQ",
    MailKind.ACCESS_REQUESTED: "{{ partner_name }} asks for access to {{ client_name }}",
    MailKind.ACCESS_APPROVED: "{{ client_name }} approved your access",
    MailKind.ACCESS_REVOKED: "Your access to a client was revoked",
    MailKind.HANDOVER: "{{ client_name }} is handed over to you",
    MailKind.INVOICE_ISSUED: "Invoice {{ number }} from {{ partner_name }}",
    MailKind.DAILY_DIGEST: "{{ total }} overdue task{{ 's' if total != 1 }} on {{ day }}",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def one_line(value: str, limit: int = SUBJECT_LIMIT) -> str:
    """A header value: whitespace (line breaks included) collapsed, at most `limit` characters."""
    return " ".join(value.split())[:limit]


def render(kind: MailKind, values: Mapping[str, Any]) -> Rendered:
    """The subject, text and HTML of a mail of `kind` saying `values`."""
    subject = one_line(_env.from_string(SUBJECTS[kind]).render(values))
    context = {**values, "subject": subject}
    text = _env.get_template(f"{kind.value}.txt").render(context)
    html = _env.get_template(f"{kind.value}.html").render(context)
    return Rendered(subject=subject, text=text, html=html)
