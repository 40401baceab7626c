"""The data-filtering adapter on its own: hand-built Oso data filters over three tiny tables
(owners, their pets, the pets' toys), compiled to one SQLAlchemy predicate and executed against
an in-memory SQLite database, or rendered as SQL text for both dialects where the shape matters.

Row layout (ids):
    owners  1 ann (rank 1, active)   2 bob (rank 5)   3 cat (rank unset, active)   4 dan (no pets)
    pets    10 rex  owner 1, sitter 2, age 1, dog      11 tom  owner 1, age 3, cat
            12 ivy  owner 2, sitter 1, age 5, kind unset  13 max  owner 3, age 7, dog
    toys    100 red on rex   101 blue on ivy   102 red on max   103 blue on tom
    collars 200 on rex   201 on ivy   202 on max   203 on tom;   cat's favourite pet is rex
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oso import Oso
from polar.data.filter import Condition, DataFilter, Projection
from polar.data.filter import Relation as FilterRelation
from polar.data_filtering import Relation as DeclaredRelation
from polar.host import UserType
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    ForeignKey,
    Select,
    String,
    create_engine,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from policies.sql_filter import SqlFilterAdapter, UnsupportedFilterError, compile_filter

# Oso's data-filtering classes carry no annotations; these names build them in typed code.
_new_filter: Any = DataFilter
_new_projection: Any = Projection
_new_condition: Any = Condition
_new_relation: Any = FilterRelation
_new_declared: Any = DeclaredRelation


class _Base(DeclarativeBase):
    pass


class Owner(_Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=False)
    favourite_pet_id: Mapped[int | None]


class Pet(_Base):
    __tablename__ = "pets"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    sitter_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))
    name: Mapped[str] = mapped_column(String(20))
    age: Mapped[int]
    kind: Mapped[str | None] = mapped_column(String(20))


class Toy(_Base):
    __tablename__ = "toys"

    id: Mapped[int] = mapped_column(primary_key=True)
    pet_id: Mapped[int] = mapped_column(ForeignKey("pets.id"))
    color: Mapped[str] = mapped_column(String(20))


class Collar(_Base):
    __tablename__ = "collars"

    id: Mapped[int] = mapped_column(primary_key=True)
    pet_id: Mapped[int] = mapped_column(ForeignKey("pets.id"))
    size: Mapped[str] = mapped_column(String(20))


ALL_OWNERS = [1, 2, 3, 4]
ALL_PETS = [10, 11, 12, 13]
AGES = {10: 1, 11: 3, 12: 5, 13: 7}

FIELDS: dict[type[Any], dict[str, Any]] = {
    Owner: {
        "id": int,
        "name": str,
        "rank": int,
        "active": bool,
        "favourite_pet_id": int,
        "pets": _new_declared("many", "Pet", "id", "owner_id"),
        "favourite": _new_declared("one", "Pet", "favourite_pet_id", "id"),
    },
    Pet: {
        "id": int,
        "owner_id": int,
        "sitter_id": int,
        "name": str,
        "age": int,
        "kind": str,
        "owner": _new_declared("one", "Owner", "owner_id", "id"),
        "toys": _new_declared("many", "Toy", "id", "pet_id"),
        # Owners whose favourite this pet is: favourite_pet_id is no foreign key.
        "fans": _new_declared("many", "Owner", "id", "favourite_pet_id"),
    },
    Toy: {"id": int, "pet_id": int, "color": str},
    Collar: {
        "id": int,
        "pet_id": int,
        "size": str,
        "pet": _new_declared("one", "Pet", "pet_id", "id"),
    },
}


def _types() -> dict[object, UserType]:
    """What Oso hands the adapter: one entry per class, keyed by class name and by class."""
    types: dict[object, UserType] = {}
    for number, (cls, fields) in enumerate(FIELDS.items()):
        user_type = UserType(name=cls.__name__, cls=cls, id=number, fields=fields)
        types[cls.__name__] = user_type
        types[cls] = user_type
    return types


TYPES = _types()


def rel(left: type[Any], name: str, right: type[Any]) -> FilterRelation:
    relation: FilterRelation = _new_relation(left=left, name=name, right=right)
    return relation


OWNER_PETS = rel(Owner, "pets", Pet)
OWNER_FAVOURITE = rel(Owner, "favourite", Pet)
PET_OWNER = rel(Pet, "owner", Owner)
PET_TOYS = rel(Pet, "toys", Toy)
PET_FANS = rel(Pet, "fans", Owner)
COLLAR_PET = rel(Collar, "pet", Pet)


def data_filter(
    model: type[Any],
    conditions: list[list[Condition]],
    relations: list[FilterRelation] | None = None,
) -> DataFilter:
    built: DataFilter = _new_filter(
        model=model, relations=relations or [], conditions=conditions, types=TYPES
    )
    return built


def one(*conditions: Condition) -> list[list[Condition]]:
    """A single conjunction."""
    return [list(conditions)]


def col(model: type[Any], name: str | None) -> Projection:
    projection: Projection = _new_projection(source=model, field=name)
    return projection


def cond(left: object, cmp: str, right: object) -> Condition:
    condition: Condition = _new_condition(left=left, cmp=cmp, right=right)
    return condition


@pytest.fixture(scope="module")
def db() -> Iterator[Connection]:
    engine: Engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(Owner),
            [
                {"id": 1, "name": "ann", "rank": 1, "active": True, "favourite_pet_id": None},
                {"id": 2, "name": "bob", "rank": 5, "active": False, "favourite_pet_id": None},
                {"id": 3, "name": "cat", "rank": None, "active": True, "favourite_pet_id": 10},
                {"id": 4, "name": "dan", "rank": 9, "active": False, "favourite_pet_id": None},
            ],
        )
        conn.execute(
            insert(Pet),
            [
                {"id": 10, "owner_id": 1, "sitter_id": 2, "name": "rex", "age": 1, "kind": "dog"},
                {
                    "id": 11,
                    "owner_id": 1,
                    "sitter_id": None,
                    "name": "tom",
                    "age": 3,
                    "kind": "cat",
                },
                {"id": 12, "owner_id": 2, "sitter_id": 1, "name": "ivy", "age": 5, "kind": None},
                {
                    "id": 13,
                    "owner_id": 3,
                    "sitter_id": None,
                    "name": "max",
                    "age": 7,
                    "kind": "dog",
                },
            ],
        )
        conn.execute(
            insert(Toy),
            [
                {"id": 100, "pet_id": 10, "color": "red"},
                {"id": 101, "pet_id": 12, "color": "blue"},
                {"id": 102, "pet_id": 13, "color": "red"},
                {"id": 103, "pet_id": 11, "color": "blue"},
            ],
        )
        conn.execute(
            insert(Collar),
            [
                {"id": 200, "pet_id": 10, "size": "s"},
                {"id": 201, "pet_id": 12, "size": "m"},
                {"id": 202, "pet_id": 13, "size": "l"},
                {"id": 203, "pet_id": 11, "size": "s"},
            ],
        )
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def visible(conn: Connection, model: type[Any], predicate: ColumnElement[bool]) -> list[int]:
    """Ids of `model` rows the predicate lets through."""
    stmt: Select[Any] = select(model.id).where(predicate)
    found: list[int] = sorted(conn.execute(stmt).scalars())
    return found


def run(conn: Connection, filter_: DataFilter) -> list[int]:
    model: type[Any] = filter_.model
    return visible(conn, model, compile_filter(filter_))


_DIALECT_CLASSES: dict[str, Any] = {"sqlite": sqlite.dialect, "postgresql": postgresql.dialect}
DIALECTS: dict[str, Dialect] = {name: cls() for name, cls in _DIALECT_CLASSES.items()}


def render(statement: Any, dialect: str) -> str:
    """SQL text with literal values inlined, as the dialect would send it."""
    return str(statement.compile(dialect=DIALECTS[dialect], compile_kwargs={"literal_binds": True}))


def sql_of(filter_: DataFilter, dialect: str) -> str:
    return render(select(filter_.model.id).where(compile_filter(filter_)), dialect)


# --- Operators ---------------------------------------------------------------------------------

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Eq": operator.eq,
    "Neq": operator.ne,
    "Lt": operator.lt,
    "Leq": operator.le,
    "Gt": operator.gt,
    "Geq": operator.ge,
}
SQL_OPERATORS = {"Eq": "=", "Neq": "!=", "Lt": "<", "Leq": "<=", "Gt": ">", "Geq": ">="}
MIRRORED = {"Eq": "=", "Neq": "!=", "Lt": ">", "Leq": ">=", "Gt": "<", "Geq": "<="}


@pytest.mark.parametrize("op", list(COMPARISONS))
def test_comparison_with_the_column_on_the_left(db: Connection, op: str) -> None:
    filter_ = data_filter(Pet, one(cond(col(Pet, "age"), op, 3)))
    expected = [pet for pet, age in AGES.items() if COMPARISONS[op](age, 3)]
    assert run(db, filter_) == expected
    assert expected  # every operator keeps some rows and drops others here
    assert expected != ALL_PETS


@pytest.mark.parametrize("op", list(COMPARISONS))
def test_comparison_with_the_column_on_the_right_is_mirrored(db: Connection, op: str) -> None:
    # `3 < pets.age` must mean the same as `pets.age > 3`.
    filter_ = data_filter(Pet, one(cond(3, op, col(Pet, "age"))))
    expected = [pet for pet, age in AGES.items() if COMPARISONS[op](3, age)]
    assert run(db, filter_) == expected


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("op", list(COMPARISONS))
def test_comparison_renders_column_first_in_both_orientations(op: str, dialect: str) -> None:
    left = sql_of(data_filter(Pet, one(cond(col(Pet, "age"), op, 3))), dialect)
    right = sql_of(data_filter(Pet, one(cond(3, op, col(Pet, "age")))), dialect)
    assert f"WHERE pets.age {SQL_OPERATORS[op]} 3" in left
    assert f"WHERE pets.age {MIRRORED[op]} 3" in right


def test_in_keeps_listed_values(db: Connection) -> None:
    filter_ = data_filter(Pet, one(cond(col(Pet, "age"), "In", [1, 5, 99])))
    assert run(db, filter_) == [10, 12]


def test_nin_drops_listed_values(db: Connection) -> None:
    filter_ = data_filter(Pet, one(cond(col(Pet, "age"), "Nin", [1, 5, 99])))
    assert run(db, filter_) == [11, 13]


@pytest.mark.parametrize("values", [(3, 7), {3, 7}, frozenset({3, 7})])
def test_in_accepts_tuples_and_sets(db: Connection, values: object) -> None:
    assert run(db, data_filter(Pet, one(cond(col(Pet, "age"), "In", values)))) == [11, 13]


def test_in_an_empty_list_matches_nothing_and_nin_everything(db: Connection) -> None:
    assert run(db, data_filter(Pet, one(cond(col(Pet, "age"), "In", [])))) == []
    assert run(db, data_filter(Pet, one(cond(col(Pet, "age"), "Nin", [])))) == ALL_PETS


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_in_and_nin_render_as_sql_membership(dialect: str) -> None:
    in_sql = sql_of(data_filter(Pet, one(cond(col(Pet, "age"), "In", [1, 5]))), dialect)
    nin_sql = sql_of(data_filter(Pet, one(cond(col(Pet, "age"), "Nin", [1, 5]))), dialect)
    assert "pets.age IN (1, 5)" in in_sql
    assert "pets.age NOT IN (1, 5)" in nin_sql


def test_string_and_boolean_literals(db: Connection) -> None:
    assert run(db, data_filter(Pet, one(cond(col(Pet, "kind"), "Eq", "dog")))) == [10, 13]
    assert run(db, data_filter(Owner, one(cond(col(Owner, "active"), "Eq", True)))) == [1, 3]
    assert run(db, data_filter(Owner, one(cond(False, "Eq", col(Owner, "active"))))) == [2, 4]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_boolean_literal_renders_for_the_dialect(dialect: str) -> None:
    text = sql_of(data_filter(Owner, one(cond(col(Owner, "active"), "Eq", True))), dialect)
    assert text.endswith(
        {"sqlite": "owners.active = 1", "postgresql": "owners.active = true"}[dialect]
    )


def test_none_compares_as_is_null(db: Connection) -> None:
    # `kind = nil` in a policy selects rows whose column is NULL, in either orientation.
    assert run(db, data_filter(Pet, one(cond(col(Pet, "kind"), "Eq", None)))) == [12]
    assert run(db, data_filter(Pet, one(cond(None, "Eq", col(Pet, "kind"))))) == [12]
    assert run(db, data_filter(Pet, one(cond(col(Pet, "kind"), "Neq", None)))) == [10, 11, 13]


def test_neq_and_nin_never_let_a_null_column_through(db: Connection) -> None:
    # SQL three-valued logic: a NULL column is neither equal nor unequal to a value, so such a
    # row stays hidden (the safe direction).
    assert run(db, data_filter(Pet, one(cond(col(Pet, "kind"), "Neq", "dog")))) == [11]
    assert run(db, data_filter(Pet, one(cond(col(Pet, "kind"), "Nin", ["dog"])))) == [11]


# --- Primary keys and model instances -----------------------------------------------------------


def test_field_none_means_the_primary_key(db: Connection) -> None:
    assert run(db, data_filter(Pet, one(cond(col(Pet, None), "Eq", 12)))) == [12]
    assert run(db, data_filter(Pet, one(cond(12, "Neq", col(Pet, None))))) == [10, 11, 13]
    assert run(db, data_filter(Pet, one(cond(col(Pet, None), "In", [10, 13])))) == [10, 13]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_field_none_renders_the_primary_key_column(dialect: str) -> None:
    assert sql_of(data_filter(Pet, one(cond(col(Pet, None), "Eq", 12))), dialect).endswith(
        "WHERE pets.id = 12"
    )


def test_model_instance_stands_for_its_primary_key(db: Connection) -> None:
    bob = Owner(id=2, name="bob")
    ann = Owner(id=1, name="ann")
    cat = Owner(id=3, name="cat")
    assert run(db, data_filter(Pet, one(cond(col(Pet, "owner_id"), "Eq", bob)))) == [12]
    assert run(db, data_filter(Pet, one(cond(ann, "Eq", col(Pet, "owner_id"))))) == [10, 11]
    assert run(db, data_filter(Pet, one(cond(col(Pet, "owner_id"), "In", [ann, cat])))) == [
        10,
        11,
        13,
    ]
    assert run(db, data_filter(Owner, one(cond(col(Owner, None), "Eq", bob)))) == [2]
    assert run(db, data_filter(Owner, one(cond(bob, "Neq", col(Owner, None))))) == [1, 3, 4]


# --- Constant conditions, empty filters, OR of ANDs ---------------------------------------------

ANN = Owner(id=1, name="ann")
ANN_AGAIN = Owner(id=1, name="ann")
BOB = Owner(id=2, name="bob")


@pytest.mark.parametrize(
    ("left", "op", "right", "holds"),
    [
        (1, "Eq", 1, True),
        (1, "Eq", 2, False),
        (True, "Eq", False, False),  # what Polar emits for a rule that can never hold
        ("a", "Neq", "b", True),
        ("a", "Neq", "a", False),
        (1, "Lt", 2, True),
        (2, "Leq", 1, False),
        (3, "Gt", 2, True),
        (2, "Geq", 3, False),
        ("a", "In", ["a", "b"], True),
        ("c", "In", ["a", "b"], False),
        ("c", "Nin", ["a", "b"], True),
        ("a", "Nin", ("a",), False),
        (3, "In", [], False),
        (3, "Nin", [], True),
        (ANN, "Eq", ANN_AGAIN, True),
        (ANN, "Eq", BOB, False),
        (ANN, "In", [BOB, ANN_AGAIN], True),
        (ANN, "Nin", [BOB], True),
    ],
)
def test_constant_condition(
    db: Connection, left: object, op: str, right: object, holds: bool
) -> None:
    assert run(db, data_filter(Pet, one(cond(left, op, right)))) == (ALL_PETS if holds else [])


def test_constant_condition_is_anded_with_column_conditions(db: Connection) -> None:
    older = cond(col(Pet, "age"), "Gt", 4)
    assert run(db, data_filter(Pet, one(cond(1, "Eq", 1), older))) == [12, 13]
    assert run(db, data_filter(Pet, one(cond(1, "Eq", 2), older))) == []
    assert run(db, data_filter(Pet, one(older, cond(1, "Eq", 2)))) == []


def test_no_conjunctions_means_nothing_is_visible(db: Connection) -> None:
    assert run(db, data_filter(Pet, [])) == []
    assert run(db, data_filter(Owner, [], [OWNER_PETS])) == []


def test_one_empty_conjunction_means_everything_is_visible(db: Connection) -> None:
    assert run(db, data_filter(Pet, [[]])) == ALL_PETS
    assert run(db, data_filter(Owner, [[]])) == ALL_OWNERS


def test_an_always_false_disjunct_leaves_the_others(db: Connection) -> None:
    filter_ = data_filter(Pet, [[cond(True, "Eq", False)], [cond(col(Pet, "name"), "Eq", "tom")]])
    assert run(db, filter_) == [11]


def test_or_of_ands(db: Connection) -> None:
    filter_ = data_filter(
        Pet,
        [
            [cond(col(Pet, "age"), "Gt", 4), cond(col(Pet, "kind"), "Eq", "dog")],
            [cond("rex", "Eq", col(Pet, "name"))],
            [cond(col(Pet, "age"), "Eq", 3), cond(col(Pet, "kind"), "Eq", "dog")],
        ],
    )
    assert run(db, filter_) == [10, 13]


def test_or_of_ands_across_relations(db: Connection) -> None:
    filter_ = data_filter(
        Pet,
        [
            [cond("ann", "Eq", col(Owner, "name"))],
            [cond(col(Toy, "color"), "Eq", "blue")],
        ],
        [PET_OWNER, PET_TOYS],
    )
    assert run(db, filter_) == [10, 11, 12]


# --- Disjuncts alike but for one value become one IN ---------------------------------------------


def test_disjuncts_alike_but_for_one_value_become_one_in(db: Connection) -> None:
    # What Polar answers for `pet.kind in ["dog", "cat"] and pet.age > 2`: one disjunct a value.
    filter_ = data_filter(
        Pet,
        [
            [cond(col(Pet, "kind"), "Eq", "dog"), cond(col(Pet, "age"), "Gt", 2)],
            [cond(col(Pet, "age"), "Gt", 2), cond("cat", "Eq", col(Pet, "kind"))],
        ],
    )
    assert run(db, filter_) == [11, 13]
    text = sql_of(filter_, "postgresql")
    assert " OR " not in text
    assert "pets.kind IN ('dog', 'cat')" in text


def test_alike_disjuncts_over_a_relation_ask_for_one_related_row(db: Connection) -> None:
    # Owners with a pet that is a dog or a cat: one EXISTS over pets, not one per kind.
    filter_ = data_filter(
        Owner,
        [
            [cond(col(Pet, "kind"), "Eq", "dog"), cond(col(Pet, "age"), "Gt", 2)],
            [cond(col(Pet, "kind"), "Eq", "cat"), cond(col(Pet, "age"), "Gt", 2)],
            [cond(col(Pet, "kind"), "In", ["dog", "cat"]), cond(col(Pet, "age"), "Gt", 2)],
        ],
        [OWNER_PETS],
    )
    assert run(db, filter_) == [1, 3]
    text = sql_of(filter_, "postgresql")
    assert text.count("EXISTS") == 1
    assert "pets_1.kind IN ('dog', 'cat')" in text


def test_disjuncts_that_differ_in_two_conditions_stay_apart(db: Connection) -> None:
    # (dog and 7) or (cat and 1) is max alone; kind IN (dog, cat) and age IN (7, 1) would add rex.
    filter_ = data_filter(
        Pet,
        [
            [cond(col(Pet, "kind"), "Eq", "dog"), cond(col(Pet, "age"), "Eq", 7)],
            [cond(col(Pet, "kind"), "Eq", "cat"), cond(col(Pet, "age"), "Eq", 1)],
        ],
    )
    assert run(db, filter_) == [13]


def test_equality_with_none_is_not_merged_into_in(db: Connection) -> None:
    # kind = None is IS NULL (ivy); IN (NULL, 'dog') would never match her.
    filter_ = data_filter(
        Pet, [[cond(col(Pet, "kind"), "Eq", None)], [cond(col(Pet, "kind"), "Eq", "dog")]]
    )
    assert run(db, filter_) == [10, 12, 13]


def test_alike_disjuncts_on_different_rows_of_a_relation_stay_apart(db: Connection) -> None:
    # A red-toy pet or a blue-toy pet is one EXISTS with IN: the toy is one row in each disjunct.
    # But a disjunct that also asks something of the owner is not alike the one that does not.
    filter_ = data_filter(
        Pet,
        [
            [cond(col(Toy, "color"), "Eq", "red"), cond(col(Owner, "name"), "Eq", "cat")],
            [cond(col(Toy, "color"), "Eq", "blue")],
        ],
        [PET_TOYS, PET_OWNER],
    )
    assert run(db, filter_) == [11, 12, 13]


_VOCABULARY: list[Condition] = [
    cond(col(Pet, "kind"), "Eq", "dog"),
    cond(col(Pet, "kind"), "Eq", "cat"),
    cond(col(Pet, "kind"), "Eq", None),
    cond("dog", "Eq", col(Pet, "kind")),
    cond(col(Pet, "kind"), "In", ["cat", "dog"]),
    cond(col(Pet, "age"), "Eq", 1),
    cond(col(Pet, "age"), "Eq", 7),
    cond(col(Pet, "age"), "Gt", 2),
    cond(col(Pet, "age"), "In", [3, 5]),
    cond(col(Toy, "color"), "Eq", "red"),
    cond(col(Toy, "color"), "Eq", "blue"),
    cond(col(Owner, "name"), "Eq", "ann"),
    cond(col(Owner, "active"), "Eq", True),
    cond(col(Owner, "rank"), "Eq", 1),
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=3), min_size=1, max_size=5)
)
def test_merging_alike_disjuncts_never_changes_the_rows(
    db: Connection, disjuncts: list[list[Condition]]
) -> None:
    # The rows of the whole filter are the union of each disjunct's own (which has nothing to
    # merge), whatever Polar's disjuncts look like.
    whole = run(db, data_filter(Pet, disjuncts, _relations_of(disjuncts)))
    each = {
        pet
        for conj in disjuncts
        for pet in run(db, data_filter(Pet, [conj], _relations_of([conj])))
    }
    assert whole == sorted(each)


def _relations_of(disjuncts: list[list[Condition]]) -> list[FilterRelation]:
    """The relations the conditions reach (one only required to exist is refused)."""
    types = {
        side.source
        for conj in disjuncts
        for c in conj
        for side in (c.left, c.right)
        if isinstance(side, Projection)
    }
    return [r for r in (PET_TOYS, PET_OWNER) if r.right in types]


# --- Relations become correlated EXISTS ---------------------------------------------------------


def test_one_hop_to_one(db: Connection) -> None:
    # Pets whose owner has rank >= 5; an owner without a rank never qualifies.
    filter_ = data_filter(Pet, one(cond(5, "Leq", col(Owner, "rank"))), [PET_OWNER])
    assert run(db, filter_) == [12]


def test_one_hop_to_many(db: Connection) -> None:
    filter_ = data_filter(Owner, one(cond("dog", "Eq", col(Pet, "kind"))), [OWNER_PETS])
    assert run(db, filter_) == [1, 3]


def test_one_hop_never_duplicates_the_root_row(db: Connection) -> None:
    # Ann has two pets; a predicate (unlike a join) still yields her once.
    filter_ = data_filter(Owner, one(cond(col(Pet, "age"), "Lt", 10)), [OWNER_PETS])
    stmt = select(Owner.id).where(compile_filter(filter_)).order_by(Owner.id)
    assert list(db.execute(stmt).scalars()) == [1, 2, 3]


def test_conditions_on_one_related_type_refer_to_the_same_row(db: Connection) -> None:
    # "a pet that is a dog older than 2": ann has a dog (age 1) and an older cat, so not her.
    filter_ = data_filter(
        Owner,
        one(cond(col(Pet, "kind"), "Eq", "dog"), cond(col(Pet, "age"), "Gt", 2)),
        [OWNER_PETS],
    )
    assert run(db, filter_) == [3]


def test_root_and_related_conditions_together(db: Connection) -> None:
    filter_ = data_filter(
        Owner,
        one(cond(col(Owner, "active"), "Eq", True), cond(col(Pet, "age"), "Geq", 3)),
        [OWNER_PETS],
    )
    assert run(db, filter_) == [1, 3]


def test_two_hops(db: Connection) -> None:
    filter_ = data_filter(Owner, one(cond("red", "Eq", col(Toy, "color"))), [OWNER_PETS, PET_TOYS])
    assert run(db, filter_) == [1, 3]


def test_two_hops_keep_the_middle_row_shared(db: Connection) -> None:
    # "a pet older than 2 with a red toy": ann's red toy belongs to a 1-year-old, so only cat.
    filter_ = data_filter(
        Owner,
        one(cond(col(Pet, "age"), "Gt", 2), cond(col(Toy, "color"), "Eq", "red")),
        [OWNER_PETS, PET_TOYS],
    )
    assert run(db, filter_) == [3]


def test_sibling_relations(db: Connection) -> None:
    filter_ = data_filter(
        Pet,
        one(cond(col(Owner, "name"), "Eq", "ann"), cond(col(Toy, "color"), "Eq", "blue")),
        [PET_OWNER, PET_TOYS],
    )
    assert run(db, filter_) == [11]


def test_field_none_on_a_related_type_is_its_primary_key(db: Connection) -> None:
    filter_ = data_filter(Pet, one(cond(col(Owner, None), "Eq", BOB)), [PET_OWNER])
    assert run(db, filter_) == [12]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_relations_render_as_nested_exists_without_joins(dialect: str) -> None:
    one_hop = sql_of(
        data_filter(Pet, one(cond(col(Owner, "name"), "Eq", "ann")), [PET_OWNER]), dialect
    )
    two_hops = sql_of(
        data_filter(Owner, one(cond(col(Toy, "color"), "Eq", "red")), [OWNER_PETS, PET_TOYS]),
        dialect,
    )
    for text in (one_hop, two_hops):
        assert "JOIN" not in text.upper()
    assert one_hop.count("EXISTS") == 1
    assert "FROM owners AS owners_1" in one_hop
    assert "owners_1.id = pets.owner_id" in one_hop
    assert two_hops.count("EXISTS") == 2
    assert "FROM pets AS pets_1" in two_hops
    assert "FROM toys AS toys_1" in two_hops
    assert "toys_1.pet_id = pets_1.id" in two_hops


def test_a_bare_hop_is_left_out_when_the_next_key_is_a_foreign_key_to_it(db: Connection) -> None:
    # "a collar whose pet has a red toy": the pet has no condition and toys.pet_id references
    # pets.id, so the toy is asked for by the collar's pet_id directly.
    filter_ = data_filter(Collar, one(cond(col(Toy, "color"), "Eq", "red")), [COLLAR_PET, PET_TOYS])
    assert run(db, filter_) == [200, 202]
    for dialect in DIALECTS:
        text = sql_of(filter_, dialect)
        assert "pets" not in text
        assert "toys_1.pet_id = collars.pet_id" in text


def test_a_left_out_hop_keeps_each_onward_relation_to_its_own_row(db: Connection) -> None:
    # Two onward relations from the left-out pet: the pet has a red toy and a blue one. No pet
    # has both, so no collar qualifies; each EXISTS still reads toys of the collar's own pet.
    both = data_filter(
        Collar,
        [[cond(col(Toy, "color"), "Eq", "red"), cond(col(Toy, "color"), "Eq", "blue")]],
        [COLLAR_PET, PET_TOYS],
    )
    assert run(db, both) == []


def test_a_hop_with_a_condition_of_its_own_is_kept(db: Connection) -> None:
    filter_ = data_filter(
        Collar,
        one(cond(col(Pet, "age"), "Gt", 2), cond(col(Toy, "color"), "Eq", "red")),
        [COLLAR_PET, PET_TOYS],
    )
    assert run(db, filter_) == [202]
    assert "FROM pets AS pets_1" in sql_of(filter_, "postgresql")


def test_a_hop_is_kept_when_the_next_key_is_no_foreign_key(db: Connection) -> None:
    # owners.favourite_pet_id references nothing: an owner may name a pet that does not exist,
    # so only the pet row says the collar's pet is real.
    filter_ = data_filter(
        Collar, one(cond(col(Owner, "name"), "Eq", "cat")), [COLLAR_PET, PET_FANS]
    )
    assert run(db, filter_) == [200]
    assert "FROM pets AS pets_1" in sql_of(filter_, "postgresql")


def test_a_hop_is_kept_when_the_next_relation_leaves_from_another_column(db: Connection) -> None:
    # The pet's owner is found by pets.owner_id, not by the pets.id the collar links to.
    filter_ = data_filter(
        Collar, one(cond(col(Owner, "name"), "Eq", "ann")), [COLLAR_PET, PET_OWNER]
    )
    assert run(db, filter_) == [200, 203]
    assert "FROM pets AS pets_1" in sql_of(filter_, "postgresql")


def test_a_relation_only_required_to_exist_is_not_dropped(db: Connection) -> None:
    # Polar's `_pet in owner.pets` ("owners with at least one pet") reaches the adapter as the
    # relation Owner.pets plus one empty conjunction: no condition names Pet. Reading the empty
    # conjunction as TRUE makes dan, who has no pet, visible. Either answer below is closed.
    filter_ = data_filter(Owner, [[]], [OWNER_PETS])
    try:
        predicate = compile_filter(filter_)
    except UnsupportedFilterError:
        return
    assert visible(db, Owner, predicate) == [1, 2, 3]


class Visitor:
    """An actor for the tiny policies below."""


def tiny_oso(policy: str) -> Oso:
    oso: Any = Oso()
    oso.register_class(Visitor)
    oso.register_class(Owner, fields=FIELDS[Owner])
    oso.register_class(Pet, fields=FIELDS[Pet])
    oso.register_class(Toy, fields=FIELDS[Toy])
    oso.set_data_filtering_adapter(SqlFilterAdapter())
    oso.load_str(policy)
    built: Oso = oso
    return built


def test_policy_requiring_a_related_row_to_exist(db: Connection) -> None:
    # The same rule written in Polar: only owners that have a pet may be read.
    oso = tiny_oso('allow(_: Visitor, "read", owner: Owner) if _pet in owner.pets;')
    try:
        predicate = oso.authorized_query(Visitor(), "read", Owner)
    except UnsupportedFilterError:
        return
    assert visible(db, Owner, predicate) == [1, 2, 3]


def test_policy_with_related_conditions_end_to_end(db: Connection) -> None:
    oso = tiny_oso(
        'allow(_: Visitor, "read", owner: Owner) if owner.name = "dan";\n'
        'allow(_: Visitor, "read", owner: Owner) if pet in owner.pets and pet.kind = "cat";'
    )
    assert visible(db, Owner, oso.authorized_query(Visitor(), "read", Owner)) == [1, 4]


# --- The alias keeps the subquery independent of the outer query ------------------------------


def test_outer_join_of_the_related_table_does_not_capture_the_subquery(db: Connection) -> None:
    # Pets owned by ann, listed with their sitter joined from the same owners table. Were the
    # subquery to correlate with the outer owners, it would test the sitter instead (ivy's
    # sitter is ann) and return the wrong pet.
    predicate = compile_filter(
        data_filter(Pet, one(cond(col(Owner, "name"), "Eq", "ann")), [PET_OWNER])
    )
    stmt = select(Pet.id).join(Owner, Owner.id == Pet.sitter_id).where(predicate)
    assert sorted(db.execute(stmt).scalars()) == [10]


def test_outer_join_of_the_child_table_does_not_narrow_the_exists(db: Connection) -> None:
    # Owners with a cat, listed through their dog rex: ann qualifies through tom, her other pet.
    predicate = compile_filter(
        data_filter(Owner, one(cond(col(Pet, "kind"), "Eq", "cat")), [OWNER_PETS])
    )
    stmt = select(Owner.id).join(Pet, Pet.owner_id == Owner.id).where(Pet.name == "rex", predicate)
    assert sorted(db.execute(stmt).scalars()) == [1]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_subquery_keeps_its_own_from_under_an_outer_join(dialect: str) -> None:
    predicate = compile_filter(
        data_filter(Pet, one(cond(col(Owner, "name"), "Eq", "ann")), [PET_OWNER])
    )
    text = render(select(Pet.id).join(Owner, Owner.id == Pet.sitter_id).where(predicate), dialect)
    assert "FROM owners AS owners_1" in text
    assert "owners_1.name = 'ann'" in text


# --- Fail closed --------------------------------------------------------------------------------


def refused(filter_: DataFilter) -> str:
    with pytest.raises(UnsupportedFilterError) as info:
        compile_filter(filter_)
    return str(info.value)


@pytest.mark.parametrize("op", ["Like", "Contains", "eq", "", "Not"])
def test_unknown_operator_is_refused(op: str) -> None:
    refused(data_filter(Pet, one(cond(col(Pet, "age"), op, 3))))
    refused(data_filter(Pet, one(cond(3, op, col(Pet, "age")))))
    refused(data_filter(Pet, one(cond(1, op, 1))))


def test_unknown_operator_in_a_later_disjunct_is_refused() -> None:
    refused(
        data_filter(Pet, [[cond(col(Pet, "age"), "Eq", 3)], [cond(col(Pet, "age"), "Like", 3)]])
    )


@pytest.mark.parametrize("op", [*COMPARISONS, "In", "Nin"])
def test_comparing_two_columns_is_refused(op: str) -> None:
    refused(data_filter(Pet, one(cond(col(Pet, "owner_id"), op, col(Pet, "sitter_id")))))


def test_comparing_columns_of_two_tables_is_refused() -> None:
    message = refused(
        data_filter(Pet, one(cond(col(Pet, "owner_id"), "Eq", col(Owner, None))), [PET_OWNER])
    )
    assert "two tables" in message


def test_condition_on_a_type_off_the_relation_path_is_refused() -> None:
    refused(data_filter(Pet, one(cond(col(Owner, "name"), "Eq", "ann"))))
    refused(data_filter(Owner, one(cond(col(Toy, "color"), "Eq", "red")), [OWNER_PETS]))


@pytest.mark.parametrize(
    "relation",
    [
        rel(Pet, "vet", Owner),  # no such field
        rel(Pet, "owner_id", Owner),  # a plain field, not a relation
        rel(Toy, "pet", Pet),  # a type without relations
    ],
)
def test_undeclared_relation_is_refused(relation: FilterRelation) -> None:
    refused(data_filter(relation.left, one(cond(col(relation.left, None), "Eq", 1)), [relation]))


def test_relation_leading_to_another_type_than_declared_is_refused() -> None:
    refused(data_filter(Pet, one(cond(col(Toy, "color"), "Eq", "red")), [rel(Pet, "owner", Toy)]))


def test_type_appearing_twice_on_a_relation_path_is_refused() -> None:
    # Back to the root: Owner -> Pet -> Owner.
    refused(data_filter(Owner, one(cond(col(Pet, "age"), "Eq", 1)), [OWNER_PETS, PET_OWNER]))
    # Two relations into the same type: Owner -> Pet (pets) and Owner -> Pet (favourite).
    refused(data_filter(Owner, one(cond(col(Pet, "age"), "Eq", 1)), [OWNER_PETS, OWNER_FAVOURITE]))


@pytest.mark.parametrize("op", ["In", "Nin"])
@pytest.mark.parametrize("values", [3, "37", None, {"a": 3}])
def test_membership_needs_a_list(op: str, values: object) -> None:
    # A string is iterable but is not a list of values.
    refused(data_filter(Pet, one(cond(col(Pet, "age"), op, values))))
    refused(data_filter(Pet, one(cond(3, op, values))))


@pytest.mark.parametrize("op", ["In", "Nin"])
def test_membership_of_a_value_in_a_column_is_refused(op: str) -> None:
    refused(data_filter(Pet, one(cond(3, op, col(Pet, "age")))))
    refused(data_filter(Pet, one(cond([3], op, col(Pet, "age")))))


class _Opaque:
    pass


@pytest.mark.parametrize(
    "value",
    [{"a": 1}, _Opaque(), datetime(2024, 1, 1, tzinfo=UTC), [1, 2], b"raw", Visitor()],
    ids=["dict", "object", "datetime", "list", "bytes", "actor"],
)
def test_unsupported_literal_is_refused(value: object) -> None:
    refused(data_filter(Pet, one(cond(col(Pet, "age"), "Eq", value))))
    refused(data_filter(Pet, one(cond(value, "Eq", col(Pet, "age")))))
    refused(data_filter(Pet, one(cond(col(Pet, "age"), "In", [1, value]))))
    refused(data_filter(Pet, one(cond(value, "Eq", 1))))
    refused(data_filter(Pet, one(cond(1, "In", [value]))))


def test_unknown_column_is_refused() -> None:
    refused(data_filter(Pet, one(cond(col(Pet, "colour"), "Eq", "red"))))
    refused(data_filter(Pet, one(cond(col(Pet, "toys"), "Eq", 1)), [PET_TOYS]))


def test_refusal_anywhere_refuses_the_whole_filter() -> None:
    refused(
        data_filter(
            Pet,
            [[cond(1, "Eq", 1)], [cond(col(Pet, "age"), "Eq", {"a": 1})]],
        )
    )


def test_execute_query_refuses_to_execute(db: Connection) -> None:
    adapter = SqlFilterAdapter()
    predicate = adapter.build_query(data_filter(Pet, one(cond(col(Pet, "age"), "Eq", 1))))
    assert visible(db, Pet, predicate) == [10]
    with pytest.raises(UnsupportedFilterError):
        adapter.execute_query(select(Pet).where(predicate))
    oso = tiny_oso('allow(_: Visitor, "read", pet: Pet) if pet.age = 1;')
    with pytest.raises(UnsupportedFilterError):
        oso.authorized_resources(Visitor(), "read", Pet)
