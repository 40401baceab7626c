"""Team and assignment mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import models
from resolvers import team as team_service
from resolvers.mutations import Outcome
from schema.clients import Assignment
from schema.enums import AssignmentRole, PartnerRole
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, node_id
from schema.relay import id_of, to_global_id
from schema.users import PartnerMember


@strawberry.type(description="The result of a team mutation.")
class MemberPayload:
    member: PartnerMember | None = strawberry.field(
        description="The membership as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of removeMember.")
class RemoveMemberPayload:
    removed_member_id: strawberry.ID | None = strawberry.field(
        description="The id of the membership removed; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of assignMember.")
class AssignmentPayload:
    assignment: Assignment | None = strawberry.field(
        description="The new assignment; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of unassignMember.")
class UnassignMemberPayload:
    removed_assignment_id: strawberry.ID | None = strawberry.field(
        description="The id of the assignment removed; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.input(description="Someone to invite to a partner's team.")
class InviteMemberInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner whose team it is.")
    email: str = strawberry.field(
        description="Their email address; an account is created for it if there is none."
    )
    role: PartnerRole = strawberry.field(
        description="The role they get on accepting; only owners may invite owners."
    )
    name: str | None = strawberry.field(
        default=None,
        description="What to call them until they accept (at most 200 characters); defaults "
        "to the email's local part.",
    )


@strawberry.input(description="An invitation to accept.")
class AcceptInvitationInput:
    member_id: strawberry.ID = strawberry.field(
        description="The PartnerMember id of the invitation (see `viewer.invitations`)."
    )


@strawberry.input(description="A member's new role.")
class ChangeMemberRoleInput:
    member_id: strawberry.ID = strawberry.field(description="The PartnerMember to change.")
    version: int = strawberry.field(
        description="The membership's current `version`; a stale one is a CONFLICT."
    )
    role: PartnerRole = strawberry.field(
        description="The new role; only owners may make someone an owner."
    )


@strawberry.input(description="A member to remove, or the viewer's own membership to leave.")
class RemoveMemberInput:
    member_id: strawberry.ID = strawberry.field(
        description="The PartnerMember to remove (or an invitation to withdraw or decline)."
    )
    version: int = strawberry.field(
        description="The membership's current `version`; a stale one is a CONFLICT."
    )


@strawberry.input(description="A team member to assign to a client.")
class AssignMemberInput:
    client_id: strawberry.ID = strawberry.field(description="The Client to work on.")
    member_id: strawberry.ID = node_id(
        "PartnerMember",
        required=True,
        description="An active member of the client's partner, not yet assigned to it.",
    )
    role: AssignmentRole = strawberry.field(
        default=AssignmentRole.CONTRIBUTOR, description="Lead or contributor."
    )


@strawberry.input(description="An assignment to end.")
class UnassignMemberInput:
    assignment_id: strawberry.ID = strawberry.field(
        description="The Assignment's id (see `client.assignees`)."
    )


def _member(outcome: Outcome[models.PartnerMember]) -> MemberPayload:
    return MemberPayload(
        member=PartnerMember.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


def _removed_id(type_name: str, value: int | None) -> strawberry.ID | None:
    return to_global_id(type_name, value) if value is not None else None


@strawberry.type
class TeamMutation:
    @strawberry.mutation(
        description="Invite someone by email (owners and admins): a membership with status "
        "INVITED, without access until they accept. Refused: an invalid email (INVALID), "
        "someone already on the team or invited (TAKEN), an owner invited by a non-owner "
        "(FORBIDDEN)."
    )
    async def invite_member(
        self,
        info: Info,
        input: Annotated[
            InviteMemberInput, strawberry.argument(description="Who to invite, as what.")
        ],
    ) -> MemberPayload:
        return _member(
            await team_service.invite_member(
                info.context,
                id_of(input.partner_id, "Partner"),
                changes_of(input, skip=["partner_id"]),
            )
        )

    @strawberry.mutation(
        description="The invited user joins the team: the membership becomes ACTIVE and its "
        "role applies from the next request on. Only the invited user may accept; accepting "
        "twice is refused (INVALID_TRANSITION)."
    )
    async def accept_invitation(
        self,
        info: Info,
        input: Annotated[AcceptInvitationInput, strawberry.argument(description="The invitation.")],
    ) -> MemberPayload:
        return _member(
            await team_service.accept_invitation(
                info.context, id_of(input.member_id, "PartnerMember")
            )
        )

    @strawberry.mutation(
        description="Change a member's role: owners change anyone's, admins anyone's but "
        "owners'. Refused: making an owner as a non-owner (FORBIDDEN), the last active owner "
        "stepping down (LAST_OWNER)."
    )
    async def change_member_role(
        self,
        info: Info,
        input: Annotated[
            ChangeMemberRoleInput, strawberry.argument(description="The member and the role.")
        ],
    ) -> MemberPayload:
        return _member(
            await team_service.change_member_role(
                info.context,
                id_of(input.member_id, "PartnerMember"),
                input.version,
                changes_of(input, skip=["member_id", "version"]),
            )
        )

    @strawberry.mutation(
        description="Remove a member (owners and admins; admins not owners), or leave the team "
        "yourself. Their client assignments end and their tasks become unassigned. Refused for "
        "the last active owner (LAST_OWNER)."
    )
    async def remove_member(
        self,
        info: Info,
        input: Annotated[
            RemoveMemberInput, strawberry.argument(description="The member to remove.")
        ],
    ) -> RemoveMemberPayload:
        outcome = await team_service.remove_member(
            info.context, id_of(input.member_id, "PartnerMember"), input.version
        )
        return RemoveMemberPayload(
            removed_member_id=_removed_id("PartnerMember", outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="Assign a team member to a client (owners, admins, managers). Refused: a "
        "member not active on the client's partner (NOT_FOUND), one already assigned (TAKEN)."
    )
    async def assign_member(
        self,
        info: Info,
        input: Annotated[
            AssignMemberInput, strawberry.argument(description="The client, member and role.")
        ],
    ) -> AssignmentPayload:
        outcome = await team_service.assign_member(
            info.context,
            id_of(input.client_id, "Client"),
            changes_of(input, skip=["client_id"]),
        )
        return AssignmentPayload(
            assignment=Assignment.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(
        description="End an assignment (owners, admins, managers); a specialist loses access "
        "to the client from the next request on."
    )
    async def unassign_member(
        self,
        info: Info,
        input: Annotated[
            UnassignMemberInput, strawberry.argument(description="The assignment to end.")
        ],
    ) -> UnassignMemberPayload:
        outcome = await team_service.unassign_member(
            info.context, id_of(input.assignment_id, "Assignment")
        )
        return UnassignMemberPayload(
            removed_assignment_id=_removed_id("Assignment", outcome.value),
            user_errors=user_errors(outcome.problems),
        )
