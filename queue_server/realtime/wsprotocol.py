"""uvicorn's WebSocket protocol with the writes of one event-loop turn coalesced per connection.

uvicorn (every implementation) writes each WebSocket message to the socket at once: one `send`
system call per message and client. A call-next records five events, so with 500 boards that is
2,500 system calls, each ~16 µs on loopback here (the kernel does the receiving side's TCP work
and wakes the reader inside the sender's call) — ~40 ms of the event loop's time, during which
nothing else runs. Here the frames a connection produces during one loop turn are joined and
written once, at the start of the next turn: one system call per client per burst, the same bytes
in the same order, no timer (the delay is one loop turn, not a Nagle-style wait).

Use: `uvicorn --ws queue_server.realtime.wsprotocol:CoalescingWebSocketProtocol` (as the CLI and
tests/server_process.py do). Flow control is the transport's own: the pending bytes of one turn
are written as soon as that turn ends, and pause_writing/resume_writing still come from the
real transport.
"""
from __future__ import annotations

import asyncio

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class CoalescingTransport:
    """A transport that joins the writes of one loop turn; everything else is delegated."""

    __slots__ = ("_transport", "_loop", "_pending", "_scheduled")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        self._scheduled = False
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()  # a close frame queued this turn still goes out before the socket closes
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str):  # get_extra_info, is_closing, pause_reading, set_protocol, ...
        return getattr(self._transport, name)


class CoalescingWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))
