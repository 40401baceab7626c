# ShopIQ Partner Graph authorization policy: the single source of truth for who may do what.
# README.md's "Who may do what" table is generated from it: `make policy-table`.
#
# Every rule is written for Oso data filtering: it becomes a SQL predicate ANDed into every
# query, so rules stay positive (no `not`), compare with `=` only (`x in [...]` is a choice of
# `=`), and reach related rows through relations declared in policies/oso_setup.py (each
# becomes a correlated EXISTS); a type appears once on a relation path (hence ClientSeat).
# Only active memberships reach the viewer (policies/viewer.py): an invited member has no grants.
# A viewer may belong to several partners: a rule picks ONE `membership` and asks everything
# (partner, role, access, seat) of that same membership, never mixing two partners' grants.

actor Viewer {}

# --- Who is who on a partner's team -------------------------------------------------------

# Owners, admins and managers run their partner's work.
manages(membership: Membership) if membership.role in ["owner", "admin", "manager"];

# A member's partner serves a client while the merchant's access for that partner is in force:
# `live` is active and not past its expiry, compared with the database's clock in SQL (an
# expired access is treated as ended without any job having to end it).
serves(membership: Membership, client: Client) if
  access in client.accesses and
  access.partner_id = membership.partner_id and
  access.live = true;

# What an access's scope lets its partner do, by area of work: "implementation" (store set-up,
# tasks, launch), "support" (communication, support plans and time, documents), "billing"
# (billing terms, invoices). FULL covers every area, IMPLEMENTATION all but billing, SUPPORT
# support only (its partner still reads the client and its store).
scope_covers("full", _area: String);
scope_covers("implementation", area: String) if area in ["implementation", "support"];
scope_covers("support", "support");

# A member's partner serves a client in an area while its active access's scope covers the area.
serves_in(membership: Membership, client: Client, area: String) if
  access in client.accesses and
  access.partner_id = membership.partner_id and
  access.live = true and
  scope_covers(access.scope, area);

# Whoever works on a client (works_on below) works in the areas its partner's access covers.
works_in(membership: Membership, client: Client, area: String) if
  works_on(membership, client) and
  serves_in(membership, client, area);

# Owners, admins and managers work on every client their partner serves.
works_on(membership: Membership, client: Client) if
  manages(membership) and
  serves(membership, client);
# A specialist works on a client their partner serves only while assigned to it.
works_on(membership: Membership, client: Client) if
  membership.role = "specialist" and
  serves(membership, client) and
  seat in client.seats and
  seat.member_id = membership.member_id;

# --- Partners ---------------------------------------------------------------------------

resource Partner {
  permissions = ["read", "read_members", "onboard_client", "manage_team", "manage_owners",
                 "manage_templates"];
  roles = ["owner", "admin", "manager", "specialist", "merchant", "platform_staff"];

  # Owners can do all admins can, admins all managers can, managers all specialists can.
  "admin" if "owner";
  "manager" if "admin";
  "specialist" if "manager";

  # The whole team sees the partner and its team, and onboards clients.
  "read" if "specialist";
  "read_members" if "specialist";
  "onboard_client" if "specialist";
  # Managers and up run the workflow templates.
  "manage_templates" if "manager";
  # Admins and up manage the team; only owners make or unmake owners.
  "manage_team" if "admin";
  "manage_owners" if "owner";
  # Merchants see the partner working for them; platform staff see every partner and its team.
  "read" if "merchant";
  "read" if "platform_staff";
  "read_members" if "platform_staff";
}

# A team member holds their membership's role in that partner.
has_role(viewer: Viewer, role: String, partner: Partner) if
  membership in viewer.memberships and
  membership.partner_id = partner.id and
  membership.role = role;

# A merchant may see the partners that work, worked or ask to work on their store (name, tier),
# not their teams: the history and the access requests are labelled with the partner's name.
has_role(viewer: Viewer, "merchant", partner: Partner) if
  grant in viewer.merchant_grants and
  access in partner.accesses and
  access.client_id = grant.client_id;

# ShopIQ's platform staff are platform staff of every partner.
has_role(viewer: Viewer, "platform_staff", _: Partner) if viewer.is_platform_staff = true;

# Someone invited to a team may see which partner invited them (name, tier), nothing more.
has_permission(viewer: Viewer, "read", partner: Partner) if
  invitation in partner.members and
  invitation.user_id = viewer.user_id and
  invitation.status = "invited";

