"""Alembic environment: always run on a connection handed in by db.migrate (sync inside async)."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from db import models  # noqa: F401  (registers the tables on the metadata)
from db.base import Base, UTCDateTime
from db.jobs import ours


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations use plain SQL types; UTCDateTime is Python-side behaviour only."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """The job engine's own tables (procrastinate's, created by migration 0015) are not ours."""
    return type_ != "table" or name is None or ours(name)


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `shopiq db upgrade` (db.migrate), not bare alembic")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
    render_item=render_item,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
