"""WS /ws?centre=ID&since=SEQ — the event stream.

Messages are JSON {"v", "seq", "type", "data"}. A client that sends `since` receives every event
after it exactly once and in order, or — when the gap is older than the replay window or the
server's log is behind it — a `snapshot` carrying the current state and its seq.
Heartbeats carry the latest seq so a client can tell it is current.
"""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from ..deps import bearer_token, refusal, resolve_principal
from .hub import CLOSED, HEARTBEAT, REVOKED, SEND_MANY
from .service import events_after, last_seq, oldest_seq, wire

log = logging.getLogger(__name__)
router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
CLOSE_OVERFLOW = 4408
CLOSE_REVOKED = 4410  # the device's token was revoked (now, or before it connected): do not reconnect
CLOSE_TRY_LATER = 1013  # too many handshakes at once: reason "retry_after_ms=N" (realtime/access.py)


CLOSE_REASONS = {
    CLOSE_UNAUTHORIZED: "unauthorized",
    CLOSE_FORBIDDEN: "forbidden",
    CLOSE_REVOKED: "device_revoked",
}

PONG = object()  # in a subscription's queue: a client's ping, answered in turn with the events
PONG_TEXT = json.dumps({"v": 1, "type": "pong", "seq": -1, "data": {}}, separators=(",", ":"))


def _auth(app, token: str | None, centre_id: int):
    """(device id or None for staff, None) when admitted; (False, close code) when not."""
    with app.state.db.reading() as s:
        principal = resolve_principal(s, app.state.settings, token)
        if principal is None:
            revoked = refusal(s, token).code == "device_revoked"
            return False, CLOSE_REVOKED if revoked else CLOSE_UNAUTHORIZED
        if not principal.can_see_centre(centre_id):
            return False, CLOSE_FORBIDDEN
        return principal.device_id, None


def _catch_up(
    app, centre_id: int, since: int | None, device_id: int | None
) -> tuple[list[tuple[int, str]], int, bool] | None:
    """What the client missed, or a snapshot, read from the database: ([(seq, text)…], the seq
    they end at, whether it is a snapshot); None when its device was revoked meanwhile.

    Read after the subscription is in place, so a revocation committed while the client was
    connecting is seen either here or as the `device.revoked` event the hub acts on."""
    limit = app.state.settings.ws_replay_limit
    with app.state.db.reading() as s:
        if device_id is not None:
            from ..auth.models import Device

            if s.get(Device, device_id).revoked_at is not None:
                return None
        current = last_seq(s, centre_id)
        if since is not None and 0 <= since <= current and current - since <= limit:
            if since == current:
                return [], since, False
            oldest = oldest_seq(s, centre_id)
            if oldest and since + 1 >= oldest:
                events = [wire(e) for e in events_after(s, centre_id, since, limit=limit)]
                return [(m["seq"], _text(m)) for m in events], events[-1]["seq"] if events else since, False
        snapshot = app.state.snapshot(s, centre_id)
        return [(current, _text({"v": 1, "seq": current, "type": "snapshot", "data": snapshot}))], current, True


def _text(msg: dict) -> str:
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":"))


async def _admit(app, hub, token: str | None, centre_id: int, now: float) -> tuple[int | None, int | None]:
    """(device id or None for staff, close code or None): from the worker's cache, else read."""
    cached = hub.auth.get(token, centre_id, now)
    if cached is not None:
        return cached
    generation = hub.auth.generation  # a clear while we read: the answer is not kept
    device_id, code = await run_in_threadpool(_auth, app, token, centre_id)
    if code is None or code == CLOSE_REVOKED:  # admitted, or refused for good; not unknown tokens
        hub.auth.put(token, centre_id, now, device_id or None, code, generation)
    return (None if device_id is False else device_id), code


