"""Email notifications, as job functions: `send_pending_mail` turns new outbox events into mails
(a named outbox reader, "mail") and sends the due ones; `send_daily_digests` makes each opted-in
partner member's digest of overdue tasks once a day. Both are idempotent: a mail exists once per
(user, event) or (user, day), and a send attempt is claimed by a compare-and-set on its row
before it is made, so a job run twice (or by two workers) mails nobody twice.

Who gets what: each recipient is loaded as a viewer (policies/viewer.py) and everything a mail
says is read through the read policy with that viewer, as their own request would read it; a
mail whose subject the recipient may not read is not made. Nothing is mailed for a refused or
rolled-back mutation: its events never reached the outbox."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import utcnow
from db.enums import ClientUserStatus, MemberStatus, MerchantRole, TaskStatus, UserStatus
from db.events import OutboxEvent
from db.models import Client, ClientUser, Partner, PartnerAccess, PartnerMember, Task, User
from db.money import Invoice
from db.notifications import MailKind, MailStatus, NotificationPreference, SentMail
from db.webhooks import OutboxCursor
from policies import Authorizer, Viewer, build_authorizer, load_viewer
from resolvers.money import Money
from resolvers.notification_preferences import preferences_of, unsubscribe_url
from resolvers.notifications_render import render
from resolvers.notifications_transport import MailSettings, Transport, message_of, transport_for

__all__ = [
    "CURSOR",
    "EVENT_KINDS",
    "make_event_mails",
    "send_daily_digests",
    "send_due_mail",
    "send_pending_mail",
]

log = logging.getLogger(__name__)
CURSOR = "mail"
# Outbox event type -> the kind of mail it makes.
EVENT_KINDS: dict[str, MailKind] = {
    "member.invited": MailKind.INVITATION,
    "merchant_staff.invited": MailKind.INVITATION,
    "access.requested": MailKind.ACCESS_REQUESTED,
    "access.approved": MailKind.ACCESS_APPROVED,
    "access.revoked": MailKind.ACCESS_REVOKED,
    "client.handed_over": MailKind.HANDOVER,
    "invoice.issued": MailKind.INVOICE_ISSUED,
}
# The most overdue tasks a digest lists (it says how many more there are).
DIGEST_TASKS = 50
ROLE_LABELS = {
    "owner": "an owner",
    "admin": "an admin",
    "manager": "a manager",
    "specialist": "a specialist",
    "merchant_staff": "a member of staff",
    "merchant_owner": "an owner",
}
SCOPE_LABELS = {"full": "full", "implementation": "implementation", "support": "support"}


@functools.cache
def _authorizer() -> Authorizer:
    return build_authorizer()


@dataclass(frozen=True, slots=True)
class _Mail:
    user_id: int
    to_address: str
    kind: MailKind
    values: dict[str, Any]


# --- Who may get a mail about an event ----------------------------------------------------


async def _merchant_owners(session: AsyncSession, client_id: int) -> list[int]:
    rows = await session.scalars(
        select(ClientUser.user_id)
        .where(
            ClientUser.client_id == client_id,
            ClientUser.role == MerchantRole.MERCHANT_OWNER,
            ClientUser.status == ClientUserStatus.ACTIVE,
        )
        .order_by(ClientUser.user_id)
    )
    return list(rows)


async def _partner_leads(session: AsyncSession, partner_id: int) -> list[int]:
    """The partner's owners and admins."""
    rows = await session.scalars(
        select(PartnerMember.user_id)
        .where(
            PartnerMember.partner_id == partner_id,
            PartnerMember.role.in_(["owner", "admin"]),
            PartnerMember.status == MemberStatus.ACTIVE,
        )
        .order_by(PartnerMember.user_id)
    )
    return list(rows)


async def _candidates(session: AsyncSession, event: OutboxEvent) -> list[int]:
    """The users a mail about `event` is meant for (each is then checked by the policy)."""
    kind, subject = event.event_type, event.subject_id
    if kind == "member.invited":
        member = await session.get(PartnerMember, subject)
        return [member.user_id] if member is not None else []
    if kind == "merchant_staff.invited":
        seat = await session.get(ClientUser, subject)
        return [seat.user_id] if seat is not None else []
    if kind == "access.requested" and event.client_id is not None:
        return await _merchant_owners(session, event.client_id)
    if kind in ("access.approved", "access.revoked") and event.partner_id is not None:
        return await _partner_leads(session, event.partner_id)
    if kind == "client.handed_over":
        return await _merchant_owners(session, subject)
    if kind == "invoice.issued" and event.client_id is not None:
        return await _merchant_owners(session, event.client_id)
    return []


