# The client relationship: communication log, support plans and time, documents, handover.
# Written for data filtering like authorization.polar, whose helper rules it uses: partner staff
# act through `works_in(membership, client, "support")` (they work on the client and their
# partner's access scope covers support), merchants through their grant on the client.
#
# Visibility: an INTERNAL item belongs to the team of the partner that wrote it (`partner_id`)
# and never reaches a merchant, nor a later partner of the client. A SHARED item is the
# merchant's too, and part of the client's history that whichever partner works on the client
# in support sees.

# --- What a viewer may do on a client -------------------------------------------------------

# Support usage (plans and totals) is read by whoever works on the client in support, by the
# client's merchant users, and by platform staff.
has_permission(viewer: Viewer, "read_support", client: Client) if
  membership in viewer.memberships and
  works_in(membership, client, "support");
has_permission(viewer: Viewer, "read_support", client: Client) if
  grant in viewer.merchant_grants and
  grant.client_id = client.id;
has_permission(viewer: Viewer, "read_support", _: Client) if viewer.is_platform_staff = true;

# Partner staff working on the client in support, and the merchant's users, write to its log.
has_permission(viewer: Viewer, "communicate", client: Client) if
  membership in viewer.memberships and
  works_in(membership, client, "support");
has_permission(viewer: Viewer, "communicate", client: Client) if
  grant in viewer.merchant_grants and
  grant.client_id = client.id;

# Partner staff working on the client in support log their time and keep its documents.
has_permission(viewer: Viewer, action: String, client: Client) if
  action in ["log_time", "manage_documents"] and
  membership in viewer.memberships and
  works_in(membership, client, "support");

# Owners, admins and managers of a partner serving the client in support set its support plan
# and log time for any member of their team.
has_permission(viewer: Viewer, "manage_support", client: Client) if
  membership in viewer.memberships and
  manages(membership) and
  serves_in(membership, client, "support");

# The merchant owner alone hands their client over (merchant staff read only).
has_permission(viewer: Viewer, "hand_over", client: Client) if
  grant in viewer.merchant_grants and
  grant.client_id = client.id and
  grant.role = "merchant_owner";

# --- Communication log --------------------------------------------------------------------

resource Communication {
  permissions = ["read", "update"];
  relations = { client: Client };
}

# Partner staff working on the client in support read their own partner's entries ...
has_permission(viewer: Viewer, "read", entry: Communication) if
  membership in viewer.memberships and
  membership.partner_id = entry.partner_id and
  works_in(membership, entry.client, "support");
# ... and every shared entry of the client (its history with earlier partners included).
has_permission(viewer: Viewer, "read", entry: Communication) if
  entry.visibility = "shared" and
  membership in viewer.memberships and
  works_in(membership, entry.client, "support");
# Merchants read the shared entries of their own client, never internal ones.
has_permission(viewer: Viewer, "read", entry: Communication) if
  entry.visibility = "shared" and
  grant in viewer.merchant_grants and
  grant.client_id = entry.client_id;
# Platform staff read every entry.
has_permission(viewer: Viewer, "read", _: Communication) if viewer.is_platform_staff = true;

# Authors edit their own entries while they still work on the client: partner staff ...
has_permission(viewer: Viewer, "update", entry: Communication) if
  entry.author_user_id = viewer.user_id and
  membership in viewer.memberships and
  membership.partner_id = entry.partner_id and
  works_in(membership, entry.client, "support");
# ... and merchant users (whose entries are always shared).
has_permission(viewer: Viewer, "update", entry: Communication) if
  entry.author_user_id = viewer.user_id and
  entry.visibility = "shared" and
  grant in viewer.merchant_grants and
  grant.client_id = entry.client_id;

resource CommunicationRevision {
  permissions = ["read"];
  relations = { client: Client };
}

# An edited entry's earlier text is read as the entry was then: by its partner's team, or by
# the merchant (and any partner working on the client) when it was shared at that time.
has_permission(viewer: Viewer, "read", revision: CommunicationRevision) if
  membership in viewer.memberships and
  membership.partner_id = revision.partner_id and
  works_in(membership, revision.client, "support");
has_permission(viewer: Viewer, "read", revision: CommunicationRevision) if
  revision.visibility = "shared" and
  membership in viewer.memberships and
  works_in(membership, revision.client, "support");
has_permission(viewer: Viewer, "read", revision: CommunicationRevision) if
  revision.visibility = "shared" and
  grant in viewer.merchant_grants and
  grant.client_id = revision.client_id;
has_permission(viewer: Viewer, "read", _: CommunicationRevision) if
  viewer.is_platform_staff = true;

# --- Support plans and time ---------------------------------------------------------------

resource SupportPlan {
  permissions = ["read"];
  relations = { client: Client };
}

# Plans are always shared: whoever reads the client's support sees them, history included.
has_permission(viewer: Viewer, "read", plan: SupportPlan) if
  membership in viewer.memberships and
  works_in(membership, plan.client, "support");
has_permission(viewer: Viewer, "read", plan: SupportPlan) if
  grant in viewer.merchant_grants and
  grant.client_id = plan.client_id;
has_permission(viewer: Viewer, "read", _: SupportPlan) if viewer.is_platform_staff = true;

resource TimeEntry {
  permissions = ["read", "update", "delete"];
  relations = { client: Client };
}

# Partner staff working on the client in support read their own partner's entries and the
# shared ones; merchants the shared ones only; platform staff all.
has_permission(viewer: Viewer, "read", entry: TimeEntry) if
  membership in viewer.memberships and
  membership.partner_id = entry.partner_id and
  works_in(membership, entry.client, "support");
has_permission(viewer: Viewer, "read", entry: TimeEntry) if
  entry.visibility = "shared" and
  membership in viewer.memberships and
  works_in(membership, entry.client, "support");
has_permission(viewer: Viewer, "read", entry: TimeEntry) if
  entry.visibility = "shared" and
  grant in viewer.merchant_grants and
  grant.client_id = entry.client_id;
has_permission(viewer: Viewer, "read", _: TimeEntry) if viewer.is_platform_staff = true;

# A member changes or deletes their own entries while working on the client ...
has_permission(viewer: Viewer, action: String, entry: TimeEntry) if
  action in ["update", "delete"] and
  entry.user_id = viewer.user_id and
  membership in viewer.memberships and
  membership.partner_id = entry.partner_id and
  works_in(membership, entry.client, "support");
# ... and owners, admins and managers those of their whole team.
has_permission(viewer: Viewer, action: String, entry: TimeEntry) if
  action in ["update", "delete"] and
  membership in viewer.memberships and
  membership.partner_id = entry.partner_id and
  manages(membership) and
  serves_in(membership, entry.client, "support");

# --- Documents ----------------------------------------------------------------------------

resource ClientDocument {
  permissions = ["read", "update", "acknowledge"];
  relations = { client: Client };
}

has_permission(viewer: Viewer, action: String, document: ClientDocument) if
  action in ["read", "update"] and
  membership in viewer.memberships and
  membership.partner_id = document.partner_id and
  works_in(membership, document.client, "support");
has_permission(viewer: Viewer, "read", document: ClientDocument) if
  document.visibility = "shared" and
  membership in viewer.memberships and
  works_in(membership, document.client, "support");
# Merchants read, and acknowledge, the shared documents of their own client.
has_permission(viewer: Viewer, action: String, document: ClientDocument) if
  action in ["read", "acknowledge"] and
  document.visibility = "shared" and
  grant in viewer.merchant_grants and
  grant.client_id = document.client_id;
has_permission(viewer: Viewer, "read", _: ClientDocument) if viewer.is_platform_staff = true;
