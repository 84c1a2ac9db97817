"""A lean HTTP/1.1 load generator: keep-alive connections over asyncio streams.

The server and the load share this machine's two cores, so the client must cost little: each
request is a few pre-built bytes and the reply is parsed only as far as its status line and
length. httpx costs ~1 ms of CPU per request, which would be measured as server latency.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from _server import collector_paused


class Connection:
    def __init__(self, base_url: str, headers: dict[str, str]):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{self.host}:{self.port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        extra = f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n" if body is not None else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + payload)
        status_line = await self.reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, (await self.reader.readexactly(length)) if length else b""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_clients(
    base_url: str,
    headers: dict[str, str],
    clients: int,
    total: int,
    make_request: Callable[[int], tuple[str, str, dict | None]],
    expect: tuple[int, ...],
) -> dict:
    """`clients` connections send `total` requests between them, one at a time each (closed loop)."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(total))
    conns = [Connection(base_url, headers) for _ in range(clients)]
    await asyncio.gather(*(c.open() for c in conns))

    async def client(conn: Connection) -> None:
        for i in counter:
            method, path, body = make_request(i)
            t0 = time.perf_counter()
            status, reply = await conn.request(method, path, body)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status not in expect:
                errors.append(f"{status} {reply[:200]!r}")

    with collector_paused():  # the load generator's own collector stays out of the latencies
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for c in conns))
        elapsed = time.perf_counter() - t0
    await asyncio.gather(*(c.close() for c in conns))
    return {"latencies": latencies, "errors": errors, "elapsed_s": elapsed}
