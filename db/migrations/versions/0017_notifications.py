"""Email notifications: users' preferences and the mails made for them

Revision ID: 0017_notifications
Revises: 0016_webhook_api
Create Date: 2026-11-28 13:56:47.493665
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_notifications"
down_revision: str | None = "0016_webhook_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("muted_kinds", sa.JSON(), nullable=False),
        sa.Column("daily_digest", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("digest_done_on", sa.Date(), nullable=True),
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
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("user_id", name=op.f("uq_notification_preferences_user_id")),
    )
    op.create_table(
        "sent_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invitation",
                "access_requested",
                "access_approved",
                "access_revoked",
                "handover",
                "invoice_issued",
                "daily_digest",
                name="mailkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="mailstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["outbox_events.id"], name=op.f("fk_sent_mails_event_id_outbox_events")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sent_mails_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_mails")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_sent_mails_user_id")),
    )
    with op.batch_alter_table("sent_mails", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sent_mails_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(op.f("ix_sent_mails_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sent_mails", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_sent_mails_event_id"))
        batch_op.drop_index("ix_sent_mails_status_next_attempt_at")

    op.drop_table("sent_mails")
    op.drop_table("notification_preferences")
