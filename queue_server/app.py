"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from . import api
from .calendar.router import current_calendar_warnings
from .calendar.service import CalendarStore
from .config import Settings, get_settings
from .db import Database
from .deps import CallerReader
from .errors import install_error_handlers
from .queues.views import centre_snapshot
from .realtime.hub import Hub
from .realtime.router import StreamShortcut
from .runtime import Runtime
from .security.middleware import RequestGuard
from .security.ratelimit import RateLimits
from .tickets.batching import IssueBatcher

log = logging.getLogger(__name__)


class RequestGate:
    """Caps HTTP requests in flight (WebSockets are not counted).

    A request's database work spans several threadpool hops (dependencies, handler, commit);
    if every pool thread were taken by requests waiting for the database, the request holding
    the write lock could never get a thread back to commit. Keeping fewer requests in flight
    than pool threads rules that out; the rest wait cheaply on the event loop.
    """

    def __init__(self, app, limit: int, hub: Hub | None = None):
        self.app = app
        self.limit = limit
        self.hub = hub  # told of requests in flight: its collector waits for a quiet moment
        self._sem: asyncio.Semaphore | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.limit)
        collector = self.hub.collector if self.hub is not None else None
        if collector is not None:
            collector.request_started()
        try:
            async with self._sem:
                return await self.app(scope, receive, send)
        finally:
            if collector is not None:
                collector.request_finished()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_secret()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(
        settings.effective_database_url,
        # SQLite keeps its own pools (one connection per server thread); PostgreSQL's are budgeted.
        pool_size=settings.pool_size_per_worker if settings.effective_database_url.startswith("postgresql") else None,
        pgbouncer=settings.db_pgbouncer,
    )
    hub = Hub(
        db,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        tail_interval_s=settings.db_tail_interval_s,
        auth_cache_s=settings.ws_auth_cache_s,
        handshakes_per_s=settings.ws_handshakes_per_s,
        admission_wait_s=settings.ws_admission_wait_s,
    )
    runtime = Runtime(settings)
    calendars = CalendarStore(settings.holiday_override_files)  # each centre's calendar, read by calendar_for
    for factory in (db.session_factory, db.read_session_factory):
        # notify wakes the hub once a transaction's events are committed
        factory.kw["info"] = {"notify": hub.notify, "calendar_store": calendars, "access_changed": hub.access_changed}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()  # process-wide tuning, undone below (queue_server/runtime)
        hub.collector = runtime.collector
        await hub.start()
        for hook in app.state.startup_hooks:
            await hook(app)
        try:
            yield
        finally:
            for hook in app.state.shutdown_hooks:
                await hook(app)
            await hub.stop()
            hub.collector = None
            await runtime.stop()
            db.dispose()

    app = FastAPI(
        title="Motcua QMS",
        version="1.0.0",
        summary="Queue tickets, counters, one-stop dossiers and ratings for Public Administration Centres",
        description=(
            "API v1 of the Motcua queue server. Staff authenticate with `POST /api/v1/auth/token` "
            "(OAuth2 password flow); devices with their device token; both as `Authorization: Bearer <token>`. "
            'Errors are `{"error": {"code", "message"}}` with Vietnamese messages. The live event '
            "stream is `WS /ws?centre=ID&since=SEQ` (see docs/events.md). Each operation's description says who may call it."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by queue_server.web.pages with local assets (FastAPI's loads them from a CDN)
        redoc_url=None,  # ReDoc too would load from a CDN; Swagger UI at /docs is the one documentation page
    )
    app.state.settings = settings
    app.state.db = db
    app.state.hub = hub
    app.state.runtime = runtime
    app.state.snapshot = lambda session, centre_id: centre_snapshot(session, centre_id, settings.default_service_s)
    app.state.callers = CallerReader(db, settings)  # the issuing endpoint's callers (deps.allow_reading)
    app.state.ticket_issuer = IssueBatcher(db, settings, app.state.callers)
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    app.add_middleware(StreamShortcut)  # innermost: the event stream without the routing's frames
    app.add_middleware(RequestGate, limit=settings.max_requests_in_flight, hub=hub)
    # Outermost (added last): bodies are read whole and bounded before a request takes a place above.
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        uploads=dict.fromkeys(api.UPLOAD_ROUTES, settings.max_upload_bytes),
        secret_key=settings.secret_key,
    )
    if settings.trusted_proxies:
        # X-Forwarded-For believed from the listed proxies only (uvicorn's own handling is off: serve.py)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.state.rate_limits = RateLimits(settings.redis_url, settings.redis_prefix)
    install_error_handlers(app)
    api.include_all(app)
    _annotate_access(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        # Up and answering; `warnings` are for the operator (the calendar to confirm), not failures.
        return {"ok": True, "warnings": current_calendar_warnings(settings)}

    return app


def iter_api_routes(app: FastAPI):
    """(full path, APIRoute) for every HTTP route: the routers of api.py, and the app's own."""
    from fastapi.routing import APIRoute

    yield from api.iter_routes()
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            yield route.path, route


WHO_MAY_CALL = "\n\n**Who may call:** "


def _annotate_access(app: FastAPI) -> None:
    """Write each operation's allowed callers into its OpenAPI description (once: routers are shared by apps)."""
    for _path, route in iter_api_routes(app):
        roles = allowed_roles(route)
        if roles is not None and WHO_MAY_CALL not in (route.description or ""):
            who = "anyone (public)" if roles == ("public",) else ", ".join(roles)
            route.description = (route.description or "") + f"{WHO_MAY_CALL}{who}."


def allowed_roles(route) -> tuple[str, ...] | None:
    def walk(dependant):
        call = getattr(dependant, "call", None)
        if call is not None and hasattr(call, "allowed"):
            return call.allowed
        for dep in dependant.dependencies:
            found = walk(dep)
            if found is not None:
                return found
        return None

    return walk(route.dependant)


def package_root() -> Path:
    return Path(__file__).resolve().parent
