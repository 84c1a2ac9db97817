"""Fake gateways of the notification tests on 127.0.0.1: an SMS/webhook gateway receiving
Apprise's json:// posts, and Zalo's ZNS template API; each answers as the test sets. Real HTTP
servers in a thread (the process boundary we do not own)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _FakeServer:
    """An HTTP server in a thread whose POSTs go to `self.answer(path, headers, body)` → (status, bytes)."""

    def __init__(self) -> None:
        self.status = 200
        self.delay_s = 0.0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if fake.delay_s:
                    threading.Event().wait(fake.delay_s)  # a slow gateway: widens the senders' race
                with fake._lock:
                    status, data = fake.answer(self.path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, path: str, headers, body: dict) -> tuple[int, bytes]:
        raise NotImplementedError

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Gateway(_FakeServer):
    """An SMS/webhook gateway: records Apprise's json:// posts, answers `status` with no body."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        super().__init__()

    def answer(self, path, headers, body):
        self.received.append(body)
        return self.status, b""

    @property
    def url(self) -> str:
        """An Apprise URL posting to this gateway, the recipient in the JSON's `to`."""
        return f"json://127.0.0.1:{self._server.server_port}/sms?:to={{phone}}"

    def messages(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(m["to"], m["message"]) for m in self.received]


class ZaloGateway(_FakeServer):
    """Zalo's ZNS template API: records each POST (path, `access_token` header, JSON body) and
    answers `{"error": <error>, "message": …}` with the status the test sets."""

    TOKEN = "zns-token-abc123"
    TEMPLATE = "246810"

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.error = 0
        self.error_message = "Success"
        super().__init__()

    def answer(self, path, headers, body):
        self.requests.append({"path": path, "access_token": headers.get("access_token"), "body": body})
        if self.error:
            reply = {"error": self.error, "message": self.error_message}
        else:
            reply = {"error": 0, "message": "Success", "data": {"msg_id": f"m{len(self.requests)}"}}
        return self.status, json.dumps(reply).encode()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/message/template"

    @property
    def url(self) -> str:
        """A `zalo-zns://` URL sending to this fake."""
        return f"zalo-zns://{self.TOKEN}@{self.TEMPLATE}?endpoint={self.endpoint}"

    def bodies(self) -> list[dict]:
        with self._lock:
            return [r["body"] for r in self.requests]
