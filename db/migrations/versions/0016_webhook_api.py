"""The partner webhook API: an endpoint's description and version, a delivery's partner

Revision ID: 0016_webhook_api
Revises: 0015_jobs
Create Date: 2026-11-28 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_webhook_api"
down_revision: str | None = "0015_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    # A delivery's tenant key: its endpoint's partner.
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE webhook_deliveries SET partner_id = (SELECT webhook_endpoints.partner_id "
        "FROM webhook_endpoints WHERE webhook_endpoints.id = webhook_deliveries.endpoint_id)"
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.alter_column("partner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_deliveries_partner_id_partners"),
            "partners",
            ["partner_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_webhook_deliveries_partner_id_partners"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_partner_id"))
        batch_op.drop_column("partner_id")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("description")
