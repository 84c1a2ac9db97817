"""A fake SMS/webhook gateway on 127.0.0.1: receives Apprise's json:// posts and answers with the
status the test sets. A real HTTP server in a thread (the process boundary we do not own)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.delay_s = 0.0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.delay_s:
                    threading.Event().wait(gateway.delay_s)  # a slow gateway: widens the senders' race
                with gateway._lock:
                    gateway.received.append(body)
                self.send_response(gateway.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """An Apprise URL posting to this gateway, the recipient in the JSON's `to`."""
        return f"json://127.0.0.1:{self._server.server_port}/sms?:to={{phone}}"

    def messages(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(m["to"], m["message"]) for m in self.received]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
