"""The one hand-over from a mutation's input to a model: `Changes` names model attributes and
the values the input gives them, and remembers where in the input each came from. The schema
builds it from its input types; services clean it against the model's own columns and apply it,
so a plain new field is declared in the model and the input, and nowhere in between."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, inspect

from resolvers.problems import Refused
from resolvers.validation import Checker

# Stands for a global id that names nothing we issued: no row has it, so a lookup by it finds
# nothing and the service answers NOT_FOUND as for any other unknown id.
UNKNOWN_ID = 0

InputPath = tuple[str | int, ...]
MAX_TEXT = 1_000_000  # a column without a declared limit


@dataclass(frozen=True, slots=True)
class Changes:
    """Model attribute -> value to set (None empties it), and the input path of each value."""

    values: Mapping[str, Any] = field(default_factory=dict)
    # Every attribute the input could set, given or not, with its path in the input.
    paths: Mapping[str, InputPath] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def path(self, name: str) -> InputPath:
        return self.paths.get(name, (name,))

    def without(self, *names: str) -> Changes:
        """The other values; paths stay, so problems about these names still find their field."""
        return Changes({k: v for k, v in self.values.items() if k not in names}, self.paths)

    def replace(self, **values: Any) -> Changes:
        return Changes({**self.values, **values}, self.paths)


def text_limit(model: type[Any], name: str) -> int | None:
    """The longest text the column holds: String(n)'s n, or a Text column's info max_length."""
    column = inspect(model).columns[name]
    if isinstance(column.type, String) and column.type.length:
        return int(column.type.length)
    limit = column.info.get("max_length")
    return int(limit) if limit is not None else None


def multiline(model: type[Any], name: str) -> bool:
    """Whether the column takes several lines: a Text column (descriptions), or one whose info
    says `multiline`. A String(n) column (names, titles, codes, addresses) holds one line."""
    column = inspect(model).columns[name]
    return isinstance(column.type, Text) or bool(column.info.get("multiline"))


def cleaned(model: type[Any], changes: Changes) -> Changes:
    """Text trimmed (blank becomes None), checked against the column's length, on one line
    unless the column is multi-line (no tab or newline in a name or title), and required where
    the column cannot be empty; every problem found is refused at once."""
    check = Checker()
    columns = inspect(model).columns
    values = dict(changes.values)
    for name, value in changes.values.items():
        if isinstance(value, str) and name in columns:
            values[name] = check.text(
                changes.path(name),
                value,
                required=not columns[name].nullable,
                max_len=text_limit(model, name) or MAX_TEXT,
                multiline=multiline(model, name),
            )
    if check.problems:
        raise Refused(*check.problems)
    return Changes(values, changes.paths)


def apply(row: Any, changes: Changes) -> None:
    """Sets each value on the row; a name that is not a column of the row is a bug."""
    columns = inspect(type(row)).columns
    for name, value in changes.values.items():
        if name not in columns:
            raise ValueError(f"{type(row).__name__} has no column {name!r}")
        setattr(row, name, value)
