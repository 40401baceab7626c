"""Bulk operations: one change for many clients or tasks, run item by item

Revision ID: 0018_bulk_operations
Revises: 0017_notifications
Create Date: 2026-11-28 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_bulk_operations"
down_revision: str | None = "0017_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "apply_workflow_template",
                "assign_member",
                "update_tasks",
                name="bulkkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "partial",
                "failed",
                name="bulkstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("subject_ids", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("runner", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_bulk_operations_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_bulk_operations_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_operations")),
    )
    op.create_index(
        "ix_bulk_operations_created_by_user_id_id", "bulk_operations", ["created_by_user_id", "id"]
    )
    op.create_index(op.f("ix_bulk_operations_partner_id"), "bulk_operations", ["partner_id"])
    op.create_index(
        "ix_bulk_operations_status_lease_until", "bulk_operations", ["status", "lease_until"]
    )

    op.create_table(
        "bulk_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["bulk_operations.id"],
            name=op.f("fk_bulk_results_operation_id_bulk_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_results")),
        sa.UniqueConstraint("operation_id", "position", name=op.f("uq_bulk_results_operation_id")),
    )


def downgrade() -> None:
    op.drop_table("bulk_results")
    op.drop_index("ix_bulk_operations_status_lease_until", table_name="bulk_operations")
    op.drop_index(op.f("ix_bulk_operations_partner_id"), table_name="bulk_operations")
    op.drop_index("ix_bulk_operations_created_by_user_id_id", table_name="bulk_operations")
    op.drop_table("bulk_operations")
