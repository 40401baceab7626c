"""`python -m bench.serve`: the app under uvicorn on a free loopback port chosen by the operating
system. Settings come from the environment (SHOPIQ_*). The first line on stdout is `PORT <n>`;
SIGTERM stops the server gracefully."""

from __future__ import annotations

import socket
import sys

import uvicorn

from server.app import create_app
from server.settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
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
    config = uvicorn.Config(
        create_app(settings), log_level="warning", access_log=False, lifespan="on"
    )
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
