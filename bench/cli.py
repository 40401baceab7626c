"""`python -m bench` (`make bench`): build a large world in a fresh database (50 partners of 100
clients, the first with 1,000), then measure the scenarios over HTTP against the floor, count
their SQL statements, measure requests/s at 1, 4 and 16 clients against 1 and 2 worker
processes, time the policy filters, print a table and write the same figures as JSON (default
bench/results/latest.json). `--throughput-seconds 0` skips the throughput runs.

PostgreSQL: `--backend postgresql` with `--database-url` or SHOPIQ_BENCH_DATABASE_URL naming a
server (the run creates and drops a scratch database there), or under a throwaway server:
`bash tests/with_postgres.sh .venv/bin/python -m bench --backend postgresql`, whose
SHOPIQ_TEST_DATABASE_URL is accepted too."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import os
import platform
import secrets
import shlex
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from bench import earnings
from bench.database import Backend, DatabaseError, fresh_database, resolve_url
from bench.dataset import SAMPLE_SIZE, generate
from bench.floor import floor_runs
from bench.report import BenchResults, ScenarioResult, ThroughputResult, render
from bench.runner import (
    LOOPBACK,
    combined,
    count_statements,
    measure_http,
    measure_throughput,
    serve,
    serve_process,
    time_policy_filters,
)
from bench.scenarios import Scenario, build_scenarios
from db.engine import create_engine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "latest.json"
# Turns each server takes per number of clients in the throughput runs, each of at least
# SLICE_SECONDS. A shared host's speed swings by a third within seconds, and differently on each
# core: the more turns, the less one slow moment moves the ratio of the two servers.
THROUGHPUT_ROUNDS = 8
SLICE_SECONDS = 2.0

FULL: dict[str, Any] = {
    "partners": 50,
    "clients_per_partner": 100,
    "big_partner_clients": 1000,
    "throughput_seconds": 16.0,
    "requests": 200,
    "warmup": 20,
    "sql_requests": 5,
    "filter_viewers": 10,
    "time_limit": 60.0,
}
QUICK: dict[str, Any] = {
    "partners": 3,
    "clients_per_partner": 10,
    "big_partner_clients": None,  # as many as the others
    "throughput_seconds": 0.5,
    "requests": 10,
    "warmup": 2,
    "sql_requests": 2,
    "filter_viewers": 3,
    "time_limit": 20.0,
}


@dataclass(frozen=True, slots=True)
class Options:
    partners: int
    clients_per_partner: int
    big_partner_clients: int | None
    throughput_seconds: float
    requests: int
    warmup: int
    sql_requests: int
    filter_viewers: int
    concurrency: int
    time_limit: float
    backend: Backend
    database_url: str | None
    in_place: bool
    keep_database: bool
    output: Path
    quick: bool
    throughput_workers: tuple[int, ...] = (1, 2)
    throughput_clients: tuple[int, ...] = (1, 4, 16)
    throughput_scenario: str = "a"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _counts(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of counts: {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("counts must be at least 1")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_argument_group("size (defaults: full run / --quick)")
    size.add_argument("--quick", action="store_true", help="a small smoke run")
    size.add_argument("--partners", type=int, help="partners to create (50 / 3)")
    size.add_argument("--clients-per-partner", type=int, help="clients per partner (100 / 10)")
    size.add_argument(
        "--big-partner-clients",
        type=int,
        help="clients of the first partner, whose team signs in (1000 / as the others)",
    )
    size.add_argument("--requests", type=int, help="measured requests per scenario (200 / 10)")
    size.add_argument("--warmup", type=int, help="warm-up requests per scenario (20 / 2)")
    size.add_argument(
        "--sql-requests", type=int, help="in-process requests per scenario for SQL counts (5 / 2)"
    )
    size.add_argument(
        "--filter-viewers",
        type=int,
        help=f"viewers of each kind for the policy-filter timing (10 / 3, at most {SAMPLE_SIZE})",
    )
    size.add_argument(
        "--time-limit", type=float, help="seconds per scenario before it stops early (60 / 20)"
    )
    size.add_argument(
        "--concurrency", type=int, default=1, help="requests in flight at once (default 1)"
    )
    load = parser.add_argument_group("throughput")
    load.add_argument(
        "--throughput-seconds",
        type=float,
        help="seconds per (workers, clients) run, in turns of 2 s or more; 0 skips them (16 / 0.5)",
    )
    load.add_argument(
        "--throughput-workers",
        type=_counts,
        default=(1, 2),
        help="server processes, comma-separated (default 1,2)",
    )
    load.add_argument(
        "--throughput-clients",
        type=_counts,
        default=(1, 4, 16),
        help="concurrent clients, comma-separated (default 1,4,16)",
    )
    load.add_argument(
        "--throughput-scenario", default="a", help="the scenario key to send (default a)"
    )
    db = parser.add_argument_group("database")
    db.add_argument(
        "--backend", choices=("sqlite", "postgresql"), help="default: from the URL, else sqlite"
    )
    db.add_argument(
        "--database-url",
        help="SQLite: an empty or new file; PostgreSQL: the server to create a scratch database "
        "on (default: SHOPIQ_BENCH_DATABASE_URL, for PostgreSQL also SHOPIQ_TEST_DATABASE_URL)",
    )
    db.add_argument(
        "--in-place",
        action="store_true",
        help="PostgreSQL: use the named database itself (it must be empty)",
    )
    db.add_argument("--keep-database", action="store_true", help="keep the generated database")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results (default: %(default)s)"
    )
    return parser


def parse_options(argv: Sequence[str]) -> Options:
    parser = build_parser()
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    values = {key: base[key] if getattr(args, key) is None else getattr(args, key) for key in base}
    counts = {**values, "concurrency": args.concurrency}
    for key in (
        "partners",
        "clients_per_partner",
        "requests",
        "sql_requests",
        "filter_viewers",
        "concurrency",
    ):
        if counts[key] < 1:
            parser.error(f"--{key.replace('_', '-')} must be at least 1")
    if values["warmup"] < 0 or values["time_limit"] <= 0:
        parser.error("--warmup must be 0 or more and --time-limit positive")
    if values["big_partner_clients"] is not None and values["big_partner_clients"] < 1:
        parser.error("--big-partner-clients must be at least 1")
    if values["throughput_seconds"] < 0:
        parser.error("--throughput-seconds must be 0 or more")
    try:
        backend, url = resolve_url(args.backend, args.database_url)
    except DatabaseError as exc:
        parser.error(str(exc))
    return Options(
        **values,
        concurrency=args.concurrency,
        backend=backend,
        database_url=url,
        in_place=args.in_place,
        keep_database=args.keep_database,
        output=args.output,
        quick=args.quick,
        throughput_workers=args.throughput_workers,
        throughput_clients=args.throughput_clients,
        throughput_scenario=args.throughput_scenario,
    )


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _load_average() -> str:
    """The 1-minute load average: other work on the machine inflates latency figures."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


