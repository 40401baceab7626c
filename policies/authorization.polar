# ShopIQ Partner Graph authorization policy: the single source of truth for who may do what.
#
# Every rule is written for Oso data filtering: it becomes a SQL predicate ANDed into every
# query, so rules stay positive (no `not`), compare with `=` only, and reach related rows
# through relations declared in policies/oso_setup.py (each becomes a correlated EXISTS).

actor Viewer {}

# --- Partners ---------------------------------------------------------------------------

resource Partner {
  permissions = ["read", "read_members", "onboard_client"];
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

# --- Clients ----------------------------------------------------------------------------

resource Client {
  permissions = ["read"];
  roles = ["partner_manager", "assigned_specialist", "merchant_owner", "merchant_staff",
           "platform_staff"];

  "read" if "partner_manager";
  "read" if "assigned_specialist";
  "read" if "merchant_staff";
  "merchant_staff" if "merchant_owner";
  "read" if "platform_staff";
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
  permissions = ["read"];
  relations = { client: Client };
  "read" if "read" on "client";
}

has_relation(client: Client, "client", store: Store) if client = store.client;

resource Assignment {
  permissions = ["read"];
  relations = { client: Client };
  "read" if "read" on "client";
}

has_relation(client: Client, "client", assignment: Assignment) if client = assignment.client;

resource PartnerMember {
  permissions = ["read"];
  relations = { partner: Partner };
  "read" if "read_members" on "partner";
}

has_relation(partner: Partner, "partner", member: PartnerMember) if partner = member.partner;

allow(viewer: Viewer, action: String, resource: Resource) if
  has_permission(viewer, action, resource);
