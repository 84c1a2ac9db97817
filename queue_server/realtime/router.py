"""WS /ws?centre=ID&since=SEQ — the event stream.

Messages are JSON {"v", "seq", "type", "data"}. A client that sends `since` receives every event
after it exactly once and in order, or — when the gap is older than the replay window or the
server's log is behind it — a `snapshot` carrying the current state and its seq.
Heartbeats carry the latest seq so a client can tell it is current.
"""
from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from ..deps import bearer_token, resolve_principal
from .service import events_after, last_seq, oldest_seq, wire

log = logging.getLogger(__name__)
router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
CLOSE_OVERFLOW = 4408


def _auth(app, token: str | None, centre_id: int):
    """(device id or None for staff, None) when admitted; (False, close code) when not."""
    with app.state.db.reading() as s:
        principal = resolve_principal(s, app.state.settings, token)
        if principal is None:
            return False, CLOSE_UNAUTHORIZED
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


def _catch_up(app, centre_id: int, since: int | None) -> list[dict]:
    limit = app.state.settings.ws_replay_limit
    with app.state.db.reading() as s:
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
        await websocket.close(code, "unauthorized" if code == CLOSE_UNAUTHORIZED else "forbidden")
        return

    await run_in_threadpool(_touch_device, app, device_id)
    touched = asyncio.get_running_loop().time()
    hub = app.state.hub
    sub = await hub.subscribe(centre_id)
    heartbeat = app.state.settings.ws_heartbeat_s
    last_sent = since or 0
    receiver = asyncio.create_task(_drain_client(websocket))
    try:
        for msg in await run_in_threadpool(_catch_up, app, centre_id, since):
            await websocket.send_json(msg)
            last_sent = msg["seq"]
        while True:
            getter = asyncio.create_task(sub.queue.get())
            done, _ = await asyncio.wait({getter, receiver}, timeout=heartbeat, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                getter.cancel()
                break
            if getter not in done:
                getter.cancel()
                await websocket.send_json({"v": 1, "seq": last_sent, "type": "heartbeat", "data": {}})
                if asyncio.get_running_loop().time() - touched > 60:
                    touched = asyncio.get_running_loop().time()
                    await run_in_threadpool(_touch_device, app, device_id)
                continue
            item = getter.result()
            if item is None:
                await websocket.close(CLOSE_OVERFLOW if sub.overflowed else 1012, "reconnect with since")
                break
            seq, text = item
            if seq <= last_sent:
                continue
            await websocket.send_text(text)
            last_sent = seq
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(sub)
        receiver.cancel()


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and answer pings from) the client until it goes away."""
    try:
        while True:
            msg = await websocket.receive_text()
            if msg.strip() == "ping" or '"ping"' in msg:
                await websocket.send_json({"v": 1, "type": "pong", "seq": -1, "data": {}})
    except Exception:
        return
