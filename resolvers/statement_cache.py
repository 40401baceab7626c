"""`StatementCache`: a loader's statement built once per policy predicate.

Building a statement around a policy filter costs Python calls over the whole predicate, and
SQLAlchemy then derives its cache key on every execution. The Authorizer hands the same
predicate object to every request of viewers with the same grants, so a statement built once per
predicate, with the batch's keys as one bind parameter (resolvers/batch_keys.py), leaves a
request only its keys to bind."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Select

AnySelect: TypeAlias = Select[*tuple[Any, ...]]
# Statements kept per cache: the Authorizer keeps 4,096 predicates; one per distinct grant set.
CACHE_SIZE = 4096


class StatementCache:
    """Statements built once per policy predicate, keyed by the predicate's identity. An entry
    holds the predicate itself, so its id cannot be reused by another object while cached."""

    def __init__(
        self, build: Callable[[ColumnElement[bool]], AnySelect], size: int = CACHE_SIZE
    ) -> None:
        self._build = build
        self._size = size
        self._entries: OrderedDict[int, tuple[ColumnElement[bool], AnySelect]] = OrderedDict()

    def __call__(self, policy: ColumnElement[bool]) -> AnySelect:
        entry = self._entries.get(id(policy))
        if entry is not None and entry[0] is policy:
            self._entries.move_to_end(id(policy))
            return entry[1]
        stmt = self._build(policy)
        self._entries[id(policy)] = (policy, stmt)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return stmt

    def __len__(self) -> int:
        return len(self._entries)