# --- What the mail may say: read with the recipient's own permissions ----------------------


async def _partner_name(
    session: AsyncSession, authz: Authorizer, viewer: Viewer, partner_id: int | None
) -> str | None:
    if partner_id is None:
        return None
    partner = await authz.one(session, viewer, Partner, partner_id)
    return partner.name if partner is not None else None


async def _client_name(
    session: AsyncSession, authz: Authorizer, viewer: Viewer, client_id: int | None
) -> str | None:
    if client_id is None:
        return None
    client = await authz.one(session, viewer, Client, client_id)
    return client.business_name if client is not None else None


async def _values(
    session: AsyncSession, authz: Authorizer, viewer: Viewer, event: OutboxEvent
) -> dict[str, Any] | None:
    """What a mail about `event` tells `viewer`, every part of it readable by them; None when
    the mail would say something they may not read (then there is no mail)."""
    kind, subject = event.event_type, event.subject_id
    if kind == "member.invited":
        member = await authz.one(session, viewer, PartnerMember, subject)
        partner = await _partner_name(session, authz, viewer, event.partner_id)
        if member is None or member.status != MemberStatus.INVITED or partner is None:
            return None
        return {"team_name": partner, "role_label": ROLE_LABELS[member.role], "for_client": False}
    if kind == "merchant_staff.invited":
        seat = await authz.one(session, viewer, ClientUser, subject)
        if seat is None or seat.status != ClientUserStatus.INVITED:
            return None
        # The invitee reads the business's name with the invitation (viewer.clientInvitations).
        business = await session.scalar(
            select(Client.business_name).where(Client.id == seat.client_id)
        )
        if business is None:
            return None
        return {"team_name": business, "role_label": ROLE_LABELS[seat.role], "for_client": True}
    if kind in ("access.requested", "access.approved", "access.revoked"):
        access = await authz.one(session, viewer, PartnerAccess, subject)
        partner = await _partner_name(session, authz, viewer, event.partner_id)
        if access is None or partner is None:
            return None
        values: dict[str, Any] = {
            "partner_name": partner,
            "scope_label": SCOPE_LABELS.get(access.scope, access.scope),
        }
        if kind == "access.revoked":
            # The partner no longer sees the client, its name included.
            values["access_ref"] = f"requested {access.requested_at:%Y-%m-%d}"
            return values
        client = await _client_name(session, authz, viewer, access.client_id)
        if client is None:
            return None
        values["client_name"] = client
        if kind == "access.requested":
            values["message"] = access.message
        else:
            values["expires_at"] = (
                f"{access.expires_at:%Y-%m-%d %H:%M}" if access.expires_at else None
            )
        return values
    if kind == "client.handed_over":
        client = await _client_name(session, authz, viewer, subject)
        partner = await _partner_name(session, authz, viewer, event.partner_id)
        if client is None or partner is None:
            return None
        return {"client_name": client, "partner_name": partner}
    if kind == "invoice.issued":
        invoice = await authz.one(session, viewer, Invoice, subject)
        if invoice is None or invoice.number is None:
            return None
        client = await _client_name(session, authz, viewer, invoice.client_id)
        partner = await _partner_name(session, authz, viewer, invoice.partner_id)
        if client is None or partner is None:
            return None
        return {
            "client_name": client,
            "partner_name": partner,
            "number": invoice.number,
            "total": f"{Money(invoice.total_minor, invoice.currency).amount} {invoice.currency}",
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
        }
    return None


# --- From the outbox to mails ---------------------------------------------------------------


async def _made(session: AsyncSession, event_ids: Sequence[int]) -> set[tuple[int, str]]:
    rows = await session.execute(
        select(SentMail.user_id, SentMail.key).where(SentMail.event_id.in_(event_ids))
    )
    return {(user_id, key) for user_id, key in rows}


async def _event_mails(session: AsyncSession, authz: Authorizer, event: OutboxEvent) -> list[_Mail]:
    kind = EVENT_KINDS[event.event_type]
    found: list[_Mail] = []
    for user_id in await _candidates(session, event):
        viewer = await load_viewer(session, user_id)
        if viewer is None or viewer.user_id is None:
            continue
        preferences = await preferences_of(session, user_id)
        if kind.value in preferences.muted_kinds:
            continue
        values = await _values(session, authz, viewer, event)
        if values is not None:
            found.append(_Mail(user_id, viewer.email, kind, {**values, "to_address": viewer.email}))
    return found


