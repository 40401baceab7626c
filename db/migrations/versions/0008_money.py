"""Money: billing terms (versions by effective date), service invoices with their lines and the
per-partner invoice number sequence; commission terms, ingested subscription charges and the
commissions earned (or reversed) on them

Revision ID: 0008_money
Revises: 0007_audit_trail
Create Date: 2026-11-28 11:23:32.517847
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_money"
down_revision: str | None = "0007_audit_trail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commission_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("is_program", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("hold_days", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_commission_terms_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_commission_terms_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_terms")),
    )
    with op.batch_alter_table("commission_terms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commission_terms_lookup", ["partner_id", "tier", "effective_from"], unique=False
        )

    op.create_table(
        "invoice_sequences",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_invoice_sequences_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_invoice_sequences")),
    )
    op.create_table(
        "billing_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("implementation_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("recurring_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "cycle",
            sa.Enum(
                "monthly",
                "quarterly",
                "annual",
                name="billingcycle",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_billing_terms_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_billing_terms_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_billing_terms_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_terms")),
        sa.UniqueConstraint(
            "partner_id", "client_id", "effective_from", name=op.f("uq_billing_terms_partner_id")
        ),
    )
    with op.batch_alter_table("billing_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_billing_terms_client_id"), ["client_id"], unique=False)

    op.create_table(
        "subscription_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "subscription",
                "usage",
                "refund",
                "adjustment",
                name="chargekind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("charged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunds_charge_id", sa.Integer(), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "no_commission_reason",
            sa.Enum(
                "no_partner",
                "access_not_active",
                "outside_duration",
                "no_terms",
                "nothing_to_reverse",
                name="nocommissionreason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_subscription_charges_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_subscription_charges_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["refunds_charge_id"],
            ["subscription_charges.id"],
            name=op.f("fk_subscription_charges_refunds_charge_id_subscription_charges"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_charges")),
        sa.UniqueConstraint("external_id", name=op.f("uq_subscription_charges_external_id")),
    )
    with op.batch_alter_table("subscription_charges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_charges_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subscription_charges_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "commissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("terms_id", sa.Integer(), nullable=False),
        sa.Column("access_id", sa.Integer(), nullable=False),
        sa.Column("reverses_commission_id", sa.Integer(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("base_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "paid",
                "reversed",
                name="commissionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("hold_until", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["access_id"],
            ["partner_accesses.id"],
            name=op.f("fk_commissions_access_id_partner_accesses"),
        ),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["subscription_charges.id"],
            name=op.f("fk_commissions_charge_id_subscription_charges"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_commissions_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_commissions_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_commission_id"],
            ["commissions.id"],
            name=op.f("fk_commissions_reverses_commission_id_commissions"),
        ),
        sa.ForeignKeyConstraint(
            ["terms_id"],
            ["commission_terms.id"],
            name=op.f("fk_commissions_terms_id_commission_terms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissions")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_commissions_charge_id")),
    )
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commissions_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            "ix_commissions_partner_id_status", ["partner_id", "status", "hold_until"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commissions_reverses_commission_id"),
            ["reverses_commission_id"],
            unique=False,
        )

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("billing_terms_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "implementation",
                "recurring",
                "manual",
                name="invoicekind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "issued",
                "paid",
                "void",
                name="invoicestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_reference", sa.String(length=200), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["billing_terms_id"],
            ["billing_terms.id"],
            name=op.f("fk_invoices_billing_terms_id_billing_terms"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_invoices_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_invoices_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "partner_id", "client_id", "kind", "period_start", name="uq_invoices_partner_id_period"
        ),
        sa.UniqueConstraint("partner_id", "number", name="uq_invoices_partner_id_number"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_client_id_id", ["client_id", "id"], unique=False)
        batch_op.create_index(
            "ix_invoices_partner_id_status_due_date",
            ["partner_id", "status", "due_date"],
            unique=False,
        )

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity_thousandths", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_invoice_lines_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_invoice_lines_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoice_lines_invoice_id_position", ["invoice_id", "position"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_lines_invoice_id_position")

    op.drop_table("invoice_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_partner_id_status_due_date")
        batch_op.drop_index("ix_invoices_client_id_id")

    op.drop_table("invoices")
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissions_reverses_commission_id"))
        batch_op.drop_index("ix_commissions_partner_id_status")
        batch_op.drop_index(batch_op.f("ix_commissions_client_id"))

    op.drop_table("commissions")
    with op.batch_alter_table("subscription_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_charges_partner_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_charges_client_id"))

    op.drop_table("subscription_charges")
    with op.batch_alter_table("billing_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_terms_client_id"))

    op.drop_table("billing_terms")
    op.drop_table("invoice_sequences")
    with op.batch_alter_table("commission_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_terms_lookup")

    op.drop_table("commission_terms")
