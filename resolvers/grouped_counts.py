"""Counts that apply a row policy once per group of alike rows instead of once per row.

A policy filter is a predicate over some of the model's columns (and EXISTS subqueries keyed by
them). Rows that agree on those columns get the same answer, so a count first groups the rows by
the columns the policy reads (plus the key it counts per), counts each group, and only then
applies the policy to the groups: a client's 120 open tasks become one or two groups, and the
policy's EXISTS runs per group, not per task.

Building that statement adapts the whole policy to the grouped rows (hundreds of Python calls),
and SQLAlchemy then derives its cache key on every execution. `StatementCache` builds it once per
policy (the Authorizer hands the same predicate object to every request of viewers with the same
grants) with the batch's keys as one bind parameter (resolvers/batch_keys.py), so a request only
binds its keys."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, cast

from sqlalchemy import Column, ColumnElement, Select, Table, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

from resolvers.batch_keys import BATCH, BatchKeys, in_keys

# The grouped rows keep the table's name with a numeric suffix, as an alias would, so the
# statement still reads as a filtered read of that table.
GROUPED_SUFFIX = "_0"
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


def columns_read(predicate: ColumnElement[bool], table: Table) -> list[Column[Any]]:
    """The columns of `table` that `predicate` compares, in table order."""
    used = {
        element.key
        for element in visitors.iterate(predicate)
        if isinstance(element, Column) and element.table is table
    }
    return [c for c in table.columns if c.key in used]


def count_per_key(
    model: type[Any],
    key_attribute: InstrumentedAttribute[Any],
    keys: Sequence[Any] | BatchKeys,
    conditions: list[ColumnElement[bool]],
    policy: ColumnElement[bool],
) -> Select[Any]:
    """(key, count) of the rows of `table` whose `key` is in `keys` (a list, or BATCH for a
    statement bound per batch), that meet `conditions` (which must not use the policy)
    and that the policy lets through."""
    table = cast(Table, model.__table__)
    key = table.c[key_attribute.key]
    group = [key, *(c for c in columns_read(policy, table) if c is not key)]
    grouped = (
        select(*group, func.count().label("rows_in_group"))
        .where(in_keys(key, keys), *conditions)
        .group_by(*group)
        .subquery(table.name + GROUPED_SUFFIX)
    )
    allowed = ClauseAdapter(grouped).traverse(policy)
    column = grouped.c[key.key]
    return select(column, func.sum(grouped.c.rows_in_group)).where(allowed).group_by(column)


def cached_count_per_key(
    model: type[Any],
    key_attribute: InstrumentedAttribute[Any],
    conditions: Callable[[], list[ColumnElement[bool]]],
) -> StatementCache:
    """`count_per_key` for every batch of keys, built once per policy: execute the statement
    with `{KEYS: keys}`."""
    return StatementCache(
        lambda policy: count_per_key(model, key_attribute, BATCH, conditions(), policy)
    )
