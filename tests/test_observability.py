"""Operations: one structured log line per request, Prometheus metrics (and who may read them),
readiness."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import create_engine
from server.app import create_app
from server.observability import MAX_OPERATION_LABELS, Metrics, configure_logging
from server.settings import Settings
from tests.conftest import World, token_for

OWNER = "owner@northwind.test"
QUERY = "query Page { clients(first: 3) { nodes { id } } }"
METRICS_TOKEN = "m" * 40


def bearer(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.users[OWNER], OWNER)}"}


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def fresh(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own: its metrics start from zero."""
    async with client_for(create_app(settings, engine=engine, sessions=sessions)) as client:
        yield client


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text format."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {prefix}")


# --- logs ---------------------------------------------------------------------------------------


async def test_each_request_logs_one_structured_line(
    http: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shopiq.requests")
    response = await http.post(
        "/graphql", json={"query": QUERY}, headers={**bearer(world), "X-Request-Id": "log-1"}
    )
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "shopiq.requests"]
    fields: Any = record
    assert fields.request_id == "log-1"
    assert fields.viewer_id == world.users[OWNER]
    assert fields.operation == "Page"
    assert fields.status == 200
    assert fields.cost == 3
    assert fields.sql_statements >= 1
    assert fields.duration_ms >= 0
    assert fields.codes is None


async def test_a_refused_request_logs_its_code(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shopiq.requests")
    response = await http.post("/graphql", json={"query": QUERY})
    assert response.status_code == 401
    [record] = [r for r in caplog.records if r.name == "shopiq.requests"]
    fields: Any = record
    assert (fields.codes, fields.viewer_id, fields.operation) == (["UNAUTHENTICATED"], None, None)


def test_json_log_lines() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    try:
        configure_logging("json", stream=stream)
        logging.getLogger("shopiq.requests").info(
            "request", extra={"request_id": "r-1", "viewer_id": 7, "cost": 12}
        )
    finally:
        root.handlers, root.level = handlers, level
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"] == "request"
    assert (line["request_id"], line["viewer_id"], line["cost"]) == ("r-1", 7, 12)
    assert line["level"] == "info"
    assert "timestamp" in line


def test_job_engine_routine_lines_are_quiet_but_its_warnings_show() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    engine = logging.getLogger("procrastinate")
    engine_level = engine.level
    stream = io.StringIO()
    try:
        configure_logging("json", stream=stream)
        logging.getLogger("procrastinate.worker").info("Starting job webhooks.dispatch")
        logging.getLogger("procrastinate.worker").warning("Job mail.send failed; retrying")
    finally:
        root.handlers, root.level = handlers, level
        engine.setLevel(engine_level)
    events = [json.loads(line)["event"] for line in stream.getvalue().strip().splitlines()]
    assert events == ["Job mail.send failed; retrying"]


# --- metrics ------------------------------------------------------------------------------------


async def test_metrics_count_requests_errors_and_statements(
    fresh: httpx.AsyncClient, world: World
) -> None:
    assert (await fresh.post("/graphql", json={"query": QUERY}, headers=bearer(world))).is_success
    await fresh.post("/graphql", json={"query": "query Bad { nope }"}, headers=bearer(world))
    await fresh.post("/graphql", json={"query": QUERY})  # 401
    text = (await fresh.get("/metrics")).text
    assert sample(text, "shopiq_request_duration_seconds_count", operation="Page") == 1
    # Refused before its document was read: no operation name known.
    assert sample(text, "shopiq_request_duration_seconds_count", operation="anonymous") == 1
    assert sample(text, "shopiq_request_duration_seconds_count", operation="Bad") == 1
    assert sample(text, "shopiq_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert sample(text, "shopiq_errors_total", code="UNAUTHENTICATED") == 1
    assert sample(text, "shopiq_sql_statements_per_request_count") == 3
    assert sample(text, "shopiq_sql_statements_per_request_sum") >= 1
    assert sample(text, "shopiq_rate_limit_refusals_total") == 0


async def test_metrics_count_rate_limit_refusals(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    limited = replace(settings, rate_limit_points=3, rate_limit_refill_per_second=0.001)
    async with client_for(create_app(limited, engine=engine, sessions=sessions)) as client:
        for _ in range(2):
            await client.post("/graphql", json={"query": QUERY}, headers=bearer(world))
        text = (await client.get("/metrics")).text
    assert sample(text, "shopiq_rate_limit_refusals_total") == 1
    assert sample(text, "shopiq_errors_total", code="RATE_LIMITED") == 1


def test_operation_labels_are_bounded() -> None:
    metrics = Metrics()
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label('x"} 1\n') == "other"
    names = [metrics.operation_label(f"Op{i}") for i in range(MAX_OPERATION_LABELS + 5)]
    assert names[:MAX_OPERATION_LABELS] == [f"Op{i}" for i in range(MAX_OPERATION_LABELS)]
    assert set(names[MAX_OPERATION_LABELS:]) == {"other"}
    assert metrics.operation_label("Op0") == "Op0"


@pytest.mark.parametrize(
    ("token", "sent", "status"),
    [
        (None, None, 404),
        (None, METRICS_TOKEN, 404),
        (METRICS_TOKEN, None, 401),
        (METRICS_TOKEN, "wrong" * 8, 401),
        (METRICS_TOKEN, METRICS_TOKEN, 200),
    ],
)
async def test_who_reads_metrics_in_production(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    token: str | None,
    sent: str | None,
    status: int,
) -> None:
    production = replace(settings, env="production", metrics_token=token)
    headers = {"Authorization": f"Bearer {sent}"} if sent else {}
    async with client_for(create_app(production, engine=engine, sessions=sessions)) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert "shopiq_request_duration_seconds" in response.text
    else:
        assert response.json()["errors"][0]["extensions"]["code"]


# --- readiness ----------------------------------------------------------------------------------


async def test_ready_when_the_database_is_current(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert (await http.get("/healthz")).json() == {"status": "ok"}


async def test_not_ready_without_migrations(settings: Settings, tmp_path: Path) -> None:
    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        async with client_for(create_app(settings, engine=empty)) as client:
            response = await client.get("/readyz")
    finally:
        await empty.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert "migration None" in body["reason"]


async def test_not_ready_without_a_database(settings: Settings, tmp_path: Path) -> None:
    missing = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    try:
        async with client_for(create_app(settings, engine=missing)) as client:
            response = await client.get("/readyz")
    finally:
        await missing.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "database unreachable"}
