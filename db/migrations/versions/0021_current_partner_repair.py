"""A client with an active access names that access's partner as its current partner: the policy
now compares both when a partner's staff read a client (policies/authorization.polar
"partner_book"). Activating an access has always set it; this sets it on any row where it was
not.

Revision ID: 0021_current_partner_repair
Revises: 0020_live_access_task_indexes
Create Date: 2026-11-29 04:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_current_partner_repair"
down_revision: str | None = "0020_live_access_task_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# At most one access per client is active (uq_partner_accesses_active_client).
REPAIR = """
UPDATE clients
SET partner_id = (
        SELECT a.partner_id FROM partner_accesses a
        WHERE a.client_id = clients.id AND a.status = 'active'
    ),
    version = version + 1
WHERE EXISTS (
    SELECT 1 FROM partner_accesses a
    WHERE a.client_id = clients.id AND a.status = 'active'
      AND (clients.partner_id IS NULL OR a.partner_id <> clients.partner_id)
)
"""


def upgrade() -> None:
    op.execute(REPAIR)


def downgrade() -> None:
    # Nothing to undo: the rows now say what their active access says.
    pass
