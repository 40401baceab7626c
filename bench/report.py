"""Result records, percentiles, the table printed to stdout, and the JSON written next to it."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.cpu import CpuTimes, ceiling

# A one-worker run whose server used this much of a core was bound by its core.
BUSY_CORE = 0.9


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least pct % of values at or below)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds."""

    p50: float
    p95: float
    p99: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        ms = [s * 1000 for s in seconds]
        return cls(
            p50=percentile(ms, 50),
            p95=percentile(ms, 95),
            p99=percentile(ms, 99),
            mean=sum(ms) / len(ms),
            min=min(ms),
            max=max(ms),
        )


@dataclass
class HttpResult:
    """One scenario over real HTTP against the uvicorn server."""

    warmup: int
    requests: int  # measured requests completed
    failures: int  # measured and warm-up requests without a good answer
    seconds: float  # wall-clock time of the measured requests
    stopped_by_time_limit: bool
    items: int | None  # items in the last good answer (clients on the page)
    latency: Latency | None
    first_error: str | None = None

    @property
    def throughput(self) -> float | None:
        return self.requests / self.seconds if self.requests and self.seconds > 0 else None


@dataclass
class SqlResult:
    """SQL statements per request, counted in-process on the same app."""

    per_request: list[int]
    by_kind: dict[str, int]  # first keyword -> statements, for one request
    failures: int
    first_error: str | None = None

    @property
    def label(self) -> str:
        if not self.per_request:
            return "-"
        low, high = min(self.per_request), max(self.per_request)
        return str(low) if low == high else f"{low}-{high}"


@dataclass
class ScenarioResult:
    key: str
    title: str
    viewer: str
    writes: bool
    http: HttpResult
    sql: SqlResult
    floor: Latency | None = None  # the minimal hand-written SQL plus the same JSON, in-process

    def multiple(self, pct: str) -> float | None:
        """Our latency over HTTP at `pct` ("p50", "p95") as a multiple of the floor's."""
        if self.floor is None or self.http.latency is None:
            return None
        floor: float = getattr(self.floor, pct)
        ours: float = getattr(self.http.latency, pct)
        return ours / floor if floor > 0 else None

    @property
    def failures(self) -> int:
        return self.http.failures + self.sql.failures


@dataclass
class FilterTiming:
    """Authorizer.filter for one kind of viewer; every sampled viewer has grants of its own, so
    its first call per (action, model) misses the cache."""

    viewer: str
    viewers: int
    filters_per_viewer: int
    cold_ms_p50: float
    cold_ms_max: float
    new_viewer_ms_p50: float  # the filters one request builds (the per-request loaders)
    new_viewer_ms_max: float
    cached_us_p50: float


@dataclass
class PolicyResult:
    build_authorizer_ms: float  # Oso set-up and policy load, once per process
    first_filter_ms: float  # the process's first filter of all
    request_filters: list[str]  # "action Model" built by every request
    by_viewer: list[FilterTiming]
    by_filter: dict[str, dict[str, float]]  # "action Model" -> {"cold_ms_p50", "cold_ms_max"}


@dataclass
class ThroughputResult:
    """One scenario's requests/s with `concurrency` clients against `workers` server processes."""

    scenario: str
    workers: int
    concurrency: int
    requests: int  # good answers within the measured seconds
    seconds: float
    failures: int
    latency: Latency | None
    first_error: str | None = None
    cpu: CpuTimes | None = None  # over the measured seconds (bench/cpu.py)

    @property
    def rps(self) -> float | None:
        return self.requests / self.seconds if self.requests and self.seconds > 0 else None

    def per_request_ms(self, part: str) -> float | None:
        """Milliseconds of CPU per good answer spent by the server, the database or the load
        generator (`part`); None where it was not read."""
        spent = getattr(self.cpu, part, None) if self.cpu else None
        return 1000 * spent / self.requests if spent is not None and self.requests else None

    def cores_busy(self) -> float | None:
        """Cores kept busy over the measured seconds by the server, database and generator."""
        if self.cpu is None or self.cpu.database is None or self.seconds <= 0:
            return None
        return (self.cpu.server + self.cpu.database + self.cpu.generator) / self.seconds


