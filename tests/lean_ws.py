"""A lean WebSocket client for the fan-out benches and the restart test: many connections, little CPU per message.

The load generator shares the machine's two cores with the server. A `websockets` client that
decodes and JSON-parses every message of every connection in its own coroutine spends more CPU
per message than the server does to send it, and that time is counted as delivery latency. This
client is an asyncio Protocol that parses RFC 6455 frames in `data_received`, stamps each complete
message with the time its bytes were read, and hands the raw bytes on; the caller decides which
messages to JSON-decode (e.g. after a cheap bytes search). It checks the handshake's
Sec-WebSocket-Accept, answers pings, and handles fragmented messages; the server sends unmasked
frames without extensions (uvicorn runs with --ws-per-message-deflate false).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OnMessage = Callable[[float, bytes], None]


class LeanWebSocket(asyncio.Protocol):
    def __init__(self, on_message: OnMessage, handshake: bytes, key: bytes):
        self.on_message = on_message
        self.request = handshake
        self.expected_accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.open = False
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.fragments: list[bytes] = []
        self.close_code: int | None = None  # the server's close frame, when it sent one
        self.close_reason: str | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).decode("latin-1").split("\r\n")
            del buf[: end + 4]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            if " 101 " not in head[0] + " " or headers.get("sec-websocket-accept", "").encode() != self.expected_accept:
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(f"handshake refused: {head[0]}"))
                self.transport.close()
                return
            self.open = True
            if not self.opened.done():  # (the caller may have given up waiting)
                self.opened.set_result(None)
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if b1 & 0x80:
                raise ValueError("server frames must not be masked")
            if length == 126:
                if n - pos < 4:
                    break
                length, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if n - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if opcode in (1, 2, 0):
                if not b0 & 0x80:
                    self.fragments.append(payload)
                    continue
                if opcode == 0:
                    payload = b"".join(self.fragments) + payload
                    self.fragments.clear()
                self.on_message(now, payload)
            elif opcode == 9:  # ping → pong
                self._send(0xA, payload)
            elif opcode == 8:  # close → echo and hang up
                if len(payload) >= 2:
                    self.close_code = struct.unpack_from("!H", payload)[0]
                    self.close_reason = payload[2:].decode("utf-8", "replace")
                self._send(0x8, payload[:2])
                self.transport.close()
        del buf[:pos]

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._send(0x8, struct.pack("!H", 1000))
            self.transport.close()


async def connect(url: str, on_message: OnMessage) -> LeanWebSocket:
    """Open a connection to ws://host:port/path?query; returns once the handshake succeeded."""
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16))
    target = parts.path + ("?" + parts.query if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: LeanWebSocket(on_message, request, key), parts.hostname, parts.port)
    await proto.opened
    return proto


def match_called(received: list[list[tuple[float, bytes]]], calls) -> tuple[dict[int, list[float]], int]:
    """Decode the recorded `ticket.called` messages: per called ticket id (of `calls`), the arrival
    time at each connection that got it; and how many were stray (another id, or a repeat at the
    same connection)."""
    arrivals: dict[int, list[float]] = {tid: [] for tid in calls}
    seen: set[tuple[int, int]] = set()
    stray = 0
    for i, msgs in enumerate(received):
        for now, raw in msgs:
            tid = json.loads(raw)["data"]["id"]
            if tid not in arrivals or (tid, i) in seen:
                stray += 1
                continue
            seen.add((tid, i))
            arrivals[tid].append(now)
    return arrivals, stray
