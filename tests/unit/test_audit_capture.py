"""The capture's rules for one row, without a database: secrets never stored, internal rows
flagged, bookkeeping columns ignored, tenants read off the row."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Boolean, Integer, String, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.audit import SECRET_MARKER, AuditOperation
from db.audit_capture import _change, _diff, _of_state
from db.base import Timestamps
from db.models import Client, Partner


class Scratch(DeclarativeBase):
    pass


class Note(Timestamps, Scratch):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(String(100))
    api_key: Mapped[str | None] = mapped_column(String(100), info={"secret": True})
    visibility: Mapped[str] = mapped_column(String(16))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012  # declarative


def note(**values: Any) -> Note:
    base = {"id": 7, "partner_id": 1, "client_id": 2, "body": "hi", "visibility": "shared"}
    return Note(**{**base, **values})


def test_a_created_row_records_its_values_but_never_a_secret_nor_bookkeeping() -> None:
    row = note(api_key="sk_live_123", version=3)  # the state holds its object weakly
    change = _of_state(inspect(row), AuditOperation.CREATE)
    assert change is not None
    diff = _diff(change)
    assert diff["api_key"] == {"before": None, "after": SECRET_MARKER}
    assert "sk_live_123" not in repr(diff)
    assert diff["body"] == {"before": None, "after": "hi"}
    assert not {"id", "version", "created_at", "updated_at"} & set(diff)
    assert (change.partner_id, change.client_id, change.row_id) == (1, 2, 7)
    assert not change.internal


@pytest.mark.parametrize("was", ["internal", "shared"])
@pytest.mark.parametrize("now", ["internal", "shared"])
def test_a_row_internal_before_or_after_makes_the_event_internal(was: str, now: str) -> None:
    row = note(visibility=now)
    change = _change(
        inspect(Note), AuditOperation.UPDATE, {"visibility": was}, {"visibility": now}, vars(row)
    )
    assert change is not None
    assert change.internal == ("internal" in (was, now))


def test_a_task_like_row_not_shared_with_the_merchant_is_internal() -> None:
    change = _change(
        inspect(Note), AuditOperation.CREATE, {}, {}, {"id": 1, "client_visible": False}
    )
    assert change is not None
    assert change.internal
    change = _change(
        inspect(Note), AuditOperation.CREATE, {}, {}, {"id": 1, "client_visible": True}
    )
    assert change is not None
    assert not change.internal


def test_a_deleted_secret_is_not_kept_either() -> None:
    row = note(api_key="old")
    change = _of_state(inspect(row), AuditOperation.DELETE)
    assert change is not None
    assert _diff(change)["api_key"] == {"before": SECRET_MARKER, "after": None}


def test_clients_and_partners_are_their_own_tenants() -> None:
    client = _change(inspect(Client), AuditOperation.CREATE, {}, {}, {"id": 4, "partner_id": 9})
    partner = _change(inspect(Partner), AuditOperation.CREATE, {}, {}, {"id": 9})
    assert client is not None
    assert (client.partner_id, client.client_id) == (9, 4)
    assert partner is not None
    assert (partner.partner_id, partner.client_id) == (9, None)
