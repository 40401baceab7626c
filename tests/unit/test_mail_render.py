"""Every kind of mail renders as plain text and HTML; names the mail quotes arrive as text (HTML
escaped, the subject on one line), whatever their authors typed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.notifications import MailKind
from resolvers.notifications_render import render

HOSTILE = '<script>alert("x")</script> & Co\r\nBcc: victim@example.test'

VALUES: dict[MailKind, dict[str, Any]] = {
    MailKind.INVITATION: {"team_name": HOSTILE, "role_label": "an admin", "for_client": False},
    MailKind.ACCESS_REQUESTED: {
        "partner_name": HOSTILE,
        "client_name": "Lumen Candles",
        "scope_label": "full",
        "message": "<b>hello</b>",
    },
    MailKind.ACCESS_APPROVED: {
        "partner_name": "Bluefin",
        "client_name": HOSTILE,
        "scope_label": "support",
        "expires_at": None,
    },
    MailKind.ACCESS_REVOKED: {
        "partner_name": HOSTILE,
        "scope_label": "full",
        "access_ref": "requested 2026-11-01",
    },
    MailKind.HANDOVER: {"client_name": HOSTILE, "partner_name": "Northwind"},
    MailKind.INVOICE_ISSUED: {
        "client_name": "Lumen Candles",
        "partner_name": HOSTILE,
        "number": 7,
        "total": "100.00 USD",
        "issue_date": date(2026, 11, 28),
        "due_date": date(2026, 12, 12),
    },
    MailKind.DAILY_DIGEST: {
        "day": date(2026, 11, 28),
        "total": 3,
        "shown": 1,
        "groups": [
            {
                "client_name": HOSTILE,
                "tasks": [{"title": HOSTILE, "due_date": date(2026, 11, 20), "days_overdue": 8}],
            }
        ],
        "unsubscribe_url": "https://shopiq.example/unsubscribe/1.abc",
    },
}


def test_every_kind_has_sample_values() -> None:
    assert set(VALUES) == set(MailKind)


@pytest.mark.parametrize("kind", list(MailKind))
def test_a_kind_renders_as_text_and_html_with_names_as_text(kind: MailKind) -> None:
    mail = render(kind, {**VALUES[kind], "recipient_name": HOSTILE, "to_address": "a@b.test"})
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    assert mail.subject.strip()
    # The HTML carries no markup of the names: escaped, once.
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in mail.html
    assert "&amp;lt;" not in mail.html
    # The text carries them as typed.
    assert '<script>alert("x")</script> & Co' in mail.text
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")


def test_the_digest_links_its_unsubscribe_and_counts_what_it_leaves_out() -> None:
    mail = render(MailKind.DAILY_DIGEST, {**VALUES[MailKind.DAILY_DIGEST], "recipient_name": "A"})
    assert "https://shopiq.example/unsubscribe/1.abc" in mail.text
    assert 'href="https://shopiq.example/unsubscribe/1.abc"' in mail.html
    assert "and 2 more" in mail.text
    assert mail.subject == "3 overdue tasks on 2026-11-28"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_name_stays_text_in_the_html(name: str) -> None:
    mail = render(
        MailKind.HANDOVER, {"client_name": name, "partner_name": "P", "recipient_name": "R"}
    )
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    # Whatever the name, the HTML's only tags are the template's own.
    assert mail.html.count("<strong>") == 1
    assert mail.html.count("<script") == 0
