"""Relay paging arguments and opaque cursors: what a client may pass, and how a cursor that was
not issued by the server is refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from resolvers.pagination import MAX_PAGE_SIZE, PageArgs, decode_cursor, encode_cursor
from resolvers.problems import InputError

NOT_VALID = "that cursor is not valid for this list"

CURSOR_VALUES: list[list[Any]] = [
    [1],
    [2**31 - 1],
    [-(2**31)],
    [0],
    ["Café Rosé & Co.", 42],
    ["2025-01-31 12:00:00+00:00", 7],
    [None, 3],
    [True, False, 5],
    [1.5, "x"],
    ["", 1],
    ["東京 🙂", 9],
    ['quote " and backslash \\', 10],
    ["a" * 500, 11],
    ["==/+", "-_", 12],
    [None, None, None, None, 99],
]


def raw_cursor(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize("values", CURSOR_VALUES)
def test_a_cursor_gives_back_the_values_it_was_made_of(values: list[Any]) -> None:
    cursor = encode_cursor(values)
    assert decode_cursor(cursor, len(values)) == values


@pytest.mark.parametrize("values", CURSOR_VALUES)
def test_a_cursor_is_safe_to_put_in_a_url(values: list[Any]) -> None:
    cursor = encode_cursor(values)
    assert cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_different_positions_give_different_cursors() -> None:
    cursors = {encode_cursor(["Café Rosé", n]) for n in range(1, 50)}
    assert len(cursors) == 49


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "%%%%",
        "A",
        raw_cursor(b"[1"),
        raw_cursor(b"\xff\xfe\x00["),
        raw_cursor(b'{"id": 1}'),
        raw_cursor(b"1"),
        raw_cursor(b'"1"'),
        raw_cursor(b"null"),
        raw_cursor(b"[]"),
        raw_cursor(b"[1, 2]"),
        raw_cursor(b"[" + b"9" * 5000 + b"]"),
    ],
)
def test_a_tampered_cursor_is_refused_as_bad_input(cursor: str) -> None:
    with pytest.raises(InputError, match=f"^{NOT_VALID}$"):
        decode_cursor(cursor, 1)


@pytest.mark.parametrize("width", [1, 3])
def test_a_cursor_from_a_list_with_another_ordering_is_refused(width: int) -> None:
    with pytest.raises(InputError, match=f"^{NOT_VALID}$"):
        decode_cursor(encode_cursor(["Café Rosé", 5]), width)


def test_a_cursor_with_a_character_changed_is_refused_or_decodes_to_other_values() -> None:
    """Editing a cursor never yields a crash: either a clear refusal or some other position."""
    cursor = encode_cursor(["Café Rosé", 5])
    refusals: set[str] = set()
    for i in range(len(cursor)):
        for replacement in "A_-z9":
            edited = cursor[:i] + replacement + cursor[i + 1 :]
            try:
                values = decode_cursor(edited, 2)
            except InputError as exc:
                refusals.add(str(exc))
            else:
                assert isinstance(values, list)
                assert len(values) == 2
    assert refusals == {NOT_VALID}


def outcome(cursor: str, width: int) -> str:
    """What the API would make of a cursor: a clean refusal, or a crash it has to mask."""
    try:
        decode_cursor(cursor, width)
    except InputError as exc:
        return f"refused: {exc}"
    except Exception as exc:
        return f"crashed: {type(exc).__name__}"
    return "accepted"


def test_a_deeply_nested_cursor_is_refused_as_bad_input() -> None:
    cursor = raw_cursor(b"[" * 2000)  # about 2,700 characters
    assert outcome(cursor, 1) == f"refused: {NOT_VALID}"


def test_the_same_position_always_gives_the_same_cursor() -> None:
    # A client may compare cursors across requests, e.g. to detect that a page did not move.
    assert encode_cursor(["Café Rosé", 5]) == encode_cursor(["Café Rosé", 5])


# --- PageArgs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        PageArgs(first=0),
        PageArgs(first=1),
        PageArgs(first=MAX_PAGE_SIZE),
        PageArgs(last=0),
        PageArgs(last=MAX_PAGE_SIZE),
        PageArgs(first=10, after=encode_cursor([1])),
        PageArgs(last=10, before=encode_cursor([1])),
        PageArgs(first=10, after=encode_cursor([1]), before=encode_cursor([9])),
    ],
)
def test_page_sizes_from_0_to_100_are_accepted(args: PageArgs) -> None:
    assert args.validated() == args


def test_a_page_size_is_required() -> None:
    with pytest.raises(InputError, match=r"^pass `first` or `last` to page through this list$"):
        PageArgs().validated()
    with pytest.raises(InputError, match=r"^pass `first` or `last`"):
        PageArgs(after=encode_cursor([1])).validated()


def test_first_and_last_together_are_refused() -> None:
    with pytest.raises(InputError, match=r"^pass either `first` or `last`, not both$"):
        PageArgs(first=10, last=10).validated()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (PageArgs(first=-1), "`first` must be between 0 and 100"),
        (PageArgs(first=MAX_PAGE_SIZE + 1), "`first` must be between 0 and 100"),
        (PageArgs(first=10**9), "`first` must be between 0 and 100"),
        (PageArgs(last=-1), "`last` must be between 0 and 100"),
        (PageArgs(last=MAX_PAGE_SIZE + 1), "`last` must be between 0 and 100"),
    ],
)
def test_page_sizes_outside_0_to_100_are_refused(args: PageArgs, message: str) -> None:
    with pytest.raises(InputError) as refused:
        args.validated()
    assert str(refused.value) == message
