# Merchant consent: partner accesses (requests, grants, their end), one-time access codes and the
# merchant's own team. Written for data filtering like authorization.polar (positive rules, `=`
# only, relations as EXISTS). Scope and expiry themselves are read in authorization.polar
# (`serves`, `serves_in`, `works_in`).

# --- Accesses and access requests ----------------------------------------------------------

resource PartnerAccess {
  permissions = ["read", "decide", "revoke"];
}

# A partner's team sees its own partner's accesses and requests (never another partner's).
has_permission(viewer: Viewer, "read", access: PartnerAccess) if
  membership in viewer.memberships and
  membership.partner_id = access.partner_id;
# Merchant owners and staff see every access and request concerning their client.
has_permission(viewer: Viewer, "read", access: PartnerAccess) if
  grant in viewer.merchant_grants and
  grant.client_id = access.client_id;
# The merchant owner decides: approves or declines a request, revokes an access.
has_permission(viewer: Viewer, action: String, access: PartnerAccess) if
  action in ["decide", "revoke"] and
  grant in viewer.merchant_grants and
  grant.client_id = access.client_id and
  grant.role = "merchant_owner";
# A partner's owners and admins end their own partner's access (or withdraw its request).
has_permission(viewer: Viewer, "revoke", access: PartnerAccess) if
  membership in viewer.memberships and
  membership.partner_id = access.partner_id and
  membership.role in ["owner", "admin"];
# Platform staff see every access.
has_permission(viewer: Viewer, "read", _: PartnerAccess) if viewer.is_platform_staff = true;

# --- What only the merchant owner does with their client --------------------------------------

# Invite and remove merchant staff, and create one-time access codes for partners.
has_permission(viewer: Viewer, action: String, client: Client) if
  action in ["manage_merchants", "create_access_code"] and
  grant in viewer.merchant_grants and
  grant.client_id = client.id and
  grant.role = "merchant_owner";

# --- The merchant's team ---------------------------------------------------------------------

resource ClientUser {
  permissions = ["read", "accept", "remove"];
}

# Merchant owners and staff see who belongs to their client (invitations included).
has_permission(viewer: Viewer, "read", user: ClientUser) if
  grant in viewer.merchant_grants and
  grant.client_id = user.client_id;
# A user sees their own merchant membership or invitation, and accepts a pending invitation.
has_permission(viewer: Viewer, "read", user: ClientUser) if
  user.user_id = viewer.user_id;
has_permission(viewer: Viewer, "accept", user: ClientUser) if
  user.user_id = viewer.user_id and
  user.status = "invited";
# Merchant owners remove merchant staff (or withdraw their invitation); never an owner.
has_permission(viewer: Viewer, "remove", user: ClientUser) if
  user.role = "merchant_staff" and
  grant in viewer.merchant_grants and
  grant.client_id = user.client_id and
  grant.role = "merchant_owner";
# Platform staff see every merchant user.
has_permission(viewer: Viewer, "read", _: ClientUser) if viewer.is_platform_staff = true;
