"""Idempotency keys for creating mutations: a retry with the same `Idempotency-Key` gets the
first result back instead of creating a second object.

- The key is the user's: the same key from another user is another key.
- The request is the document, its operation name and its variables (a SHA-256 fingerprint);
  the same key with another request is refused (IDEMPOTENCY_KEY_REUSED), nothing runs.
- The key is written in the mutation's own transaction, first thing, so a refused or failed
  mutation leaves no key behind (its retry runs again), and a concurrent duplicate waits on the
  key's unique constraint until the first commits, then gets the first result.
- A key holds for 24 hours; after that it is free again (expired keys of the user are pruned
  whenever the user claims a key).
- A mutation opts in with `transact(ctx, work, idempotent=Model)`: the model of the row its
  work returns."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.idempotency import IDEMPOTENCY_KEY_LIMIT, IdempotencyKey
from resolvers.context import Context, IdempotencyRequest
from resolvers.problems import ErrorCode, Problem

KEY_LIFETIME = timedelta(hours=24)
# Printable ASCII without spaces: UUIDs, ULIDs and the like.
VALID_KEY = re.compile(rf"[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_LIMIT}}}")
PLACEHOLDER_ID = 0  # the result's id until the work has created it, in the same transaction


def request_fingerprint(query: Any, operation_name: Any, variables: Any) -> str:
    canonical = json.dumps(
        {"query": query, "operationName": operation_name, "variables": variables or {}},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def key_problem(request: IdempotencyRequest) -> Problem | None:
    if VALID_KEY.fullmatch(request.key):
        return None
    return Problem.at(
        None,
        f"An Idempotency-Key is 1 to {IDEMPOTENCY_KEY_LIMIT} printable ASCII characters "
        "without spaces.",
        ErrorCode.IDEMPOTENCY_KEY_INVALID,
    )


@dataclass(frozen=True, slots=True)
class Recalled:
    """What an earlier request with the key gives this one: its result, or a problem."""

    value: Any | None
    problem: Problem | None


async def recall(ctx: Context, model: type[Any], request: IdempotencyRequest) -> Recalled | None:
    """The first result of the key, if it is in use and has not expired; None if it is free."""
    async with ctx.sessions() as session:
        record = (
            await session.execute(
                select(IdempotencyKey).where(
                    IdempotencyKey.user_id == ctx.viewer.user_id,
                    IdempotencyKey.key == request.key,
                    IdempotencyKey.expires_at > utcnow(),
                )
            )
        ).scalar_one_or_none()
        if record is None:
            return None
        if record.fingerprint != request.fingerprint or record.result_type != model.__name__:
            return Recalled(
                None,
                Problem.at(
                    None,
                    "That Idempotency-Key was already used for another request; "
                    "send a new key for a new request.",
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                ),
            )
        # Read as the user reads it now: access lost since is access lost.
        value, _ = await ctx.authz.one_with_permission(
            session, ctx.viewer, model, record.result_id, action="read"
        )
        if value is None:
            return Recalled(
                None,
                Problem.at(None, "What that request created is gone.", ErrorCode.NOT_FOUND),
            )
        return Recalled(value, None)


async def claim(
    session: AsyncSession, ctx: Context, model: type[Any], request: IdempotencyRequest
) -> IdempotencyKey:
    """Take the key in the mutation's transaction, before its work: a concurrent request with
    the same key blocks on the unique constraint until this transaction ends."""
    now = utcnow()
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == ctx.viewer.user_id, IdempotencyKey.expires_at <= now
        )
    )
    record = IdempotencyKey(
        user_id=ctx.viewer.user_id,
        key=request.key,
        fingerprint=request.fingerprint,
        result_type=model.__name__,
        result_id=PLACEHOLDER_ID,
        created_at=now,
        expires_at=now + KEY_LIFETIME,
    )
    session.add(record)
    await session.flush()
    return record
