"""The manager pages: /dashboard (live) and /reports, with their scripts under /reports-static.

The pages are static shells (public); every figure they show comes from the API with the
manager's token. The shared stream client and look come from /web/static (queue_server.web).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ..deps import Public

STATIC_DIR = Path(__file__).resolve().parent / "static"

pages = APIRouter(include_in_schema=False)


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC_DIR / name).read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})


@pages.get("/dashboard")
def dashboard_page(_: Public):
    return _page("dashboard.html")


@pages.get("/reports")
def reports_page(_: Public):
    return _page("reports.html")


def setup(app: FastAPI) -> None:
    app.mount("/reports-static", StaticFiles(directory=STATIC_DIR), name="reports-static")
