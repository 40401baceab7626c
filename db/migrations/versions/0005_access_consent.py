"""Merchant consent: access requests and scope, one-time access codes, merchant invitations

Revision ID: 0005_access_consent
Revises: 0004_idempotency
Create Date: 2026-11-28 11:02:13.906559
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_access_consent"
down_revision: str | None = "0004_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_access_id", sa.Integer(), nullable=True),
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
            ["client_id"], ["clients.id"], name=op.f("fk_access_codes_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_access_codes_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["used_by_access_id"],
            ["partner_accesses.id"],
            name=op.f("fk_access_codes_used_by_access_id_partner_accesses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_codes")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_access_codes_code_sha256")),
    )
    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_codes_client_id"), ["client_id"], unique=False)

    with op.batch_alter_table("client_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "invited",
                    "active",
                    name="clientuserstatus",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="active",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("invited_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_client_users_invited_by_user_id_users"),
            "users",
            ["invited_by_user_id"],
            ["id"],
        )

    with op.batch_alter_table("partner_accesses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("requested_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_accesses_decided_by_user_id_users"),
            "users",
            ["decided_by_user_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_accesses_requested_by_user_id_users"),
            "users",
            ["requested_by_user_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_accesses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_partner_accesses_requested_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_partner_accesses_decided_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("version")
        batch_op.drop_column("decided_by_user_id")
        batch_op.drop_column("requested_by_user_id")
        batch_op.drop_column("message")

    with op.batch_alter_table("client_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_client_users_clientuserstatus"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_client_users_invited_by_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("version")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("invited_by_user_id")
        batch_op.drop_column("status")

    with op.batch_alter_table("access_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_codes_client_id"))

    op.drop_table("access_codes")
