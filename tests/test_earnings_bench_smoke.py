"""The earnings bench runs end to end on a tiny book: it builds the ledger, serves the app over
HTTP, answers the three reports without errors (the same number of rows as the floor's SQL) and
reports a floor for each. Figures are not judged here; the run is the check. On PostgreSQL
(SHOPIQ_TEST_DATABASE_URL set) it works in a scratch database of its own on that server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_earnings_bench_runs_on_a_small_book(tmp_path: Path) -> None:
    output = tmp_path / "earnings.json"
    command = [
        sys.executable,
        "-W",
        "error",
        "-m",
        "bench",
        "--earnings",
        "--clients",
        "12",
        "--months",
        "3",
        "--requests",
        "2",
        "--warmup",
        "1",
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
    figures = json.loads(output.read_text())
    assert (figures["clients"], figures["months"]) == (12, 3)
    assert figures["rows"]["commissions"] == 36
    items = {r["key"]: r["items"] for r in figures["results"]}
    assert items == {"E1": 3, "E2": 12, "E3": 12}
    for result in figures["results"]:
        assert result["floor"]["p50"] > 0
        assert result["http"]["p50"] > 0
        assert result["title"] in done.stdout
