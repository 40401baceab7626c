"""Measurements: the real app under uvicorn in a child process on a loopback port (latency and
throughput seen by an HTTP client), the same app in-process over an ASGI transport (exact SQL
statement counts), and Authorizer.filter on viewers whose grants are not cached yet."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench import cpu
from bench.dataset import BenchWorld
from bench.floor import FloorRun
from bench.http_client import Connection
from bench.report import (
    FilterTiming,
    HttpResult,
    Latency,
    PolicyResult,
    SqlResult,
    ThroughputResult,
    percentile,
)
from bench.scenarios import Scenario, check
from db.engine import create_engine, create_session_factory
from db.models import Assignment, Client, Partner, PartnerMember, Store
from policies import Membership, Viewer, build_authorizer, load_viewer
from policies.authorize import Action
from server.app import create_app
from server.settings import Settings
from server.tokens import issue_token

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
TOKEN_TTL = 3600
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0

# The filters every request builds: one per per-request loader (resolvers/loaders.py).
REQUEST_FILTERS: tuple[tuple[Action, type[Any]], ...] = (
    ("read", Client),
    ("read", Partner),
    ("read", PartnerMember),
    ("read", Store),
    ("read", Assignment),
)
# Built only by the operations that need them.
OTHER_FILTERS: tuple[tuple[Action, type[Any]], ...] = (
    ("read_members", Partner),
    ("onboard_client", Partner),
)
# Floor runs in a row between as many requests of their scenario (bench/floor.py).
FLOOR_BLOCK = 10
# Seconds between two throughput clients' first connections.
ARRIVAL_GAP = 0.02

Say = Callable[[str], None]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _headers(secret: str, scenario: Scenario) -> dict[str, str]:
    token = issue_token(secret, scenario.persona.user_id, scenario.persona.email, TOKEN_TTL)
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}


def _body(scenario: Scenario, index: int) -> bytes:
    return json.dumps(scenario.payload(index)).encode()


def _answer(response: httpx.Response) -> tuple[int, str | None]:
    if response.status_code != 200:
        return 0, f"HTTP {response.status_code}: {response.text[:200]}"
    try:
        return check(response.json())
    except ValueError:
        return 0, "response is not JSON"


class CheckedAnswers:
    """Judges throughput answers as `_answer` does, decoding a body only when its bytes differ
    from those of the last good answer: the same question gets the same bytes, and decoding
    71 KB of JSON per request would spend the load generator's CPU, which the server shares."""

    def __init__(self) -> None:
        self._good: bytes | None = None

    def problem(self, status: int, body: bytes) -> str | None:
        if status == 200 and body == self._good:
            return None
        if status != 200:
            return f"HTTP {status}: {body[:200].decode(errors='replace')}"
        try:
            _items, problem = check(json.loads(body))
        except ValueError:
            return "response is not JSON"
        if problem is None:
            self._good = body
        return problem


def bench_settings(url: str, secret: str, var_dir: Path) -> Settings:
    return Settings(env="production", database_url=url, jwt_secret=secret, var_dir=var_dir)


# --- SQL statements per request ---------------------------------------------------------------


async def count_statements(
    url: str, secret: str, scenarios: Sequence[Scenario], requests: int, say: Say = _say
) -> dict[str, SqlResult]:
    """Sends each scenario once to warm up, then `requests` times, through the app in-process and
    counts the statements the engine executes for each request (requests run one at a time)."""
    engine = create_engine(url)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    results: dict[str, SqlResult] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="shopiq-bench-var-") as var_dir:
            app = create_app(bench_settings(url, secret, Path(var_dir)), engine=engine)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for scenario in scenarios:
                    headers = _headers(secret, scenario)
                    result = SqlResult(per_request=[], by_kind={}, failures=0)
                    for index in range(requests + 1):
                        seen.clear()
                        response = await client.post(
                            "/graphql", content=_body(scenario, index), headers=headers
                        )
                        _items, problem = _answer(response)
                        if problem is not None:
                            result.failures += 1
                            result.first_error = result.first_error or problem
                        if index == 0:
                            continue  # warm-up
                        result.per_request.append(len(seen))
                        kinds: dict[str, int] = {}
                        for statement in seen:
                            word = statement.lstrip().split(None, 1)[0].upper()
                            kinds[word] = kinds.get(word, 0) + 1
                        result.by_kind = kinds
                    results[scenario.key] = result
                    label = f"{scenario.key} {scenario.title:<32} {result.label:>5}"
                    say(f"  {label} statements per request")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        await engine.dispose()
    return results


