"""Which unique constraint a lost race ran into, on PostgreSQL and SQLite alike, and what the user
is told about it. Any other database error is a fault of ours, not the user's."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from sqlalchemy import Index, MetaData, UniqueConstraint

from db.base import Base
from resolvers.problems import CONFLICT_MESSAGE, ErrorCode, Problem

# A unique constraint or unique index, as (table, columns in index order).
UniqueKey = tuple[str, tuple[str, ...]]

PG_UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<cols>.+))")


def unique_keys(metadata: MetaData) -> dict[str, UniqueKey]:
    """Constraint or index name (as db/base.py's naming convention and the migrations spell it)
    -> (table, columns), for every unique constraint and unique index of the models."""
    keys: dict[str, UniqueKey] = {}
    for table in metadata.sorted_tables:
        uniques: list[UniqueConstraint | Index] = [
            c for c in table.constraints if isinstance(c, UniqueConstraint)
        ]
        uniques += [i for i in table.indexes if i.unique]
        for unique in uniques:
            assert isinstance(unique.name, str), f"unnamed unique constraint on {table.name}"
            keys[str(unique.name)] = (table.name, tuple(c.name for c in unique.columns))
    return keys


KEYS_BY_NAME = unique_keys(Base.metadata)


def _race(message: str = CONFLICT_MESSAGE) -> Problem:
    return Problem.at(None, message, ErrorCode.CONFLICT)


# What a user hears when a concurrent write took the value first. Every unique constraint of the
# models is listed (a test keeps it so). Where a retry cannot succeed the answer names the field,
# as the service's own check does; where a retry simply works (it finds the row the winner
# wrote), it is a conflict.
ANSWERS: Mapping[UniqueKey, Problem] = {
    ("stores", ("subdomain",)): Problem.at(
        "subdomain", "That subdomain was taken meanwhile; choose another.", ErrorCode.TAKEN
    ),
    ("stores", ("custom_domain",)): Problem.at(
        "hostname", "That domain is connected to another store.", ErrorCode.TAKEN
    ),
    ("stores", ("client_id",)): _race(),
    ("partner_members", ("partner_id", "user_id")): Problem.at(
        "email", "That person is already on the team or invited.", ErrorCode.TAKEN
    ),
    ("assignments", ("client_id", "member_id")): Problem.at(
        "member_id", "That member is already assigned to this client.", ErrorCode.TAKEN
    ),
    ("workflow_templates", ("partner_id", "name")): Problem.at(
        "name", "A workflow with that name exists.", ErrorCode.TAKEN
    ),
    ("users", ("email",)): _race(
        "Someone else added a user with that email address meanwhile; nothing was saved. Try again."
    ),
    ("partner_accesses", ("client_id",)): _race(
        "Another partner's access to this client became active meanwhile; nothing was saved."
    ),
    ("client_users", ("client_id", "user_id")): _race(),
    ("partners", ("slug",)): _race(),
    # Registering is idempotent (ON CONFLICT DO NOTHING); listed for completeness.
    ("trusted_documents", ("sha256",)): _race(),
    # 144 random bits: a collision is a conflict to retry.
    ("access_codes", ("code_sha256",)): _race(),
    # The client relationship: a concurrent read marker or support plan; a retry works.
    ("communication_reads", ("user_id", "client_id")): _race(),
    ("support_plans", ("client_id",)): _race(
        "Another support plan was set for this client meanwhile; nothing was saved."
    ),
    # A concurrent request with the same key normally hands over its result
    # (resolvers/idempotency.py); this answers only when that result is gone meanwhile.
    ("idempotency_keys", ("user_id", "key")): _race(
        "Another request with the same Idempotency-Key ran meanwhile; nothing was saved."
    ),
    # Names are checked before saving; this answers a concurrent save under the same name.
    ("saved_reports", ("partner_id", "name")): Problem.at(
        "name", "A report of that name was saved meanwhile.", ErrorCode.TAKEN
    ),
    ("billing_terms", ("partner_id", "client_id", "effective_from")): Problem.at(
        "effective_from", "Terms from that date were set meanwhile.", ErrorCode.TAKEN
    ),
    # Numbers come from the locked sequence row; a clash would be a fault of ours.
    ("invoices", ("partner_id", "number")): _race(),
    # A concurrent run drafted the same period first: running again drafts nothing new.
    # Charge ingestion retries a lost race as a duplicate; listed for completeness.
    ("subscription_charges", ("external_id",)): _race(),
    ("commissions", ("charge_id",)): _race(),
    # Webhook deliveries are made by the background jobs, not by a mutation; listed for
    # completeness.
    ("webhook_deliveries", ("event_id", "endpoint_id")): _race(),
    ("invoices", ("partner_id", "client_id", "kind", "period_start")): _race(
        "Another run drafted these invoices meanwhile; nothing was saved. Run again to see them."
    ),
    # A concurrent payout run of the same period wrote first: running again writes nothing new.
    ("payouts", ("partner_id", "currency", "period_end")): _race(
        "Another payout run for this period ran meanwhile; nothing was saved."
    ),
    ("payout_minimums", ("currency",)): _race(),
    # Once-only marks of the scheduled jobs, inserted ON CONFLICT DO NOTHING (never raised);
    # listed for completeness.
    ("task_overdue_marks", ("task_id", "due_date")): _race(),
    ("access_expiry_marks", ("access_id", "expires_at")): _race(),
    # A bulk item's result is inserted by the background job (ON CONFLICT DO NOTHING: a second
    # runner's attempt rolls back); listed for completeness.
    ("bulk_results", ("operation_id", "position")): _race(),
    # A user's first two changes of their email preferences at once: the retry finds the row.
    ("notification_preferences", ("user_id",)): _race(),
    # Mails are made by the background jobs, not by a mutation; listed for completeness.
    ("sent_mails", ("user_id", "key")): _race(),
}


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, the driver's exception SQLAlchemy wraps (`orig`) and what caused those
    (asyncpg's own error sits behind SQLAlchemy's adapter as `__cause__`)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        for nxt in (orig, current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                pending.append(nxt)


def violated_unique(exc: BaseException) -> UniqueKey | None:
    """The known unique constraint `exc` reports a violation of, else None (any other error,
    or a constraint the models do not declare)."""
    for cause in _causes(exc):
        # PostgreSQL (asyncpg): the server names the constraint.
        name = getattr(cause, "constraint_name", None)
        if isinstance(name, str) and getattr(cause, "sqlstate", None) == PG_UNIQUE_VIOLATION:
            return KEYS_BY_NAME.get(name)
        # SQLite: "UNIQUE constraint failed: table.col1, table.col2" (or "index 'name'").
        found = SQLITE_UNIQUE.match(str(cause)) if type(cause).__module__ == "sqlite3" else None
        if found is not None:
            if found["index"]:
                return KEYS_BY_NAME.get(found["index"])
            return _sqlite_key(found["cols"])
    return None


def _sqlite_key(columns: str) -> UniqueKey | None:
    qualified = [c.strip().partition(".") for c in columns.split(",")]
    tables = {table for table, _, _ in qualified}
    if len(tables) != 1:
        return None
    key = (tables.pop(), tuple(col for _, _, col in qualified))
    return key if key in KEYS_BY_NAME.values() else None


def race_problem(exc: BaseException) -> Problem | None:
    """The userError for a unique violation the models declare, else None."""
    key = violated_unique(exc)
    return ANSWERS.get(key) if key is not None else None
