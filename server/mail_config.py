"""The mail settings from the environment. SMTP is configured by one URL,
SHOPIQ_SMTP_URL=smtp://user:password@host:587 (STARTTLS required) or smtps://...:465 (TLS from
the first byte), or by SHOPIQ_SMTP_HOST, SHOPIQ_SMTP_PORT, SHOPIQ_SMTP_USER,
SHOPIQ_SMTP_PASSWORD and SHOPIQ_SMTP_STARTTLS (default on). SHOPIQ_MAIL_FROM is the sender,
SHOPIQ_PUBLIC_URL the address the unsubscribe links point at. Without SMTP, mails are written
to <var dir>/mail/ (the development mailbox, `shopiq mail`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from resolvers.notifications_transport import MailSettings
from server.settings import Settings, SettingsError

DEFAULT_SENDER = "ShopIQ <no-reply@shopiq.test>"


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false")


def _port(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"{name} must be a port number")
    return int(value)


def mail_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> MailSettings:
    environ = os.environ if environ is None else environ
    base = MailSettings(
        secret=settings.jwt_secret,
        public_url=environ.get("SHOPIQ_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000",
        sender=environ.get("SHOPIQ_MAIL_FROM", "").strip() or DEFAULT_SENDER,
        mailbox=settings.var_dir / "mail",
    )
    url = environ.get("SHOPIQ_SMTP_URL", "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SettingsError("SHOPIQ_SMTP_URL must be smtp://[user:password@]host[:port]")
        implicit = parts.scheme == "smtps"
        try:
            port = parts.port
        except ValueError:
            raise SettingsError("SHOPIQ_SMTP_URL has no valid port") from None
        return replace(
            base,
            smtp_host=parts.hostname,
            smtp_port=port or (465 if implicit else 587),
            smtp_user=unquote(parts.username) if parts.username else None,
            smtp_password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=not implicit,
        )
    host = environ.get("SHOPIQ_SMTP_HOST", "").strip()
    if not host:
        return base
    port_text = environ.get("SHOPIQ_SMTP_PORT", "").strip()
    starttls = environ.get("SHOPIQ_SMTP_STARTTLS", "").strip()
    return replace(
        base,
        smtp_host=host,
        smtp_port=_port(port_text, "SHOPIQ_SMTP_PORT") if port_text else 587,
        smtp_user=environ.get("SHOPIQ_SMTP_USER", "").strip() or None,
        smtp_password=environ.get("SHOPIQ_SMTP_PASSWORD") or None,
        starttls=_flag(starttls, "SHOPIQ_SMTP_STARTTLS") if starttls else True,
    )
