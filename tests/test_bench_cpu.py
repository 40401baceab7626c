"""The throughput runs' CPU accounting (bench/cpu.py, bench/report.py): what each process spent,
and the most a second worker can add on cores the database and load generator share."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import cpu
from bench.report import BenchResults, PolicyResult, ThroughputResult

# A child that spends 0.3 s of its own CPU, however busy the machine is, then waits to be read.
SPIN = (
    "import sys, time\n"
    "t = time.process_time()\n"
    "while time.process_time() - t < 0.3: pass\n"
    "print('spent', flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_server_tree_is_charged_with_its_childrens_cpu() -> None:
    # The server's workers are its children: a tree of a shell and a spinning child.
    parent = subprocess.Popen(
        ["/bin/sh", "-c", f'{sys.executable} -c "$0"', SPIN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        before = cpu.read(parent.pid, cpu.REMOTE)
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "spent"
        after = cpu.read(parent.pid, cpu.REMOTE)
    finally:
        parent.communicate("", timeout=10)
    assert before is not None
    assert after is not None
    spent = after - before
    assert spent.server >= 0.25
    assert spent.database is None  # not asked for: a database on another machine


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_load_generator_is_this_process() -> None:
    before = cpu.read(1, cpu.INSIDE)
    t = time.process_time()
    while time.process_time() - t < 0.1:
        pass
    after = cpu.read(1, cpu.INSIDE)
    assert before is not None
    assert after is not None
    assert (after - before).generator >= 0.1
    assert (after - before).database == 0.0  # SQLite: inside the server's own CPU


@pytest.mark.parametrize(
    ("cores", "workers", "server", "others", "expected"),
    [
        (2, 2, 45.0, 5.0, 1.8),  # 2 x 45 / 50
        (2, 2, 45.0, 0.0, 2.0),  # nothing beside the server: both cores are its
        (4, 2, 45.0, 5.0, 2.0),  # spare cores: bound by the workers
        (2, 2, 30.0, 10.0, 1.5),  # a faster server gains less from a second worker
        (1, 2, 45.0, 5.0, 0.9),  # one core: the second worker only shares it
    ],
)
def test_ceiling(cores: int, workers: int, server: float, others: float, expected: float) -> None:
    assert cpu.ceiling(cores, workers, server, others) == pytest.approx(expected)


def _run(workers: int, clients: int, server: float, requests: int = 100) -> ThroughputResult:
    return ThroughputResult(
        scenario="a",
        workers=workers,
        concurrency=clients,
        requests=requests,
        seconds=1.0,
        failures=0,
        latency=None,
        cpu=cpu.CpuTimes(server=server, database=0.1, generator=0.0),
    )


def test_a_ceiling_is_given_where_one_worker_kept_its_core_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bench.report.os.cpu_count", lambda: 2)
    results = BenchResults(
        meta={},
        dataset={},
        scenarios=[],
        policy=PolicyResult(0.0, 0.0, [], [], {}),
        throughput=[
            _run(1, 1, server=0.5),  # waited for its one client: no bound to read
            _run(1, 16, server=0.9),
            _run(2, 1, server=0.5),
            _run(2, 16, server=1.5, requests=170),
        ],
    )
    assert results.ceilings() == {"c16": pytest.approx(2 * 0.9 / 1.0)}
    assert results.scaling()["c16"] == pytest.approx(1.7)
    assert results.throughput[1].per_request_ms("server") == pytest.approx(9.0)
    assert results.throughput[1].cores_busy() == pytest.approx(1.0)
