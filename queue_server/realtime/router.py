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


CLOSE_REASONS = {
    CLOSE_UNAUTHORIZED: "unauthorized",
    CLOSE_FORBIDDEN: "forbidden",
    CLOSE_REVOKED: "device_revoked",
}


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


def _touch_device(app, device_id: int | None) -> None:
    """A board that only holds its socket is still alive: keep last_seen_at fresh for the dashboard."""
    if device_id is None:
        return
    from ..auth.models import Device
    from ..timeutil import utcnow

    with app.state.db.unit_of_work() as s:
        device = s.get(Device, device_id)
        if device is not None:
            device.last_seen_at = utcnow()


def _catch_up(app, centre_id: int, since: int | None, device_id: int | None) -> list[dict] | None:
    """What the client missed, or a snapshot; None when its device was revoked meanwhile.

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
                return []
            oldest = oldest_seq(s, centre_id)
            if oldest and since + 1 >= oldest:
                return [wire(e) for e in events_after(s, centre_id, since, limit=limit)]
        snapshot = app.state.snapshot(s, centre_id)
        return [{"v": 1, "seq": current, "type": "snapshot", "data": snapshot}]


@router.websocket("/ws")
async def stream(websocket: WebSocket):
    """Who may call: any device or staff member of the centre (device token or staff bearer token)."""
    app = websocket.app
    await websocket.accept()
    params = websocket.query_params
    try:
        centre_id = int(params.get("centre", ""))
        since = int(params["since"]) if params.get("since") not in (None, "") else None
    except ValueError:
        await websocket.close(CLOSE_BAD_REQUEST, "centre and since must be integers")
        return
    token = params.get("token") or bearer_token(websocket)  # type: ignore[arg-type]
    device_id, code = await run_in_threadpool(_auth, app, token, centre_id)
    if code is not None:
        await websocket.close(code, CLOSE_REASONS[code])
        return

    await run_in_threadpool(_touch_device, app, device_id)
    loop = asyncio.get_running_loop()
    hub = app.state.hub
    sub = await hub.subscribe(centre_id, device_id)
    sub.last_sent = since or 0
    # One task step per message burst and client at most: the loop below only awaits its own queue.
    # Hangup and heartbeats reach it through that queue (no task and no asyncio.wait per message);
    # with the coalescing protocol the hub writes straight to the socket while this loop is idle.
    receiver = asyncio.create_task(_drain_client(websocket))
    receiver.add_done_callback(lambda _: hub.close(sub))
    beats = _Heartbeat(loop, sub, app.state.settings.ws_heartbeat_s)
    touched = loop.time()
    try:
        missed = await run_in_threadpool(_catch_up, app, centre_id, since, device_id)
        if missed is None:
            await websocket.close(CLOSE_REVOKED, CLOSE_REASONS[CLOSE_REVOKED])
            return
        for msg in missed:
            await websocket.send_json(msg)
            sub.last_sent = msg["seq"]
        queue = sub.queue
        extension = (websocket.scope.get("extensions") or {}).get(SEND_MANY)
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
                if item is HEARTBEAT:
                    texts.append(
                        json.dumps(
                            {"v": 1, "seq": sub.last_sent, "type": "heartbeat", "data": {}}, separators=(",", ":")
                        )
                    )
                    if loop.time() - touched > 60:
                        touched = loop.time()
                        # Not awaited: a database write must not hold up this client's events.
                        _background(run_in_threadpool(_touch_device, app, device_id))
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
        receiver.cancel()


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


_tasks: set[asyncio.Task] = set()


def _background(coro) -> None:
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and answer pings from) the client until it goes away."""
    try:
        while True:
            msg = await websocket.receive_text()
            if msg.strip() == "ping" or '"ping"' in msg:
                await websocket.send_json({"v": 1, "type": "pong", "seq": -1, "data": {}})
    except Exception:
        return
