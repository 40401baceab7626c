"""The event catalogue's derivation (db/events.py), without a database."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from db.audit import SECRET_MARKER, AuditOperation
from db.events import BY_ROW, Changed, derive, event_types


def changed(model: str, after: dict[str, Any], row_id: int = 1) -> Changed:
    return Changed(
        model=model,
        subject_type=model,
        row_id=row_id,
        operation=AuditOperation.UPDATE,
        after=after,
        partner_id=7,
        client_id=9,
        internal=False,
    )


def test_a_mutation_names_its_event_for_each_row_of_its_model() -> None:
    found = derive("onboardClient", [changed("Client", {"business_name": "A"}, 3)])
    assert [(e.event_type, e.change.row_id) for e in found] == [("client.onboarded", 3)]
    # Rows of other models the mutation touched make no event of their own.
    assert derive("onboardClient", [changed("Store", {"hostname": "x"})]) == []


def test_a_value_makes_its_event_whichever_mutation_set_it() -> None:
    found = derive("updateTask", [changed("Task", {"status": "done", "title": "T"})])
    assert [e.event_type for e in found] == ["task.updated", "task.completed"]
    # completeTask names the same event: it is recorded once.
    assert [
        e.event_type for e in derive("completeTask", [changed("Task", {"status": "done"})])
    ] == ["task.completed"]


def test_an_unknown_mutation_records_only_the_events_of_its_values() -> None:
    assert derive("unnamed", [changed("Task", {"title": "T"})]) == []
    assert [e.event_type for e in derive("unnamed", [changed("Invoice", {"status": "paid"})])] == [
        "invoice.paid"
    ]


def test_the_payload_carries_ids_and_changed_fields_never_a_secret() -> None:
    (event,) = derive("createAccessCode", [changed("AccessCode", {"code": SECRET_MARKER, "n": 1})])
    assert event.payload() == {
        "object": {"type": "AccessCode", "id": 1},
        "operation": "update",
        "fields": {"n": 1},
        "partnerId": 7,
        "clientId": 9,
    }


@given(st.sampled_from(sorted(BY_ROW)), st.text(max_size=5))
def test_row_events_fire_exactly_on_their_value(rule: tuple[str, str, str], other: str) -> None:
    model, column, value = rule
    assert BY_ROW[rule] in {e.event_type for e in derive("x", [changed(model, {column: value})])}
    if other != value and (model, column, other) not in BY_ROW:
        assert derive("x", [changed(model, {column: other})]) == []


def test_the_catalogue_lists_every_type_once() -> None:
    types = event_types()
    assert len(types) == len(set(types))
    assert {"client.onboarded", "task.completed", "access.approved", "invoice.issued"} <= set(types)