# --- Policy filters ---------------------------------------------------------------------------


def _name(action: str, model: type[Any]) -> str:
    return f"{action} {model.__name__}"


async def time_policy_filters(url: str, world: BenchWorld, *, per_kind: int) -> PolicyResult:
    """Times Authorizer.filter for up to `per_kind` viewers of each kind on a new Authorizer: the
    first call per (action, model) for a viewer builds the filter (cold), the second hits the
    cache."""
    engine = create_engine(url)
    viewers: dict[str, list[Viewer]] = {}
    try:
        async with create_session_factory(engine)() as session:
            for kind, user_ids in world.sample_users.items():
                loaded = [await load_viewer(session, user_id) for user_id in user_ids[:per_kind]]
                viewers[kind] = [v for v in loaded if v is not None]
    finally:
        await engine.dispose()

    started = time.perf_counter()
    authz = build_authorizer()
    build_ms = (time.perf_counter() - started) * 1000
    # The process's very first filter, for a made-up viewer that no sample shares grants with.
    stranger = Viewer(0, "", "", False, (Membership(0, 0, "owner"),), ())
    started = time.perf_counter()
    authz.filter(stranger, "read", Client)
    first_ms = (time.perf_counter() - started) * 1000

    combos = (*REQUEST_FILTERS, *OTHER_FILTERS)
    by_filter: dict[str, list[float]] = {_name(a, m): [] for a, m in combos}
    by_viewer: list[FilterTiming] = []
    for kind, group in viewers.items():
        if not group:
            continue
        cold: list[float] = []
        cached: list[float] = []
        per_request: list[float] = []
        for viewer in group:
            request_ms = 0.0
            for action, model in combos:
                started = time.perf_counter()
                authz.filter(viewer, action, model)
                took = (time.perf_counter() - started) * 1000
                cold.append(took)
                by_filter[_name(action, model)].append(took)
                if (action, model) in REQUEST_FILTERS:
                    request_ms += took
            per_request.append(request_ms)
            for action, model in combos:
                started = time.perf_counter()
                authz.filter(viewer, action, model)
                cached.append((time.perf_counter() - started) * 1_000_000)
        by_viewer.append(
            FilterTiming(
                viewer=kind,
                viewers=len(group),
                filters_per_viewer=len(combos),
                cold_ms_p50=percentile(cold, 50),
                cold_ms_max=max(cold),
                new_viewer_ms_p50=percentile(per_request, 50),
                new_viewer_ms_max=max(per_request),
                cached_us_p50=percentile(cached, 50),
            )
        )
    return PolicyResult(
        build_authorizer_ms=build_ms,
        first_filter_ms=first_ms,
        request_filters=[_name(a, m) for a, m in REQUEST_FILTERS],
        by_viewer=by_viewer,
        by_filter={
            name: {"cold_ms_p50": percentile(values, 50), "cold_ms_max": max(values)}
            for name, values in by_filter.items()
            if values
        },
    )


# --- The server -------------------------------------------------------------------------------


