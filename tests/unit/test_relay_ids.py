"""Global ids: every id the API issues decodes back to its type and row, and anything it did not
issue decodes to nothing (the API then answers 'not found', never a database error)."""

from __future__ import annotations

import base64

import pytest

from schema.relay import MAX_DATABASE_ID, from_global_id, id_of, to_global_id


def raw_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ISSUED = [
    ("Client", 1),
    ("Client", 2),
    ("Store", 10),
    ("Task", 999),
    ("Partner", 123_456),
    ("User", 2**16),
    ("WorkflowTemplate", 2**31 - 2),
    ("PartnerMember", MAX_DATABASE_ID),
    ("Client", 1_000_000_000),
    ("X", 7),
    # Every number of digits and several type-name lengths, so every base64 padding occurs.
    *[("Client", 10**k) for k in range(10)],
    *[("Store", 2**k - 1) for k in range(1, 32)],
    *[("T" * n, 42) for n in range(1, 7)],
]


@pytest.mark.parametrize(("type_name", "id_"), ISSUED)
def test_an_issued_id_decodes_to_its_type_and_row(type_name: str, id_: int) -> None:
    global_id = to_global_id(type_name, id_)
    assert from_global_id(global_id) == (type_name, id_)
    assert id_of(global_id, type_name) == id_


@pytest.mark.parametrize(("type_name", "id_"), ISSUED)
def test_an_id_of_one_type_is_not_accepted_as_another(type_name: str, id_: int) -> None:
    assert id_of(to_global_id(type_name, id_), "Membership") is None


def test_ids_are_opaque_and_distinct_per_type_and_row() -> None:
    ids = {to_global_id(t, n) for t in ("Client", "Store", "Task") for n in range(1, 101)}
    assert len(ids) == 300
    assert all(not gid.startswith(("Client", "Store", "Task")) for gid in ids)


@pytest.mark.parametrize(
    "global_id",
    [
        "",
        "Client:1",
        "not base64!",
        "Q2xpZW50OjE",  # "Client:1" without its padding
        raw_id("Client:1") + "\n",
        raw_id("Client:1")[:-2] + "*=",
        base64.b64encode(b"\xff\xfe:1").decode(),
        raw_id("Client"),
        raw_id("Client:"),
        raw_id(":1"),
        raw_id("1"),
        raw_id("Client:abc"),
        raw_id("Client:1a"),
        raw_id("Client: 1"),
        raw_id("Client:1 "),
        raw_id("Client:-1"),
        raw_id("Client:+1"),
        raw_id("Client:1.0"),
        raw_id("Client:1e3"),
        raw_id("Client:1_000"),
        raw_id("Client:0"),
        raw_id("Client:00"),
        raw_id(f"Client:{MAX_DATABASE_ID + 1}"),
        raw_id(f"Client:{2**32}"),
        raw_id("Client:99999999999"),
        raw_id("Client:00000000001"),
        raw_id("Client:" + "9" * 5000),
        raw_id("Client:١٢٣"),  # Arabic-Indic digits
        raw_id("Client:\uff11\uff12"),  # full-width digits
        raw_id("Client:²"),  # superscript two
    ],
)
def test_anything_not_issued_decodes_to_nothing(global_id: str) -> None:
    assert from_global_id(global_id) is None
    assert id_of(global_id, "Client") is None


def test_the_largest_issued_id_is_the_largest_32_bit_key() -> None:
    assert MAX_DATABASE_ID == 2**31 - 1
    assert from_global_id(raw_id(f"Client:{2**31 - 1}")) == ("Client", 2**31 - 1)
    assert from_global_id(raw_id(f"Client:{2**31}")) is None
