"""Saved reports: the type, its mutations, and `runReport`, which runs one with the permissions
of whoever runs it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from graphql import GraphQLError, parse
from strawberry.scalars import JSON
from strawberry.types.graphql import OperationType

from db.reports import SavedReport as SavedReportRow
from resolvers import reports as report_service
from resolvers.mutations import Outcome
from resolvers.problems import InputError, Problem
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of
from schema.relay import Node, RowType, id_of, node, to_global_id
from schema.report_documents import RUN_REPORT, report_problems, runs_a_report
from schema.users import PartnerMember


@node(report_service.get_report)
@strawberry.type(
    description="A partner's saved query. Running it (`runReport`, or GET /reports/{id}.csv) "
    "reads with the permissions of whoever runs it, never of its author."
)
class SavedReport(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; report mutations and `runReport` take it."
    )
    name: str = strawberry.field(
        description="Unique within the partner, ignoring case (at most 200 characters)."
    )
    document: str = strawberry.field(description="The GraphQL query, one operation.")
    variables: JSON = strawberry.field(
        description="The query's saved variables (an object); `runReport` may override each."
    )
    created_at: datetime = strawberry.field(description="When it was saved (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Increases with every change.")
    _row: strawberry.Private[SavedReportRow]

    @strawberry.field(description="Who saved it; null when the viewer may not see that member.")
    async def author(self, info: Info) -> PartnerMember | None:
        row = await info.context.loaders.member.load(self._row.author_member_id)
        return PartnerMember.maybe(row)


@strawberry.input(description="A query to save as a report of a partner.")
class SaveReportInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner it belongs to.")
    name: str = strawberry.field(
        description="Required; unique within the partner, ignoring case; at most 200 characters."
    )
    document: str = strawberry.field(
        description="One GraphQL query (no mutation), valid against this schema and within the "
        "document and cost limits; at most 20,000 characters."
    )
    variables: JSON | None = strawberry.field(
        default=None, description="Values for the query's variables (an object); null: none."
    )


@strawberry.input(description="Only the fields given change.")
class UpdateReportInput:
    report_id: strawberry.ID = strawberry.field(description="The SavedReport to change.")
    version: int = strawberry.field(
        description="The report's current `version`; a stale one is a CONFLICT."
    )
    name: str | None = strawberry.field(default=None, description="A new name; cannot be blank.")
    document: str | None = strawberry.field(
        default=None, description="A new query; checked as when saved."
    )
    variables: JSON | None = strawberry.field(
        default=None, description="New saved variables (an object), replacing the old ones."
    )


@strawberry.input(description="A saved report to delete.")
class DeleteReportInput:
    report_id: strawberry.ID = strawberry.field(description="The SavedReport to delete.")
    version: int = strawberry.field(
        description="The report's current `version`; a stale one is a CONFLICT."
    )


@strawberry.type(description="The result of saveReport or updateReport.")
class SavedReportPayload:
    report: SavedReport | None = strawberry.field(
        description="The report as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="The result of deleteReport.")
class DeleteReportPayload:
    deleted_report_id: strawberry.ID | None = strawberry.field(
        description="The id of the report deleted; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


@strawberry.type(description="An error of a report's run, as GraphQL reports it.")
class ReportRunError:
    message: str = strawberry.field(description="What went wrong.")
    path: list[str] | None = strawberry.field(
        description="Where in the result; null for an error of the query as a whole."
    )
    code: str | None = strawberry.field(description="The error's code, when it has one.")


@strawberry.type(description="A saved report's answer, read with the caller's permissions.")
class ReportRun:
    report: SavedReport = strawberry.field(description="The report that ran.")
    data: JSON | None = strawberry.field(
        description="The query's `data`, as a request of the caller's own would get it."
    )
    errors: list[ReportRunError] = strawberry.field(
        description="The query's errors; empty when it ran cleanly."
    )


def _payload(outcome: Outcome[SavedReportRow]) -> SavedReportPayload:
    return SavedReportPayload(
        report=SavedReport.maybe(outcome.value), user_errors=user_errors(outcome.problems)
    )


def _checker(info: Info) -> report_service.DocumentCheck:
    schema = info.schema._schema

    def check(document: str, variables: Mapping[str, Any]) -> list[Problem]:
        return report_problems(schema, document, variables)

    return check


def _object(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError("Give `variables` as an object.")
    return dict(value)


def _runs_a_report(text: str) -> bool:
    if RUN_REPORT not in text:
        return False
    try:
        return runs_a_report(parse(text))
    except (GraphQLError, RecursionError):
        return False  # the run itself reports the syntax error


@strawberry.type
class ReportMutation:
    @strawberry.mutation(
        description="Save a query as a report of a partner (any member of its team). Refused: "
        "a name the partner already uses (TAKEN), a document that is not one valid query "
        "within the limits, or variables it does not declare (INVALID)."
    )
    async def save_report(
        self,
        info: Info,
        input: Annotated[
            SaveReportInput,
            strawberry.argument(description="The partner, name, query and variables."),
        ],
    ) -> SavedReportPayload:
        changes = changes_of(input, skip=["partner_id"])
        return _payload(
            await report_service.save_report(
                info.context, id_of(input.partner_id, "Partner"), changes, _checker(info)
            )
        )

    @strawberry.mutation(
        description="Change a report (its author, or the partner's owners, admins and "
        "managers); only the fields given change."
    )
    async def update_report(
        self,
        info: Info,
        input: Annotated[
            UpdateReportInput,
            strawberry.argument(description="The report and the fields to change."),
        ],
    ) -> SavedReportPayload:
        changes = changes_of(input, skip=["report_id", "version"])
        return _payload(
            await report_service.update_report(
                info.context,
                id_of(input.report_id, "SavedReport"),
                input.version,
                changes,
                _checker(info),
            )
        )

    @strawberry.mutation(
        description="Delete a report (its author, or the partner's owners, admins and managers)."
    )
    async def delete_report(
        self,
        info: Info,
        input: Annotated[DeleteReportInput, strawberry.argument(description="The report.")],
    ) -> DeleteReportPayload:
        outcome = await report_service.delete_report(
            info.context, id_of(input.report_id, "SavedReport"), input.version
        )
        return DeleteReportPayload(
            deleted_report_id=to_global_id("SavedReport", outcome.value)
            if outcome.value is not None
            else None,
            user_errors=user_errors(outcome.problems),
        )


async def run_saved_report(
    info: Info, report: SavedReportRow, variables: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, list[ReportRunError]]:
    """Runs the report's query as a request of the caller would: the same viewer, loaders and
    limits; only a query may run, and never one that runs a report."""
    if _runs_a_report(report.document):
        return None, [
            ReportRunError(message="A report cannot run another report.", path=None, code="INVALID")
        ]
    values = {**(report.variables or {}), **(variables or {})}
    result = await info.schema.execute(
        report.document,
        variable_values=values,
        context_value=info.context,
        allowed_operation_types={OperationType.QUERY},
    )
    errors = [
        ReportRunError(
            message=error.message,
            path=[str(p) for p in error.path] if error.path else None,
            code=str((error.extensions or {}).get("code")) if error.extensions else None,
        )
        for error in result.errors or ()
    ]
    return result.data, errors


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="Run a saved report with YOUR permissions (never its author's): its query's "
        "answer is what the same query sent by you would get. Null for a report you may not see, "
        "as for one that does not exist."
    )
    async def run_report(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The SavedReport.")],
        variables: Annotated[
            JSON | None,
            strawberry.argument(
                description="Values overriding the saved variables (an object); null: none."
            ),
        ] = None,
    ) -> ReportRun | None:
        report_id = id_of(id, "SavedReport")
        row = await report_service.get_report(info.context, report_id) if report_id else None
        if row is None:
            return None
        data, errors = await run_saved_report(info, row, _object(variables))
        return ReportRun(report=SavedReport.of(row), data=cast(JSON, data), errors=errors)