async def _missed(app, hub, centre_id: int, since: int | None, device_id: int | None):
    """(texts, seq) the client missed — from the hub's memory when it can, else read — or None
    when its device was revoked."""
    if device_id is not None and device_id in hub.revoked_devices:
        return None
    remembered = hub.replay(centre_id, since)
    if remembered is not None and len(remembered[0]) <= app.state.settings.ws_replay_limit:
        return remembered
    if since is None and (snapshot := hub.snapshot_at(centre_id)) is not None:
        return [snapshot[1]], snapshot[0]
    if (shared := hub.catch_up(centre_id, since)) is not None:  # read for another board resuming
        return shared
    read = await run_in_threadpool(_catch_up, app, centre_id, since, device_id)
    if read is None:
        return None
    events, seq, is_snapshot = read
    if is_snapshot:
        hub.keep_snapshot(centre_id, seq, events[0][1])
    elif since is not None:
        hub.keep_catch_up(centre_id, since, events)
    return [text for _, text in events], seq


@router.websocket("/ws")  # served through StreamShortcut (below); declared here for the documentation
async def stream(websocket: WebSocket):
    """Who may call: any device or staff member of the centre (device token or staff bearer token)."""
    app = websocket.app
    hub = app.state.hub
    loop = asyncio.get_running_loop()
    await websocket.accept()
    # A reconnect storm (every board of a province after a restart) is admitted at a bounded rate;
    # the excess is told when to come back instead of failing (clients add their own jitter).
    wait, retry_ms = hub.admission.take(loop.time())
    if retry_ms is not None:
        await websocket.close(CLOSE_TRY_LATER, f"retry_after_ms={retry_ms}")
        return
    if wait > 0:
        await asyncio.sleep(wait)
    params = websocket.query_params
    try:
        centre_id = int(params.get("centre", ""))
        since = int(params["since"]) if params.get("since") not in (None, "") else None
    except ValueError:
        await websocket.close(CLOSE_BAD_REQUEST, "centre and since must be integers")
        return
    token = params.get("token") or bearer_token(websocket)  # type: ignore[arg-type]
    device_id, code = await _admit(app, hub, token, centre_id, loop.time())
    if code is not None:
        await websocket.close(code, CLOSE_REASONS[code])
        return

    hub.seen.seen(device_id, loop.time(), loop)  # its stream is the board's sign of life
    sub = await hub.subscribe(centre_id, device_id)
    sub.last_sent = since or 0
    # One task step per message burst and client at most: the loop below only awaits its own queue.
    # Hangup, pings and heartbeats reach it through that queue (no task and no asyncio.wait per
    # message); with the coalescing protocol the hub writes straight to the socket while this loop
    # is idle, and the client's messages come to a callback (no task per board waiting on them).
    extension = (websocket.scope.get("extensions") or {}).get(SEND_MANY)
    listen = extension.get("listen") if extension is not None else None
    receiver = None
    if listen is not None:
        listen(lambda message: _heard(hub, sub, message))
    else:
        receiver = asyncio.create_task(_drain_client(websocket))
        receiver.add_done_callback(lambda _: hub.close(sub))
    beats = _Heartbeat(loop, sub, app.state.settings.ws_heartbeat_s)
    try:
        missed = await _missed(app, hub, centre_id, since, device_id)
        if missed is None:
            await websocket.close(CLOSE_REVOKED, CLOSE_REASONS[CLOSE_REVOKED])
            return
        texts, seq = missed
        if len(texts) > 1 and extension is not None:
            await websocket.send({"type": "websocket.send", "texts": texts})
        else:
            for text in texts:
                await websocket.send_text(text)
        sub.last_sent = seq
        queue = sub.queue
        if extension is not None:
            sub.write_now = extension.get("write_now")
        while True:
            sub.busy = False  # (no await between here and the get when something is queued)
            items = [await queue.get()]
            sub.busy = True
            while not queue.empty():  # what is already queued goes out together
                items.append(queue.get_nowait())
            texts, end = [], False  # end: None = server closes (overflow, shutdown); CLOSED = client gone
            for item in items:
                if item is None or item is CLOSED or item is REVOKED:
                    end = item
                    break
                if item is PONG:
                    texts.append(PONG_TEXT)
                    continue
                if item is HEARTBEAT:
                    texts.append(
                        json.dumps(
                            {"v": 1, "seq": sub.last_sent, "type": "heartbeat", "data": {}}, separators=(",", ":")
                        )
                    )
                    hub.seen.seen(device_id, loop.time(), loop)  # written with others', at most once a minute
                    continue
                seq, text = item
                if seq > sub.last_sent:
                    texts.append(text)
                    sub.last_sent = seq
            if sub.closed:
                break
            if len(texts) > 1 and extension is not None:
                await websocket.send({"type": "websocket.send", "texts": texts})
            else:
                for text in texts:
                    await websocket.send_text(text)
            if texts:
                sub.last_active = loop.time()
            if end is CLOSED:
                break
            if end is REVOKED:
                await websocket.close(CLOSE_REVOKED, CLOSE_REASONS[CLOSE_REVOKED])
                break
            if end is None:
                await websocket.close(CLOSE_OVERFLOW if sub.overflowed else 1012, "reconnect with since")
                break
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        beats.cancel()
        hub.unsubscribe(sub)
        if receiver is not None:
            receiver.cancel()


