"""The boards as the server serves them: pages at /displays/..., assets, and call audio under /api/v1.

A board is a static page plus scripts; everything it shows comes over the WebSocket stream. Its
device token (given once as ?token=) authenticates the stream, `GET /api/v1/devices/me` and the
call audio.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from displays import STATIC_DIR
from displays.announcer import AnnouncementUnavailable, BoardAnnouncer

from ..auth.principal import Principal
from ..bounds import Id
from ..centres.models import Centre, Counter
from ..deps import DbSession, Public, allow
from ..errors import DomainError
from ..tickets.models import Ticket

BoardCaller = Annotated[Principal, allow("display", "admin")]

pages = APIRouter(include_in_schema=False)
router = APIRouter(tags=["displays"])


def _page(name: str) -> HTMLResponse:
    # no-store: a TV that reloads after an update must get the new scripts, not a stale cache
    return HTMLResponse((STATIC_DIR / name).read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})


@pages.get("/displays/hall")
def hall_board(_: Public):
    return _page("hall.html")


@pages.get("/displays/counter/{number}")
def counter_board(number: int, _: Public):
    return _page("counter.html")


class BoardCounter(BaseModel):
    id: int
    number: int
    name: str


@router.get(
    "/displays/counters/{number}",
    response_model=BoardCounter,
    responses={
        403: {"description": "the display is the board of another counter"},
        404: {"description": "no counter with this number in the display's centre"},
    },
    summary="The counter a counter board shows, if this display may show it",
)
def board_counter(number: Id, session: DbSession, actor: BoardCaller):
    """A display registered for one counter (`create-device --counter`) opens that counter's board
    only: its token, copied to another TV, must not put counter 1's name above counter 2's desk.
    A display bound to no counter (a hall display) may show any counter of its centre."""
    counter = session.execute(
        select(Counter).where(Counter.centre_id == actor.centre_id, Counter.number == number)
    ).scalar_one_or_none()
    if counter is None:
        raise DomainError("counter_not_found", f"Trung tâm không có quầy số {number}.", 404)
    bound = actor.device.counter_id if actor.device is not None else None
    if bound is not None and bound != counter.id:
        own = session.get(Counter, bound)
        raise DomainError(
            "board_not_for_counter",
            f"Mã thiết bị này là của bảng quầy số {own.number if own else bound}, "
            f"không dùng được cho bảng quầy số {number}.",
            403,
        )
    return {"id": counter.id, "number": counter.number, "name": counter.name}


def _call_of(request: Request, actor: Principal, ticket_id: Id) -> tuple[str, int, str]:
    """The ticket's number, its counter and the sentence its centre calls with."""
    with request.app.state.db.reading() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None or not actor.can_see_centre(ticket.centre_id):
            raise DomainError("ticket_not_found", "Không tìm thấy số thứ tự.", 404)
        counter = s.get(Counter, ticket.counter_id) if ticket.counter_id else None
        if counter is None or ticket.called_at is None:
            raise DomainError("ticket_not_called", f"Số {ticket.display_number} chưa được gọi tới quầy nào.", 409)
        centre = s.get(Centre, ticket.centre_id)
        template = (centre.call_template if centre else None) or request.app.state.settings.announcement_template
        return ticket.display_number, counter.number, template


@router.get(
    "/announcements/{ticket_id}.wav",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "chime and the spoken call"},
        404: {"description": "unknown ticket"},
        409: {"description": "ticket not called"},
        503: {"description": "no voice available; error.text carries the sentence for the browser's speech"},
    },
    summary="The call of a ticket as audio: chime, then «Mời công dân có số thứ tự … đến quầy số …»",
)
async def announcement_audio(ticket_id: Id, request: Request, actor: BoardCaller):
    # Read with a short session of our own: the request session may hold a pending write
    # (device last-seen), and rendering must not keep a SQLite write lock open.
    number, counter, template = await run_in_threadpool(_call_of, request, actor, ticket_id)
    announcer: BoardAnnouncer = request.app.state.board_announcer
    try:
        path = await run_in_threadpool(announcer.wav_for_call, number, counter, template)
    except AnnouncementUnavailable:
        raise DomainError(
            "voice_unavailable",
            "Không tạo được âm thanh thông báo.",
            503,
            text=template.format(number=number, counter=counter),
        ) from None
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"})


def setup(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.board_announcer = BoardAnnouncer(settings.data_dir / "voice", settings.announcement_template)
    app.mount("/displays/static", StaticFiles(directory=STATIC_DIR), name="displays-static")
