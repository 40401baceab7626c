"""How the server runs: its shared socket keeps TCP_NODELAY, workers default by environment,
start-up warms the policies and raises the GC thresholds."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from policies import build_authorizer
from server.serving import GC_THRESHOLDS, default_workers, listening_socket, warm
from server.settings import Settings

SETTINGS = Settings(
    env="development",
    database_url="sqlite+aiosqlite:///unused.db",
    jwt_secret="x" * 48,
    var_dir=Path("unused"),
)


def test_the_shared_socket_is_tcp_with_nodelay() -> None:
    sock = listening_socket("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        # asyncio sets TCP_NODELAY on accepted connections only when the protocol says TCP.
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
        sock.listen()
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        finally:
            accepted.close()
            client.close()
    finally:
        sock.close()


def test_workers_default_to_the_cores_in_production_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert default_workers(SETTINGS) == 1
    assert default_workers(replace(SETTINGS, env="production")) == 6


@pytest.fixture
def gc_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_start_up_warms_the_filters_and_tunes_the_gc(gc_restored: None) -> None:
    from server.app import WARM_MODELS

    authz = build_authorizer()
    warm(authz, WARM_MODELS)
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_freeze_count() > 0
    assert len(authz._cache) >= len(WARM_MODELS)
