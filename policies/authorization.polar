# ShopIQ Partner Graph authorization policy: the single source of truth for who may do what.
#
# Every rule is written for Oso data filtering: it becomes a SQL predicate ANDed into every
# query, so rules stay positive (no `not`), compare with `=` only, and reach related rows
# through relations declared in policies/oso_setup.py (each becomes a correlated EXISTS).
# Only active memberships reach the viewer (policies/viewer.py): an invited member has no grants.

actor Viewer {}

# --- Partners ---------------------------------------------------------------------------

resource Partner {
  permissions = ["read", "read_members", "onboard_client", "manage_team", "manage_owners",
                 "manage_templates"];
  roles = ["owner", "admin", "manager", "specialist", "merchant", "platform_staff"];

  # Role hierarchy inside a partner.
  "admin" if "owner";
  "manager" if "admin";
  "specialist" if "manager";

  "read" if "specialist";
  "read" if "merchant";
  "read" if "platform_staff";
  "read_members" if "specialist";
  "read_members" if "platform_staff";
  "onboard_client" if "specialist";
  "manage_templates" if "manager";
  "manage_team" if "admin";
  "manage_owners" if "owner";
}

has_role(viewer: Viewer, role: String, partner: Partner) if
  membership in viewer.memberships and
  membership.partner_id = partner.id and
  membership.role = role;

# A merchant may see the partner that currently works on their store (name, tier), not its team.
has_role(viewer: Viewer, "merchant", partner: Partner) if
  grant in viewer.merchant_grants and
  access in partner.accesses and
  access.client_id = grant.client_id and
  access.status = "active";

has_role(viewer: Viewer, "platform_staff", _: Partner) if viewer.is_platform_staff = true;

# Someone invited to a team may see which partner invited them (name, tier), nothing more.
has_permission(viewer: Viewer, "read", partner: Partner) if
  invitation in partner.members and
  invitation.user_id = viewer.user_id and
  invitation.status = "invited";

# --- Clients ----------------------------------------------------------------------------

resource Client {
  permissions = ["read", "manage_tasks", "update_store", "launch", "assign"];
  roles = ["partner_manager", "assigned_specialist", "merchant_owner", "merchant_staff",
           "platform_staff"];

  "read" if "partner_manager";
  "read" if "assigned_specialist";
  "read" if "merchant_staff";
  "merchant_staff" if "merchant_owner";
  "read" if "platform_staff";

  # The implementation work: whoever on the partner's side may see the client.
  "manage_tasks" if "partner_manager";
  "manage_tasks" if "assigned_specialist";
  "update_store" if "partner_manager";
  "update_store" if "assigned_specialist";
  "launch" if "partner_manager";
  "launch" if "assigned_specialist";
  # Staffing a client is for owners, admins and managers only.
  "assign" if "partner_manager";
}

# Owners, admins and managers see every client their partner has active access to.
has_role(viewer: Viewer, "partner_manager", client: Client) if
  membership in viewer.memberships and
  (membership.role = "owner" or membership.role = "admin" or membership.role = "manager") and
  access in client.accesses and
  access.partner_id = membership.partner_id and
  access.status = "active";

# A specialist sees a client only while assigned to it and while the partner's access is active.
has_role(viewer: Viewer, "assigned_specialist", client: Client) if
  membership in viewer.memberships and
  membership.role = "specialist" and
  access in client.accesses and
  access.partner_id = membership.partner_id and
  access.status = "active" and
  seat in client.seats and
  seat.member_id = membership.member_id;

has_role(viewer: Viewer, role: String, client: Client) if
  grant in viewer.merchant_grants and
  grant.client_id = client.id and
  grant.role = role;

has_role(viewer: Viewer, "platform_staff", _: Client) if viewer.is_platform_staff = true;

# --- What hangs off a client or a partner ---------------------------------------------------

resource Store {
  permissions = ["read", "update"];
  relations = { client: Client };
  "read" if "read" on "client";
  "update" if "update_store" on "client";
}

has_relation(client: Client, "client", store: Store) if client = store.client;

resource Assignment {
  permissions = ["read", "remove"];
}

# Who staffs a client is the staffing partner's business: partner staff see (and owners, admins
# and managers remove) their own partner's assignments, on one membership as for tasks.
has_permission(viewer: Viewer, action: String, assignment: Assignment) if
  (action = "read" or action = "remove") and
  membership in viewer.memberships and
  membership.partner_id = assignment.partner_id and
  (membership.role = "owner" or membership.role = "admin" or membership.role = "manager") and
  access in assignment.client.accesses and
  access.partner_id = membership.partner_id and
  access.status = "active";
