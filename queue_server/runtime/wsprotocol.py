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

And one for memory (issue 21): the extension's `listen(callback)` hands every later receive
event (`websocket.receive`, `websocket.disconnect`) to `callback` as it arrives, instead of
queueing it for `receive()` — the stream needs no task of its own parked on `receive()` per board
(a task and five coroutine frames, ~3 KiB while idle). Reading is not paused for a listener.

Use: `uvicorn --ws queue_server.runtime.wsprotocol:CoalescingWebSocketProtocol` (as the CLI and
tests/server_process.py do). Flow control is the transport's own: the pending bytes of one turn
are written as soon as that turn ends, and pause_writing/resume_writing still come from the
real transport.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN

from ..realtime.hub import SEND_MANY
from ..realtime.mailbox import Flag, Mailbox

log = logging.getLogger(__name__)

_frames: dict[str, bytes] = {}  # text → its frame; the hub hands the same str object to every client
# Bounded in bytes, not only in texts: a board's snapshot is ~17 KiB, and 256 of them (text and
# frame) were ~8 MiB a worker keeps for nothing — ~8 KiB per idle board with 500 a worker.
FRAMES_MAX_BYTES = 512 * 1024
_frames_bytes = 0


def text_frame(text: str) -> bytes:
    global _frames_bytes
    frame = _frames.get(text)
    if frame is None:
        frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
        if len(_frames) >= 256 or _frames_bytes + len(frame) > FRAMES_MAX_BYTES:
            _frames.clear()
            _frames_bytes = 0
        if len(frame) <= FRAMES_MAX_BYTES // 4:
            _frames[text] = frame
            _frames_bytes += len(frame)
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


class _Listening:
    """The receive queue once the application listens: each event goes to its callback."""

    __slots__ = ("callback",)

    def __init__(self, callback):
        self.callback = callback

    def put_nowait(self, message) -> None:
        try:
            self.callback(message)
        except Exception:  # the connection's reading must go on
            log.exception("a WebSocket listener failed on %s", message.get("type"))

    def empty(self) -> bool:
        return True

    async def get(self):
        raise RuntimeError("this connection's application listens (send_many's listen): no receive()")


class CoalescingWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What each idle board's connection holds for its whole life (issue 21, memory per idle
        # stream): the receive queue and the `writable` event, nearly always empty / set, cost
        # ~3.8 KiB as asyncio's (five deques); the same API without storage while idle.
        self.queue = Mailbox()  # type: ignore[assignment]
        self.writable = Flag(True)  # type: ignore[assignment]

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))

    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # not set when the handshake was refused
        if scope is not None:
            scope["extensions"][SEND_MANY] = {"write_now": self.write_now, "listen": self.listen}

    def listen(self, callback) -> None:
        """From now on `callback(message)` for each receive event, what was queued first."""
        queued, self.queue = self.queue, _Listening(callback)  # type: ignore[assignment]
        while not queued.empty():
            self.queue.put_nowait(queued.get_nowait())
        self._resume_reading()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if isinstance(self.queue, _Listening):
            self._resume_reading()  # uvicorn pauses after each message until receive() takes it

    def _resume_reading(self) -> None:
        if self.read_paused and not self.disconnected:
            self.read_paused = False
            self.transport.resume_reading()

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
            await super().send(message)
            if self.handshake_complete:
                # The handshake's request and response (~2.5 KiB with their headers) are not read
                # again once the response went out; the scope keeps what the application reads.
                self.request = self.response = None
            return None
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
