# Saved reports: a partner's named queries. A report is only a query's text: running it reads
# with the permissions of whoever runs it, never of its author, so these rules decide who sees
# and changes the saved text alone.

# Every member of a partner's team saves reports for it.
has_permission(viewer: Viewer, "save_reports", partner: Partner) if
  membership in viewer.memberships and
  membership.partner_id = partner.id;

resource SavedReport {
  permissions = ["read", "manage"];
}

# The whole team sees (and runs) its partner's saved reports.
has_permission(viewer: Viewer, "read", report: SavedReport) if
  membership in viewer.memberships and
  membership.partner_id = report.partner_id;

# Its author changes and deletes a report, and so do the partner's owners, admins and managers.
has_permission(viewer: Viewer, "manage", report: SavedReport) if
  membership in viewer.memberships and
  membership.partner_id = report.partner_id and
  membership.member_id = report.author_member_id;
has_permission(viewer: Viewer, "manage", report: SavedReport) if
  membership in viewer.memberships and
  membership.partner_id = report.partner_id and
  manages(membership);

# Platform staff see every saved report (support); running one reads with their own permissions.
has_permission(viewer: Viewer, "read", _: SavedReport) if viewer.is_platform_staff = true;