@dataclass
class BenchResults:
    meta: dict[str, Any]
    dataset: dict[str, Any]
    scenarios: list[ScenarioResult]
    policy: PolicyResult
    notes: list[str] = field(default_factory=list)
    throughput: list[ThroughputResult] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(s.failures for s in self.scenarios) + sum(t.failures for t in self.throughput)

    def ceilings(self) -> dict[str, float]:
        """Per concurrency: the most the ratio of `scaling` can be on this machine's cores, from
        the one-worker run's CPU per request (bench/cpu.py), where that worker kept its core busy
        (at fewer clients it waits for them, and the ratio says nothing of the machine)."""
        most = max((t.workers for t in self.throughput), default=1)
        cores = os.cpu_count() or 1
        found: dict[str, float] = {}
        for t in self.throughput:
            spent = t.cpu
            if t.workers != 1 or most == 1 or spent is None or spent.database is None:
                continue
            if spent.server < BUSY_CORE * t.seconds:
                continue
            others = spent.database + spent.generator
            found[f"c{t.concurrency}"] = ceiling(cores, most, spent.server, others)
        return found

    def scaling(self) -> dict[str, float]:
        """Per concurrency: requests/s with the most workers over requests/s with one."""
        most = max((t.workers for t in self.throughput), default=1)
        rps = {(t.workers, t.concurrency): t.rps for t in self.throughput}
        ratios: dict[str, float] = {}
        for t in self.throughput:
            one, many = rps.get((1, t.concurrency)), rps.get((most, t.concurrency))
            if t.workers == most and most > 1 and one and many:
                ratios[f"c{t.concurrency}"] = many / one
        return ratios

    def to_json(self) -> dict[str, Any]:
        scenarios = []
        for s in self.scenarios:
            entry = asdict(s)
            entry["http"]["throughput_rps"] = s.http.throughput
            entry["sql"]["statements_per_request"] = s.sql.label
            entry["floor_multiple"] = {"p50": s.multiple("p50"), "p95": s.multiple("p95")}
            scenarios.append(entry)
        return {
            "meta": self.meta,
            "dataset": self.dataset,
            "scenarios": scenarios,
            "policy_filters": asdict(self.policy),
            "throughput": [{**asdict(t), "rps": t.rps} for t in self.throughput],
            "throughput_scaling": self.scaling(),
            "throughput_scaling_ceiling": self.ceilings(),
            "failures": self.failures,
            "notes": self.notes,
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_rounded(self.to_json()), indent=2) + "\n")


