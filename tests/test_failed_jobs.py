"""`failedJobs` and a FailedJob by `node(id:)`: platform staff alone see the dead letters; for
anyone else the list is empty and an id is null, as for one never issued (tests/oracle.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.demo import USERS
from db.jobs import FailedJob
from tests import oracle
from tests.conftest import GraphQL, World
from tests.helpers import gid

SIGNED_IN = tuple(email for email in USERS if not oracle.is_refused(email))

FAILED_JOBS = """
query ($name: String) {
  failedJobs(first: 10, jobName: $name) {
    totalCount
    nodes { id jobName attempts error arguments engineJobId failedAt }
  }
}
"""
NODE = "query ($id: ID!) { node(id: $id) { id ... on FailedJob { jobName error } } }"


async def _failure(sessions: async_sessionmaker[AsyncSession], name: str) -> int:
    async with sessions.begin() as session:
        row = FailedJob(
            job_name=name,
            engine_job_id=41,
            arguments={"timestamp": 1},
            attempts=6,
            error="RuntimeError: the payment provider is down",
        )
        session.add(row)
        await session.flush()
        return row.id


@pytest.mark.parametrize("email", SIGNED_IN)
async def test_only_platform_staff_see_failed_jobs(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession], email: str
) -> None:
    first = await _failure(sessions, "payouts.run")
    second = await _failure(sessions, "tasks.mark_overdue")
    body = await gql(email, FAILED_JOBS)
    assert "errors" not in body, body
    found = body["data"]["failedJobs"]
    node = (await gql(email, NODE, id=gid("FailedJob", first)))["data"]["node"]
    if oracle.staff_only(email, first):
        assert [n["id"] for n in found["nodes"]] == [
            gid("FailedJob", second),
            gid("FailedJob", first),
        ]
        assert found["totalCount"] == 2
        assert found["nodes"][1]["attempts"] == 6
        assert node == {
            "id": gid("FailedJob", first),
            "jobName": "payouts.run",
            "error": "RuntimeError: the payment provider is down",
        }
    else:
        assert found == {"totalCount": 0, "nodes": []}
        assert node is None
        # The same answer as for an id that was never issued.
        missing = await gql(email, NODE, id=gid("FailedJob", second + 1000))
        assert missing["data"]["node"] is None


async def test_failed_jobs_filter_by_job_name(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _failure(sessions, "payouts.run")
    await _failure(sessions, "tasks.mark_overdue")
    body = await gql("staff@shopiq.test", FAILED_JOBS, name="payouts.run")
    assert [n["jobName"] for n in body["data"]["failedJobs"]["nodes"]] == ["payouts.run"]


async def test_failed_jobs_cost_the_same_for_5_and_100_failures(
    gql: GraphQL,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    statements: list[str],
) -> None:
    query = "query ($n: Int) { failedJobs(first: $n) { totalCount nodes { id jobName error } } }"
    for _ in range(120):  # more than either page holds: both count the list
        await _failure(sessions, "webhooks.dispatch")
    counted = []
    for first in (5, 100):
        await gql("staff@shopiq.test", query, n=1)  # the viewer's filter warmed
        statements.clear()
        body = await gql("staff@shopiq.test", query, n=first)
        assert len(body["data"]["failedJobs"]["nodes"]) == first
        assert body["data"]["failedJobs"]["totalCount"] == 120
        counted.append(len([s for s in statements if "failed_jobs" in s]))
    assert counted[0] == counted[1] == 2  # the page and its count


async def test_failed_jobs_page_newest_first(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    made = [await _failure(sessions, "webhooks.dispatch") for _ in range(5)]
    query = """
    query ($after: String) {
      failedJobs(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    }
    """
    seen: list[str] = []
    after = None
    while True:
        body = await gql("staff@shopiq.test", query, after=after)
        page = body["data"]["failedJobs"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [gid("FailedJob", i) for i in reversed(made)]
