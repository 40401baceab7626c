"""A lean HTTP/1.1 client for the throughput runs: one keep-alive connection per simulated
client, the protocol kept by h11 (the state machine uvicorn serves with), nothing else.

The load generator shares the machine with the server and the database, so whatever CPU it
spends per request is taken from the workers it measures. httpx spent about 5 ms per dashboard
request here (its request and response models, then decoding the 71 KB answer to check it);
this client spends a fraction of that, and checks an answer by its bytes when they are those of
an answer already checked (a scenario asks the same question every time)."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import h11

READ_SIZE = 256 * 1024


class Connection:
    """One keep-alive connection to `base_url`; requests are sent one at a time."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port
        self._authority = parts.netloc
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._protocol = h11.Connection(our_role=h11.CLIENT)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """(status, body) of a POST; raises on a broken connection or after the timeout."""
        async with asyncio.timeout(self._timeout):
            return await self._post(path, body, headers)

    async def _post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        request = h11.Request(
            method="POST",
            target=path,
            headers=[
                ("host", self._authority),
                ("content-length", str(len(body))),
                *headers.items(),
            ],
        )
        protocol = self._protocol
        self._writer.write(
            protocol.send(request)
            + protocol.send(h11.Data(data=body))
            + protocol.send(h11.EndOfMessage())
        )
        status = 0
        chunks: list[bytes] = []
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                data = await self._reader.read(READ_SIZE)
                protocol.receive_data(data)  # b"" tells h11 the server closed
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection mid-answer")
        if protocol.our_state is h11.MUST_CLOSE or protocol.their_state is h11.MUST_CLOSE:
            await self.close()
        else:
            protocol.start_next_cycle()
        return status, b"".join(chunks)

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        self._protocol = h11.Connection(our_role=h11.CLIENT)
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
