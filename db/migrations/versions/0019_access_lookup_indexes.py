"""Access lookups: one (client_id, partner_id) index on partner_accesses and on assignments in
place of the client_id-only ones, so the policy's per-client lookups have one best index
whatever the planner knows (see db/statistics.py)

Revision ID: 0019_access_lookup_indexes
Revises: 0018_bulk_operations
Create Date: 2026-11-28 17:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_access_lookup_indexes"
down_revision: str | None = "0018_bulk_operations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("partner_accesses", "assignments")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(
            op.f(f"ix_{table}_client_id_partner_id"), table, ["client_id", "partner_id"]
        )
        op.drop_index(op.f(f"ix_{table}_client_id"), table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_client_id"), table, ["client_id"])
        op.drop_index(op.f(f"ix_{table}_client_id_partner_id"), table_name=table)
