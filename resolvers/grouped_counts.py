"""Counts that apply a row policy once per group of alike rows instead of once per row.

A policy filter is a predicate over some of the model's columns (and EXISTS subqueries keyed by
them). Rows that agree on those columns get the same answer, so a count first groups the rows by
the columns the policy reads (plus the key it counts per), counts each group, and only then
applies the policy to the groups: a client's 120 open tasks become one or two groups, and the
policy's EXISTS runs per group, not per task."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Column, ColumnElement, Select, Table, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

# The grouped rows keep the table's name with a numeric suffix, as an alias would, so the
# statement still reads as a filtered read of that table.
GROUPED_SUFFIX = "_0"


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
    keys: list[Any],
    conditions: list[ColumnElement[bool]],
    policy: ColumnElement[bool],
) -> Select[Any]:
    """(key, count) of the rows of `table` whose `key` is in `keys`, that meet `conditions`
    (which must not use the policy) and that the policy lets through."""
    table = cast(Table, model.__table__)
    key = table.c[key_attribute.key]
    group = [key, *(c for c in columns_read(policy, table) if c is not key)]
    grouped = (
        select(*group, func.count().label("rows_in_group"))
        .where(key.in_(keys), *conditions)
        .group_by(*group)
        .subquery(table.name + GROUPED_SUFFIX)
    )
    allowed = ClauseAdapter(grouped).traverse(policy)
    column = grouped.c[key.key]
    return select(column, func.sum(grouped.c.rows_in_group)).where(allowed).group_by(column)
