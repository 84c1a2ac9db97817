"""Start-up checks of the library internals the server's own protocols build on.

`runtime/wsprotocol.py` subclasses uvicorn's sans-I/O WebSocket protocol and reads its state and
the `websockets` connection's (handshake_complete, close_sent, initial_response, disconnected,
writable, conn.state, conn.expect_continuation_frame, conn.extensions, conn.writes), replaces its
`queue` and `writable` with lighter objects of the same use, and un-pauses its reading
(read_paused) for a listener;
`security/http.py` subclasses uvicorn's httptools protocol and hooks its parser callbacks. The
versions are bounded in pyproject.toml, but an installation may still differ (a distribution's
package, a hand-made upgrade). So before uvicorn starts, each protocol serves one real exchange
over loopback in a private event loop, checked from the outside with the public client of
`websockets` and plain sockets:

- WebSocket: a handshake, two messages written by `write_now` from outside the connection's
  task, two by one `texts` send, one plain send, then two client messages heard by a `listen`
  callback (the second sent once the first was answered: heard only if reading resumed after
  the first), a close — received in order, intact;
- HTTP: a plain request answered by the application, and heads over the limit — one that
  arrives in a single read, one longer than a read — answered 431 without reaching it (quietly:
  these refusals are the check's own, not a client's).

A check returns None when the protocol behaves, else what went wrong (for the log line).
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from ..config import Settings

TIMEOUT_S = 10.0


def _run(coro_factory) -> str | None:
    """Run a check in a private event loop on a thread of its own (the caller may be inside a loop)."""

    def run() -> str | None:
        return asyncio.run(asyncio.wait_for(coro_factory(), TIMEOUT_S))

    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="motcua-selfcheck") as pool:
        try:
            return pool.submit(run).result(TIMEOUT_S + 5)
        except Exception as exc:  # AttributeError, TypeError, ImportError, a timeout …
            return f"{type(exc).__name__}: {exc}"


async def _serve(protocol_class, app, **config):
    import uvicorn
    from uvicorn.server import ServerState

    cfg = uvicorn.Config(app, lifespan="off", log_level="warning", ws_per_message_deflate=False, **config)
    cfg.load()
    loop = asyncio.get_running_loop()
    state = ServerState()
    server = await loop.create_server(
        lambda: protocol_class(config=cfg, server_state=state, app_state={}, _loop=loop), "127.0.0.1", 0
    )
    return server, server.sockets[0].getsockname()[1]


def check_websocket_protocol(protocol_class=None) -> str | None:
    """None if the coalescing WebSocket protocol serves a connection correctly, else why not."""

    async def check() -> str | None:
        from websockets.asyncio.client import connect

        from ..realtime.hub import SEND_MANY
        from .wsprotocol import CoalescingWebSocketProtocol

        ws_class = protocol_class or CoalescingWebSocketProtocol
        problems: list[str] = []

        async def app(scope, receive, send):
            if scope["type"] != "websocket":
                return
            try:
                await receive()  # websocket.connect
                await send({"type": "websocket.accept"})
                extension = scope.get("extensions", {}).get(SEND_MANY)
                if extension is None:
                    problems.append("the send_many extension is not advertised")
                elif not extension["write_now"](["m1", "m2"]):
                    problems.append("write_now refused an open, idle connection")
                await send({"type": "websocket.send", "texts": ["m3", "m4"]})
                await send({"type": "websocket.send", "text": "m5"})
                if extension is not None:
                    heard: list[str] = []
                    both = asyncio.get_running_loop().create_future()

                    def hear(message) -> None:
                        heard.append(message.get("text"))
                        if len(heard) == 1:  # the client sends c2 on this: a read of its own
                            extension["write_now"](["a1"])
                        elif len(heard) == 2 and not both.done():
                            both.set_result(None)

                    extension["listen"](hear)
                    try:
                        await asyncio.wait_for(both, TIMEOUT_S / 2)  # within the check's own bound
                    except TimeoutError:
                        problems.append(f"the listener heard {heard!r} of the client's two messages")
                    else:
                        if heard[:2] != ["c1", "c2"]:
                            problems.append(f"the listener heard {heard!r}, not the client's c1, c2")
                await send({"type": "websocket.close", "code": 1000})
            except Exception as exc:  # the cause, rather than the client's view of a broken connection
                problems.append(f"{type(exc).__name__}: {exc}")
                raise

        from uvicorn.protocols.http.h11_impl import H11Protocol

        server, port = await _serve(H11Protocol, app, ws=ws_class)
        got: list = []
        try:
            async with connect(f"ws://127.0.0.1:{port}/", open_timeout=TIMEOUT_S) as ws:
                got = [await ws.recv() for _ in range(5)]
                await ws.send("c1")
                got.append(await ws.recv())
                await ws.send("c2")
                await ws.wait_closed()
        except Exception as exc:
            problems.append(f"the client saw {type(exc).__name__}: {exc}")
        finally:
            server.close()
        if problems:
            return "; ".join(problems)
        if got != ["m1", "m2", "m3", "m4", "m5", "a1"]:
            return f"messages received out of order or altered: {got!r}"
        return None

    return _run(check)


def check_http_protocol(settings: Settings, protocol_class=None) -> str | None:
    """None if the limited HTTP protocol answers a plain request and refuses an oversized head."""

    async def check() -> str | None:
        from ..security.http import LimitedHttpToolsProtocol

        checked = type(
            "CheckedHttp", (protocol_class or LimitedHttpToolsProtocol,), {"settings": settings, "log_refusals": False}
        )
        seen: list[str] = []

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            seen.append(scope["path"])
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
            await send({"type": "http.response.body", "body": b"ok"})

        async def exchange(port: int, head: bytes) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(head)  # not drained: a refused head is not read to its end
                return await reader.readuntil(b"\r\n")
            finally:
                writer.close()

        server, port = await _serve(checked, app)
        try:
            plain = await exchange(port, b"GET /plain HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            refused = []
            # just past the limit (parsed whole in one read), then past it by more than one read of
            # the socket (asyncio reads up to 256 KiB at once)
            for extra in (1024, 512 * 1024):
                big = b"x" * (settings.max_header_bytes + extra)
                head = b"GET /big HTTP/1.1\r\nhost: x\r\nx-big: " + big + b"\r\n\r\n"
                refused.append(await exchange(port, head))
        finally:
            server.close()
        if not plain.startswith(b"HTTP/1.1 200"):
            return f"a plain request was answered {plain!r}"
        for answer in refused:
            if not answer.startswith(b"HTTP/1.1 431"):
                return f"an oversized head was answered {answer!r}, not 431"
        if seen != ["/plain"]:
            return f"the application saw {seen!r}"
        return None

    return _run(check)
