"""Background jobs: the job engine's queue (PostgreSQL), once-only marks and failed jobs

Revision ID: 0015_jobs
Revises: 0013_saved_reports
Create Date: 2026-11-28 14:15:00.000000

On PostgreSQL the queue of the job engine (procrastinate's tables, types and functions) is
created from the schema SQL that the installed procrastinate ships. A later procrastinate whose
schema changed brings its migration SQL (procrastinate/sql/migrations) in a new revision. On
SQLite jobs run in the serving process with an in-memory queue: nothing to create.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

revision: str = "0015_jobs"
down_revision: str | None = "0013_saved_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run_script(sql: str) -> None:
    """Runs a script of many statements (with $$ function bodies) as one simple query: the
    driver's prepared statements take one statement each."""
    driver = op.get_bind().connection.driver_connection
    await_only(driver.execute(sql))  # type: ignore[union-attr]


def upgrade() -> None:
    op.create_table(
        "task_overdue_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_overdue_marks")),
        sa.UniqueConstraint("task_id", "due_date", name="uq_task_overdue_marks_once"),
    )
    op.create_table(
        "access_expiry_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_expiry_marks")),
        sa.UniqueConstraint("access_id", "expires_at", name="uq_access_expiry_marks_once"),
    )
    op.create_table(
        "failed_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(length=100), nullable=False),
        sa.Column("engine_job_id", sa.Integer(), nullable=True),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "failed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_jobs")),
    )
    with op.batch_alter_table("failed_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_jobs_job_name"), ["job_name"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        schema = SchemaManager.get_schema()
        tables = re.findall(r"^CREATE TABLE (\w+)", schema, re.MULTILINE)
        functions = re.findall(r"^CREATE FUNCTION (\w+)", schema, re.MULTILINE)
        types = re.findall(r"^CREATE TYPE (\w+)", schema, re.MULTILINE)
        drops = [f"DROP TABLE IF EXISTS {t} CASCADE;" for t in reversed(tables)]
        drops += [f"DROP FUNCTION IF EXISTS {f} CASCADE;" for f in functions]
        drops += [f"DROP TYPE IF EXISTS {t} CASCADE;" for t in reversed(types)]
        _run_script("\n".join(drops))
    with op.batch_alter_table("failed_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_jobs_job_name"))
    op.drop_table("failed_jobs")
    op.drop_table("access_expiry_marks")
    op.drop_table("task_overdue_marks")
