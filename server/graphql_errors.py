"""Every GraphQL error gets `extensions.code`, and literal strings in a document follow the same
policy as variables (server.edge).

- GRAPHQL_PARSE_FAILED: the document does not parse;
- GRAPHQL_VALIDATION_FAILED: it breaks a validation rule (unknown field, depth, aliases ...);
- BAD_USER_INPUT: an argument the caller can fix (resolvers.problems.InputError, a variable
  of the wrong type, a literal string or list the string policy refuses);
- INTERNAL_SERVER_ERROR: anything else, with `extensions.requestId`, which finds the details in
  the log. A database error's message never reaches the client, in any mode.

`InputCheck` tags the phases (parse, validation) it sees and refuses literals; `coded` names what
is left when the result is sent."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from graphql.language import (
    ArgumentNode,
    DocumentNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    visit,
)
from sqlalchemy.exc import SQLAlchemyError
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types.base import get_object_definition

from resolvers.problems import ErrorCode, InputError, Problem, UnexpectedError, to_camel_case
from resolvers.validation import text_fault
from schema.errors import UserError
from server.edge import MAX_LIST_ITEMS

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"


def _tag(errors: list[GraphQLError] | None, code: str) -> None:
    for error in errors or []:
        if error.extensions is None:
            error.extensions = {}
        error.extensions.setdefault("code", code)


class _LiteralCheck(Visitor):
    """Finds the first literal string or list that the input policy refuses."""

    def __init__(self) -> None:
        super().__init__()
        self.found: tuple[str, str] | None = None

    def _where(self, parent: Any, ancestors: list[Node | tuple[Node, ...]]) -> str:
        names = [
            node.name.value
            for node in [*ancestors, parent]
            if isinstance(node, ArgumentNode | ObjectFieldNode)
        ]
        return ".".join(names) or "a literal"

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> Any:
        fault = text_fault(node.value)
        if fault is not None and self.found is None:
            self.found = (self._where(parent, ancestors), fault)
            return self.BREAK
        return None

    def enter_list_value(
        self, node: ListValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> Any:
        if len(node.values) > MAX_LIST_ITEMS and self.found is None:
            self.found = (
                self._where(parent, ancestors),
                f"At most {MAX_LIST_ITEMS} items are allowed in a list.",
            )
            return self.BREAK
        return None


def literal_fault(document: DocumentNode) -> GraphQLError | None:
    check = _LiteralCheck()
    visit(document, check)
    if check.found is None:
        return None
    where, fault = check.found
    return GraphQLError(
        f"Argument {where}: {fault}",
        extensions={"code": BAD_USER_INPUT, "field": where.split(".")},
    )


# A document's literals are checked once per text: a dashboard sends the same document over and
# over (bounded like the parse and validation caches).
_LITERAL_FAULTS: OrderedDict[str, GraphQLError | None] = OrderedDict()
_LITERAL_CACHE_ENTRIES = 256
_LITERAL_CACHE_DOCUMENT_CHARS = 20_000


def _literal_fault_of(query: str | None, document: DocumentNode) -> GraphQLError | None:
    """literal_fault, remembered per document text; a fresh error each time (errors are
    per request)."""
    if query is None or len(query) > _LITERAL_CACHE_DOCUMENT_CHARS:
        return literal_fault(document)
    if query in _LITERAL_FAULTS:
        _LITERAL_FAULTS.move_to_end(query)
        found = _LITERAL_FAULTS[query]
    else:
        found = _LITERAL_FAULTS[query] = literal_fault(document)
        if len(_LITERAL_FAULTS) > _LITERAL_CACHE_ENTRIES:
            _LITERAL_FAULTS.popitem(last=False)
    if found is None:
        return None
    return GraphQLError(found.message, extensions=dict(found.extensions or {}))


class ArgumentError(InputError):
    """An argument the input policy refuses: an InputError (never masked), naming the field."""

    def __init__(self, path: tuple[str, ...], fault: str) -> None:
        super().__init__(f"Argument {'.'.join(path)}: {fault}")
        self.path = path


def argument_fault(kwargs: dict[str, Any]) -> tuple[tuple[str, ...], str] | None:
    """(GraphQL path, what is wrong) for the first string of a field's arguments (variables
    already in place, names as GraphQL spells them) that breaks the input policy, or list over
    MAX_LIST_ITEMS; without recursion."""
    stack: list[tuple[Any, tuple[str, ...]]] = [
        (value, (to_camel_case(name),)) for name, value in kwargs.items()
    ]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            fault = text_fault(value)
            if fault is not None:
                return path, fault
        elif isinstance(value, list | tuple):
            if len(value) > MAX_LIST_ITEMS:
                return path, f"At most {MAX_LIST_ITEMS} items are allowed in a list."
            stack.extend((item, (*path, str(i))) for i, item in enumerate(value))
        elif isinstance(value, dict):  # an input object, as graphql-core hands it over
            stack.extend((item, (*path, str(key))) for key, item in value.items())
        elif (definition := get_object_definition(value)) is not None:
            for field in definition.fields:
                name = field.graphql_name or to_camel_case(field.python_name)
                stack.append((getattr(value, field.python_name, None), (*path, name)))
    return None


def _refusal(info: Any, path: tuple[str, ...], fault: str) -> object:
    """A mutation's payload carrying the problem as a userError, or (a query, or a payload
    without userErrors) a BAD_USER_INPUT error naming the argument."""
    definition = info.parent_type.fields[info.field_name].extensions.get("strawberry-definition")
    payload = getattr(definition, "type", None)
    payload_fields = get_object_definition(payload)
    if payload_fields is not None and any(
        f.python_name == "user_errors" for f in payload_fields.fields
    ):
        problem = Problem(path, fault, ErrorCode.INVALID)
        values = {f.python_name: None for f in payload_fields.fields}
        return payload(**{**values, "user_errors": [UserError.of(problem)]})  # type: ignore[misc]  # a payload type, found at run time
    raise ArgumentError(path, fault)


class InputCheck(SchemaExtension):
    """Tags parse and validation errors with their codes; refuses a document whose literal
    strings or lists break the input policy before it is validated (root fields' arguments are
    checked by RootArguments)."""

    def on_parse(self) -> Iterator[None]:
        yield
        _tag(self.execution_context.pre_execution_errors, PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:
            fault = _literal_fault_of(context.query, document)
            if fault is not None:
                context.pre_execution_errors = [fault]
        yield
        _tag(context.pre_execution_errors, VALIDATION_FAILED)


class RootArguments(FieldExtension):
    """Checks a root field's coerced arguments (variables included) against the input policy
    before it runs. On the root fields only: nested fields pay nothing."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        found = argument_fault(kwargs) if kwargs else None
        if found is not None:
            return _refusal(info._raw_info, *found)  # graphql-core's info: the field's type
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        found = argument_fault(kwargs) if kwargs else None
        if found is not None:
            return _refusal(info._raw_info, *found)
        return await next_(source, info, **kwargs)


