"""uvicorn's httptools protocol with limits on what a client may send before the app sees it.

uvicorn hands the whole request head to httptools, which keeps any amount of it in memory: one
100 MB header took a worker to 737 MB and stalled every other request for 13.8 s. Here the bytes
of a head still being received are counted as they arrive, and a connection is answered and cut
off once it passes a limit:

- head (request line + headers) over `max_header_bytes`, or more than `max_headers` → 431;
  measured twice: the raw bytes received while a head is incomplete (what the parser may be
  holding between reads), and the head as it is parsed (a head that arrives whole in one read —
  up to 256 KiB — is parsed in one go and would otherwise reach the app before any check);
- request line over `max_request_line_bytes` → 414;
- a head not complete `header_timeout_s` after its first byte (or after the connection opened),
  or a body not complete `body_timeout_s` after its head → 408 (slow clients hold no place).

After a refusal the connection stops reading (what the client still sends costs the worker
nothing: the kernel's buffers fill and the client's sends block) and closes a moment later, once
the answer has reached the client; closing at once with unread data would reset the connection
and could lose the answer.
"""

from __future__ import annotations

import json
import logging

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ..config import Settings, get_settings

log = logging.getLogger(__name__)

# What a head holds besides its URL and its headers' names and values, counted low (the shortest
# method, no optional whitespace) so that a head within the limit is never refused.
REQUEST_LINE_FRAMING = len(b"GET  HTTP/1.1\r\n\r\n")
HEADER_FRAMING = len(b":\r\n")

LINGER_S = 1.0  # how long a refused connection stays open (not read) before it is closed

MESSAGES = {
    400: ("malformed_request", "Yêu cầu HTTP không hợp lệ."),
    408: ("request_timeout", "Yêu cầu gửi quá chậm; kết nối đã bị đóng."),
    413: ("body_too_large", "Nội dung gửi lên quá lớn."),
    414: ("request_line_too_long", "Địa chỉ yêu cầu quá dài."),
    431: ("headers_too_large", "Phần đầu yêu cầu (header) quá lớn hoặc quá nhiều."),
}


class Refused(Exception):
    """Raised inside a parser callback to refuse the request with `status`."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def error_response(status: int) -> bytes:
    """A complete HTTP/1.1 response in the API's error format, closing the connection."""
    code, message = MESSAGES[status]
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    return b"".join(
        [
            STATUS_LINE[status],
            b"content-type: application/json; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    settings: Settings | None = None  # read once per process (tests may set it)
    log_refusals = True  # the start-up self-check's own refusals are expected, not a client to warn about

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = type(self).settings or get_settings()
        self.max_head = settings.max_header_bytes
        self.max_line = settings.max_request_line_bytes
        self.max_headers = settings.max_headers
        self.header_timeout_s = settings.header_timeout_s
        self.body_timeout_s = settings.body_timeout_s
        self._head_bytes = 0  # raw bytes received since the head began
        self._parsed_head = 0  # the head's bytes as parsed so far (request line, headers)
        self._in_head = True  # receiving a request head (or waiting for the first byte of one)
        self._header_count = 0
        self._refused = False
        self._timer = None

    # -- connection -------------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # (reading is paused; data already buffered is dropped)
        self._unset_keepalive_if_required()
        if self._in_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, Refused):
                self.refuse(cause.status)
                return
            self._invalid()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            self._disarm()
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._in_head and self._head_bytes > self.max_head:
            self.refuse(431)

    def _invalid(self) -> None:
        # uvicorn's own answer (send_400_response) is English plain text; ours is the API's format.
        self.logger.warning("Invalid HTTP request received.")
        self._disarm()
        self.transport.write(error_response(400))
        self.transport.close()

    # -- parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_count = 0
        self._parsed_head = REQUEST_LINE_FRAMING
        if self._timer is None:
            self._arm(self.header_timeout_s)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_line:
            raise Refused(414)
        self._parsed_head += len(url)
        if self._parsed_head > self.max_head:
            raise Refused(431)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._parsed_head += len(name) + len(value) + HEADER_FRAMING
        if self._header_count > self.max_headers or self._parsed_head > self.max_head:
            raise Refused(431)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._disarm()
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body and self.cycle.scope is self.scope and self._has_body():
            self._arm(self.body_timeout_s)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _has_body(self) -> bool:
        for name, value in self.headers:
            if name == b"content-length":
                return value.strip() not in (b"0", b"")
            if name == b"transfer-encoding":
                return True
        return False

    # -- refusing ---------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self.transport is None or self.transport.is_closing():
            return
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()
            return
        self.refuse(408)

    def refuse(self, status: int) -> None:
        """Answer `status` and close, whatever the request's state; its ASGI task sees a disconnect."""
        self._disarm()
        self._refused = True
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app, if it runs, gets http.disconnect and its answer is dropped
            self.cycle.message_event.set()
            if self.cycle.response_started:
                self.transport.close()
                return
        if status != 408 and self.log_refusals:
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
            log.warning("refused a request from %s with %d (%s)", client, status, MESSAGES[status][0])
        self.transport.write(error_response(status))
        self.transport.pause_reading()
        self.loop.call_later(LINGER_S, self.transport.close)