# --- Clients ----------------------------------------------------------------------------

resource Client {
  permissions = ["read", "manage_tasks", "update_store", "launch", "assign",
                 "manage_merchants", "create_access_code"];
  roles = ["partner_staff", "partner_book", "partner_manager", "implementer",
           "implementation_manager", "merchant_owner", "merchant_staff", "platform_staff"];

  # Whoever works on the client for its partner sees it, whatever the access's scope.
  "read" if "partner_book";
  # The implementation work needs a scope that covers it (FULL or IMPLEMENTATION).
  "manage_tasks" if "implementer";
  "update_store" if "implementer";
  "launch" if "implementer";
  # Staffing a client is for owners, admins and managers only, within the same scope.
  "assign" if "implementation_manager";
  # Merchant owners and staff see their own client; platform staff see every client.
  "merchant_staff" if "merchant_owner";
  "read" if "merchant_staff";
  "read" if "platform_staff";
}

# Partner staff: owners, admins and managers of a partner serving the client, assigned specialists.
has_role(viewer: Viewer, "partner_staff", client: Client) if
  membership in viewer.memberships and
  works_on(membership, client);

# The same staff, reading the client itself. A client's current partner is its access's partner
# whenever that access is active (activating an access sets it, ending one clears it), so
# comparing it too changes no answer: it lets a list of clients start from its partner's own
# instead of every client. Rows reached through a client (its store) ask "partner_staff", which
# a filter turns into a lookup of the access by their client_id alone.
has_role(viewer: Viewer, "partner_book", client: Client) if
  membership in viewer.memberships and
  client.partner_id = membership.partner_id and
  works_on(membership, client);

# Partner managers: owners, admins and managers of a partner serving the client.
has_role(viewer: Viewer, "partner_manager", client: Client) if
  membership in viewer.memberships and
  manages(membership) and
  serves(membership, client);

# Implementers: partner staff whose partner's access scope covers the implementation.
has_role(viewer: Viewer, "implementer", client: Client) if
  membership in viewer.memberships and
  works_in(membership, client, "implementation");

# Implementation managers: partner managers whose access scope covers the implementation.
has_role(viewer: Viewer, "implementation_manager", client: Client) if
  membership in viewer.memberships and
  manages(membership) and
  serves_in(membership, client, "implementation");

# A merchant user holds their grant's role (merchant owner or staff) on their own client.
has_role(viewer: Viewer, role: String, client: Client) if
  grant in viewer.merchant_grants and
  grant.client_id = client.id and
  grant.role = role;

# ShopIQ's platform staff are platform staff of every client.
has_role(viewer: Viewer, "platform_staff", _: Client) if viewer.is_platform_staff = true;

# --- What hangs off a client or a partner ---------------------------------------------------

resource Store {
  permissions = ["read", "update"];
  relations = { client: Client };
  # Whoever sees a client sees its store; whoever may update the store works on the client.
  "read" if "partner_staff" on "client";
  "read" if "merchant_staff" on "client";
  "read" if "platform_staff" on "client";
  "update" if "update_store" on "client";
}

# A store belongs to its client.
has_relation(client: Client, "client", store: Store) if client = store.client;

resource Assignment {
  permissions = ["read", "remove"];
}

# Partner staff see their own partner's staffing of the clients they work on (not the staffing
# another partner left behind at the same client).
has_permission(viewer: Viewer, "read", assignment: Assignment) if
  membership in viewer.memberships and
  membership.partner_id = assignment.partner_id and
  works_on(membership, assignment.client);
# Owners, admins and managers take their own partner's members off the clients it serves, within
# an access scope that covers the implementation (as assigning them does).
has_permission(viewer: Viewer, "remove", assignment: Assignment) if
  membership in viewer.memberships and
  membership.partner_id = assignment.partner_id and
  manages(membership) and
  serves_in(membership, assignment.client, "implementation");
# The merchant sees who works (and worked) on their store.
has_permission(viewer: Viewer, "read", assignment: Assignment) if
  grant in viewer.merchant_grants and
  grant.client_id = assignment.client_id;
# Platform staff see every assignment.
has_permission(viewer: Viewer, "read", _: Assignment) if viewer.is_platform_staff = true;