has_permission(viewer: Viewer, "read", assignment: Assignment) if
  membership in viewer.memberships and
  membership.partner_id = assignment.partner_id and
  membership.role = "specialist" and
  access in assignment.client.accesses and
  access.partner_id = membership.partner_id and
  access.status = "active" and
  seat in assignment.client.seats and
  seat.member_id = membership.member_id;
# The merchant sees who works (and worked) on their store; platform staff read for support.
has_permission(viewer: Viewer, "read", assignment: Assignment) if
  grant in viewer.merchant_grants and
  grant.client_id = assignment.client_id;
has_permission(viewer: Viewer, "read", _: Assignment) if viewer.is_platform_staff = true;

resource PartnerMember {
  permissions = ["read", "list", "change_role", "remove", "accept"];
  relations = { partner: Partner };
  "read" if "read_members" on "partner";
  # A partner's team roster: only for those who may see the team (not the invitee's own row).
  "list" if "read_members" on "partner";
}

has_relation(partner: Partner, "partner", member: PartnerMember) if partner = member.partner;

# The invited user sees and accepts their own invitation.
has_permission(viewer: Viewer, "read", member: PartnerMember) if
  member.user_id = viewer.user_id;
has_permission(viewer: Viewer, "accept", member: PartnerMember) if
  member.user_id = viewer.user_id and
  member.status = "invited";

# Owners manage everyone on their team; admins everyone but owners.
has_permission(viewer: Viewer, action: String, member: PartnerMember) if
  (action = "change_role" or action = "remove") and
  membership in viewer.memberships and
  membership.partner_id = member.partner_id and
  membership.role = "owner";
has_permission(viewer: Viewer, action: String, member: PartnerMember) if
  (action = "change_role" or action = "remove") and
  membership in viewer.memberships and
  membership.partner_id = member.partner_id and
  membership.role = "admin" and
  (member.role = "admin" or member.role = "manager" or member.role = "specialist");
# Anyone may leave a team (the last-owner rule is the service's).
has_permission(viewer: Viewer, "remove", member: PartnerMember) if
  member.user_id = viewer.user_id;

# --- Tasks --------------------------------------------------------------------------------

resource Task {
  permissions = ["read", "update", "complete", "delete"];
  relations = { client: Client };
}

# Partner staff work on their own partner's tasks of clients they may work on. Partner, role,
# access and seat all hang on ONE membership: a user in two partners must not combine the role of
# one with the partner of the other. The partner_id match keeps one partner's internal tasks from
# the next partner the client moves to.
has_permission(viewer: Viewer, action: String, task: Task) if
  (action = "read" or action = "update" or action = "complete" or action = "delete") and
  membership in viewer.memberships and
  membership.partner_id = task.partner_id and
  (membership.role = "owner" or membership.role = "admin" or membership.role = "manager") and
  access in task.client.accesses and
  access.partner_id = membership.partner_id and
  access.status = "active";
has_permission(viewer: Viewer, action: String, task: Task) if
  (action = "read" or action = "update" or action = "complete" or action = "delete") and
  membership in viewer.memberships and
  membership.partner_id = task.partner_id and
  membership.role = "specialist" and
  access in task.client.accesses and
  access.partner_id = membership.partner_id and
  access.status = "active" and
  seat in task.client.seats and
  seat.member_id = membership.member_id;

# Merchants see and tick off the tasks shared with them, never internal ones.
has_permission(viewer: Viewer, action: String, task: Task) if
  (action = "read" or action = "complete") and
  task.client_visible = true and
  grant in viewer.merchant_grants and
  grant.client_id = task.client_id;

has_permission(viewer: Viewer, "read", _: Task) if viewer.is_platform_staff = true;

# --- Workflow templates -------------------------------------------------------------------

resource WorkflowTemplate { permissions = ["read", "manage"]; }
resource WorkflowTemplateItem { permissions = ["read"]; }

has_permission(viewer: Viewer, "read", template: WorkflowTemplate) if
  membership in viewer.memberships and
  membership.partner_id = template.partner_id;
has_permission(viewer: Viewer, "manage", template: WorkflowTemplate) if
  membership in viewer.memberships and
  membership.partner_id = template.partner_id and
  (membership.role = "owner" or membership.role = "admin" or membership.role = "manager");
has_permission(viewer: Viewer, "read", _: WorkflowTemplate) if viewer.is_platform_staff = true;

has_permission(viewer: Viewer, "read", item: WorkflowTemplateItem) if
  membership in viewer.memberships and
  membership.partner_id = item.partner_id;
has_permission(viewer: Viewer, "read", _: WorkflowTemplateItem) if viewer.is_platform_staff = true;

allow(viewer: Viewer, action: String, resource: Resource) if
  has_permission(viewer, action, resource);