async def run(options: Options, command: str) -> BenchResults:
    secret = secrets.token_urlsafe(48)
    load_before = _load_average()
    async with fresh_database(
        options.backend,
        options.database_url,
        in_place=options.in_place,
        keep=options.keep_database,
    ) as target:
        _say(f"database: {target.description}")
        engine = create_engine(target.url)
        try:
            world = await generate(
                engine,
                partners=options.partners,
                clients_per_partner=options.clients_per_partner,
                big_partner_clients=options.big_partner_clients,
            )
            version = ".".join(str(v) for v in engine.dialect.server_version_info or ())
        finally:
            await engine.dispose()

        _say("policy filters: timing Authorizer.filter for new viewers")
        policy = await time_policy_filters(target.url, world, per_kind=options.filter_viewers)

        _say("SQL statements per request (in-process)")
        sql = await count_statements(
            target.url, secret, build_scenarios(world, tag="sql"), options.sql_requests
        )

        _say(
            "latency over HTTP; the floor (minimal hand-written SQL plus the same JSON, "
            "in-process) runs between its scenario's requests"
        )
        scenarios = build_scenarios(world, tag="http")
        async with floor_runs(target.url, world) as floors_to_run:
            # Everything built so far leaves the cyclic collector's view, so the client's own
            # collections do not land inside measured requests (the server does the same).
            gc.collect()
            gc.freeze()
            async with serve(target.url, secret) as base_url:
                http, floors = await measure_http(
                    base_url,
                    secret,
                    scenarios,
                    requests=options.requests,
                    warmup=options.warmup,
                    concurrency=options.concurrency,
                    time_limit=options.time_limit,
                    floors=floors_to_run,
                )
        throughput = await _throughput(options, target.url, secret, scenarios)
        if options.keep_database:
            _say(f"database kept: {target.description}")

    results = BenchResults(
        meta={
            "command": command,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": options.backend,
            "database": f"{target.description} ({options.backend} {version})",
            "database_version": version,
            "server": (
                f"uvicorn {uvicorn.__version__} in a child process, 1 worker, "
                f"{'uvloop' if _installed('uvloop') else 'asyncio'} loop, "
                f"{'httptools' if _installed('httptools') else 'h11'} HTTP, production "
                f"settings, {LOOPBACK}"
            ),
            "load": (
                f"{options.requests} requests per scenario after {options.warmup} warm-up, "
                f"concurrency {options.concurrency}, at most {options.time_limit:g} s per "
                f"scenario; SQL counted over {options.sql_requests} in-process requests each"
            ),
            "machine": (
                f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
                f"Python {platform.python_version()}, load average {load_before} at the start, "
                f"{_load_average()} at the end"
            ),
            "quick": options.quick,
            "requests": options.requests,
            "warmup": options.warmup,
            "concurrency": options.concurrency,
            "time_limit_seconds": options.time_limit,
        },
        dataset={
            "partners": world.partners,
            "clients_per_partner": world.clients_per_partner,
            "big_partner_clients": world.big_partner_clients,
            "clients": world.clients,
            "rows": world.rows,
            "rows_total": sum(world.rows.values()),
            "seconds": round(world.seconds, 3),
        },
        scenarios=[
            ScenarioResult(
                key=s.key,
                title=s.title,
                viewer=s.viewer,
                writes=s.writes,
                http=http[s.key],
                sql=sql[s.key],
                floor=floors.get(s.key),
            )
            for s in scenarios
        ],
        policy=policy,
        throughput=throughput,
        notes=[
            "items: clients in the answer; n: measured requests; latency and req/s are seen by "
            "the client over loopback HTTP,",
            "one request at a time unless --concurrency; SQL/req: statements counted with a "
            "before_cursor_execute listener on the same app in-process,",
            "including the viewer's own load; errors: requests without data or with errors "
            "(over HTTP and in-process);",
            "floor p50: the minimal hand-written SQL plus building the same JSON, in-process, ms; "
            "x p50 / x p95: our latency over HTTP as a multiple of the floor's.",
        ],
    )
    stopped = [s.key for s in results.scenarios if s.http.stopped_by_time_limit]
    if stopped:
        results.notes.append(f"stopped by the time limit: {', '.join(stopped)}")
    return results


