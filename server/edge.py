"""Checks at the HTTP edge, before Strawberry sees a request: the body's size however it is sent
(Content-Length or chunked), JSON that decodes without running out of stack, and the string
policy and list limit over every value of the request's variables.

Every refusal is JSON, `{"errors": [{"message", "extensions": {"code"}}]}`; no message quotes
what the caller sent (a lone surrogate would break the response's encoding)."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import Receive

from resolvers.validation import text_fault

SURROGATE_FAULT = str(text_fault("\ud800"))

MAX_BODY_BYTES = 1_000_000
MAX_JSON_DEPTH = 64  # arrays and objects nested in one another, the body itself included
MAX_LIST_ITEMS = 1_000  # items in one list of the variables (and of a literal list)
UNENCODABLE = re.compile("[\x00\ud800-\udfff]")
SURROGATE = re.compile("[\ud800-\udfff]")

# The code of an answer that has none of its own, by HTTP status.
CODES_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def error_response(
    message: str, code: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


def code_for_status(status: int) -> str:
    return CODES_BY_STATUS.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR")


def too_large() -> Response:
    return error_response(
        f"request body too large: at most {MAX_BODY_BYTES} bytes", "PAYLOAD_TOO_LARGE", 413
    )


def declared_length_refused(headers: list[tuple[bytes, bytes]]) -> bool:
    """A Content-Length that is not a number or over the cap (absent is fine: the body is
    counted as it is read)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            return not value.isdigit() or int(value) > MAX_BODY_BYTES
    return False


async def read_body(receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The whole request body, read chunk by chunk; None as soon as it exceeds `limit` bytes,
    whatever the headers said."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: nothing to run
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def json_depth(value: Any, limit: int) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0), counted without recursion;
    stops counting past `limit`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def bad_request(message: str) -> Response:
    return error_response(message, "BAD_REQUEST", 400)


def parse_request(body: bytes) -> dict[str, Any] | Response:
    """The request's JSON object, or the 400 answer that refuses the body."""
    try:
        data = json.loads(body)
    except RecursionError:
        return bad_request(f"JSON nested too deeply: at most {MAX_JSON_DEPTH} levels")
    except ValueError:  # also bytes that are not UTF-8
        return bad_request("the body is not valid JSON")
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return bad_request(f"JSON nested too deeply: at most {MAX_JSON_DEPTH} levels")
    if not isinstance(data, dict):
        return bad_request("send one GraphQL request as a JSON object")
    for key in ("query", "operationName"):
        value = data.get(key)
        # A document may hold tabs and carriage returns; never NUL, never a lone surrogate.
        if isinstance(value, str) and UNENCODABLE.search(value):
            return bad_request(f"{key} holds NUL or an unpaired surrogate")
    return data


def input_fault(value: Any, path: str) -> tuple[str, str] | None:
    """(path, what is wrong) for the first string of `value` (a key or a value) that holds a lone
    surrogate, or list longer than MAX_LIST_ITEMS, else None; without recursion. The rest of the
    string policy applies to the coerced arguments (server.graphql_errors), where a mutation
    reports it as a userError; a lone surrogate is refused here, before Strawberry could quote
    it in an error that would not encode."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if SURROGATE.search(item):
                return where, SURROGATE_FAULT
        elif isinstance(item, list):
            if len(item) > MAX_LIST_ITEMS:
                return where, f"At most {MAX_LIST_ITEMS} items are allowed in a list."
            stack.extend((child, f"{where}.{i}") for i, child in reversed(list(enumerate(item))))
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if SURROGATE.search(key):
                    return where, f"A key: {SURROGATE_FAULT}"
                stack.append((child, f"{where}.{key}"))
    return None


def variables_refused(data: dict[str, Any]) -> Response | None:
    """BAD_USER_INPUT naming the variable at fault, or None when the variables are clean."""
    variables = data.get("variables")
    if not isinstance(variables, dict):
        return None  # absent or not an object: Strawberry answers that
    found = input_fault(variables, "$")
    if found is None:
        return None
    where, fault = found
    field = where.removeprefix("$.")
    body = {
        "errors": [
            {
                "message": f"Variable ${field}: {fault}",
                "extensions": {"code": "BAD_USER_INPUT", "field": field.split(".")},
            }
        ],
        "data": None,
    }
    return JSONResponse(body, status_code=200)
