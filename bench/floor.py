"""The floor: the minimal hand-written SQL that returns what a read scenario returns, plus
building the same JSON, timed in-process. The scenarios' HTTP latencies are reported as
multiples of it. The owner's visibility is written out directly (the partner's clients with an
active access), which is what the policy filter decides for an owner."""

from __future__ import annotations

import base64
import functools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.dataset import BenchWorld
from db.engine import create_engine
from resolvers.dashboard import month_starts
from resolvers.readiness import readiness

Floor = Callable[[AsyncConnection, int], Awaitable[str]]
FloorRun = Callable[[], Awaitable[str]]

VISIBLE = (
    "c.partner_id = :p AND EXISTS (SELECT 1 FROM partner_accesses a WHERE a.client_id = c.id "
    "AND a.partner_id = :p AND a.status = 'active')"
)


def gid(kind: str, id_: int) -> str:
    return base64.b64encode(f"{kind}:{id_}".encode()).decode()


def _cursor(name: str, id_: int) -> str:
    raw = json.dumps([name, id_], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _page(conn: AsyncConnection, partner: int, first: int) -> tuple[list[Any], int]:
    rows = (
        await conn.execute(
            text(
                f"SELECT c.id, c.business_name, c.status FROM clients c WHERE {VISIBLE} "
                "ORDER BY c.business_name, c.id LIMIT :n"
            ),
            {"p": partner, "n": first + 1},
        )
    ).all()
    total = (
        await conn.execute(text(f"SELECT count(*) FROM clients c WHERE {VISIBLE}"), {"p": partner})
    ).scalar_one()
    return list(rows[:first]), int(total)


def _in(sql: str) -> Any:
    return text(sql).bindparams(bindparam("ids", expanding=True))


async def _stores(conn: AsyncConnection, ids: list[int]) -> dict[int, Any]:
    rows = await conn.execute(_in("SELECT * FROM stores WHERE client_id IN :ids"), {"ids": ids})
    return {s.client_id: s for s in rows}


async def _assignees(conn: AsyncConnection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    assignees: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in await conn.execute(
        _in(
            "SELECT a.client_id, a.role, u.email FROM assignments a JOIN users u ON u.id = "
            "a.user_id WHERE a.client_id IN :ids ORDER BY a.role <> 'lead', a.id"
        ),
        {"ids": ids},
    ):
        assignees[a.client_id].append({"role": a.role.upper(), "user": {"email": a.email}})
    return assignees


async def _open_counts(conn: AsyncConnection, ids: list[int], partner: int) -> dict[int, int]:
    rows = await conn.execute(
        _in(
            "SELECT client_id, count(*) FROM tasks WHERE client_id IN :ids AND "
            "partner_id = :p AND status <> 'done' GROUP BY client_id"
        ),
        {"ids": ids, "p": partner},
    )
    return {int(k): int(n) for k, n in rows.all()}


async def _next_due(conn: AsyncConnection, ids: list[int], partner: int) -> dict[int, Any]:
    rows = await conn.execute(
        _in(
            "SELECT client_id, title, due_date FROM (SELECT client_id, title, due_date, "
            "row_number() OVER (PARTITION BY client_id ORDER BY due_date, id) AS r FROM tasks "
            "WHERE client_id IN :ids AND partner_id = :p AND status <> 'done' AND due_date "
            "IS NOT NULL) x WHERE r = 1"
        ),
        {"ids": ids, "p": partner},
    )
    return {t.client_id: t for t in rows}


def _due_json(task: Any, today: Any) -> dict[str, Any] | None:
    return task and {
        "title": task.title,
        "dueDate": str(task.due_date),
        "overdue": _date(task.due_date) < today,
    }


async def dashboard_page(conn: AsyncConnection, partner: int) -> str:
    """Scenario a: clients(first: 100) with store, partner, assignees, open task count, next
    due task and launch readiness."""
    clients, total = await _page(conn, partner, 100)
    ids = [c.id for c in clients]
    stores = await _stores(conn, ids)
    name = (
        await conn.execute(text("SELECT name FROM partners WHERE id = :p"), {"p": partner})
    ).scalar_one()
    assignees = await _assignees(conn, ids)
    open_counts = await _open_counts(conn, ids, partner)
    blocking = dict(
        (
            await conn.execute(
                _in(
                    "SELECT client_id, count(*) FROM tasks WHERE client_id IN :ids AND "
                    "partner_id = :p AND status <> 'done' AND blocks_launch GROUP BY client_id"
                ),
                {"ids": ids, "p": partner},
            )
        ).all()
    )
    today = datetime.now(UTC).date()
    due = await _next_due(conn, ids, partner)
    edges = []
    for c in clients:
        store = stores.get(c.id)
        task = due.get(c.id)
        state = readiness(store, int(blocking.get(c.id, 0)))
        edges.append(
            {
                "node": {
                    "id": gid("Client", c.id),
                    "businessName": c.business_name,
                    "store": store
                    and {
                        "subdomain": store.subdomain,
                        "launchStatus": store.launch_status.upper(),
                        "payments": {"status": store.payment_status.upper()},
                        "brand": {
                            "onTemplateDefaults": not store.logo_url or not store.theme_customized
                        },
                    },
                    "partner": {"name": name},
                    "assignees": assignees.get(c.id, []),
                    "openTaskCount": int(open_counts.get(c.id, 0)),
                    "nextDueTask": _due_json(task, today),
                    "launchReadiness": {
                        "ready": state.ready,
                        "blockers": [{"code": b.code.upper()} for b in state.blockers],
                    },
                }
            }
        )
    return json.dumps({"data": {"clients": {"totalCount": total, "edges": edges}}})


def _date(value: Any) -> Any:
    return datetime.fromisoformat(value).date() if isinstance(value, str) else value


async def client_page(conn: AsyncConnection, partner: int) -> str:
    """Scenario i: clients(first: 100) with store, assignees, open task count and next due
    task."""
    clients, total = await _page(conn, partner, 100)
    ids = [c.id for c in clients]
    stores = await _stores(conn, ids)
    assignees = await _assignees(conn, ids)
    open_counts = await _open_counts(conn, ids, partner)
    due = await _next_due(conn, ids, partner)
    today = datetime.now(UTC).date()
    edges = []
    for c in clients:
        store = stores.get(c.id)
        edges.append(
            {
                "node": {
                    "id": gid("Client", c.id),
                    "businessName": c.business_name,
                    "status": c.status.upper(),
                    "store": store
                    and {
                        "subdomain": store.subdomain,
                        "launchStatus": store.launch_status.upper(),
                    },
                    "assignees": assignees.get(c.id, []),
                    "openTaskCount": open_counts.get(c.id, 0),
                    "nextDueTask": _due_json(due.get(c.id), today),
                }
            }
        )
    return json.dumps({"data": {"clients": {"totalCount": total, "edges": edges}}})


async def nested_page(conn: AsyncConnection, partner: int) -> str:
    """Scenario g: clients(first: 100) with each client's first 5 tasks and their count."""
    clients, total = await _page(conn, partner, 100)
    ids = [c.id for c in clients]
    tasks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in await conn.execute(
        _in(
            "SELECT client_id, title, status, due_date FROM (SELECT client_id, title, status, "
            "due_date, row_number() OVER (PARTITION BY client_id ORDER BY position, id) AS r "
            "FROM tasks WHERE client_id IN :ids AND partner_id = :p) x WHERE r <= 5 "
            "ORDER BY client_id, r"
        ),
        {"ids": ids, "p": partner},
    ):
        tasks[t.client_id].append(
            {
                "title": t.title,
                "status": t.status.upper(),
                "dueDate": None if t.due_date is None else str(t.due_date),
            }
        )
    counts = dict(
        (
            await conn.execute(
                _in(
                    "SELECT client_id, count(*) FROM tasks WHERE client_id IN :ids AND "
                    "partner_id = :p GROUP BY client_id"
                ),
                {"ids": ids, "p": partner},
            )
        ).all()
    )
    edges = [
        {
            "node": {
                "businessName": c.business_name,
                "tasks": {"totalCount": int(counts.get(c.id, 0)), "nodes": tasks.get(c.id, [])},
            }
        }
        for c in clients
    ]
    return json.dumps({"data": {"clients": {"totalCount": total, "edges": edges}}})


async def partner_dashboard(conn: AsyncConnection, partner: int) -> str:
    """Scenario h: the partner dashboard's aggregates."""
    now = datetime.now(UTC)
    this_month, last_month = month_starts(now)
    rows = (
        await conn.execute(
            text(
                "SELECT c.status, count(*), "
                "sum(CASE WHEN s.launch_status <> 'live' AND s.custom_domain IS NOT NULL AND "
                "s.domain_status <> 'verified' THEN 1 ELSE 0 END), "
                "sum(CASE WHEN s.launch_status <> 'live' AND s.payment_status <> 'active' "
                "THEN 1 ELSE 0 END), "
                "sum(CASE WHEN s.launch_status <> 'live' AND s.logistics_status <> 'active' "
                "THEN 1 ELSE 0 END), "
                "sum(CASE WHEN s.launch_status <> 'live' AND (s.catalog_status <> 'ready' OR "
                "s.product_count < 1) THEN 1 ELSE 0 END), "
                "sum(CASE WHEN s.launch_status <> 'live' AND (s.kyc_status <> 'verified' OR "
                "s.tax_status NOT IN ('registered', 'exempt')) THEN 1 ELSE 0 END), "
                "sum(CASE WHEN s.launched_at >= :this THEN 1 ELSE 0 END), "
                "sum(CASE WHEN s.launched_at >= :last AND s.launched_at < :this THEN 1 ELSE 0 "
                "END), "
                "sum(CASE WHEN NOT EXISTS (SELECT 1 FROM assignments x WHERE x.client_id = c.id "
                "AND x.partner_id = :p) THEN 1 ELSE 0 END) "
                f"FROM clients c LEFT JOIN stores s ON s.client_id = c.id WHERE {VISIBLE} "
                "GROUP BY c.status"
            ),
            {"p": partner, "this": this_month, "last": last_month},
        )
    ).all()
    work = (
        await conn.execute(
            text(
                "SELECT t.assignee_member_id, count(*), sum(CASE WHEN t.due_date < :today THEN 1 "
                "ELSE 0 END), u.email FROM tasks t LEFT JOIN partner_members m ON m.id = "
                "t.assignee_member_id LEFT JOIN users u ON u.id = m.user_id WHERE t.partner_id = "
                ":p AND t.status <> 'done' AND EXISTS (SELECT 1 FROM partner_accesses a WHERE "
                "a.client_id = t.client_id AND a.partner_id = :p AND a.status = 'active') "
                "GROUP BY t.assignee_member_id, u.email"
            ),
            {"p": partner, "today": now.date()},
        )
    ).all()
    pending = (
        await conn.execute(
            text(
                "SELECT count(*) FROM partner_accesses WHERE partner_id = :p AND status = "
                "'requested'"
            ),
            {"p": partner},
        )
    ).scalar_one()
    sums = [sum(int(r[i] or 0) for r in rows) for i in range(2, 10)]
    keys = ("domain", "payments", "logistics", "catalog", "compliance")
    dashboard = {
        "clientsByStatus": [{"status": r[0].upper(), "count": int(r[1])} for r in rows],
        "setUpFunnel": dict(zip(keys, sums[:5], strict=True)),
        "launchedThisMonth": sums[5],
        "launchedLastMonth": sums[6],
        "clientsWithoutAssignee": sums[7],
        "openTasks": sum(int(w[1]) for w in work),
        "overdueTasks": sum(int(w[2] or 0) for w in work),
        "workByAssignee": [
            {
                "openTasks": int(w[1]),
                "overdueTasks": int(w[2] or 0),
                "member": w[3] and {"user": {"email": w[3]}},
            }
            for w in work
        ],
        "accessRequestsPending": int(pending),
    }
    return json.dumps(
        {"data": {"viewer": {"memberships": [{"partner": {"dashboard": dashboard}}]}}}
    )


FLOORS: dict[str, Floor] = {
    "a": dashboard_page,
    "i": client_page,
    "g": nested_page,
    "h": partner_dashboard,
}


@asynccontextmanager
async def floor_runs(url: str, world: BenchWorld) -> AsyncIterator[dict[str, FloorRun]]:
    """Each floor as a call without arguments, on one open connection, for the signed-in
    owner's partner, after a few warm-up runs."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            partner = (
                await conn.execute(
                    text("SELECT partner_id FROM partner_members WHERE user_id = :u"),
                    {"u": world.owner.user_id},
                )
            ).scalar_one()
            runs: dict[str, FloorRun] = {
                key: functools.partial(floor, conn, partner) for key, floor in FLOORS.items()
            }
            for run in runs.values():
                for _ in range(5):
                    await run()
            yield runs
    finally:
        await engine.dispose()
