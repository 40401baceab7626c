"""The benchmark runs end to end on a tiny world: it builds the data, serves the app over HTTP,
answers every scenario without errors and reports SQL statements per request. Figures are not
judged here (no timing assertions); the run is the check. On PostgreSQL (SHOPIQ_TEST_DATABASE_URL
set) the benchmark works in a scratch database of its own on that server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {"a", "b", "c", "d", "e", "f", "g", "h", "i"}
REQUESTS = 5


def test_bench_quick_run_reports_every_scenario(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-W",
        "error",
        "-m",
        "bench",
        "--quick",
        "--partners",
        "2",
        "--clients-per-partner",
        "5",
        "--requests",
        str(REQUESTS),
        "--warmup",
        "1",
        "--sql-requests",
        "2",
        "--big-partner-clients",
        "7",
        "--throughput-clients",
        "1,3",
        "--output",
        str(output),
    ]
    env = {k: v for k, v in os.environ.items() if k != "SHOPIQ_BENCH_DATABASE_URL"}
    env["PYTHONWARNINGS"] = "error"  # the server child inherits it
    server = os.environ.get("SHOPIQ_TEST_DATABASE_URL")
    if server:
        command += ["--backend", "postgresql", "--database-url", server]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr

    results = json.loads(output.read_text())
    assert results["failures"] == 0
    assert results["dataset"]["clients"] == 12  # the first partner has 7, the other 5
    assert results["dataset"]["big_partner_clients"] == 7
    scenarios = {s["key"]: s for s in results["scenarios"]}
    assert set(scenarios) == SCENARIOS
    for key, scenario in scenarios.items():
        http, sql = scenario["http"], scenario["sql"]
        assert http["failures"] == 0, (key, http["first_error"])
        assert http["requests"] == REQUESTS, key
        assert http["items"] >= 1, key
        assert http["latency"] is not None, key
        assert sql["failures"] == 0, (key, sql["first_error"])
        assert len(sql["per_request"]) == 2, key
        assert all(count > 0 for count in sql["per_request"]), key
        assert sql["statements_per_request"] not in ("", "-"), key
        assert scenario["title"] in done.stdout
    assert scenarios["e"]["sql"]["by_kind"].get("INSERT", 0) >= 1  # the mutation wrote
    # The read scenarios with a hand-written floor report our latency as a multiple of it.
    for key in ("a", "i", "g", "h"):
        assert scenarios[key]["floor"]["p50"] > 0, key
        assert scenarios[key]["floor_multiple"]["p50"] > 0, key
    # The page shows the first partner's clients (all 7 of them, its owner signed in).
    assert scenarios["i"]["http"]["items"] == 7
    # Requests/s for every (workers, clients) pair, each with good answers only.
    runs = {(t["workers"], t["concurrency"]): t for t in results["throughput"]}
    assert set(runs) == {(1, 1), (1, 3), (2, 1), (2, 3)}
    for pair, run in runs.items():
        assert run["failures"] == 0, (pair, run["first_error"])
        assert run["requests"] >= 1, pair
        assert run["rps"] > 0, pair
        # The server's CPU is read beside its answers, and the database's: it runs here too.
        assert run["cpu"]["server"] > 0, pair
        assert run["cpu"]["database"] is not None, pair
    assert set(results["throughput_scaling"]) == {"c1", "c3"}
    assert "Throughput" in done.stdout
    policy = results["policy_filters"]
    assert {t["viewer"] for t in policy["by_viewer"]} == {
        "owner",
        "specialist",
        "merchant",
        "staff",
    }
    assert "SQL/req" in done.stdout
