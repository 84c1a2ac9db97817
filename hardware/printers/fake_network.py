"""A fake network receipt printer for tests and demos: TCP on 127.0.0.1.

It captures every byte and answers ``DLE EOT n`` the way a real printer's
receive buffer does (even when the sequence arrives split across packets).
Faults are switched on by setting ``paper_out``, ``paper_near_end``,
``cover_open`` or ``silent`` (accepts but never answers, like a hung printer).
"""

from __future__ import annotations

import socket
import threading

from .emulator import DLE, EOT, PaperState, render_escpos


class StatusResponder:
    """Scans a byte stream for real-time status requests and produces the replies."""

    def __init__(self, state: PaperState) -> None:
        self.state = state
        self._tail = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._tail + chunk
        replies = bytearray()
        i = 0
        while i < len(data):
            if data[i] == DLE and i + 2 >= len(data):
                break  # maybe the start of a request split across packets
            if data[i] == DLE and data[i + 1] == EOT and data[i + 2] in (1, 2, 3, 4):
                replies += self.state.answer(data[i + 2])
                i += 3
            else:
                i += 1
        self._tail = data[i:]
        return bytes(replies)


class FakeNetworkPrinter:
    """``with FakeNetworkPrinter() as fp: open_printer(fp.url)``; read ``fp.received``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, width_dots: int = 576) -> None:
        self.state = PaperState()
        self.silent = False
        self.width_dots = width_dots
        self._received = bytearray()
        self._lock = threading.Lock()
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.1)
        self.host, self.port = self._server.getsockname()[:2]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self.connections = 0

    # Faults, as attributes so tests read naturally: fp.paper_out = True
    paper_out = property(lambda self: self.state.paper_out, lambda self, v: setattr(self.state, "paper_out", v))
    paper_near_end = property(
        lambda self: self.state.paper_near_end, lambda self, v: setattr(self.state, "paper_near_end", v)
    )
    cover_open = property(lambda self: self.state.cover_open, lambda self, v: setattr(self.state, "cover_open", v))

    @property
    def url(self) -> str:
        return f"escpos+tcp://{self.host}:{self.port}?width={self.width_dots}"

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def job_bytes(self) -> bytes:
        """What was received without the status requests (what ends up on paper)."""
        data = self.received
        for n in (1, 2, 3, 4):
            data = data.replace(bytes([DLE, EOT, n]), b"")
        return data

    def render(self):
        """The paper this printer would have produced so far."""
        return render_escpos(self.received, self.width_dots)

    def start(self) -> FakeNetworkPrinter:
        thread = threading.Thread(target=self._accept_loop, name="fake-printer-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop listening and drop connections: the printer is switched off."""
        self._stop.set()
        self._server.close()
        for client in list(self._clients):
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> FakeNetworkPrinter:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._clients.append(client)
            thread = threading.Thread(target=self._serve, args=(client,), name="fake-printer-conn", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client: socket.socket) -> None:
        responder = StatusResponder(self.state)
        client.settimeout(0.1)
        with client:
            while not self._stop.is_set():
                try:
                    chunk = client.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    self._received += chunk
                replies = responder.feed(chunk)
                if replies and not self.silent:
                    try:
                        client.sendall(replies)
                    except OSError:
                        return
