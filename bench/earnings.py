"""`python -m bench --earnings`: the earnings reports over a large book. One partner with 1,000
clients (default), 24 months of ShopIQ charges with their commissions (paid, approved, pending),
a monthly service invoice and a support time entry per client and month, in a fresh database.
Then, as the partner's owner over HTTP (the app under uvicorn in a child process, production
settings), it times `partner.earnings` grouped by MONTH and by CLIENT and a page of 100 rows of
`partner.profitability` sorted by commissions, each against a floor: hand-written SQL for the same
figures plus building the same JSON, in-process. Prints a table; `--output` writes JSON too."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.database import Backend, DatabaseError, fresh_database, resolve_url
from bench.dataset import _Inserter, business_name
from bench.report import Latency
from bench.runner import TOKEN_TTL, serve
from db import migrate
from db.base import utcnow
from db.engine import create_engine
from db.enums import AccessStatus, MemberStatus, PartnerRole, PartnerTier, UserStatus, Visibility
from db.models import Client, Partner, PartnerAccess, PartnerMember, User
from db.money import (
    ChargeKind,
    Commission,
    CommissionStatus,
    CommissionTerms,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    SubscriptionCharge,
)
from db.relationship import TimeEntry
from db.statistics import analyze
from schema.relay import to_global_id
from server.tokens import issue_token

PLAN_FEE = 7_900  # USD minor units a month
RATE_BP = 2_000
RECURRING_FEE = 49_900


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def month_start(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Book:
    partner_id: int
    owner_id: int
    owner_email: str
    clients: int
    months: int
    rows: dict[str, int]
    seconds: float


async def generate(engine: AsyncEngine, clients: int, months: int) -> Book:
    started = time.perf_counter()
    await migrate.upgrade(engine)
    now = utcnow()
    today = now.date()
    async with engine.begin() as conn:
        ins = _Inserter(conn, _say)
        email = "owner@earnings.bench.test"
        (owner_id,) = await ins.insert(
            User,
            [
                {
                    "email": email,
                    "name": "Owner",
                    "status": UserStatus.ACTIVE,
                    "is_platform_staff": False,
                }
            ],
        )
        (partner_id,) = await ins.insert(
            Partner, [{"name": "Bench Earner", "slug": "bench-earner", "tier": PartnerTier.GOLD}]
        )
        (member_id,) = await ins.insert(
            PartnerMember,
            [
                {
                    "partner_id": partner_id,
                    "user_id": owner_id,
                    "role": PartnerRole.OWNER,
                    "status": MemberStatus.ACTIVE,
                }
            ],
        )
        (terms_id,) = await ins.insert(
            CommissionTerms,
            [
                {
                    "is_program": True,
                    "tier": "gold",
                    "effective_from": date(2020, 1, 1),
                    "rate_bp": RATE_BP,
                    "duration_months": 36,
                    "hold_days": 30,
                }
            ],
        )
        client_ids = await ins.insert(
            Client,
            [
                {
                    "partner_id": partner_id,
                    "business_name": f"{business_name(i)} {i:04d}",
                    "contact_email": f"hello@c{i:05d}.earnings.test",
                    "country": "US",
                    "currency": "USD",
                }
                for i in range(clients)
            ],
        )
        activated = now - timedelta(days=31 * (months + 1))
        access_ids = await ins.insert(
            PartnerAccess,
            [
                {
                    "partner_id": partner_id,
                    "client_id": c,
                    "status": AccessStatus.ACTIVE,
                    "requested_at": activated,
                    "activated_at": activated,
                }
                for c in client_ids
            ],
        )
        charges, invoices, entries = [], [], []
        for i, client_id in enumerate(client_ids):
            for back in range(months):
                start = month_start(today, back)
                charged = datetime(start.year, start.month, 1 + i % 28, 9, tzinfo=UTC)
                charges.append(
                    {
                        "external_id": f"bench-{client_id}-{start:%Y%m}",
                        "client_id": client_id,
                        "partner_id": partner_id,
                        "kind": ChargeKind.USAGE if back % 6 == 5 else ChargeKind.SUBSCRIPTION,
                        "amount_minor": PLAN_FEE + (i % 7) * 100,
                        "currency": "USD",
                        "period_start": start,
                        "period_end": month_start(today, back - 1) - timedelta(days=1),
                        "charged_at": charged,
                        "payload_hash": f"{client_id:032d}{start:%Y%m%d}".ljust(64, "0"),
                    }
                )
                invoices.append(
                    {
                        "partner_id": partner_id,
                        "client_id": client_id,
                        "kind": InvoiceKind.RECURRING,
                        "status": InvoiceStatus.PAID if back > 0 else InvoiceStatus.ISSUED,
                        "number": len(invoices) + 1,
                        "currency": "USD",
                        "period_start": start,
                        "payment_terms_days": 14,
                        "issue_date": start,
                        "due_date": start + timedelta(days=14),
                        "subtotal_minor": RECURRING_FEE,
                        "total_minor": RECURRING_FEE,
                        "paid_at": charged + timedelta(days=10) if back > 0 else None,
                    }
                )
                entries.append(
                    {
                        "client_id": client_id,
                        "partner_id": partner_id,
                        "member_id": member_id,
                        "user_id": owner_id,
                        "work_date": start + timedelta(days=i % 27),
                        "minutes": 15 + (i * 7 + back) % 240,
                        "billable": True,
                        "visibility": Visibility.INTERNAL,
                    }
                )
        charge_ids = await ins.insert(SubscriptionCharge, charges)
        commissions = []
        for n, charge in enumerate(charges):
            back = n % months
            earned_on = charge["charged_at"].date()
            status = (
                CommissionStatus.PAID
                if back > 3
                else CommissionStatus.APPROVED
                if back > 0
                else CommissionStatus.PENDING
            )
            commissions.append(
                {
                    "partner_id": partner_id,
                    "client_id": charge["client_id"],
                    "charge_id": charge_ids[n],
                    "terms_id": terms_id,
                    "access_id": access_ids[n // months],
                    "rate_bp": RATE_BP,
                    "base_minor": charge["amount_minor"],
                    "amount_minor": charge["amount_minor"] * RATE_BP // 10_000,
                    "currency": "USD",
                    "status": status,
                    "earned_on": earned_on,
                    "hold_until": earned_on + timedelta(days=30),
                }
            )
        await ins.insert(Commission, commissions)
        await ins.insert(Invoice, invoices)
        await ins.insert(TimeEntry, entries)
    await analyze(engine)
    return Book(
        partner_id, owner_id, email, clients, months, ins.rows, time.perf_counter() - started
    )


# --- The measured operations ---------------------------------------------------------------

EARNINGS = """
query($id: ID!, $groupBy: [EarningsGroup!]) {
  partner(id: $id) { earnings(groupBy: $groupBy) {
    currencyCode month clientId entries earned { amount } reversed { amount } net { amount } } }
}"""
PROFITABILITY = """
query($id: ID!, $from: Date!, $to: Date!) {
  partner(id: $id) { profitability(first: 100, from: $from, to: $to, currency: "USD",
      orderBy: { field: COMMISSIONS, direction: DESC }) {
    pageInfo { hasNextPage endCursor }
    nodes { clientId clientName commissions { amount } feesInvoiced { amount }
      feesPaid { amount } supportMinutes } } }
}"""

FLOOR_BY_MONTH = """
SELECT currency, {year} AS y, {month} AS m,
  SUM(CASE WHEN reverses_commission_id IS NULL THEN amount_minor ELSE 0 END),
  SUM(CASE WHEN reverses_commission_id IS NOT NULL THEN amount_minor ELSE 0 END),
  SUM(amount_minor), COUNT(*)
