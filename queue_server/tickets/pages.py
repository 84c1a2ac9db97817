"""The visitor's ticket page on a phone: `/t/{token}` (the QR printed on every ticket) and its
live stream `WS /ws/t/{token}`.

Who may call: anyone holding the ticket's token (public, no account). The token is 144 random
bits printed on that one ticket, so the page and its stream show that ticket only: its number,
service, place and estimated wait, the counter it is called to — and of everybody else, nothing
but how many are ahead. Page loads, API reads and stream connections count against
`MOTCUA_TICKET_PAGE_RATE_LIMIT_PER_MINUTE` per client address.

The stream subscribes to the centre's events in this worker's hub and, when one concerns the
ticket (its own events, its service's queue, a counter of its service opening or closing, the
centre's notice), reads the ticket afresh in a short session and sends it if it changed. It holds
no database session while it waits; a phone that reconnects simply gets the ticket as it is now.
"""

from __future__ import annotations

import asyncio
import json
from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, joinedload
from starlette.concurrency import run_in_threadpool

from hardware.printers.layouts import wait_range_minutes

from ..bounds import Token
from ..centres.hours import issuing_state
from ..centres.models import Centre, Service
from ..config import Settings
from ..deps import DbSession, Public
from ..errors import DomainError
from ..queues.figures import open_links
from ..queues.views import ticket_view
from ..realtime.hub import CLOSED, HEARTBEAT
from ..security.ratelimit import client_address
from ..timeutil import local_day, utcnow
from .models import ACTIVE_STATES, WAITING_STATES, Ticket
from .service import find_by_public_token, recall_deadline

STATIC_DIR = Path(__file__).resolve().parent / "static"
TOO_MANY = "Bạn mở trang số thứ tự quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
CLOSE_BAD_TOKEN = 4400
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429

pages = APIRouter(include_in_schema=False)


def check_rate(app, client: str) -> None:
    """One more page load, read or stream connection from this address; 429 beyond the limit."""
    settings = app.state.settings
    limits = app.state.rate_limits
    items = limits.parse(f"{settings.ticket_page_rate_limit_per_minute} per minute")
    limits.check(items, "ticket-page", client, TOO_MANY)


def page_view(session: Session, settings: Settings, ticket: Ticket) -> dict:
    """What the ticket's holder sees: this ticket, its service's state and the centre's notice."""
    now = utcnow()
    service = session.get(Service, ticket.service_id, options=(joinedload(Service.hours),))
    centre = session.get(Centre, ticket.centre_id)
    full = ticket_view(session, settings, ticket, service=service)
    issuing = issuing_state(service, now)
    deadline = recall_deadline(settings, ticket)
    return {
        "display_number": ticket.display_number,
        "service_name": service.name,
        "state": ticket.state,
        "position": full["position"],
        "people_ahead": full["people_ahead"],
        "estimated_wait_s": full["estimated_wait_s"],
        # what to say: (m, m) for one figure, (low, high) minutes while the server is unsure
        "estimated_wait_minutes": list(
            wait_range_minutes(full["estimated_wait_s"], full["estimated_wait_low_s"], full["estimated_wait_high_s"])
        ),
        "counter_number": full["counter_number"],
        "recall_count": ticket.recall_count,
        "issued_at": full["issued_at"].isoformat(),
        "service_day": ticket.service_day.isoformat(),
        # a number from an earlier day that was never served: no longer valid
        "expired": ticket.service_day < local_day(now) and ticket.state in (*WAITING_STATES, *ACTIVE_STATES),
        "service_open": issuing.open,
        "service_notice": issuing.reason,
        "counters_open": sum(1 for links in open_links(session, ticket.centre_id).values() if service.id in links),
        "centre_name": centre.name,
        "centre_notice": centre.notice or "",
        "recall_until": deadline.isoformat() if deadline is not None and now <= deadline else None,
        "recall_minutes": settings.missed_recall_minutes,
    }


_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@pages.get("/t/{token}", response_class=HTMLResponse)
def ticket_page(token: Token, request: Request, session: DbSession, _: Public):
    try:
        check_rate(request.app, client_address(request))
        find_by_public_token(session, token)
    except DomainError as exc:  # unknown token, too many: said on a page, not in JSON
        return HTMLResponse(_error_page(exc.message), status_code=exc.status, headers=_HEADERS)
    return HTMLResponse((STATIC_DIR / "ticket.html").read_text(encoding="utf-8"), headers=_HEADERS)


