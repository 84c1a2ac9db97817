"""uvicorn's WebSocket protocol with the writes of one event-loop turn coalesced per connection.

uvicorn (every implementation) writes each WebSocket message to the socket at once: one `send`
system call per message and client. A call-next records five events, so with 500 boards that is
2,500 system calls, each ~16 µs on loopback here (the kernel does the receiving side's TCP work
and wakes the reader inside the sender's call) — ~40 ms of the event loop's time, during which
nothing else runs. Here the frames a connection produces during one loop turn are joined and
written once, at the start of the next turn: one system call per client per burst, the same bytes
in the same order, no timer (the delay is one loop turn, not a Nagle-style wait).

Two more savings for the fan-out, where the same text goes to every client:

* a text frame's bytes are built once per text, not once per client (server frames are unmasked,
  and without per-message deflate they are the same for every connection);
* the ASGI extension `motcua.websocket.send_many` (advertised in the scope): the message
  `{"type": "websocket.send", "texts": [...]}` sends several text messages, in order, with one
  pass through the ASGI send chain, and the extension's `write_now(texts) -> bool` writes them
  at once from outside the connection's task (False, nothing written, when the connection is
  paused by flow control or not plainly open: then use the send). The event stream uses both:
  the hub writes a burst straight to every idle client, a busy client's sender sends what is
  queued. Without the extension (another server, the test client) events go one by one.

Use: `uvicorn --ws queue_server.runtime.wsprotocol:CoalescingWebSocketProtocol` (as the CLI and
tests/server_process.py do). Flow control is the transport's own: the pending bytes of one turn
are written as soon as that turn ends, and pause_writing/resume_writing still come from the
real transport.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN

from ..realtime.hub import SEND_MANY

_frames: dict[str, bytes] = {}  # text → its frame; the hub hands the same str object to every client


def text_frame(text: str) -> bytes:
    frame = _frames.get(text)
    if frame is None:
        if len(_frames) >= 256:
            _frames.clear()
        frame = _frames[text] = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    return frame


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

    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # not set when the handshake was refused
        if scope is not None:
            scope["extensions"][SEND_MANY] = {"write_now": self.write_now}

    def _plain_open(self) -> bool:
        """Open, not closing, no fragment or extension in play: text frames can be written as built."""
        conn = self.conn
        return (
            self.handshake_complete
            and not self.close_sent
            and self.initial_response is None
            and not self.disconnected
            and conn.state is OPEN
            and not conn.expect_continuation_frame
            and not conn.extensions
            and not conn.writes
        )

    def write_now(self, texts) -> bool:
        """Write text messages without awaiting; False (nothing written) when paused or not plainly open."""
        if not self.writable.is_set() or not self._plain_open():
            return False
        write = self.transport.write
        for text in texts:
            write(text_frame(text))
        return True

    async def send(self, message) -> None:  # type: ignore[override]
        if message["type"] != "websocket.send" or message.get("bytes") is not None:
            return await super().send(message)
        texts = message.get("texts")
        if texts is None:
            texts = (message.get("text"),)
            if texts[0] is None:
                return await super().send(message)
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        if self._plain_open():
            write = self.transport.write
            for text in texts:
                write(text_frame(text))
            return None
        for text in texts:  # closing, or a case the plain path knows better: message by message
            await super().send({"type": "websocket.send", "text": text})
        return None
