"""Each user's choice of mails (which event kinds, the daily digest), and the digest's one-click
unsubscribe: a link carrying the user's id signed with a key derived from the server's secret,
which turns the digest off without signing in. A tampered token, or one signed for another
user, matches no signature and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import UserStatus
from db.models import User
from db.notifications import NotificationKind, NotificationPreference
from policies import Authorizer, load_viewer
from resolvers.changes import Changes
from resolvers.context import Context
from resolvers.mutations import Outcome, transact
from resolvers.problems import ErrorCode, refuse

__all__ = [
    "Preferences",
    "preferences_of",
    "read_unsubscribe_token",
    "unsubscribe_digest",
    "unsubscribe_token",
    "unsubscribe_url",
    "update_preferences",
    "viewer_preferences",
]

UNSUBSCRIBE_ACTION = "unsubscribeDigest"
_TOKEN_RE = re.compile(r"([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{22})")


@dataclass(frozen=True, slots=True)
class Preferences:
    user_id: int
    muted_kinds: frozenset[str]
    daily_digest: bool

    @property
    def kinds(self) -> list[NotificationKind]:
        """The event kinds the user gets, in the catalogue's order."""
        return [k for k in NotificationKind if k.value not in self.muted_kinds]


def _of(user_id: int, row: NotificationPreference | None) -> Preferences:
    if row is None:  # the defaults: every event kind, no digest
        return Preferences(user_id, frozenset(), False)
    return Preferences(user_id, frozenset(row.muted_kinds), row.daily_digest)


async def preferences_of(session: AsyncSession, user_id: int) -> Preferences:
    row = await session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    return _of(user_id, row)


async def viewer_preferences(ctx: Context) -> Preferences | None:
    """The signed-in user's own preferences; None for a caller that is no user."""
    if ctx.viewer.user_id is None:
        return None
    async with ctx.reading() as session:
        return await preferences_of(session, ctx.viewer.user_id)


async def _row(session: AsyncSession, user_id: int) -> NotificationPreference:
    row = await session.scalar(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    if row is None:
        row = NotificationPreference(user_id=user_id, muted_kinds=[], daily_digest=False)
        session.add(row)
    return row


async def update_preferences(
    ctx: Context, user_id: int | None, changes: Changes
) -> Outcome[Preferences]:
    """Changes the given choices of `user_id` (default: the viewer). Each user changes only
    their own: another user's id is NOT_FOUND, as an id that was never issued."""

    async def work(session: AsyncSession) -> Preferences:
        own = ctx.viewer.user_id
        if own is None or (user_id is not None and user_id != own):
            raise refuse("user_id", "No user with that id.", ErrorCode.NOT_FOUND)
        row = await _row(session, own)
        if "kinds" in changes:
            kinds: list[NotificationKind] | None = changes.get("kinds")
            if kinds is None:
                raise refuse("kinds", "Give a list of kinds (empty: none).", ErrorCode.INVALID)
            wanted = {k.value for k in kinds}
            row.muted_kinds = [k.value for k in NotificationKind if k.value not in wanted]
        if "daily_digest" in changes:
            digest = changes.get("daily_digest")
            if digest is None:
                raise refuse("daily_digest", "Give true or false.", ErrorCode.INVALID)
            row.daily_digest = bool(digest)
        await session.flush()
        return _of(own, row)

    return await transact(ctx, work)


# --- One-click unsubscribe ------------------------------------------------------------------


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"shopiq-digest-unsubscribe\0" + secret.encode()).digest()


def _mac(secret: str, user_id: int) -> str:
    digest = hmac.new(_key(secret), f"digest:{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def unsubscribe_token(secret: str, user_id: int) -> str:
    return f"{user_id}.{_mac(secret, user_id)}"


def unsubscribe_url(public_url: str, secret: str, user_id: int) -> str:
    return f"{public_url.rstrip('/')}/unsubscribe/{unsubscribe_token(secret, user_id)}"


def read_unsubscribe_token(secret: str, token: str) -> int | None:
    """The user a valid token was signed for; None for anything else."""
    found = _TOKEN_RE.fullmatch(token)
    if found is None:
        return None
    user_id = int(found.group(1))
    if not hmac.compare_digest(found.group(2), _mac(secret, user_id)):
        return None
    return user_id


async def unsubscribe_digest(
    sessions: async_sessionmaker[AsyncSession], authz: Authorizer, secret: str, token: str
) -> bool:
    """Turns the digest of the token's user off (recorded in the audit trail as theirs). False,
    changing nothing, for a token that is not valid or a user who is gone."""
    user_id = read_unsubscribe_token(secret, token)
    if user_id is None:
        return False
    async with sessions() as session:
        status = await session.scalar(select(User.status).where(User.id == user_id))
        viewer = await load_viewer(session, user_id) if status == UserStatus.ACTIVE else None
    if viewer is None:
        return False
    ctx = Context(viewer=viewer, authz=authz, sessions=sessions)
    ctx.action = UNSUBSCRIBE_ACTION
    outcome = await update_preferences(ctx, user_id, Changes({"daily_digest": False}))
    return outcome.value is not None
