"""From a mutation's input object to `Changes`: every field the caller gave, under the model
attribute it sets, with global ids decoded and `clear*` flags turned into empty values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING
from typing import Any

import strawberry
from strawberry.types.base import get_object_definition

from resolvers.changes import UNKNOWN_ID, Changes
from schema.relay import id_of

NODE = "shopiq.node"  # the Node type an ID field names
SETS = "shopiq.sets"  # the model attribute a field sets, when it is not the field's own name
CLEARS = "shopiq.clears"  # the model attribute a true `clear*` flag empties


def node_id(
    type_name: str,
    *,
    sets: str | None = None,
    required: bool = False,
    description: str | None = None,
) -> Any:
    """An input field holding the global id of a `type_name` (optional unless `required`)."""
    return strawberry.field(
        default=MISSING if required else None,
        description=description,
        metadata={NODE: type_name, SETS: sets},
    )


def clears(attribute: str, description: str | None = None) -> Any:
    """A `clear*` flag: true empties `attribute` (a null value means "leave it")."""
    return strawberry.field(default=False, description=description, metadata={CLEARS: attribute})


def sets(attribute: str, *, default: Any = MISSING, description: str | None = None) -> Any:
    """An input field whose value goes to a model attribute of another name (required unless
    given a default)."""
    return strawberry.field(default=default, description=description, metadata={SETS: attribute})


def decode(global_id: str | None, type_name: str) -> int | None:
    """The database id of an optional global id; UNKNOWN_ID when it names no `type_name`."""
    if global_id is None:
        return None
    found = id_of(global_id, type_name)
    return found if found is not None else UNKNOWN_ID


def changes_of(
    input: object, *, skip: Iterable[str] = (), prefix: tuple[str | int, ...] = ()
) -> Changes:
    """The values the caller gave (null means "not given"), keyed by model attribute."""
    skipped = set(skip)
    values: dict[str, Any] = {}
    paths: dict[str, tuple[str | int, ...]] = {}
    for field in get_object_definition(input, strict=True).fields:
        name = field.python_name
        if name in skipped:
            continue
        value = getattr(input, name)
        meta: dict[str, Any] = dict(field.metadata or {})
        attribute = meta.get(CLEARS) or meta.get(SETS) or name
        # Every attribute knows its input path, given or not: a rule about a missing value
        # names the field the caller should fill in. A value's own field comes before its flag.
        paths.setdefault(attribute, (*prefix, name))
        if CLEARS in meta:
            if value:
                values[attribute] = None
            continue
        if value is None:
            continue
        values[attribute] = decode(value, meta[NODE]) if NODE in meta else value
    return Changes(values, paths)