def _error_page(message: str) -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<title>Số thứ tự</title><link rel="stylesheet" href="/ticket-static/ticket.css"></head>'
        '<body><header><div class="centre">Số thứ tự</div></header><main>'
        f'<section class="card"><p class="error" role="alert">{escape(message)}</p>'
        "<p>Hãy quét lại mã QR trên phiếu, hoặc hỏi cán bộ hướng dẫn tại sảnh.</p></section>"
        "</main></body></html>"
    )


# -- the live stream -------------------------------------------------------------------------------


def _read(app, token: str) -> tuple[int, int, int, dict] | None:
    """(ticket id, centre id, service id, view), or None when no ticket has this token."""
    with app.state.db.reading() as s:
        try:
            ticket = find_by_public_token(s, token)
        except DomainError:
            return None
        return ticket.id, ticket.centre_id, ticket.service_id, page_view(s, app.state.settings, ticket)


def concerns(text: str, ticket_id: int, service_id: int) -> bool:
    """Whether an event (as the hub encoded it) may change what the ticket's page shows."""
    msg = json.loads(text)
    kind, data = msg.get("type", ""), msg.get("data") or {}
    if kind.startswith("ticket."):  # others' moves reach this page through queue.updated
        return data.get("id") == ticket_id
    if kind == "queue.updated":
        return any(s.get("id") == service_id for s in data.get("services", ()))
    if kind == "counter.updated":
        return any(link.get("service_id") == service_id for link in data.get("services", ()))
    return kind == "notice.updated"


@pages.websocket("/ws/t/{token}")
async def ticket_stream(websocket: WebSocket, token: str):
    """Who may call: anyone holding the ticket's token (public). Sends {"type": "ticket", "data"}
    on connecting and whenever the ticket's page would change; {"type": "heartbeat"} when idle."""
    app = websocket.app
    await websocket.accept()
    if not 1 <= len(token) <= 200:
        await websocket.close(CLOSE_BAD_TOKEN, "bad token")
        return
    try:
        await run_in_threadpool(check_rate, app, websocket.client.host if websocket.client else "unknown")
    except DomainError:
        await websocket.close(CLOSE_TOO_MANY, "too many")
        return
    found = await run_in_threadpool(_read, app, token)
    if found is None:
        await websocket.close(CLOSE_NOT_FOUND, "unknown ticket")
        return
    ticket_id, centre_id, service_id, view = found
    hub = app.state.hub
    sub = await hub.subscribe(centre_id)
    receiver = asyncio.create_task(_drain_client(websocket))
    receiver.add_done_callback(lambda _: hub.close(sub))
    heartbeat_s = app.state.settings.ws_heartbeat_s
    try:
        await websocket.send_json({"type": "ticket", "data": view})
        while not _over(view):
            try:
                items = [await asyncio.wait_for(sub.queue.get(), timeout=heartbeat_s)]
            except TimeoutError:
                await websocket.send_json({"type": "heartbeat"})
                continue
            while not sub.queue.empty():
                items.append(sub.queue.get_nowait())
            if sub.closed or CLOSED in items:
                break
            if None in items:  # the hub cut us loose (overflow, shutdown): the page reconnects
                await websocket.close(1012, "reconnect")
                break
            if not any(concerns(item[1], ticket_id, service_id) for item in items if item is not HEARTBEAT):
                continue
            found = await run_in_threadpool(_read, app, token)
            if found is None:
                break
            _, _, service_id, fresh = found  # a transfer moves the ticket to another service
            if fresh != view:
                view = fresh
                await websocket.send_json({"type": "ticket", "data": view})
        if _over(view):  # served, cancelled or from an earlier day: nothing more will change
            await websocket.close(1000, "over")
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        hub.unsubscribe(sub)
        receiver.cancel()


def _over(view: dict) -> bool:
    return view["state"] in ("done", "cancelled") or view["expired"]


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and drop) what the page sends until it goes away: the page only listens."""
    try:
        while True:
            await websocket.receive_text()
    except Exception:
        return


def setup(app: FastAPI) -> None:
    app.mount("/ticket-static", StaticFiles(directory=STATIC_DIR), name="ticket-static")
