"""Every router of the server, by name, in one place: who may call what reads from each handler's
`allow(...)` / `public()`.

Adding an area's endpoints: import its router here by name and add it to `API_ROUTERS` (served
under /api/v1) or `PAGE_ROUTERS` (pages at the root); if the area needs start-up wiring (static
files, background jobs), add its `setup` to `SETUPS`. Include routers here only, never inside one
another: `iter_routes` and the access-matrix test walk these lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from .appointments import pages as appointment_pages
from .appointments.router import router as appointments_router
from .audit.router import router as audit_router
from .auth.router import router as auth_router
from .backups import schedule as backup_schedule
from .boards import router as boards
from .calendar import router as calendar_area
from .calendar.router import router as calendar_router
from .centres.router import router as centres_router
from .devices import router as devices
from .dossiers import router as dossiers
from .dossiers.pages import pages as dossier_pages
from .notifications import sender as notification_sender
from .notifications.router import router as notifications_router
from .procedures.router import router as procedures_router
from .ratings.router import router as ratings_router
from .realtime.router import router as stream_router
from .reports import pages as report_pages
from .reports.router import router as reports_router
from .tickets import pages as ticket_pages
from .tickets.router import router as tickets_router
from .web import pages as console

API_PREFIX = "/api/v1"
# Routes that take an administrator's file: bodies up to settings.max_upload_bytes for a caller with a
# valid staff token (security.middleware.RequestGuard), max_body_bytes for anyone else.
UPLOAD_ROUTES: tuple[str, ...] = (API_PREFIX + "/procedures/import",)

# Routes are matched in order, one by one: the busiest (issuing, calling) go first.
API_ROUTERS: tuple[APIRouter, ...] = (
    tickets_router,
    auth_router,
    centres_router,
    calendar_router,
    procedures_router,
    dossiers.router,
    ratings_router,
    reports_router,
    console.router,
    boards.router,
    audit_router,
    devices.router,
    appointments_router,
    notifications_router,
)
PAGE_ROUTERS: tuple[APIRouter, ...] = (
    stream_router,  # WS /ws
    ticket_pages.pages,  # /t/{token} and WS /ws/t/{token}
    appointment_pages.pages,  # /hen (the phone page for bookings) and its QR
    dossier_pages,
    report_pages.pages,
    console.pages,
    boards.pages,
)
# Start-up wiring of the areas that need it: static files, the announcer, background jobs.
SETUPS: tuple[Callable[[FastAPI], None], ...] = (
    dossiers.setup,
    report_pages.setup,
    console.setup,
    boards.setup,
    devices.setup,
    ticket_pages.setup,
    appointment_pages.setup,
    backup_schedule.setup,
    calendar_area.setup,
    notification_sender.setup,
)


def include_all(app: FastAPI) -> None:
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    for setup in SETUPS:
        setup(app)


def iter_routes() -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every HTTP route of the routers above."""
    for prefix, routers in ((API_PREFIX, API_ROUTERS), ("", PAGE_ROUTERS)):
        for router in routers:
            for route in router.routes:
                if isinstance(route, APIRoute):
                    yield prefix + route.path, route
                elif not hasattr(route, "endpoint"):  # a router included in another: walk it from here instead
                    raise TypeError(f"{route!r}: include routers in queue_server/api.py, not in each other")
