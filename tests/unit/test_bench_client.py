"""The throughput load generator's HTTP client and answer check (bench/http_client.py,
bench/runner.py): answers read whole however the server frames them, connections kept alive or
reopened when the server closes them, and a bad answer never passed as good."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bench.http_client import Connection
from bench.runner import CheckedAnswers

GOOD = json.dumps({"data": {"clients": {"edges": [{"node": {"id": "1"}}]}}}).encode()
Reply = Callable[[bytes], bytes]


def sized(body: bytes, close: bool = False) -> bytes:
    extra = b"connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def chunked(body: bytes) -> bytes:
    half = len(body) // 2
    parts = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
    return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + parts + b"0\r\n\r\n"


@asynccontextmanager
async def server(reply: Reply) -> AsyncIterator[tuple[str, list[int]]]:
    """Answers each request with `reply(request body)`; yields its URL and the number of
    requests each accepted connection carried."""
    carried: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        carried.append(0)
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # the client closed
                break
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            answer = reply(await reader.readexactly(length))
            carried[-1] += 1
            writer.write(answer)
            await writer.drain()
            if b"connection: close" in answer:
                break
        writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", carried
    finally:
        listening.close()
        await listening.wait_closed()


async def test_answers_are_read_whole_on_one_kept_alive_connection() -> None:
    async with server(lambda body: sized(body * 2) if body == b"a" else chunked(body)) as (
        url,
        carried,
    ):
        connection = Connection(url, timeout=5)
        assert await connection.post("/graphql", b"a", {}) == (200, b"aa")
        assert await connection.post("/graphql", GOOD, {}) == (200, GOOD)
        assert await connection.post("/graphql", b"a", {}) == (200, b"aa")
        await connection.close()
    assert carried == [3]


async def test_a_connection_the_server_closes_is_opened_again() -> None:
    async with server(lambda body: sized(body, close=True)) as (url, carried):
        connection = Connection(url, timeout=5)
        for body in (b"one", b"two", b"three"):
            assert await connection.post("/graphql", body, {}) == (200, body)
        await connection.close()
    assert carried == [1, 1, 1]


def test_only_bytes_of_an_answer_found_good_pass_unread() -> None:
    checked = CheckedAnswers()
    assert checked.problem(200, GOOD) is None
    assert checked.problem(200, GOOD) is None
    empty = json.dumps({"data": {"clients": {"edges": []}}}).encode()
    assert checked.problem(200, empty) == "the list is empty"
    errors = json.dumps({"errors": [{"message": "boom"}], "data": None}).encode()
    assert checked.problem(200, errors) == "boom"
    assert checked.problem(200, b"<html>") == "response is not JSON"
    assert checked.problem(502, GOOD) == "HTTP 502: " + GOOD.decode()
    assert checked.problem(200, GOOD) is None