def _row(mail: _Mail, key: str, event_id: int | None, now: datetime, name: str) -> SentMail:
    rendered = render(mail.kind, {**mail.values, "recipient_name": name})
    return SentMail(
        user_id=mail.user_id,
        key=key,
        kind=mail.kind,
        event_id=event_id,
        to_address=mail.to_address,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        unsubscribe_url=mail.values.get("unsubscribe_url"),
        status=MailStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


async def make_event_mails(
    sessions: async_sessionmaker[AsyncSession],
    settings: MailSettings,
    *,
    now: datetime | None = None,
    batch: int = 200,
) -> list[int]:
    """Makes the mails of the outbox events not yet read by the "mail" reader. Their ids."""
    now = now or utcnow()
    authz = _authorizer()
    made: list[int] = []
    async with sessions.begin() as session:
        cursor = await session.get(OutboxCursor, CURSOR, with_for_update=True)
        if cursor is None:
            # Mail is about what happens from now on: the reader starts at the newest event
            # (no mail about last month's invitations when mail is first turned on).
            newest = await session.scalar(select(func.max(OutboxEvent.id)))
            cursor = OutboxCursor(name=CURSOR, last_event_id=newest or 0)
            session.add(cursor)
            await session.flush()
            return made
        events = list(
            await session.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.id > cursor.last_event_id,
                    OutboxEvent.event_type.in_(list(EVENT_KINDS)),
                )
                .order_by(OutboxEvent.id)
                .limit(batch)
            )
        )
        if not events:
            return made
        done = await _made(session, [e.id for e in events])
        names = {}
        for event in events:
            key = f"event:{event.id}"
            for mail in await _event_mails(session, authz, event):
                if (mail.user_id, key) in done:
                    continue
                if mail.user_id not in names:
                    names[mail.user_id] = await session.scalar(
                        select(User.name).where(User.id == mail.user_id)
                    )
                row = _row(mail, key, event.id, now, names[mail.user_id] or mail.to_address)
                session.add(row)
                await session.flush()
                done.add((mail.user_id, key))
                made.append(row.id)
        # Only past a prefix of settled events: a younger one is looked at again next time.
        last = cursor.last_event_id
        for event in events:
            if event.occurred_at > now - settings.settle:
                break
            last = event.id
        cursor.last_event_id = last
    return made


# --- The daily digest -----------------------------------------------------------------------


async def _overdue(
    session: AsyncSession, authz: Authorizer, viewer: Viewer, day: date
) -> tuple[int, list[tuple[str, Task]]]:
    """(how many, the first DIGEST_TASKS with their client's name) of the overdue tasks of the
    viewer's partners that the viewer may read."""
    partners = [m.partner_id for m in viewer.memberships]
    overdue = authz.readable(viewer, Task).where(
        Task.partner_id.in_(partners), Task.due_date < day, Task.status != TaskStatus.DONE
    )
    total = await session.scalar(select(func.count()).select_from(overdue.subquery()))
    tasks = list(
        await session.scalars(
            overdue.order_by(Task.due_date, Task.client_id, Task.id).limit(DIGEST_TASKS)
        )
    )
    clients = {t.client_id for t in tasks}
    rows = await session.execute(
        select(Client.id, Client.business_name).where(
            authz.filter(viewer, "read", Client), Client.id.in_(clients)
        )
    )
    names = {client_id: name for client_id, name in rows}
    found = [(names[t.client_id], t) for t in tasks if t.client_id in names]
    found.sort(key=lambda pair: (pair[0], pair[1].client_id))  # stable: by due date within
    return int(total or 0), found


def _digest_values(
    total: int, tasks: list[tuple[str, Task]], day: date, url: str
) -> dict[str, Any]:
    groups: list[dict[str, Any]] = []
    for name, task in tasks:
        if not groups or groups[-1]["client_name"] != name:
            groups.append({"client_name": name, "tasks": []})
        assert task.due_date is not None
        groups[-1]["tasks"].append(
            {
                "title": task.title,
                "due_date": task.due_date,
                "days_overdue": (day - task.due_date).days,
            }
        )
    return {
        "day": day,
        "total": total,
        "shown": len(tasks),
        "groups": groups,
        "unsubscribe_url": url,
    }


