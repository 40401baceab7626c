"""A client's open-task count and next due task (resolvers/loaders.py `OpenTasks`): one windowed
statement gives both, for any number of clients. Undated open tasks count but are never the next
due; done tasks are neither; a merchant counts and sees only the shared ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.enums import TaskStatus
from db.models import Task
from tests.conftest import GraphQL, World
from tests.helpers import db_id, gid

OWNER = "owner@northwind.test"
PARTNER = "northwind-digital"
CLIENT = """
query ($id: ID!) {
  client(id: $id) { openTaskCount nextDueTask { id dueDate } }
}
"""
PAGE = """
{ clients(first: 50) { nodes { id openTaskCount nextDueTask { id } } } }
"""


async def _client_with_open_tasks(
    gql: GraphQL, sessions: async_sessionmaker[AsyncSession], world: World
) -> tuple[int, list[Task]]:
    """A client whose open tasks the owner sees, with at least three of them, and its tasks of
    the owner's partner."""
    body = await gql(OWNER, PAGE)
    assert "errors" not in body, body
    node = next(n for n in body["data"]["clients"]["nodes"] if n["openTaskCount"] >= 3)
    client_id = db_id(node["id"])
    async with sessions() as session:
        tasks = (
            await session.execute(
                select(Task)
                .where(Task.client_id == client_id, Task.partner_id == world.partners[PARTNER])
                .order_by(Task.id)
            )
        ).scalars()
        return client_id, list(tasks)


async def _set_due(
    sessions: async_sessionmaker[AsyncSession], task_ids: list[int], due: date | None
) -> None:
    async with sessions() as session:
        await session.execute(update(Task).where(Task.id.in_(task_ids)).values(due_date=due))
        await session.commit()


async def _ask(gql: GraphQL, client_id: int) -> dict[str, Any]:
    body = await gql(OWNER, CLIENT, id=gid("Client", client_id))
    assert "errors" not in body, body
    client: dict[str, Any] = body["data"]["client"]
    return client


async def test_undated_open_tasks_count_but_are_never_next_due(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client_id, tasks = await _client_with_open_tasks(gql, sessions, world)
    open_ids = [t.id for t in tasks if t.status != TaskStatus.DONE]
    done_ids = [t.id for t in tasks if t.status == TaskStatus.DONE]

    await _set_due(sessions, [t.id for t in tasks], None)
    assert await _ask(gql, client_id) == {"openTaskCount": len(open_ids), "nextDueTask": None}

    # The latest-numbered open task, due in a week, is the next due whatever its id.
    soon = date.today() + timedelta(days=7)
    await _set_due(sessions, [open_ids[-1]], soon)
    assert await _ask(gql, client_id) == {
        "openTaskCount": len(open_ids),
        "nextDueTask": {"id": gid("Task", open_ids[-1]), "dueDate": soon.isoformat()},
    }

    # An earlier date wins; a done task's earlier date does not; ties go to the lower id.
    await _set_due(sessions, done_ids, soon - timedelta(days=30))
    await _set_due(sessions, open_ids[:2], soon - timedelta(days=1))
    assert (await _ask(gql, client_id))["nextDueTask"] == {
        "id": gid("Task", open_ids[0]),
        "dueDate": (soon - timedelta(days=1)).isoformat(),
    }


async def test_a_client_without_open_tasks_counts_none(
    gql: GraphQL, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client_id, tasks = await _client_with_open_tasks(gql, sessions, world)
    async with sessions() as session:
        await session.execute(
            update(Task)
            .where(Task.id.in_([t.id for t in tasks]))
            .values(status=TaskStatus.DONE, due_date=date.today())
        )
        await session.commit()
    assert await _ask(gql, client_id) == {"openTaskCount": 0, "nextDueTask": None}


async def test_a_page_asks_for_both_in_one_statement(gql: GraphQL, statements: list[str]) -> None:
    body = await gql(OWNER, PAGE)
    assert "errors" not in body, body
    nodes = body["data"]["clients"]["nodes"]
    assert len(nodes) > 3
    windowed = [s for s in statements if "row_number() OVER" in s and "FROM tasks" in s]
    assert len(windowed) == 1, windowed
    assert any(n["openTaskCount"] > 0 for n in nodes)
    # A next due task is an open one: never beside a count of none.
    assert all(n["openTaskCount"] > 0 for n in nodes if n["nextDueTask"] is not None)
