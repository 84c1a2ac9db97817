"""The landing page (/), the API documentation (/docs, its assets served locally), staff pages
(/console), their shared assets (/web/static, fonts, the chime) and the console's figures
endpoint. The dashboard and report pages are in `queue_server.reports.pages`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Query
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from swagger_ui import __file__ as _swagger_ui_init

from hardware.fonts import font_path
from hardware.voice.announcer import CHIME_FILE

from ..bounds import INT32_MAX
from ..deps import AppSettings, CounterActor, DbSession, Public
from .console import officer_today

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Swagger UI's own build, as the swagger-ui-py package ships it (no CDN: an intranet has none).
SWAGGER_DIR = Path(_swagger_ui_init).resolve().parent / "static"
FONTS = {"DejaVuSans.ttf": font_path(), "DejaVuSans-Bold.ttf": font_path(bold=True)}

pages = APIRouter(include_in_schema=False)
router = APIRouter(tags=["console"])


def html_page(path: Path) -> HTMLResponse:
    """A static page, never cached, so devices pick up new scripts on their next load."""
    return HTMLResponse(path.read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})


@pages.get("/")
def landing_page(_: Public):
    return html_page(STATIC_DIR / "home.html")


@pages.get("/docs")
def api_docs(_: Public):
    """Swagger UI over /openapi.json, every asset from this server."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Motcua QMS — API v1",
        swagger_js_url="/web/swagger/swagger-ui-bundle.js",
        swagger_css_url="/web/swagger/swagger-ui.css",
        swagger_favicon_url="/web/swagger/favicon-32x32.png",
    )


@pages.get("/admin")
def admin_page(_: Public):
    """The administration page: a static shell; what it shows and changes goes through the API with
    the staff member's token (admins edit, managers read, clerks are turned away at sign-in)."""
    return html_page(STATIC_DIR / "admin.html")


@pages.get("/console")
def console_page(settings: AppSettings, _: Public):
    html = (STATIC_DIR / "console.html").read_text(encoding="utf-8")
    if settings.notify_url:  # messages are sent: the applicant may consent to them at receipt
        html = html.replace('id="d-notify-consent" hidden', 'id="d-notify-consent"')
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@pages.get("/web/fonts/{name}")
def font(name: str, _: Public):
    """The shipped DejaVu fonts (Vietnamese glyphs), served locally — no web font service."""
    if name not in FONTS:
        raise HTTPException(404)
    return FileResponse(FONTS[name], media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"})


@pages.get("/web/sounds/chime.wav")
def chime(_: Public):
    return FileResponse(CHIME_FILE, media_type="audio/wav", headers={"Cache-Control": "public, max-age=604800"})


class OfficerToday(BaseModel):
    counter_id: int
    counter_number: int
    officer_id: int | None
    day: str
    served: int
    no_show: int
    average_service_s: int | None


@router.get(
    "/console/stats",
    response_model=OfficerToday,
    summary="Today's figures of the officer at a counter",
    responses={403: {"description": "not allowed"}, 404: {"description": "unknown counter"}},
)
def console_stats(
    session: DbSession, actor: CounterActor, counter_id: int = Query(..., ge=1, le=INT32_MAX, description="the counter")
):
    return officer_today(session, actor, counter_id)


@router.get(
    "/console/priority-classes",
    response_model=dict[str, str],
    summary="The centre's priority classes: code → the label a clerk reads in the waiting list",
    responses={403: {"description": "not allowed"}},
)
def console_priority_classes(settings: AppSettings, _: CounterActor):
    return settings.priority_classes


def setup(app: FastAPI) -> None:
    app.mount("/web/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.mount("/web/swagger", StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")