async def _throughput(
    options: Options, url: str, secret: str, scenarios: Sequence[Scenario]
) -> list[ThroughputResult]:
    """Requests/s of one scenario for every (workers, clients) pair, one server per worker
    count, all serving at once: for each number of clients the servers take turns, in up to
    THROUGHPUT_ROUNDS slices each, so a machine whose speed drifts over the run (a shared one)
    moves every worker count alike; an idle server costs nothing."""
    if options.throughput_seconds <= 0:
        return []
    scenario = next((s for s in scenarios if s.key == options.throughput_scenario), None)
    if scenario is None:
        raise ValueError(f"--throughput-scenario: no scenario {options.throughput_scenario!r}")
    results: list[ThroughputResult] = []
    _say(f"throughput over HTTP: scenario {scenario.key}")
    async with AsyncExitStack() as stack:
        servers = {
            workers: await stack.enter_async_context(serve_process(url, secret, workers=workers))
            for workers in options.throughput_workers
        }
        for clients in options.throughput_clients:
            parts: dict[int, list[ThroughputResult]] = {w: [] for w in servers}
            latencies: dict[int, list[float]] = {w: [] for w in servers}
            rounds = max(1, min(THROUGHPUT_ROUNDS, int(options.throughput_seconds / SLICE_SECONDS)))
            for _ in range(rounds):
                for workers, server in servers.items():
                    part = await measure_throughput(
                        server,
                        secret,
                        scenario,
                        workers=workers,
                        concurrency=clients,
                        seconds=options.throughput_seconds / rounds,
                        warmup=2,
                        latencies=latencies[workers],
                    )
                    parts[workers].append(part)
            for workers in servers:
                result = combined(parts[workers], latencies[workers])
                results.append(result)
                rps = result.rps or 0.0
                _say(f"  {workers} worker(s), {clients:>2} clients: {rps:7.1f} req/s")
    return sorted(results, key=lambda r: (r.workers, r.concurrency))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--earnings"]:  # the earnings reports' own bench (bench/earnings.py)
        return earnings.main(argv[1:])
    options = parse_options(argv)
    command = shlex.join(["python", "-m", "bench", *argv])
    try:
        results = asyncio.run(run(options, command))
    except DatabaseError as exc:
        _say(f"database error: {exc}")
        return 2
    sys.stdout.write(render(results))
    results.write_json(options.output)
    _say(f"results written to {options.output}")
    if results.failures:
        _say(f"{results.failures} requests failed")
        return 1
    return 0