FROM commissions WHERE partner_id = :partner GROUP BY currency, y, m ORDER BY currency, y, m
"""
FLOOR_BY_CLIENT = """
SELECT currency, client_id,
  SUM(CASE WHEN reverses_commission_id IS NULL THEN amount_minor ELSE 0 END),
  SUM(CASE WHEN reverses_commission_id IS NOT NULL THEN amount_minor ELSE 0 END),
  SUM(amount_minor), COUNT(*)
FROM commissions WHERE partner_id = :partner GROUP BY currency, client_id
ORDER BY currency, client_id
"""
FLOOR_PROFITABILITY = """
SELECT c.id, c.business_name, COALESCE(k.total, 0) AS commissions,
  COALESCE(i.total, 0), COALESCE(p.total, 0), COALESCE(t.total, 0)
FROM clients c
LEFT JOIN (SELECT client_id, SUM(amount_minor) AS total FROM commissions
  WHERE partner_id = :partner AND currency = 'USD' AND earned_on BETWEEN :start AND :end
  GROUP BY client_id) k ON k.client_id = c.id
LEFT JOIN (SELECT client_id, SUM(total_minor) AS total FROM invoices
  WHERE partner_id = :partner AND currency = 'USD' AND status IN ('issued', 'paid')
  AND issue_date BETWEEN :start AND :end GROUP BY client_id) i ON i.client_id = c.id