def _rounded(value: Any) -> Any:
    """Floats to 4 decimals (milliseconds to 0.1 us), everything else as it is."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def render(results: BenchResults) -> str:
    meta, data = results.meta, results.dataset
    lines = [
        "ShopIQ Partner Graph benchmark",
        f"  command   {meta['command']}",
        f"  database  {meta['database']}",
        f"  dataset   {data['partners']} partners x {data['clients_per_partner']} clients, "
        f"the first {data['big_partner_clients']:,} = {data['clients']:,} clients, "
        f"{data['rows_total']:,} rows, built in {data['seconds']:.1f} s",
        f"  server    {meta['server']}",
        f"  load      {meta['load']}",
        f"  machine   {meta['machine']}",
        "",
    ]
    header = (
        f"{'':2} {'scenario':<32} {'viewer':<15} {'items':>5} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>8} {'n':>5} {'SQL/req':>7} {'errors':>6} "
        f"{'floor p50':>9} {'x p50':>6} {'x p95':>6}"
    )
    lines += [header, "-" * len(header)]
    for s in results.scenarios:
        lat = s.http.latency
        lines.append(
            f"{s.key:<2} {s.title:<32} {s.viewer:<15} "
            f"{'-' if s.http.items is None else s.http.items:>5} "
            f"{_num(lat.p50 if lat else None):>8} {_num(lat.p95 if lat else None):>8} "
            f"{_num(lat.p99 if lat else None):>8} {_num(s.http.throughput, 1):>8} "
            f"{s.http.requests:>5} {s.sql.label:>7} {s.failures:>6} "
            f"{_num(s.floor.p50 if s.floor else None):>9} {_num(s.multiple('p50'), 1):>6} "
            f"{_num(s.multiple('p95'), 1):>6}"
        )
    lines.append("")
    lines += [f"  {note}" for note in results.notes]
    for s in results.scenarios:
        error = s.http.first_error or s.sql.first_error
        if error:
            lines.append(f"  !! {s.key}: {error}")
    lines += _throughput_lines(results)
    policy = results.policy
    lines += [
        "",
        "Policy filters (Authorizer.filter; cold = a viewer whose grants are not cached yet)",
        f"  build_authorizer() {policy.build_authorizer_ms:.1f} ms once per process; first filter "
        f"of the process {policy.first_filter_ms:.2f} ms",
        f"  a request builds {len(policy.request_filters)}: {', '.join(policy.request_filters)}",
        "",
    ]
    header = (
        f"  {'viewer':<12} {'viewers':>7} {'filters':>7} {'cold p50 ms':>11} {'cold max ms':>11} "
        f"{'new-viewer request p50 ms':>25} {'max ms':>7} {'cached p50 us':>13}"
    )
    lines += [header, "  " + "-" * (len(header) - 2)]
    for t in policy.by_viewer:
        lines.append(
            f"  {t.viewer:<12} {t.viewers:>7} {t.filters_per_viewer:>7} {t.cold_ms_p50:>11.3f} "
            f"{t.cold_ms_max:>11.3f} {t.new_viewer_ms_p50:>25.3f} {t.new_viewer_ms_max:>7.3f} "
            f"{t.cached_us_p50:>13.2f}"
        )
    lines.append("")
    lines.append(f"  {'filter':<30} {'cold p50 ms':>11} {'cold max ms':>11}")
    for name, figures in policy.by_filter.items():
        lines.append(
            f"  {name:<30} {figures['cold_ms_p50']:>11.3f} {figures['cold_ms_max']:>11.3f}"
        )
    return "\n".join(lines) + "\n"


def _throughput_lines(results: BenchResults) -> list[str]:
    if not results.throughput:
        return []
    lines = [
        "",
        f"Throughput (scenario {results.throughput[0].scenario}; clients send their next request "
        "as soon as the last is answered)",
    ]
    header = (
        f"  {'workers':>7} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'n':>6} "
        f"{'errors':>6} {'server':>7} {'db':>6} {'loadgen':>7} {'cores':>6}"
    )
    lines += [
        "  (server, db, loadgen: ms of CPU per request; cores: cores the three kept busy, "
        f"of {os.cpu_count() or 1})",
        header,
        "  " + "-" * (len(header) - 2),
    ]
    for t in results.throughput:
        lat = t.latency
        lines.append(
            f"  {t.workers:>7} {t.concurrency:>7} {_num(t.rps, 1):>8} "
            f"{_num(lat.p50 if lat else None):>8} {_num(lat.p95 if lat else None):>8} "
            f"{t.requests:>6} {t.failures:>6} {_num(t.per_request_ms('server'), 1):>7} "
            f"{_num(t.per_request_ms('database'), 1):>6} "
            f"{_num(t.per_request_ms('generator'), 1):>7} {_num(t.cores_busy(), 2):>6}"
        )
        if t.first_error:
            lines.append(f"  !! {t.first_error}")
    scaling = results.scaling()
    if scaling:
        shown = ", ".join(f"{k[1:]} clients {v:.2f}x" for k, v in scaling.items())
        lines.append(f"  most workers over one: {shown}")
    ceilings = results.ceilings()
    if ceilings:
        shown = ", ".join(f"{k[1:]} clients {v:.2f}x" for k, v in ceilings.items())
        lines.append(f"  at most, on these cores beside the database and load generator: {shown}")
    return lines
