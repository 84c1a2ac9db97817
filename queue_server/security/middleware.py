"""The request guard every HTTP route sits behind (outermost middleware of the app).

- A body over `max_body_bytes` is refused with 413 (declared or streamed), without being kept.
  The upload routes (`uploads`: path -> bound, api.UPLOAD_ROUTES) take a file up to their own
  bound, but only from a caller whose bearer token is a valid staff token (signature and expiry:
  no database read here; the route itself then asks for an administrator). Anyone else — no token,
  a forged or expired one, a device — gets `max_body_bytes` on those routes too, so an anonymous
  caller can make the server read no more than 1 MB anywhere.
- The body is read whole *before* the request takes one of the worker's places
  (`RequestGate`): a client that sends its body slowly holds a connection, not a place, and is
  cut off by the protocol's `body_timeout_s` (security/http.py).
- A NUL byte in the path or the query string is refused with 422 before any route sees it
  (PostgreSQL refuses NUL in text, and no input of ours has one); so is a JSON or form body
  carrying one (`\u0000`, `%00`), whatever its schema — the schemas' string types
  (`queue_server.bounds`) say so field by field, this catches the rest (free-form JSON objects).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from fastapi.responses import JSONResponse

from ..auth.security import read_access_token

# Room for the multipart framing around the file (boundaries, part headers): the route checks the
# file itself against the exact bound.
MULTIPART_SLACK = 64 * 1024


def file_too_large_message(limit: int) -> str:
    return f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB)."


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _carries_nul(scope, body: bytes) -> bool:
    if not body:
        return False
    content_type = b""
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            content_type = value.lower()
            break
    if b"json" in content_type:
        return b"\\u0000" in body or b"\x00" in body
    if b"x-www-form-urlencoded" in content_type:
        return b"%00" in body or b"\x00" in body
    return False  # files (multipart) may hold NUL bytes legitimately


def _bearer(scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return (token.strip() or None) if scheme.lower() == "bearer" else None
    return None


class RequestGuard:
    def __init__(self, app, max_body_bytes: int, uploads: dict[str, int] | None = None, secret_key: str = ""):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.uploads = uploads or {}
        self.secret_key = secret_key

    def _bound(self, scope) -> tuple[int, int | None]:
        """The body bound of this request, and the upload bound it is for (None: not an upload)."""
        upload = self.uploads.get(scope.get("path", "")) if scope.get("method") == "POST" else None
        if upload is not None:
            token = _bearer(scope)
            if token and self.secret_key and read_access_token(self.secret_key, token) is not None:
                return upload + MULTIPART_SLACK, upload
        return self.max_body_bytes, None

    @staticmethod
    def _too_large(upload: int | None) -> JSONResponse:
        """The answer to a body over its bound (built only then: every request has a bound)."""
        if upload is not None:
            return _error(413, "file_too_large", file_too_large_message(upload))
        return _error(413, "body_too_large", "Nội dung gửi lên quá lớn.")

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if b"\x00" in scope.get("path", "").encode("utf-8", "surrogateescape") or b"\x00" in unquote_to_bytes(
            scope.get("query_string", b"")
        ):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 4400, "reason": "NUL in the address"})
            return await _error(422, "invalid_input", "Địa chỉ yêu cầu chứa ký tự không hợp lệ.")(scope, receive, send)
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = None
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                length = value
                break
        limit, upload = self._bound(scope)
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await self._too_large(upload)(scope, receive, send)
        if length == b"0" or (length is None and scope.get("method") in ("GET", "HEAD", "DELETE", "OPTIONS")):
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away (or was cut off for sending too slowly)
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                return await self._too_large(upload)(scope, receive, send)
            chunks.append(body)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _carries_nul(scope, body):
            return await _error(422, "invalid_input", "Nội dung gửi lên chứa ký tự không hợp lệ (NUL).")(
                scope, receive, send
            )
        replay = {"type": "http.request", "body": body, "more_body": False}

        async def buffered_receive():
            nonlocal replay
            if replay is not None:
                message, replay = replay, None
                return message
            return await receive()  # after the body: waits for http.disconnect, as the app expects

        return await self.app(scope, buffered_receive, send)
