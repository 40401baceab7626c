"""Policy lookups a prepared statement's generic plan can serve: an index of the accesses in force
per partner (partial on status = 'active', which the policy now compares as a literal), and
tasks by (client_id, partner_id) in place of client_id alone and assignments by
(partner_id, client_id) in place of partner_id alone, so a batch's rows of the viewer's partner
are one index range

Revision ID: 0020_live_access_task_indexes
Revises: 0019_access_lookup_indexes
Create Date: 2026-11-29 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_live_access_task_indexes"
down_revision: str | None = "0019_access_lookup_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_index(
        "ix_partner_accesses_live",
        "partner_accesses",
        ["partner_id", "client_id"],
        postgresql_include=["scope", "expires_at"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    op.create_index("ix_tasks_client_id_partner_id", "tasks", ["client_id", "partner_id"])
    op.drop_index("ix_tasks_client_id", table_name="tasks")
    op.create_index(
        "ix_assignments_partner_id_client_id", "assignments", ["partner_id", "client_id"]
    )
    op.drop_index("ix_assignments_partner_id", table_name="assignments")


def downgrade() -> None:
    op.create_index("ix_assignments_partner_id", "assignments", ["partner_id"])
    op.drop_index("ix_assignments_partner_id_client_id", table_name="assignments")
    op.create_index("ix_tasks_client_id", "tasks", ["client_id"])
    op.drop_index("ix_tasks_client_id_partner_id", table_name="tasks")
    op.drop_index("ix_partner_accesses_live", table_name="partner_accesses")
