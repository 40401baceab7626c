"""Saved reports: a partner's named queries. Saving checks the query (the schema layer's
`DocumentCheck`: valid, a query and nothing else, within the document and cost limits); running
one is the schema's business, with the permissions of whoever runs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Partner
from db.reports import SavedReport
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, expect_version, target, transact
from resolvers.pagination import Page, PageArgs
from resolvers.problems import ErrorCode, Problem, Refused, refuse

REPORT_FIELD = "report_id"
REPORT_ORDER = (SavedReport.name, SavedReport.id)
# The most variables a report keeps.
MAX_VARIABLES = 50

# (document, variables) -> every problem of the document; empty when it may be saved.
DocumentCheck = Callable[[str, Mapping[str, Any]], list[Problem]]


async def _unique_name(
    session: AsyncSession, partner_id: int, name: str, report_id: int | None = None
) -> None:
    clash = select(SavedReport.id).where(
        SavedReport.partner_id == partner_id, func.lower(SavedReport.name) == name.lower()
    )
    if report_id is not None:
        clash = clash.where(SavedReport.id != report_id)
    if (await session.execute(clash)).first() is not None:
        raise refuse("name", "A report with that name exists.", ErrorCode.TAKEN)


def _checked(values: Changes, check: DocumentCheck, current: SavedReport | None) -> None:
    document = values.get("document", current.document if current else "")
    variables = values.get("variables", current.variables if current else {})
    if variables is not None and not isinstance(variables, dict):
        raise refuse("variables", "Give the variables as an object.", ErrorCode.INVALID)
    if variables is not None and len(variables) > MAX_VARIABLES:
        raise refuse("variables", f"Keep at most {MAX_VARIABLES} variables.", ErrorCode.TOO_LONG)
    if "document" in values or "variables" in values:
        problems = check(document, variables or {})
        if problems:
            raise Refused(*problems)


async def save_report(
    ctx: Context, partner_id: int | None, changes: Changes, check: DocumentCheck
) -> Outcome[SavedReport]:
    """A new report of the partner, saved by the viewer (a member of its team)."""

    async def work(session: AsyncSession) -> SavedReport:
        partner = await target(
            session, ctx, Partner, partner_id, action="save_reports", field="partner_id"
        )
        values = cleaned(SavedReport, changes)
        if values.get("variables") is None:
            values = values.replace(variables={})
        _checked(values, check, None)
        await _unique_name(session, partner.id, values.get("name"))
        member_id = next(m.member_id for m in ctx.viewer.memberships if m.partner_id == partner.id)
        report = SavedReport(partner_id=partner.id, author_member_id=member_id)
        apply(report, values)
        session.add(report)
        await session.flush()
        return report

    return await transact(ctx, work)


async def update_report(
    ctx: Context, report_id: int | None, version: int, changes: Changes, check: DocumentCheck
) -> Outcome[SavedReport]:
    """Only the values given change; a new document or variables are checked again."""

    async def work(session: AsyncSession) -> SavedReport:
        report = await target(
            session, ctx, SavedReport, report_id, action="manage", field=REPORT_FIELD
        )
        expect_version(report, version)
        values = cleaned(SavedReport, changes)
        if "variables" in values and values.get("variables") is None:
            values = values.replace(variables={})
        _checked(values, check, report)
        if "name" in values:
            await _unique_name(session, report.partner_id, values.get("name"), report.id)
        apply(report, values)
        await session.flush()
        return report

    return await transact(ctx, work)


async def delete_report(ctx: Context, report_id: int | None, version: int) -> Outcome[int]:
    async def work(session: AsyncSession) -> int:
        report = await target(
            session, ctx, SavedReport, report_id, action="manage", field=REPORT_FIELD
        )
        expect_version(report, version)
        deleted = report.id
        await session.delete(report)
        await session.flush()
        return deleted

    return await transact(ctx, work)


async def get_report(ctx: Context, id_: int) -> SavedReport | None:
    """The report if the viewer may read it; None for a foreign id as for a missing one."""
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, SavedReport, id_)


async def reports_page(ctx: Context, partner_id: int, args: PageArgs) -> Page[SavedReport]:
    return await ctx.loaders.pages.page(
        "Partner.reports",
        ctx.authz.readable(ctx.viewer, SavedReport),
        SavedReport.partner_id,
        partner_id,
        REPORT_ORDER,
        args,
    )