async def send_daily_digests(
    sessions: async_sessionmaker[AsyncSession],
    settings: MailSettings,
    now: datetime | None = None,
) -> list[int]:
    """Makes today's digest (UTC day, from `settings.digest_hour`) for each partner member who
    turned it on and has overdue tasks: each user is looked at once a day (their day is
    claimed on their preferences row first), and a digest exists once per user and day. The
    ids of the mails made (sent by `send_due_mail`)."""
    now = now or utcnow()
    if now.hour < settings.digest_hour:
        return []
    day = now.date()
    key = f"digest:{day.isoformat()}"
    authz = _authorizer()
    not_done = or_(
        NotificationPreference.digest_done_on.is_(None),
        NotificationPreference.digest_done_on < day,
    )
    async with sessions() as session:
        users = list(
            await session.scalars(
                select(NotificationPreference.user_id)
                .join(User, User.id == NotificationPreference.user_id)
                .where(
                    NotificationPreference.daily_digest.is_(True),
                    User.status == UserStatus.ACTIVE,
                    not_done,
                )
                .order_by(NotificationPreference.user_id)
            )
        )
    made: list[int] = []
    for user_id in users:
        try:
            async with sessions.begin() as session:
                claimed = await session.execute(
                    update(NotificationPreference)
                    .where(NotificationPreference.user_id == user_id, not_done)
                    .values(digest_done_on=day)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result
                    continue  # another runner has it
                viewer = await load_viewer(session, user_id)
                if viewer is None or viewer.user_id is None or not viewer.memberships:
                    continue
                total, tasks = await _overdue(session, authz, viewer, day)
                if not total:
                    continue
                url = unsubscribe_url(settings.public_url, settings.secret, user_id)
                values = {**_digest_values(total, tasks, day, url), "to_address": viewer.email}
                mail = _Mail(user_id, viewer.email, MailKind.DAILY_DIGEST, values)
                row = _row(mail, key, None, now, viewer.name)
                session.add(row)
                await session.flush()
                made.append(row.id)
        except IntegrityError:  # the day's digest exists already
            continue
    return made


# --- Sending --------------------------------------------------------------------------------


def backoff(attempt: int, settings: MailSettings) -> timedelta:
    """The wait after failed attempt number `attempt` (1, 2, ...): doubling, capped."""
    wait: timedelta = settings.first_retry * (2 ** min(attempt - 1, 30))
    return min(wait, settings.longest_retry)


async def _due(sessions: async_sessionmaker[AsyncSession], now: datetime, limit: int) -> list[int]:
    async with sessions() as session:
        rows = await session.scalars(
            select(SentMail.id)
            .where(SentMail.status == MailStatus.PENDING, SentMail.next_attempt_at <= now)
            .order_by(SentMail.next_attempt_at, SentMail.id)
            .limit(limit)
        )
        return list(rows)


async def _send_one(
    sessions: async_sessionmaker[AsyncSession],
    settings: MailSettings,
    transport: Transport,
    mail_id: int,
    now: datetime,
) -> MailStatus | None:
    """One attempt; None when it was not due (sent, or another worker has it)."""
    async with sessions.begin() as session:
        mail = await session.get(SentMail, mail_id)
        if mail is None or mail.status != MailStatus.PENDING or mail.next_attempt_at > now:
            return None
        attempt = mail.attempts + 1
        lease = now + timedelta(seconds=settings.timeout_seconds * 3)
        claimed = await session.execute(
            update(SentMail)
            .where(
                SentMail.id == mail_id,
                SentMail.attempts == mail.attempts,
                SentMail.status == MailStatus.PENDING,
            )
            .values(attempts=attempt, next_attempt_at=lease)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result
            return None
        message = message_of(mail, settings, now)
    error: str | None = None
    try:
        await transport.send(message)
    except Exception as exc:  # any failure of the transport is retried
        error = f"{type(exc).__name__}: {exc}"[:500]
    async with sessions.begin() as session:
        mail = await session.get_one(SentMail, mail_id)
        mail.last_error = error
        if error is None:
            mail.status, mail.sent_at = MailStatus.SENT, now
        elif attempt >= settings.max_attempts:
            mail.status = MailStatus.FAILED
            log.warning("mail %s failed after %s attempts: %s", mail_id, attempt, error)
        else:
            mail.next_attempt_at = now + backoff(attempt, settings)
        return mail.status


async def send_due_mail(
    sessions: async_sessionmaker[AsyncSession],
    settings: MailSettings,
    now: datetime | None = None,
    *,
    transport: Transport | None = None,
    limit: int = 100,
) -> int:
    """Attempts every mail that is due. The number of attempts made."""
    now = now or utcnow()
    transport = transport or transport_for(settings)
    attempts = 0
    for mail_id in await _due(sessions, now, limit):
        if await _send_one(sessions, settings, transport, mail_id, now) is not None:
            attempts += 1
    return attempts


async def send_pending_mail(
    sessions: async_sessionmaker[AsyncSession],
    settings: MailSettings,
    now: datetime | None = None,
    *,
    transport: Transport | None = None,
) -> int:
    """Outbox -> mail rows -> sent: makes the mails of new events, then attempts every due
    mail (digests included). The number of attempts made."""
    now = now or utcnow()
    await make_event_mails(sessions, settings, now=now)
    return await send_due_mail(sessions, settings, now, transport=transport)
