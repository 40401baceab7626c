"""Running the app for real: the listening socket, worker processes, the cyclic garbage
collector and what is warmed before the first request."""

from __future__ import annotations

import gc
import os
import socket
from typing import Any

from policies import Authorizer
from policies.viewer import Membership, Viewer
from server.settings import Settings

# The cyclic GC's generation-0 threshold (CPython's default is 700 allocations). A large page
# allocates tens of thousands of short-lived objects, which the default turns into dozens of
# collections per request, each walking everything young: the p95 tail. Objects are freed by
# reference counting anyway; the collector only finds cycles, and these thresholds still run it
# often enough to bound them.
GC_THRESHOLDS = (50_000, 20, 100)

# Filters are cached per viewer's grants, so no real viewer's filter can be built ahead; what
# start-up can pay is the process's first-use cost (Polar's and SQLAlchemy's own caches), which
# one viewer's filters cover: measured, a new viewer's first request then costs a quarter.
_WARM_VIEWER = Viewer(None, "", "", False, (Membership(0, 0, "owner"),), ())


def default_workers(settings: Settings) -> int:
    """One process per core in production; one in development (readable logs, one debugger)."""
    return (os.cpu_count() or 1) if settings.production else 1


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with TCP_NODELAY, shared by every worker. Accepted
    connections inherit TCP_NODELAY on Linux, and asyncio sets it again on sockets whose protocol
    is TCP. Without it h11's separate header and body writes meet the client's delayed ACK and a
    response waits ~40 ms (uvicorn's own socket for several workers has protocol 0, which asyncio
    does not recognise as TCP)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def warm(authz: Authorizer, models: tuple[type[Any], ...]) -> None:
    """Builds one viewer's read filter of every model, so the first request of a process does
    not pay Polar's first-use costs; then tunes the GC and moves everything built so far (schema,
    policies, SQLAlchemy's compiled mappers) out of its view."""
    for model in models:
        authz.filter(_WARM_VIEWER, "read", model)
    tune_gc()


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def app_from_environment() -> Any:
    """The app of one worker process (uvicorn imports it by name), configured from SHOPIQ_*."""
    from server.app import create_app
    from server.observability import configure_logging
    from server.settings import load_settings

    settings = load_settings()
    # Each worker is its own process: it sets up the structured log lines itself.
    configure_logging(settings.log_format)
    return create_app(settings)


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn
    from uvicorn.supervisors.multiprocess import Multiprocess

    sock = listening_socket(host, port)
    config = uvicorn.Config(
        "server.serving:app_from_environment",
        factory=True,
        workers=workers,
        log_level="info",
        log_config=None,  # the worker's own structured logging (configure_logging) stays
        lifespan="on",
        # A worker builds the schema and the policies before it answers the supervisor's first
        # health check; on a busy machine that takes longer than uvicorn's 5 s default.
        timeout_worker_healthcheck=60,
    )
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
