"""Trusted documents: registered GraphQL documents that clients may send by their SHA-256

Revision ID: 0003_trusted_documents
Revises: 0002_workflow
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_trusted_documents"
down_revision: str | None = "0002_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trusted_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registered_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_user_id"],
            ["users.id"],
            name=op.f("fk_trusted_documents_registered_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_documents")),
        # The unique constraint's index is the one lookup by hash each request makes.
        sa.UniqueConstraint("sha256", name=op.f("uq_trusted_documents_sha256")),
    )


def downgrade() -> None:
    op.drop_table("trusted_documents")
