# Money: billing terms and the service invoices a partner sends its clients.
# Billing is an area of work of its own: only a FULL access scope covers it (authorization.polar's
# serves_in / works_in). Earnings (commissions, payouts) are for owners and admins alone.

# Owners, admins and managers of a partner that serves the client in billing set its billing
# terms and write its invoices (the client-level permission behind creating them).
has_permission(viewer: Viewer, "manage_billing", client: Client) if
  membership in viewer.memberships and
  manages(membership) and
  serves_in(membership, client, "billing");

# --- Billing terms ------------------------------------------------------------------------

resource BillingTerms {
  permissions = ["read"];
  relations = { client: Client };
}

# Whoever works on the client in billing for the partner sees that partner's terms (every version).
has_permission(viewer: Viewer, "read", terms: BillingTerms) if
  membership in viewer.memberships and
  membership.partner_id = terms.partner_id and
  works_in(membership, terms.client, "billing");

# The merchant owner sees every version of their client's terms, of every partner.
has_permission(viewer: Viewer, "read", terms: BillingTerms) if
  grant in viewer.merchant_grants and
  grant.client_id = terms.client_id and
  grant.role = "merchant_owner";

# Platform staff see all terms.
has_permission(viewer: Viewer, "read", _: BillingTerms) if viewer.is_platform_staff = true;

# --- Service invoices -----------------------------------------------------------------------

resource Invoice {
  permissions = ["read", "manage"];
  relations = { client: Client };
}

# Whoever works on the client in billing for the partner sees that partner's invoices to it.
has_permission(viewer: Viewer, "read", invoice: Invoice) if
  membership in viewer.memberships and
  membership.partner_id = invoice.partner_id and
  works_in(membership, invoice.client, "billing");

# Owners, admins and managers of the partner serving the client in billing issue, settle and
# void its invoices.
has_permission(viewer: Viewer, "manage", invoice: Invoice) if
  membership in viewer.memberships and
  membership.partner_id = invoice.partner_id and
  manages(membership) and
  serves_in(membership, invoice.client, "billing");

# The merchant owner sees their client's invoices once issued (never drafts).
has_permission(viewer: Viewer, "read", invoice: Invoice) if
  grant in viewer.merchant_grants and
  grant.client_id = invoice.client_id and
  grant.role = "merchant_owner" and
  invoice.status in ["issued", "paid", "void"];

# Platform staff see every invoice.
has_permission(viewer: Viewer, "read", _: Invoice) if viewer.is_platform_staff = true;

resource InvoiceLine {
  permissions = ["read"];
  relations = { invoice: Invoice };
  # Whoever sees an invoice sees its lines.
  "read" if "read" on "invoice";
}

# A line belongs to its invoice.
has_relation(invoice: Invoice, "invoice", line: InvoiceLine) if invoice = line.invoice;

# --- Commissions (the partner's earnings from ShopIQ) ----------------------------------------

# What ShopIQ pays: the program's terms per tier, and one partner's own overrides.
resource CommissionTerms {
  permissions = ["read", "manage"];
}

# Owners and admins read the program's terms and their own partner's overrides.
has_permission(viewer: Viewer, "read", terms: CommissionTerms) if
  terms.is_program = true and
  membership in viewer.memberships and
  membership.role in ["owner", "admin"];
has_permission(viewer: Viewer, "read", terms: CommissionTerms) if
  membership in viewer.memberships and
  membership.partner_id = terms.partner_id and
  membership.role in ["owner", "admin"];

# Platform staff see and set every commission term.
has_permission(viewer: Viewer, action: String, _: CommissionTerms) if
  action in ["read", "manage"] and
  viewer.is_platform_staff = true;

# The merchant's ShopIQ subscription charges, ingested from platform billing.
resource SubscriptionCharge {
  permissions = ["read", "ingest"];
}

# Platform staff read every charge; they and the billing service alone ingest them.
has_permission(viewer: Viewer, action: String, _: SubscriptionCharge) if
  action in ["read", "ingest"] and
  viewer.is_platform_staff = true;
has_permission(viewer: Viewer, "ingest", _: SubscriptionCharge) if viewer.service = "billing";

# A partner's commissions: its owners and admins only (never managers, specialists or merchants).
resource Commission {
  permissions = ["read", "approve"];
}

has_permission(viewer: Viewer, "read", commission: Commission) if
  membership in viewer.memberships and
  membership.partner_id = commission.partner_id and
  membership.role in ["owner", "admin"];
# Platform staff see every commission and alone approve those past their hold.
has_permission(viewer: Viewer, action: String, _: Commission) if
  action in ["read", "approve"] and
  viewer.is_platform_staff = true;

# --- Payouts ----------------------------------------------------------------------------------

# What ShopIQ pays a partner per currency and period (and the balances carried forward): its
# owners and admins read them; platform staff read all, run payouts and record their payment.
resource Payout {
  permissions = ["read", "manage"];
}

has_permission(viewer: Viewer, "read", payout: Payout) if
  membership in viewer.memberships and
  membership.partner_id = payout.partner_id and
  membership.role in ["owner", "admin"];
has_permission(viewer: Viewer, action: String, _: Payout) if
  action in ["read", "manage"] and
  viewer.is_platform_staff = true;
# The payout operator (`shopiq payouts run`) runs payouts and reads what it wrote.
has_permission(viewer: Viewer, action: String, _: Payout) if
  action in ["read", "manage"] and
  viewer.service = "payouts";

# The minimum balance paid out per currency: platform configuration, set by platform staff.
# Partners see the minimum in force on each payout run's row (`Payout.minimum`).
resource PayoutMinimum {
  permissions = ["read", "manage"];
}

has_permission(viewer: Viewer, action: String, _: PayoutMinimum) if
  action in ["read", "manage"] and
  viewer.is_platform_staff = true;
has_permission(viewer: Viewer, "read", _: PayoutMinimum) if viewer.service = "payouts";

# --- Earnings and profitability reports --------------------------------------------------------

# Per-client profitability (service fees, support minutes, commissions per client) is a
# management report: owners, admins and managers of a partner serving the client (any scope),
# and platform staff. Each of its figures is further filtered by its own rows' rule, so a
# manager's commission column stays empty (Commission "read" is owners and admins only).
has_permission(viewer: Viewer, "read_profitability", client: Client) if
  membership in viewer.memberships and
  manages(membership) and
  serves(membership, client);
has_permission(viewer: Viewer, "read_profitability", _: Client) if viewer.is_platform_staff = true;
