"""Server limits against a real server process, with real oversized and slow requests (issue 15).

What one connection may send before the application sees it is bounded (header bytes, request
line, number of headers, body size, WebSocket message size) and slow clients are cut off
(slowloris): each refused with its proper status and without holding up anyone else.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import threading

import httpx
import pytest
import websockets

from tests.server_process import running_server

pytestmark = pytest.mark.slow

KIOSK = {"Authorization": "Bearer mdv_demo-kiosk-1"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"MOTCUA_HEADER_TIMEOUT_S": "1", "MOTCUA_BODY_TIMEOUT_S": "3"}
    with running_server(tmp_path_factory.mktemp("limits"), extra_env=env) as srv:
        yield srv


def _connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def _read_response(sock: socket.socket) -> bytes:
    """What the server sent until it closed the connection (or 10 s passed)."""
    chunks = []
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def _status(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    return int(response.split(b" ", 2)[1])


def test_a_100_mb_header_is_refused_with_431_before_it_is_read_and_others_are_served(server):
    sock = _connect(server)
    sent = 0
    total = 100 * 1024 * 1024
    answer: list[bytes] = []
    sent_when_answered: list[int] = []

    def read():
        first = sock.recv(65536)
        sent_when_answered.append(sent)
        answer.append(first + _read_response(sock))

    reader = threading.Thread(target=read)
    reader.start()
    chunk = b"a" * (1024 * 1024)
    try:
        sock.sendall(b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: ")
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)
            if sent == 8 * 1024 * 1024:
                # Meanwhile another visitor is served as usual.
                r = httpx.post(server.base_url + "/api/v1/tickets", json={"service_id": 1}, headers=KIOSK, timeout=10)
                assert r.status_code == 201
    except (BrokenPipeError, ConnectionResetError):
        pass
    reader.join(10)
    sock.close()
    response = answer[0]
    assert _status(response) == 431
    assert "quá lớn".encode() in response  # a Vietnamese message, as every error
    # Answered after the first megabytes (what the kernel buffers), not after reading all 100 MB.
    assert sent_when_answered[0] <= 16 * 1024 * 1024
    assert httpx.get(server.base_url + "/healthz").status_code == 200


@pytest.mark.parametrize("size_kib", [33, 64, 200, 250])
def test_a_head_over_the_limit_that_arrives_in_one_read_is_refused_before_the_app(server, size_kib):
    # Between the limit (32 KiB) and one read of the socket (256 KiB): the whole head is parsed
    # in one go, so it must be measured while it is parsed, not only between reads.
    sock = _connect(server)
    head = b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (size_kib * 1024) + b"\r\n\r\n"
    sock.sendall(head)
    response = _read_response(sock)
    sock.close()
    assert _status(response) == 431, response[:300]  # not the app's 401


def test_a_head_under_the_limit_with_a_large_body_in_the_same_read_is_served(server):
    # The body arrives with the head; only the head counts against the header limit.
    body = b'{"service_id": 1, "note": "' + b"n" * (200 * 1024) + b'"}'
    sock = _connect(server)
    sock.sendall(
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mdv_demo-kiosk-1\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    response = _read_response(sock)
    sock.close()
    assert _status(response) not in (431, 413), response[:300]


def test_too_many_headers_431_and_an_overlong_request_line_414(server):
    sock = _connect(server)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(300))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert _status(_read_response(sock)) == 431
    sock.close()
    sock = _connect(server)
    sock.sendall(b"GET /healthz?" + b"q" * (64 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _status(_read_response(sock)) == 414
    sock.close()


def test_a_request_the_parser_cannot_read_is_refused_with_400_in_vietnamese(server):
    # A control character in a header value: uvicorn's own answer is English plain text.
    sock = _connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: a=\x01b\r\n\r\n")
    response = _read_response(sock)
    sock.close()
    assert _status(response) == 400
    head, body = response.split(b"\r\n\r\n", 1)
    assert b"application/json" in head
    assert json.loads(body) == {"error": {"code": "malformed_request", "message": "Yêu cầu HTTP không hợp lệ."}}


def test_bodies_over_the_limit_413_declared_or_chunked(server):
    big = b"x" * (2 * 1024 * 1024)
    r = httpx.post(
        server.base_url + "/api/v1/tickets", content=big, headers={**KIOSK, "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"

    def chunks():
        for _ in range(64):
            yield b"y" * 65536

    r = httpx.post(
        server.base_url + "/api/v1/tickets", content=chunks(), headers={**KIOSK, "Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_a_slow_head_is_cut_off_with_408(server):
    sock = _connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # …and never the blank line
    assert _status(_read_response(sock)) == 408
    sock.close()
    sock = _connect(server)  # connects and sends nothing at all
    response = _read_response(sock)
    assert response == b"" or _status(response) == 408  # closed, not held open forever
    sock.close()


def test_a_slow_body_holds_no_place_and_is_cut_off_with_408(server):
    socks = []
    for _ in range(20):  # more than the requests a worker lets in at once (max_requests_in_flight)
        sock = _connect(server)
        sock.sendall(
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mdv_demo-kiosk-1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"serv'
        )
        socks.append(sock)
    r = httpx.post(server.base_url + "/api/v1/tickets", json={"service_id": 1}, headers=KIOSK, timeout=10)
    assert r.status_code == 201
    # …served while every slow sender is still connected and unanswered (they hold no place)
    readable, _, _ = select.select(socks, [], [], 0)
    assert readable == []
    for sock in socks:
        assert _status(_read_response(sock)) == 408
        sock.close()


def test_websocket_messages_over_the_limit_close_the_socket(server):
    url = server.base_url.replace("http", "ws") + "/ws?centre=1&token=mdv_demo-hall-display"

    async def main():
        async with websockets.connect(url, max_size=None) as ws:
            await ws.recv()  # the snapshot
            await ws.send("x" * (1024 * 1024))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                for _ in range(10):
                    await asyncio.wait_for(ws.recv(), 10)
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert asyncio.run(main()) == 1009  # "message too big"