# graphql-core ends a message with its guesses at what the caller meant ("Did you mean 'viewer'?",
# "Did you mean the enum value 'OWNER'?"): in production they would spell out the schema that
# introspection no longer tells.
# The guesses are quoted names, "'a', 'b', or 'c'", up to the question mark.
_SUGGESTION = re.compile(r" ?Did you mean (?:[^?']|'[^']*')*\?")


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


def coded(
    error: GraphQLError, formatted: dict[str, Any], request_id: str, *, production: bool = False
) -> dict[str, Any]:
    """`formatted` (the error as sent) with its code, and a database error's message replaced;
    in production, without field-name suggestions."""
    if production:
        formatted = {**formatted, "message": without_suggestions(formatted["message"])}
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        original = error.original_error
        if isinstance(error, GraphQLSyntaxError):
            extensions["code"] = PARSE_FAILED
        elif isinstance(original, InputError):
            extensions["code"] = BAD_USER_INPUT
            if isinstance(original, ArgumentError):
                extensions["field"] = list(original.path)
        elif isinstance(original, UnexpectedError):
            extensions.update(code=INTERNAL, requestId=original.request_id)
        elif error.path is None and (
            original is None or isinstance(original, GraphQLError | ValueError | TypeError)
        ):
            # Not from a resolver: a variable of the wrong type, an unknown operation name.
            extensions["code"] = BAD_USER_INPUT
        else:  # raised by a resolver, or masked (production)
            extensions.update(code=INTERNAL, requestId=request_id)
            if isinstance(original, SQLAlchemyError) or _looks_like_sql(formatted["message"]):
                formatted = {**formatted, "message": f"Unexpected error (request {request_id})."}
    return {**formatted, "extensions": extensions}


def _looks_like_sql(message: str) -> bool:
    lowered = message.lower()
    return "[sql:" in lowered or "sqlalche.me" in lowered or "asyncpg" in lowered
