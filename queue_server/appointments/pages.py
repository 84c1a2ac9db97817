"""The phone page `/hen` (đặt lịch hẹn, and lấy số từ xa where a service allows it) and the booking's
QR `/hen/qr/{token}`.

Who may call: anyone (public, no account). The page is a static shell; everything it shows and
changes goes through the public booking API (`/api/v1/appointments…`, rate-limited per address,
a booking changed only with its code and phone). The QR image answers only for the unguessable
token a booking's `qr_url` carries, counted against `MOTCUA_TICKET_PAGE_RATE_LIMIT_PER_MINUTE`.
"""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

from ..bounds import Token
from ..deps import AppSettings, DbSession, Public
from ..errors import DomainError
from ..security.ratelimit import client_address
from .models import Appointment
from .views import qr_url

STATIC_DIR = Path(__file__).resolve().parent / "static"
TOO_MANY = "Bạn mở mã QR lịch hẹn quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

pages = APIRouter(include_in_schema=False)


@pages.get("/hen", response_class=HTMLResponse)
def booking_page(settings: AppSettings, _: Public):
    html = (STATIC_DIR / "hen.html").read_text(encoding="utf-8")
    if settings.notify_url:  # messages are sent: the visitor may consent to them
        html = html.replace('id="notify-consent" hidden', 'id="notify-consent"')
    return HTMLResponse(html, headers=_HEADERS)


@pages.get("/hen/qr/{token}", response_class=Response)
def booking_qr(token: Token, request: Request, session: DbSession, settings: AppSettings, _: Public):
    """The booking's QR (its `qr_url`) as SVG, to show at the kiosk; 404 for an unknown token."""
    limits = request.app.state.rate_limits
    items = limits.parse(f"{settings.ticket_page_rate_limit_per_minute} per minute")
    limits.check(items, "hen-qr", client_address(request), TOO_MANY)
    appointment = session.execute(select(Appointment).where(Appointment.qr_token == token)).scalar_one_or_none()
    if appointment is None:
        raise DomainError("booking_not_found", "Không tìm thấy lịch hẹn.", 404)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    code.add_data(qr_url(settings, appointment))
    buffer = io.BytesIO()
    code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers=_HEADERS)


def setup(app: FastAPI) -> None:
    app.mount("/hen-static", StaticFiles(directory=STATIC_DIR), name="hen-static")
