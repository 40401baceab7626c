"""Users who come back: a removed user invited again starts from nothing."""

from __future__ import annotations

from db.base import utcnow
from db.enums import UserStatus
from db.models import User


def revive_as_invited(user: User) -> None:
    """A removed user may be invited again (by any partner, or as a new client's merchant). Their
    `removed_at` stays: the grants and tokens from before it remain void (policies/viewer.py), so
    nothing of their old access, in any tenant, comes back, and no other tenant's rows change."""
    if user.removed_at is None:  # removed before removal times were kept
        user.removed_at = utcnow()
    user.status = UserStatus.INVITED