resource PartnerMember {
  permissions = ["read", "list", "change_role", "remove", "accept"];
  relations = { partner: Partner };
  # Whoever may see a partner's team sees (and lists) its members; an invitee does not.
  "read" if "read_members" on "partner";
  "list" if "read_members" on "partner";
}

# A member belongs to their partner.
has_relation(partner: Partner, "partner", member: PartnerMember) if partner = member.partner;

# A user sees their own membership or invitation.
has_permission(viewer: Viewer, "read", member: PartnerMember) if
  member.user_id = viewer.user_id;
# An invited user accepts their own invitation.
has_permission(viewer: Viewer, "accept", member: PartnerMember) if
  member.user_id = viewer.user_id and
  member.status = "invited";
# Owners change the role of, or remove, anyone on their team.
has_permission(viewer: Viewer, action: String, member: PartnerMember) if
  action in ["change_role", "remove"] and
  membership in viewer.memberships and
  membership.partner_id = member.partner_id and
  membership.role = "owner";
# Admins change the role of, or remove, anyone on their team but owners.
has_permission(viewer: Viewer, action: String, member: PartnerMember) if
  action in ["change_role", "remove"] and
  membership in viewer.memberships and
  membership.partner_id = member.partner_id and
  membership.role = "admin" and
  member.role in ["admin", "manager", "specialist"];
# Anyone may leave a team (the last-owner rule is the service's).
has_permission(viewer: Viewer, "remove", member: PartnerMember) if
  member.user_id = viewer.user_id;

# --- Tasks --------------------------------------------------------------------------------

resource Task {
  permissions = ["read", "update", "complete", "delete"];
  relations = { client: Client };
}

# Partner staff see and work on their own partner's tasks of the clients they work on, while the
# access scope covers the implementation; a client's next partner never sees the previous
# partner's tasks.
has_permission(viewer: Viewer, action: String, task: Task) if
  action in ["read", "update", "complete", "delete"] and
  membership in viewer.memberships and
  membership.partner_id = task.partner_id and
  works_in(membership, task.client, "implementation");

# Merchants see the tasks shared with them, never internal ones: those of the current partner and
# those an earlier partner shared (the client's history).
has_permission(viewer: Viewer, "read", task: Task) if
  task.client_visible = true and
  grant in viewer.merchant_grants and
  grant.client_id = task.client_id;
# They tick off the shared tasks of a partner whose access is in force; an earlier partner's
# are read-only history.
has_permission(viewer: Viewer, "complete", task: Task) if
  task.client_visible = true and
  task.partner_live = true and
  grant in viewer.merchant_grants and
  grant.client_id = task.client_id;

# Platform staff see every task.
has_permission(viewer: Viewer, "read", _: Task) if viewer.is_platform_staff = true;

# --- Workflow templates -------------------------------------------------------------------

resource WorkflowTemplate { permissions = ["read", "manage"]; }
resource WorkflowTemplateItem { permissions = ["read"]; }

# The whole team sees its partner's workflow templates and their items.
has_permission(viewer: Viewer, "read", template: WorkflowTemplate) if
  membership in viewer.memberships and
  membership.partner_id = template.partner_id;
has_permission(viewer: Viewer, "read", item: WorkflowTemplateItem) if
  membership in viewer.memberships and
  membership.partner_id = item.partner_id;
# Owners, admins and managers change their partner's workflow templates.
has_permission(viewer: Viewer, "manage", template: WorkflowTemplate) if
  membership in viewer.memberships and
  membership.partner_id = template.partner_id and
  manages(membership);
# Platform staff see every workflow template and item.
has_permission(viewer: Viewer, "read", _: WorkflowTemplate) if viewer.is_platform_staff = true;
has_permission(viewer: Viewer, "read", _: WorkflowTemplateItem) if viewer.is_platform_staff = true;

# --- Trusted documents ----------------------------------------------------------------------

# The GraphQL documents a production server runs (clients send their hash). They hold no data and
# are shared by every tenant, so registering one changes what every client may ask: ShopIQ's
# platform staff alone register them (as they alone run payouts).
resource TrustedDocument { permissions = ["register"]; }

has_permission(viewer: Viewer, "register", _: TrustedDocument) if viewer.is_platform_staff = true;

# Whoever has a permission on a resource may use it.
allow(viewer: Viewer, action: String, resource: Resource) if
  has_permission(viewer, action, resource);