class StreamShortcut:
    """ASGI middleware (the innermost): `WS /ws` goes straight to `stream`.

    An idle stream's task holds every frame between uvicorn and `stream` for as long as the board
    is connected; through the exception middleware, FastAPI's exit-stack middleware and the
    routers that is a dozen coroutine frames and an AsyncExitStack, ~5 KiB per board (issue 21,
    measured with 1,000 idle boards). The stream declares no dependencies and raises no
    WebSocketException, so nothing there acts on it. The route stays declared (documentation, other
    routers); what sits outside this middleware (the request guard, proxy headers) still applies.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            root, path = scope.get("root_path", ""), scope["path"]
            if (path[len(root) :] if root and path.startswith(root) else path) == "/ws":
                websocket = WebSocket(scope, receive=receive, send=send)
                try:
                    return await stream(websocket)
                except Exception as exc:
                    # The app's exception handlers still answer what the stream raises (the
                    # database gone: close 1013 "try again later", errors.py), as they did
                    # through the routers this shortcut skips.
                    handler = _exception_handler(websocket.app, exc)
                    if handler is None:
                        raise
                    await handler(websocket, exc)
                    return None
        return await self.app(scope, receive, send)


def _exception_handler(app, exc: Exception):
    """The handler Starlette's exception middleware would pick: by the exception's class, never
    the catch-all `Exception` one, which (in ServerErrorMiddleware) answers HTTP requests only."""
    handlers = getattr(app, "exception_handlers", None) or {}
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None


class _Heartbeat:
    """Puts a heartbeat in the client's queue after `interval` seconds without a message.

    One timer per client and interval, not per message: senders only stamp `sub.last_active`, and
    the timer, when it fires early, re-arms itself for the rest of the interval.
    """

    __slots__ = ("loop", "sub", "interval", "handle")

    def __init__(self, loop: asyncio.AbstractEventLoop, sub, interval: float):
        self.loop, self.sub, self.interval = loop, sub, interval
        sub.last_active = loop.time()
        self.handle = loop.call_at(sub.last_active + interval, self._fire)

    def _fire(self) -> None:
        due = self.sub.last_active + self.interval
        now = self.loop.time()
        if now < due:
            self.handle = self.loop.call_at(due, self._fire)
            return
        if self.sub.queue.empty():  # otherwise a message is on its way anyway
            self.sub.queue.put_nowait(HEARTBEAT)
        self.sub.last_active = now
        self.handle = self.loop.call_at(now + self.interval, self._fire)

    def cancel(self) -> None:
        self.handle.cancel()


def _is_ping(text: str) -> bool:
    return text.strip() == "ping" or '"ping"' in text


def _heard(hub, sub, message: dict) -> None:
    """A client's message, from the protocol's `listen` (as `_drain_client` reads them): a ping is
    answered; a hangup — or anything but text, which ends `_drain_client` too — ends the stream."""
    text = message.get("text") if message["type"] == "websocket.receive" else None
    if text is None:
        hub.close(sub)
    elif _is_ping(text) and not sub.closed:
        try:
            sub.queue.put_nowait(PONG)
        except asyncio.QueueFull:
            pass  # a client this far behind is being cut loose anyway


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and answer pings from) the client until it goes away."""
    try:
        while True:
            if _is_ping(await websocket.receive_text()):
                await websocket.send_text(PONG_TEXT)
    except Exception:
        return
