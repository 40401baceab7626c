"""`python -m bench.serve [--workers N]`: the app under uvicorn on a free loopback port chosen by
the operating system, in one process or N worker processes sharing the socket. Settings come from
the environment (SHOPIQ_*). The first line on stdout is `PORT <n>`; SIGTERM stops the server
gracefully."""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from server.app import create_app
from server.settings import SettingsError, load_settings


def app() -> Any:
    """One worker's app (uvicorn imports it by name in each worker process)."""
    return create_app(load_settings())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("--workers", type=int, default=1)
    workers = max(1, parser.parse_args(argv).workers)
    try:
        load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux. Without it, h11's separate header and body
    # writes meet the client's delayed ACK and every response waits ~40 ms (uvicorn sets it
    # itself only on sockets it binds).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    config = uvicorn.Config(
        "bench.serve:app",
        factory=True,
        workers=workers,
        log_level="warning",
        access_log=False,
        lifespan="on",
        # A worker builds the schema and the policies before it answers the supervisor's first
        # health check; on a busy machine that takes longer than uvicorn's 5 s default.
        timeout_worker_healthcheck=60,
    )
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
