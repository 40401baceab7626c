# Partner webhooks: the endpoints a partner registers and the log of their deliveries. An
# endpoint receives the partner's events and holds the key that signs them, so it is for the
# partner's owners and admins alone; to anyone else of the team, a merchant or another partner
# it does not exist. Platform staff read every endpoint and delivery (support), and change none.

# Owners and admins register their partner's endpoints.
has_permission(viewer: Viewer, "manage_webhooks", partner: Partner) if
  membership in viewer.memberships and
  membership.partner_id = partner.id and
  membership.role in ["owner", "admin"];

resource WebhookEndpoint {
  permissions = ["read", "manage"];
}

has_permission(viewer: Viewer, action: String, endpoint: WebhookEndpoint) if
  action in ["read", "manage"] and
  membership in viewer.memberships and
  membership.partner_id = endpoint.partner_id and
  membership.role in ["owner", "admin"];
has_permission(viewer: Viewer, "read", _: WebhookEndpoint) if viewer.is_platform_staff = true;

# A delivery (the log of one event sent to one endpoint) carries its endpoint's partner: whoever
# sees the partner's endpoints sees their deliveries, and whoever manages them sends one again.
resource WebhookDelivery {
  permissions = ["read", "redeliver"];
}

has_permission(viewer: Viewer, action: String, delivery: WebhookDelivery) if
  action in ["read", "redeliver"] and
  membership in viewer.memberships and
  membership.partner_id = delivery.partner_id and
  membership.role in ["owner", "admin"];
has_permission(viewer: Viewer, "read", _: WebhookDelivery) if viewer.is_platform_staff = true;
