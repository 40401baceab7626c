"""The background jobs' runner: every few seconds, new outbox events become webhook deliveries
and the due deliveries are attempted (resolvers/webhook_dispatch.py), and, given mail settings,
new events become mails, the day's digests are made and the due mails sent
(resolvers/notifications.py). `shopiq worker` runs it
as its own process (any number of them: each attempt is claimed before it is made); on the
SQLite default the serving process runs it as an asyncio task (`Settings.in_process_jobs`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.notifications import send_daily_digests, send_pending_mail
from resolvers.notifications_transport import MailSettings
from resolvers.webhook_dispatch import DispatchSettings, run_due

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


async def run_jobs(
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    settings: DispatchSettings | None = None,
    poll_seconds: float = POLL_SECONDS,
    mail: MailSettings | None = None,
) -> None:
    """Polls until `stop` is set. A failing round is logged and the next one runs."""
    settings = settings or DispatchSettings()
    async with httpx.AsyncClient() as client:
        while not stop.is_set():
            try:
                await run_due(sessions, client, settings)
            except Exception:  # a job round must not end the runner
                log.exception("Background job round failed; retrying")
            if mail is not None:
                try:
                    await send_daily_digests(sessions, mail)
                    await send_pending_mail(sessions, mail)
                except Exception:  # a job round must not end the runner
                    log.exception("Mail job round failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
