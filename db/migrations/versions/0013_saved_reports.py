"""Saved reports: a partner's named GraphQL queries

Revision ID: 0013_saved_reports
Revises: 0012_events
Create Date: 2026-11-28 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_saved_reports"
down_revision: str | None = "0012_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
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
            ["author_member_id"],
            ["partner_members.id"],
            name=op.f("fk_saved_reports_author_member_id_partner_members"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_saved_reports_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_reports")),
        sa.UniqueConstraint("partner_id", "name", name=op.f("uq_saved_reports_partner_id")),
    )
    op.create_index(
        op.f("ix_saved_reports_author_member_id"),
        "saved_reports",
        ["author_member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_saved_reports_partner_id"), "saved_reports", ["partner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_reports_partner_id"), table_name="saved_reports")
    op.drop_index(op.f("ix_saved_reports_author_member_id"), table_name="saved_reports")
    op.drop_table("saved_reports")
