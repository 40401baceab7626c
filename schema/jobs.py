"""Background jobs as the API shows them: the failed jobs (dead letters), for platform staff."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from db import jobs as tables
from resolvers.job_queries import failed_jobs_page, get_failed_job
from resolvers.pagination import PageArgs
from schema.connections import Connection, connection, to_connection
from schema.info import Info
from schema.relay import Node, RowType, node


@node(get_failed_job)
@strawberry.type(
    description="A background job that failed its last attempt, after its retries (the dead "
    "letter). Platform staff only."
)
class FailedJob(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    job_name: str = strawberry.field(
        description="The job's name in the registry, e.g. `tasks.mark_overdue`."
    )
    engine_job_id: int | None = strawberry.field(
        description="The job's id in the job queue (procrastinate's), null when it ran in none."
    )
    arguments: JSON = strawberry.field(description="The arguments it ran with.")
    attempts: int = strawberry.field(description="How many times it ran, retries included.")
    error: str = strawberry.field(description="The last attempt's error.")
    failed_at: datetime = strawberry.field(description="When the last attempt failed.")
    _row: strawberry.Private[tables.FailedJob]


@strawberry.type
class JobQuery:
    @connection(
        "The background jobs that failed their last attempt, newest first: platform staff "
        "only (anyone else gets an empty list)."
    )
    async def failed_jobs(
        self,
        info: Info,
        page: PageArgs,
        job_name: Annotated[
            str | None,
            strawberry.argument(description="Only the failures of the job of this name."),
        ] = None,
    ) -> Connection[FailedJob]:
        found = await failed_jobs_page(info.context, page, job_name)
        return to_connection(found, FailedJob.of)