LEFT JOIN (SELECT client_id, SUM(total_minor) AS total FROM invoices
  WHERE partner_id = :partner AND currency = 'USD' AND status = 'paid'
  AND paid_at >= :paid_from AND paid_at < :paid_to GROUP BY client_id) p ON p.client_id = c.id
LEFT JOIN (SELECT client_id, SUM(minutes) AS total FROM time_entries
  WHERE partner_id = :partner AND work_date BETWEEN :start AND :end
  GROUP BY client_id) t ON t.client_id = c.id
WHERE c.partner_id = :partner
ORDER BY commissions DESC, c.business_name, c.id LIMIT 101
"""


def _money(minor: int) -> dict[str, str]:
    return {"amount": f"{minor / 100:.2f}", "currencyCode": "USD"}


@dataclass(frozen=True, slots=True)
class Operation:
    key: str
    title: str
    variables: dict[str, Any]
    query: str
    floor: Callable[[AsyncEngine], Awaitable[int]]


def operations(book: Book) -> list[Operation]:
    partner = to_global_id("Partner", book.partner_id)
    end = utcnow().date()
    start = month_start(end, 11)
    period = {"from": start.isoformat(), "to": end.isoformat()}

    async def by_month(engine: AsyncEngine) -> int:
        sqlite = engine.dialect.name == "sqlite"
        sql = FLOOR_BY_MONTH.format(
            year="CAST(strftime('%Y', earned_on) AS INTEGER)"
            if sqlite
            else "EXTRACT(YEAR FROM earned_on)",
            month="CAST(strftime('%m', earned_on) AS INTEGER)"
            if sqlite
            else "EXTRACT(MONTH FROM earned_on)",
        )
        async with engine.connect() as conn:
            rows = (await conn.execute(text(sql), {"partner": book.partner_id})).all()
        body = [
            {
                "currencyCode": c,
                "month": date(int(y), int(m), 1).isoformat(),
                "clientId": None,
                "entries": n,
                "earned": _money(e),
                "reversed": _money(r),
                "net": _money(t),
            }
            for c, y, m, e, r, t, n in rows
        ]
        json.dumps({"data": {"partner": {"earnings": body}}})
        return len(body)

    async def by_client(engine: AsyncEngine) -> int:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(FLOOR_BY_CLIENT), {"partner": book.partner_id})).all()
        body = [
            {
                "currencyCode": c,
                "month": None,
                "clientId": to_global_id("Client", k),
                "entries": n,
                "earned": _money(e),
                "reversed": _money(r),
                "net": _money(t),
            }
            for c, k, e, r, t, n in rows
        ]
        json.dumps({"data": {"partner": {"earnings": body}}})
        return len(body)

    async def profitability(engine: AsyncEngine) -> int:
        params = {
            "partner": book.partner_id,
            "start": start,
            "end": end,
            "paid_from": datetime(start.year, start.month, start.day, tzinfo=UTC),
            "paid_to": datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1),
        }
        async with engine.connect() as conn:
            rows = (await conn.execute(text(FLOOR_PROFITABILITY), params)).all()
        body = [
            {
                "clientId": to_global_id("Client", k),
                "clientName": name,
                "commissions": _money(c),
                "feesInvoiced": _money(i),
                "feesPaid": _money(p),
                "supportMinutes": int(t),
            }
            for k, name, c, i, p, t in rows[:100]
        ]
        json.dumps({"data": {"partner": {"profitability": {"nodes": body}}}})
        return len(body)

    return [
        Operation(
            "E1", "earnings by MONTH", {"id": partner, "groupBy": ["MONTH"]}, EARNINGS, by_month
        ),
        Operation(
            "E2", "earnings by CLIENT", {"id": partner, "groupBy": ["CLIENT"]}, EARNINGS, by_client
        ),
        Operation(
            "E3",
            "profitability, 100 by commissions",
            {"id": partner, **period},
            PROFITABILITY,
            profitability,
        ),
    ]


def _items(body: dict[str, Any]) -> int:
    if body.get("errors") or not body.get("data"):
        raise RuntimeError(f"the request failed: {json.dumps(body)[:300]}")
    partner = body["data"]["partner"]
    found = partner.get("earnings") or partner["profitability"]["nodes"]
    return len(found)


@dataclass(frozen=True, slots=True)
class Measured:
    key: str
    title: str
    items: int
    http: Latency
    floor: Latency

    @property
    def ratio(self) -> float:
        return self.http.p50 / self.floor.p50 if self.floor.p50 else 0.0


async def measure(url: str, book: Book, requests: int, warmup: int) -> list[Measured]:
    secret = secrets.token_urlsafe(48)
    token = issue_token(secret, book.owner_id, book.owner_email, TOKEN_TTL)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    ops = operations(book)
    engine = create_engine(url)
    floors: dict[str, list[float]] = {}
    try:
        for op in ops:
            timings = []
            for n in range(warmup + requests):
                started = time.perf_counter()
                await op.floor(engine)
                if n >= warmup:
                    timings.append(time.perf_counter() - started)
            floors[op.key] = timings
    finally:
        await engine.dispose()
    results = []
    async with (
        serve(url, secret) as base_url,
        httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=60) as client,
    ):
        for op in ops:
            payload = json.dumps({"query": op.query, "variables": op.variables})
            timings, items = [], 0
            for n in range(warmup + requests):
                started = time.perf_counter()
                response = await client.post("/graphql", content=payload, headers=headers)
                took = time.perf_counter() - started
                items = _items(response.json())
                if n >= warmup:
                    timings.append(took)
            results.append(
                Measured(op.key, op.title, items, Latency.of(timings), Latency.of(floors[op.key]))
            )
            _say(f"  {op.key} {op.title:<36} p50 {results[-1].http.p50:8.1f} ms")
    return results


def render(book: Book, backend: str, results: Sequence[Measured], command: str) -> str:
    lines = [
        f"earnings bench: {command}",
        f"database: {backend}; {book.clients:,} clients x {book.months} months, "
        f"{sum(book.rows.values()):,} rows in {book.seconds:.1f} s",
        "",
        f"{'':4}{'operation':<36}{'items':>7}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'floor p50':>11}{'x p50':>8}",
    ]
    for r in results:
        lines.append(
            f"{r.key:<4}{r.title:<36}{r.items:>7}{r.http.p50:>9.1f}{r.http.p95:>9.1f}"
            f"{r.floor.p50:>11.1f}{r.ratio:>8.1f}"
        )
    lines += [
        "",
        "p50/p95: over loopback HTTP as the partner's owner (uvicorn child process, production",
        "settings); floor: the same figures by hand-written SQL plus the same JSON, in-process.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --earnings", description=__doc__)
    parser.add_argument("--clients", type=int, default=1000, help="clients (default 1000)")
    parser.add_argument("--months", type=int, default=24, help="months of history (default 24)")
    parser.add_argument("--requests", type=int, default=30, help="measured requests (30)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up requests (3)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"))
    parser.add_argument("--database-url", help="as for `python -m bench`")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if min(args.clients, args.months, args.requests) < 1 or args.warmup < 0:
        parser.error("--clients, --months and --requests must be at least 1")
    try:
        backend: Backend
        backend, url = resolve_url(args.backend, args.database_url)
    except DatabaseError as exc:
        parser.error(str(exc))
    command = " ".join(["python -m bench --earnings", *argv])
    results, book = asyncio.run(_run(backend, url, args))
    sys.stdout.write(render(book, backend, results, command))
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        figures = {
            "command": command,
            "backend": backend,
            "clients": book.clients,
            "months": book.months,
            "rows": book.rows,
            "results": [{**asdict(r), "ratio": r.ratio} for r in results],
        }
        args.output.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return 0


async def _run(
    backend: Backend, url: str | None, args: argparse.Namespace
) -> tuple[list[Measured], Book]:
    async with fresh_database(backend, url) as target:
        _say(f"database: {target.description}")
        engine = create_engine(target.url)
        try:
            book = await generate(engine, args.clients, args.months)
        finally:
            await engine.dispose()
        _say("timing over HTTP and the floor")
        return await measure(target.url, book, args.requests, args.warmup), book
