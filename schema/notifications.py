"""Email notification preferences: `viewer.notificationPreferences` and
`updateNotificationPreferences` (each user their own)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from db.notifications import NotificationKind
from resolvers import notification_preferences as service
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, decode

_KINDS: dict[NotificationKind, str] = {
    NotificationKind.INVITATION: "An invitation to join a partner's team or a client, to the "
    "person invited.",
    NotificationKind.ACCESS_REQUESTED: "A partner asks for access to a client: to the client's "
    "merchant owners.",
    NotificationKind.ACCESS_APPROVED: "A merchant approved the partner's access: to the "
    "partner's owners and admins.",
    NotificationKind.ACCESS_REVOKED: "The partner's access to a client was revoked: to the "
    "partner's owners and admins (the client's name left out: they no longer see it).",
    NotificationKind.HANDOVER: "The partner handed the client over: to its merchant owners.",
    NotificationKind.INVOICE_ISSUED: "A partner issued an invoice: to the invoiced client's "
    "merchant owners.",
}
strawberry.enum(
    NotificationKind,
    description="The emails an event sends; each user may turn each kind off.",
)
_definition: StrawberryEnumDefinition = NotificationKind.__strawberry_definition__  # type: ignore[attr-defined]  # set by strawberry.enum
for _value in _definition.values:
    _value.description = _KINDS.get(NotificationKind(_value.value))


@strawberry.type(description="Which emails a user gets.")
class NotificationPreferences:
    kinds: list[NotificationKind] = strawberry.field(
        description="The event emails the user gets (every kind unless turned off)."
    )
    daily_digest: bool = strawberry.field(
        description="A daily email listing the overdue tasks of the user's partners that they "
        "may see (partner members only; off unless turned on; each digest has a one-click "
        "unsubscribe link)."
    )

    @classmethod
    def of(cls, found: service.Preferences) -> NotificationPreferences:
        return cls(kinds=found.kinds, daily_digest=found.daily_digest)


@strawberry.input(description="Only the choices given change.")
class UpdateNotificationPreferencesInput:
    user_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The User whose preferences change: the signed-in user, who may change "
        "only their own (another user's id is NOT_FOUND). Default: the signed-in user.",
    )
    kinds: list[NotificationKind] | None = strawberry.field(
        default=None,
        description="The event emails to get; the kinds left out are turned off (empty: none).",
    )
    daily_digest: bool | None = strawberry.field(
        default=None, description="Turn the daily digest of overdue tasks on or off."
    )


@strawberry.type(description="The result of updateNotificationPreferences.")
class NotificationPreferencesPayload:
    preferences: NotificationPreferences | None = strawberry.field(
        description="The preferences as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


async def viewer_notification_preferences(info: Info) -> NotificationPreferences | None:
    found = await service.viewer_preferences(info.context)
    return NotificationPreferences.of(found) if found is not None else None


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Change which emails the signed-in user gets; only the choices given change."
    )
    async def update_notification_preferences(
        self,
        info: Info,
        input: Annotated[
            UpdateNotificationPreferencesInput,
            strawberry.argument(description="The kinds of email and the digest."),
        ],
    ) -> NotificationPreferencesPayload:
        changes = changes_of(input, skip=["user_id"])
        outcome = await service.update_preferences(
            info.context, decode(input.user_id, "User"), changes
        )
        return NotificationPreferencesPayload(
            preferences=NotificationPreferences.of(outcome.value) if outcome.value else None,
            user_errors=user_errors(outcome.problems),
        )
