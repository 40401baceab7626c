"""Team and assignment mutations."""

from __future__ import annotations

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


@strawberry.type
class MemberPayload:
    member: PartnerMember | None
    user_errors: list[UserError]


@strawberry.type
class RemoveMemberPayload:
    removed_member_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class AssignmentPayload:
    assignment: Assignment | None
    user_errors: list[UserError]


@strawberry.type
class UnassignMemberPayload:
    removed_assignment_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.input
class InviteMemberInput:
    partner_id: strawberry.ID
    email: str
    role: PartnerRole
    name: str | None = None


@strawberry.input
class AcceptInvitationInput:
    member_id: strawberry.ID


@strawberry.input
class ChangeMemberRoleInput:
    member_id: strawberry.ID
    version: int
    role: PartnerRole


@strawberry.input
class RemoveMemberInput:
    member_id: strawberry.ID
    version: int


@strawberry.input
class AssignMemberInput:
    client_id: strawberry.ID
    member_id: strawberry.ID = node_id("PartnerMember", required=True)
    role: AssignmentRole = AssignmentRole.CONTRIBUTOR


@strawberry.input
class UnassignMemberInput:
    assignment_id: strawberry.ID


def _member(outcome: Outcome[models.PartnerMember]) -> MemberPayload:
    return MemberPayload(
        member=PartnerMember.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


def _removed_id(type_name: str, value: int | None) -> strawberry.ID | None:
    return to_global_id(type_name, value) if value is not None else None


@strawberry.type
class TeamMutation:
    @strawberry.mutation(description="Invite someone by email (owners and admins).")
    async def invite_member(self, info: Info, input: InviteMemberInput) -> MemberPayload:
        return _member(
            await team_service.invite_member(
                info.context,
                id_of(input.partner_id, "Partner"),
                changes_of(input, skip=["partner_id"]),
            )
        )

    @strawberry.mutation(description="The invited user joins the team.")
    async def accept_invitation(self, info: Info, input: AcceptInvitationInput) -> MemberPayload:
        return _member(
            await team_service.accept_invitation(
                info.context, id_of(input.member_id, "PartnerMember")
            )
        )

    @strawberry.mutation(description="Owners change anyone's role; admins anyone's but owners'.")
    async def change_member_role(self, info: Info, input: ChangeMemberRoleInput) -> MemberPayload:
        return _member(
            await team_service.change_member_role(
                info.context,
                id_of(input.member_id, "PartnerMember"),
                input.version,
                changes_of(input, skip=["member_id", "version"]),
            )
        )

    @strawberry.mutation(description="Remove a member, or leave; the last owner cannot.")
    async def remove_member(self, info: Info, input: RemoveMemberInput) -> RemoveMemberPayload:
        outcome = await team_service.remove_member(
            info.context, id_of(input.member_id, "PartnerMember"), input.version
        )
        return RemoveMemberPayload(
            removed_member_id=_removed_id("PartnerMember", outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation(description="Assign a team member to a client (owners, admins, managers).")
    async def assign_member(self, info: Info, input: AssignMemberInput) -> AssignmentPayload:
        outcome = await team_service.assign_member(
            info.context,
            id_of(input.client_id, "Client"),
            changes_of(input, skip=["client_id"]),
        )
        return AssignmentPayload(
            assignment=Assignment.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )

    @strawberry.mutation
    async def unassign_member(
        self, info: Info, input: UnassignMemberInput
    ) -> UnassignMemberPayload:
        outcome = await team_service.unassign_member(
            info.context, id_of(input.assignment_id, "Assignment")
        )
        return UnassignMemberPayload(
            removed_assignment_id=_removed_id("Assignment", outcome.value),
            user_errors=user_errors(outcome.problems),
        )