def server_environment(url: str, secret: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPIQ_")}
    env.update(
        SHOPIQ_ENV="production",
        SHOPIQ_DATABASE_URL=url,
        SHOPIQ_JWT_SECRET=secret,
        SHOPIQ_VAR_DIR=str(var_dir),
        # The bench measures the server at full speed for one viewer per scenario; the rate
        # limit (on by default in a served process) would answer it 429.
        SHOPIQ_RATE_LIMIT_POINTS="0",
    )
    return env


@dataclass(frozen=True, slots=True)
class Server:
    """A running `python -m bench.serve`: its base URL, its process (the parent of its workers)
    and where its database runs (its CPU is read beside the server's when on this machine)."""

    url: str
    pid: int
    database: str  # bench/cpu.py: INSIDE, LOCAL or REMOTE


@asynccontextmanager
async def serve(url: str, secret: str, say: Say = _say, *, workers: int = 1) -> AsyncIterator[str]:
    """Starts `python -m bench.serve` (the app under uvicorn, production settings, `workers`
    processes) on a free loopback port, waits until /healthz answers, yields the base URL, then
    stops the process."""
    async with serve_process(url, secret, say, workers=workers) as server:
        yield server.url


@asynccontextmanager
async def serve_process(
    url: str, secret: str, say: Say = _say, *, workers: int = 1
) -> AsyncIterator[Server]:
    """`serve`, yielding the server's process as well as its URL."""
    with tempfile.TemporaryDirectory(prefix="shopiq-bench-var-") as var_dir:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.serve",
            "--workers",
            str(workers),
            cwd=ROOT,
            env=server_environment(url, secret, Path(var_dir)),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            base_url = await _wait_until_ready(proc)
            say(f"server: pid {proc.pid} on {base_url}, {workers} worker(s)")
            yield Server(base_url, proc.pid, _database_place(url))
        finally:
            await _stop(proc)


def _database_place(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return cpu.INSIDE
    return cpu.LOCAL if parsed.host in ("127.0.0.1", "localhost", "::1") else cpu.REMOTE


async def _wait_until_ready(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT)
    word, _, port = line.decode().strip().partition(" ")
    if word != "PORT" or not port.isdigit():
        raise RuntimeError(f"the server did not start (it printed {line!r})")
    base_url = f"http://{LOOPBACK}:{port}"
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=5) as client:
        while True:
            if proc.returncode is not None:
                raise RuntimeError(f"the server exited with status {proc.returncode}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return base_url
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /healthz within {START_TIMEOUT} s")
            await asyncio.sleep(0.05)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.communicate(), STOP_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.communicate()


# --- Latency and throughput over HTTP -----------------------------------------------------------


async def measure_http(
    base_url: str,
    secret: str,
    scenarios: Sequence[Scenario],
    *,
    requests: int,
    warmup: int,
    concurrency: int,
    time_limit: float,
    floors: Mapping[str, FloorRun] | None = None,
    say: Say = _say,
) -> tuple[dict[str, HttpResult], dict[str, Latency]]:
    """For each scenario in order: `warmup` requests one at a time, then `requests` requests from
    `concurrency` clients; a scenario stops early once `time_limit` seconds have passed. A
    scenario with a floor in `floors` runs it as often as it sent requests, in blocks of
    FLOOR_BLOCK between blocks of its requests (one client), or right after them (several), and
    the floor's latencies come back beside the scenarios': the two are measured side by side,
    so a machine whose speed drifts over the run (a shared one) moves both alike, while each
    still runs several times in a row, as it would in a loop of its own."""
    results: dict[str, HttpResult] = {}
    floor_latencies: dict[str, Latency] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(REQUEST_TIMEOUT)
    async with httpx.AsyncClient(
        base_url=base_url, trust_env=False, limits=limits, timeout=timeout
    ) as client:
        for scenario in scenarios:
            floor = (floors or {}).get(scenario.key)
            floor_times: list[float] = []
            result = await _scenario(
                client,
                secret,
                scenario,
                requests,
                warmup,
                concurrency,
                time_limit,
                floor=floor if concurrency == 1 else None,
                floor_times=floor_times,
            )
            if floor is not None and concurrency != 1:
                await _floor_block(floor, floor_times, result.requests)
            if floor_times:
                floor_latencies[scenario.key] = Latency.of(floor_times)
            results[scenario.key] = result
            lat = result.latency
            say(
                f"  {scenario.key} {scenario.title:<32} {scenario.viewer:<15} "
                f"p50 {lat.p50 if lat else float('nan'):7.2f} ms  "
                f"n {result.requests}  errors {result.failures}"
            )
    return results, floor_latencies


async def _floor_block(run: FloorRun, times: list[float], count: int) -> None:
    for _ in range(count):
        times.append(await _timed(run))


async def _timed(run: FloorRun) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def _scenario(
    client: httpx.AsyncClient,
    secret: str,
    scenario: Scenario,
    requests: int,
    warmup: int,
    concurrency: int,
    time_limit: float,
    *,
    floor: FloorRun | None = None,
    floor_times: list[float],
) -> HttpResult:
    """`floor`: run FLOOR_BLOCK times after every FLOOR_BLOCK measured requests (and after the
    last), as many runs as requests, its times added to `floor_times`."""
    headers = _headers(secret, scenario)
    deadline = time.perf_counter() + time_limit
    result = HttpResult(
        warmup=0,
        requests=0,
        failures=0,
        seconds=0.0,
        stopped_by_time_limit=False,
        items=None,
        latency=None,
    )

    def note(response: httpx.Response) -> bool:
        items, problem = _answer(response)
        if problem is not None:
            result.failures += 1
            result.first_error = result.first_error or problem
            return False
        result.items = items
        return True

    for index in range(warmup):
        if time.perf_counter() > deadline:
            result.stopped_by_time_limit = True
            break
        note(await client.post("/graphql", content=_body(scenario, index), headers=headers))
        result.warmup += 1

    latencies: list[float] = []
    bodies = [_body(scenario, warmup + i) for i in range(requests)]
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(bodies):
            if time.perf_counter() > deadline:
                result.stopped_by_time_limit = True
                return
            body = bodies[next_index]
            next_index += 1
            started = time.perf_counter()
            response = await client.post("/graphql", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            note(response)
            if floor is not None and len(latencies) % FLOOR_BLOCK == 0:
                await _floor_block(floor, floor_times, FLOOR_BLOCK)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    # The requests' own time: the floor's blocks between them are left out.
    result.seconds = time.perf_counter() - started - sum(floor_times)
    if floor is not None:
        await _floor_block(floor, floor_times, len(latencies) - len(floor_times))
    result.requests = len(latencies)
    result.latency = Latency.of(latencies) if latencies else None
    return result


# --- Throughput -----------------------------------------------------------------------------------


async def measure_throughput(
    server: Server,
    secret: str,
    scenario: Scenario,
    *,
    workers: int,
    concurrency: int,
    seconds: float,
    warmup: int,
    latencies: list[float] | None = None,
) -> ThroughputResult:
    """`concurrency` clients, each on its own keep-alive connection (bench/http_client.py)
    sending the scenario's request as soon as its last answer came, for `seconds` after `warmup`
    requests per client (every worker process warms up). `latencies` collects the good
    answers' latencies, for `combined`."""
    headers = _headers(secret, scenario)
    body = _body(scenario, 0)
    base_url = server.url
    latencies = [] if latencies is None else latencies
    before = len(latencies)
    failures = 0
    first_error: str | None = None
    checked = CheckedAnswers()
    connections = [Connection(base_url, REQUEST_TIMEOUT) for _ in range(concurrency)]

    async def send(connection: Connection, measured: bool) -> None:
        nonlocal failures, first_error
        started = time.perf_counter()
        status, answer = await connection.post("/graphql", body, headers)
        took = time.perf_counter() - started
        problem = checked.problem(status, answer)
        if problem is not None:
            failures += 1
            first_error = first_error or problem
        elif measured:
            latencies.append(took)

    async def warm(connection: Connection) -> None:
        for _ in range(warmup):
            await send(connection, False)

    try:
        async with asyncio.TaskGroup() as group:
            for connection in connections:
                group.create_task(warm(connection))
                # Clients arrive one after another, as users do, not in the same instant: a
                # burst of connections to an idle server goes to whichever worker wakes first.
                await asyncio.sleep(ARRIVAL_GAP)
        deadline = time.perf_counter() + seconds

        async def worker(connection: Connection) -> None:
            while time.perf_counter() < deadline:
                await send(connection, True)

        cpu_before = cpu.read(server.pid, server.database)
        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for connection in connections:
                group.create_task(worker(connection))
        elapsed = time.perf_counter() - started
        cpu_after = cpu.read(server.pid, server.database)
    finally:
        for connection in connections:
            await connection.close()
    mine = latencies[before:]
    return ThroughputResult(
        scenario=scenario.key,
        workers=workers,
        concurrency=concurrency,
        requests=len(mine),
        seconds=elapsed,
        failures=failures,
        latency=Latency.of(mine) if mine else None,
        first_error=first_error,
        cpu=cpu_after - cpu_before if cpu_after and cpu_before else None,
    )


def combined(parts: Sequence[ThroughputResult], latencies: list[float]) -> ThroughputResult:
    """One result of several runs of the same (scenario, workers, clients), whose good answers'
    latencies are `latencies`: requests and seconds add up."""
    first = parts[0]
    return ThroughputResult(
        scenario=first.scenario,
        workers=first.workers,
        concurrency=first.concurrency,
        requests=sum(p.requests for p in parts),
        seconds=sum(p.seconds for p in parts),
        failures=sum(p.failures for p in parts),
        latency=Latency.of(latencies) if latencies else None,
        first_error=next((p.first_error for p in parts if p.first_error), None),
        cpu=_summed([p.cpu for p in parts]),
    )


def _summed(times: Sequence[cpu.CpuTimes | None]) -> cpu.CpuTimes | None:
    total: cpu.CpuTimes | None = None
    for part in times:
        if part is None:
            return None
        total = part if total is None else total + part
    return total
