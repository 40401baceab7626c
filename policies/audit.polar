# The audit trail: who changed what, when (db/audit.py). Events are read, never written, through
# the API; the capture writes them in each mutation's own transaction. "read" lets a viewer see
# an event (who, what, when, on which object); "read_values" adds the before/after values.

resource AuditEvent { permissions = ["read", "read_values"]; }

# Owners and admins of a partner read the events that concern their partner, values included
# (the internal work is their own team's).
has_permission(viewer: Viewer, action: String, event: AuditEvent) if
  action in ["read", "read_values"] and
  membership in viewer.memberships and
  membership.partner_id = event.partner_id and
  membership.role in ["owner", "admin"];

# The merchant owner reads everything done to their business, by anyone; the values of
# internal work stay hidden from them.
has_permission(viewer: Viewer, "read", event: AuditEvent) if
  grant in viewer.merchant_grants and
  grant.client_id = event.client_id and
  grant.role = "merchant_owner";
has_permission(viewer: Viewer, "read_values", event: AuditEvent) if
  event.internal = false and
  grant in viewer.merchant_grants and
  grant.client_id = event.client_id and
  grant.role = "merchant_owner";

# Platform staff read every event.
has_permission(viewer: Viewer, action: String, _: AuditEvent) if
  action in ["read", "read_values"] and
  viewer.is_platform_staff = true;
