"""Reading the failed jobs (the dead letters), every statement ANDed with the viewer's policy
filter: platform staff alone (policies/jobs.polar); anyone else reads an empty list."""

from __future__ import annotations

from db.jobs import FailedJob
from resolvers.context import Context
from resolvers.pagination import Page, PageArgs, paginate

# Rows are written when a job fails: the newest failure has the largest id.
FAILED_ORDER = (FailedJob.id,)


async def get_failed_job(ctx: Context, id_: int) -> FailedJob | None:
    async with ctx.reading() as session:
        return await ctx.authz.one(session, ctx.viewer, FailedJob, id_)


async def failed_jobs_page(ctx: Context, args: PageArgs, job_name: str | None) -> Page[FailedJob]:
    """The jobs that failed their last attempt, newest first."""
    stmt = ctx.authz.readable(ctx.viewer, FailedJob)
    if job_name is not None:
        stmt = stmt.where(FailedJob.job_name == job_name)
    return await paginate(ctx.reading, stmt, FAILED_ORDER, args, descending=True)
