"""GET /reports/{id}.csv: a saved report's first list as CSV, streamed page by page.

The report runs with the permissions of the bearer token's user (as `runReport` does): a report
they may not see is 404, exactly as one that does not exist. Variables come as one JSON object
in the `variables` query parameter (JSON keeps their types: `first=10` could be Int or String);
they override the saved ones. The first list in the answer (document order, depth first) is the
table: each item one row, nested objects flattened to dotted column names (`store.name`), a
nested list written as JSON text. When that list belongs to a connection whose `pageInfo`
(`hasNextPage`, `endCursor`) is selected and the query declares `$after`, the next page is asked
for with `after` = the last `endCursor` until there is none; each page runs in its own context
(fresh loaders) and is written before the next is asked for, so the whole result is never held.
Quoting is RFC 4180's (the csv module, CRLF line ends); `?bom=1` starts the file with a UTF-8
BOM for spreadsheets. A text cell beginning with = + - @, a tab or a carriage return is prefixed
with an apostrophe so that no spreadsheet runs it as a formula."""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from graphql import OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from strawberry.schema.base import BaseSchema
from strawberry.types.graphql import OperationType

from policies import Viewer, load_viewer
from policies.viewer import service_viewer
from resolvers.context import Context
from resolvers.reports import get_report
from schema.relay import id_of
from server.edge import error_response
from server.tokens import InvalidTokenError, read_service_token, read_token

if TYPE_CHECKING:
    from db.reports import SavedReport
    from server.app import Runtime

log = logging.getLogger("shopiq.reports")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
AFTER = "after"
# The most pages one download follows (100 rows each at most: 100,000 rows).
MAX_PAGES = 1_000


def neutralised(value: str) -> str:
    """The text as a spreadsheet shows it, never as a formula it runs."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number is a number, even a negative one
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    return neutralised(str(value))


def flattened(item: Any, prefix: str = "") -> dict[str, Any]:
    """An item's values by dotted column name (`store.name`)."""
    if not isinstance(item, Mapping):
        return {prefix or "value": item}
    columns: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            columns.update(flattened(value, name))
        else:
            columns[name] = value
    return columns


def first_list(data: Any) -> tuple[list[Any], Mapping[str, Any] | None] | None:
    """The first list in the answer (depth first, in document order) and the object holding
    it (a connection, when it has `pageInfo`); None when the answer has no list."""
    if isinstance(data, Mapping):
        for value in data.values():
            if isinstance(value, list):
                return value, data
            found = first_list(value)
            if found is not None:
                return found
    return None


def next_cursor(holder: Mapping[str, Any] | None) -> str | None:
    page_info = holder.get("pageInfo") if holder is not None else None
    if isinstance(page_info, Mapping) and page_info.get("hasNextPage"):
        cursor = page_info.get("endCursor")
        return cursor if isinstance(cursor, str) else None
    return None


def declares_after(document: str) -> bool:
    for definition in parse(document).definitions:
        if isinstance(definition, OperationDefinitionNode):
            names = {v.variable.name.value for v in definition.variable_definitions or ()}
            return AFTER in names
    return False


def csv_lines(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


class ReportCsv:
    """The endpoint; `schema` is the one the GraphQL endpoint serves (same limits)."""

    def __init__(self, runtime: Runtime, schema: BaseSchema) -> None:
        self.runtime = runtime
        self.schema = schema

    async def answer(self, request: Request) -> Response:
        viewer = await self._viewer(request)
        if viewer is None:
            return error_response("sign in with a bearer token", "UNAUTHENTICATED", 401)
        try:
            variables = json.loads(request.query_params.get("variables") or "{}")
        except ValueError:
            variables = None
        if not isinstance(variables, dict):
            return error_response("`variables` must be a JSON object", "BAD_REQUEST", 400)
        report_id = id_of(request.path_params["report_id"], "SavedReport")
        context = self._context(viewer)
        try:
            report = await get_report(context, report_id) if report_id is not None else None
            if report is None:
                return error_response("No report with that id.", "NOT_FOUND", 404)
            values = {**(report.variables or {}), **variables}
            data, errors = await self._page(context, report, values)
        finally:
            await context.end()
        if errors or data is None:
            body = {"errors": errors or [{"message": "The report returned no data."}]}
            return Response(json.dumps(body), status_code=422, media_type="application/json")
        bom = request.query_params.get("bom") == "1"
        filename = "".join(c if c.isalnum() else "-" for c in report.name) or "report"
        return StreamingResponse(
            self._stream(viewer, report, values, data, bom),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )

    async def _stream(
        self,
        viewer: Viewer,
        report: SavedReport,
        values: dict[str, Any],
        data: Any,
        bom: bool,
    ) -> AsyncIterator[bytes]:
        header: list[str] | None = None
        follow = declares_after(report.document)
        for _ in range(MAX_PAGES):
            found = first_list(data)
            if found is None:
                return
            items, holder = found
            rows = [flattened(item) for item in items]
            if header is None:
                header = list(dict.fromkeys(k for row in rows for k in row))
                yield ((BOM if bom else "") + csv_lines([header])).encode()
            yield csv_lines([[cell(row.get(k)) for k in header] for row in rows]).encode()
            cursor = next_cursor(holder)
            if cursor is None or not follow:
                return
            context = self._context(viewer)
            try:
                data, errors = await self._page(context, report, {**values, AFTER: cursor})
            finally:
                await context.end()
            if errors or data is None:
                log.error("report %s: a later page failed: %s", report.id, errors)
                return

    async def _page(
        self, context: Context, report: SavedReport, values: dict[str, Any]
    ) -> tuple[Any, list[dict[str, Any]]]:
        result = await self.schema.execute(
            report.document,
            variable_values=values,
            context_value=context,
            allowed_operation_types={OperationType.QUERY},
        )
        errors = [dict(error.formatted) for error in result.errors or ()]
        return result.data, errors

    def _context(self, viewer: Viewer) -> Context:
        runtime = self.runtime
        return Context(
            viewer=viewer,
            authz=runtime.authz,
            sessions=runtime.sessions,
            reads=runtime.reads,
            dns=runtime.dns,
            request_id=uuid.uuid4().hex,
        )

    async def _viewer(self, request: Request) -> Viewer | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        secret = self.runtime.settings.jwt_secret
        try:
            user_id, issued_at = read_token(secret, token.strip())
        except InvalidTokenError:
            try:
                return service_viewer(read_service_token(secret, token.strip()))
            except InvalidTokenError:
                return None
        async with self.runtime.reads() as session:
            return await load_viewer(session, user_id, issued_at)
