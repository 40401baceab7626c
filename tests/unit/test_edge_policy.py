"""The input policy's pieces without a server: text faults, JSON depth, variable and argument
walks, error codes and token claims."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from graphql import GraphQLError, parse
from sqlalchemy.exc import OperationalError

from resolvers.problems import InputError, UnexpectedError
from resolvers.validation import Checker, text_fault
from server.edge import (
    MAX_JSON_DEPTH,
    MAX_LIST_ITEMS,
    input_fault,
    json_depth,
    parse_request,
)
from server.graphql_errors import argument_fault, coded, literal_fault
from server.tokens import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    MAX_USER_ID,
    InvalidTokenError,
    issue_token,
    read_token,
)

SECRET = "unit-secret-unit-secret-unit-secret"


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("plain", False),
        ("two\nlines\tand a tab", False),
        ("emoji \U0001f600 and café", False),
        ("lone \ud800", True),
        ("low \udfff alone", True),
        ("nul \x00", True),
        ("cr \r", True),
        ("esc \x1b", True),
        ("del \x7f", True),
        ("c1 \x9f", True),
    ],
)
def test_text_fault(value: str, fault: bool) -> None:
    assert (text_fault(value) is not None) is fault


def test_single_line_text_refuses_tab_and_newline() -> None:
    assert text_fault("a\nb", multiline=False) is not None
    assert text_fault("a b", multiline=False) is None


def test_checker_text_normalises_trims_and_refuses() -> None:
    check = Checker()
    assert check.text("name", "  Cafe\u0301  ", required=True, max_len=4) == "Caf\u00e9"
    assert check.text("name", "a\x00", required=True, max_len=10) is None
    assert [(p.field, p.code) for p in check.problems] == [(("input", "name"), "invalid")]


def test_nfc_counts_toward_the_length_limit_after_normalising() -> None:
    check = Checker()
    assert check.text("name", "e\u0301" * 3, required=True, max_len=3) == "\u00e9" * 3


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [0, 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
def test_json_depth(depth: int) -> None:
    assert json_depth(nested(depth), MAX_JSON_DEPTH) == depth


def test_parse_request_bounds_depth_and_never_raises() -> None:
    ok = json.dumps({"query": "{ a }", "v": nested(MAX_JSON_DEPTH - 1)}).encode()
    assert isinstance(parse_request(ok), dict)
    too_deep = json.dumps({"query": "{ a }", "v": nested(MAX_JSON_DEPTH)}).encode()
    huge = b"[" * 200_000 + b"]" * 200_000
    for body in (too_deep, huge):
        refused = parse_request(body)
        assert not isinstance(refused, dict)
        assert refused.status_code == 400


def test_input_fault_names_the_variable_path() -> None:
    variables = {"input": {"items": [{"title": "ok"}, {"title": "bad\ud800"}]}}
    assert input_fault(variables, "$") == (
        "$.input.items.1.title",
        text_fault("\ud800"),
    )
    assert input_fault({"a": ["x"] * MAX_LIST_ITEMS}, "$") is None
    assert input_fault({"a": ["x"] * (MAX_LIST_ITEMS + 1)}, "$") is not None
    where, _ = input_fault({"bad\ud800key": 1}, "$") or ("", "")
    assert where == "$"  # the key itself is never quoted


def test_argument_fault_walks_graphql_arguments() -> None:
    assert argument_fault({"input": {"businessName": "ok", "tags": ["a"]}}) is None
    found = argument_fault({"input": {"items": [{"title": "a\x00"}]}})
    assert found is not None
    assert found[0] == ("input", "items", "0", "title")


def test_literal_fault_names_the_argument() -> None:
    error = literal_fault(parse('{ clients(filter: {search: "a\\u0000"}) { totalCount } }'))
    assert error is not None
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": ["filter", "search"]}
    assert literal_fault(parse('{ clients(filter: {search: "fine"}) { totalCount } }')) is None


def formatted(error: GraphQLError) -> dict[str, Any]:
    return coded(error, dict(error.formatted), "req-1")


def test_codes_of_errors() -> None:
    at = ["clients"]
    assert formatted(GraphQLError("x", path=at, original_error=InputError("x")))["extensions"] == {
        "code": "BAD_USER_INPUT"
    }
    unexpected = formatted(GraphQLError("x", path=at, original_error=UnexpectedError("req-9")))
    assert unexpected["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-9"}
    boom = formatted(GraphQLError("boom", path=at, original_error=RuntimeError("boom")))
    assert boom["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-1"}
    assert formatted(GraphQLError("Variable '$n' got invalid value"))["extensions"] == {
        "code": "BAD_USER_INPUT"
    }
    tagged = GraphQLError("unknown field", extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
    assert formatted(tagged)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_database_error_never_shows_its_sql() -> None:
    db_error = OperationalError("SELECT secret FROM users WHERE x = $1", {}, Exception("nope"))
    error = GraphQLError(str(db_error), path=["clients"], original_error=db_error)
    answer = formatted(error)
    assert answer["message"] == "Unexpected error (request req-1)."
    assert answer["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


def token(**claims: Any) -> str:
    now = datetime.now(UTC).timestamp()
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "7", "iat": now, "exp": now + 60}
    return jwt.encode({**base, **claims}, SECRET, algorithm=ALGORITHM)


def test_issued_tokens_read_back() -> None:
    user_id, _ = read_token(SECRET, issue_token(SECRET, 42, "a@example.test", 600))
    assert user_id == 42


@pytest.mark.parametrize("sub", ["1", str(MAX_USER_ID)])
def test_user_id_range_just_inside(sub: str) -> None:
    assert read_token(SECRET, token(sub=sub))[0] == int(sub)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": str(MAX_USER_ID + 1)},
        {"sub": "0"},
        {"sub": "01"},
        {"sub": "\u0967"},  # DEVANAGARI DIGIT ONE
        {"sub": " 1"},
        {"sub": 1},
        {"iat": -1e20},
        {"iat": float("inf")},
        {"exp": 1e300},
        {"iat": False},
    ],
)
def test_odd_claims_are_invalid(claims: dict[str, Any]) -> None:
    try:
        encoded = token(**claims)
    except (TypeError, ValueError):  # some values do not even encode
        return
    with pytest.raises(InvalidTokenError):
        read_token(SECRET, encoded)
