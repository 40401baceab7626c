"""The hand-over from a mutation's input to a model: what the caller gave, under which model
attribute, cleaned against the model's own columns, with every problem pointing at its field."""

from __future__ import annotations

from datetime import date

import pytest
import strawberry

from db.enums import TaskCategory
from db.models import DESCRIPTION_LIMIT, Task, WorkflowTemplateItem
from resolvers.changes import UNKNOWN_ID, Changes, apply, cleaned
from resolvers.problems import ErrorCode, Refused
from schema import enums as _registered  # noqa: F401  (the enums must be GraphQL enums)
from schema.inputs import changes_of, clears, node_id, sets
from schema.relay import to_global_id


@strawberry.input
class EditInput:
    task_id: strawberry.ID
    title: str | None = None
    description: str | None = None
    category: TaskCategory | None = None
    assignee_id: strawberry.ID | None = node_id("PartnerMember", sets="assignee_member_id")
    clear_assignee: bool = clears("assignee_member_id")
    due_date: date | None = None
    clear_due_date: bool = clears("due_date")
    done: bool | None = sets("status", default=None)


def edit(**given: object) -> Changes:
    return changes_of(EditInput(task_id=strawberry.ID("x"), **given), skip=["task_id"])


def test_only_the_fields_given_are_changes() -> None:
    changes = edit(title="Ship it", category=TaskCategory.LAUNCH)
    assert dict(changes.values) == {"title": "Ship it", "category": TaskCategory.LAUNCH}
    assert "description" not in changes
    assert "task_id" not in changes.paths


def test_a_global_id_becomes_the_row_id_under_the_models_attribute() -> None:
    changes = edit(assignee_id=to_global_id("PartnerMember", 42))
    assert dict(changes.values) == {"assignee_member_id": 42}
    assert changes.path("assignee_member_id") == ("assignee_id",)


@pytest.mark.parametrize(
    "raw",
    [to_global_id("Client", 42), "not an id", to_global_id("PartnerMember", 0)],
)
def test_an_id_that_names_no_such_object_finds_nothing(raw: str) -> None:
    assert edit(assignee_id=raw).get("assignee_member_id") == UNKNOWN_ID


def test_a_clear_flag_empties_its_attribute_and_wins_over_a_value() -> None:
    changes = edit(
        assignee_id=to_global_id("PartnerMember", 7), clear_assignee=True, clear_due_date=True
    )
    assert dict(changes.values) == {"assignee_member_id": None, "due_date": None}
    # Problems about the attribute still point at the value's own field.
    assert changes.path("assignee_member_id") == ("assignee_id",)


def test_a_false_clear_flag_changes_nothing() -> None:
    assert dict(edit(clear_assignee=False).values) == {}


def test_a_field_not_given_still_knows_its_path() -> None:
    assert edit().path("status") == ("done",)


def test_list_items_carry_their_index_in_every_path() -> None:
    changes = changes_of(EditInput(task_id=strawberry.ID("x"), title="A"), prefix=("items", 3))
    assert changes.path("title") == ("items", 3, "title")


def test_text_is_trimmed_and_blank_optional_text_is_empty() -> None:
    values = cleaned(Task, Changes({"title": "  Ship it ", "description": "   "}))
    assert dict(values.values) == {"title": "Ship it", "description": None}


def test_required_text_left_blank_is_refused_at_its_field() -> None:
    with pytest.raises(Refused) as refused:
        cleaned(WorkflowTemplateItem, Changes({"title": " "}, {"title": ("items", 2, "title")}))
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == (("input", "items", "2", "title"), ErrorCode.REQUIRED)
    assert problem.message == "This field is required."


def test_text_longer_than_its_column_is_refused_with_the_columns_limit() -> None:
    with pytest.raises(Refused) as refused:
        cleaned(Task, Changes({"title": "t" * 201, "description": "d" * (DESCRIPTION_LIMIT + 1)}))
    assert [(p.field, p.code, p.message) for p in refused.value.problems] == [
        (("input", "title"), ErrorCode.TOO_LONG, "Use at most 200 characters."),
        (
            ("input", "description"),
            ErrorCode.TOO_LONG,
            f"Use at most {DESCRIPTION_LIMIT} characters.",
        ),
    ]


def test_text_at_its_columns_limit_is_kept() -> None:
    assert cleaned(Task, Changes({"title": "t" * 200})).get("title") == "t" * 200


def test_values_other_than_text_pass_through() -> None:
    values = Changes({"due_date": date(2027, 1, 31), "client_visible": True})
    assert cleaned(Task, values) == values


def test_apply_sets_the_given_columns_and_leaves_the_rest() -> None:
    task = Task(title="Old", description="Keep")
    apply(task, Changes({"title": "New", "due_date": None}))
    assert (task.title, task.description, task.due_date) == ("New", "Keep", None)


def test_apply_refuses_a_name_that_is_not_a_column() -> None:
    with pytest.raises(ValueError, match="no column 'assignee_id'"):
        apply(Task(), Changes({"assignee_id": 3}))
