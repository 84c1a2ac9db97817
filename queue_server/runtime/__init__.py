"""Everything that exists only to be fast, in one place, switched by `MOTCUA_FAST_PATH` (issue 14).

- `Runtime`: the process-wide tuning of one server's lifetime, applied by the app's lifespan and
  undone when it stops — the garbage collector's policy (`collector.IdleCollector`: collections
  between bursts of delivery; the start-up heap frozen; a higher first threshold) and the
  interpreter's switch interval. Also, fast path or not, the event loop's worker-thread limit
  set explicitly (`MOTCUA_WORKER_THREADS`), as the request gate's deadlock argument needs
  (app.RequestGate) rather than assumed to be anyio's default.
- `server_protocols`: the protocols uvicorn serves with — the coalescing WebSocket protocol
  (`wsprotocol.py`) and the limited HTTP protocol (`security/http.py`) when the start-up check
  (`selfcheck.py`) finds the library internals they build on as expected; otherwise uvicorn's
  own, with one log line at ERROR saying why. The product keeps working, slower.
- `orphan.start_watch`: a uvicorn worker stops when its supervisor dies (even by SIGKILL) rather
  than serving on, holding its database pool.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from dataclasses import dataclass

import anyio.to_thread

from ..config import Settings
from . import selfcheck
from .collector import IdleCollector
from .orphan import start_watch

log = logging.getLogger(__name__)

COALESCING_WS = "queue_server.runtime.wsprotocol:CoalescingWebSocketProtocol"
STOCK_WS = "websockets-sansio"  # uvicorn's own protocol on the same library
LIMITED_HTTP = "queue_server.security.http:LimitedHttpToolsProtocol"
STOCK_HTTP = "h11"  # uvicorn's pure-Python protocol, which bounds a head by itself


def server_protocols(settings: Settings) -> dict:
    """uvicorn's `http` and `ws` options (and what goes with them), each checked before use."""
    options: dict = {}
    problem = selfcheck.check_http_protocol(settings)
    if problem is None:
        options["http"] = LIMITED_HTTP
    else:
        log.error(
            "HTTP: the limited protocol failed its start-up check (%s); serving with uvicorn's h11 "
            "protocol instead, heads bounded at %d bytes (431/414/408 answers and slow-client "
            "timeouts off) — check the installed uvicorn/httptools against pyproject.toml",
            problem,
            settings.max_header_bytes,
        )
        options["http"] = STOCK_HTTP
        options["h11_max_incomplete_event_size"] = settings.max_header_bytes
    if not settings.fast_path:
        log.info("fast path off (MOTCUA_FAST_PATH): uvicorn's own WebSocket protocol")
        options["ws"] = STOCK_WS
        return options
    problem = selfcheck.check_websocket_protocol()
    if problem is None:
        options["ws"] = COALESCING_WS
    else:
        log.error(
            "WebSocket: the coalescing protocol failed its start-up check (%s); serving with "
            "uvicorn's own protocol instead (boards get every event, with more system calls) — "
            "check the installed uvicorn/websockets against pyproject.toml",
            problem,
        )
        options["ws"] = STOCK_WS
    return options


@dataclass
class _Saved:
    gc_enabled: bool
    gc_threshold: tuple[int, int, int]
    gc_frozen: int
    switch_interval: float
    limiter: object
    thread_tokens: float


class Runtime:
    """The process-wide settings of one server's lifetime: `start` in the lifespan, `stop` at its end
    restores what was there before (tests run many apps in one process)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.collector: IdleCollector | None = None
        self._task: asyncio.Task | None = None
        self._parent_watch: asyncio.Task | None = None
        self._saved: _Saved | None = None

    async def start(self) -> None:
        self._parent_watch = start_watch()  # fast path or not
        limiter = anyio.to_thread.current_default_thread_limiter()
        self._saved = _Saved(
            gc.isenabled(),
            gc.get_threshold(),
            gc.get_freeze_count(),
            sys.getswitchinterval(),
            limiter,
            limiter.total_tokens,
        )
        limiter.total_tokens = self.settings.worker_threads
        if not self.settings.fast_path:
            return
        # Measured with 500 boards connected (~140,000 long-lived objects): a full collection took
        # ~110 ms and, with the default thresholds, the churn of requests ran one every ~4 s — a
        # pause every event waiting at that moment sat through (the p99 of delivery). So what
        # exists after start-up (modules, mappers, settings) is frozen: no collection walks it
        # again; the first threshold is raised from 700 (a request's objects are mostly gone
        # before a young collection sees them, so fewer are promoted); and while the server runs,
        # IdleCollector decides when to collect (the threshold is also its cap).
        gc.collect()
        gc.freeze()
        gc.set_threshold(IdleCollector.HARD_CAP, 10, 10)
        # How long a thread may hold the GIL while another waits (Python's default 5 ms): the
        # event loop shares it with the database threads.
        sys.setswitchinterval(self.settings.gil_switch_interval_s)
        self.collector = IdleCollector(asyncio.get_running_loop())
        self._task = asyncio.create_task(self.collector.run())

    async def stop(self) -> None:
        for task in (self._task, self._parent_watch):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._task = self._parent_watch = None
        self.collector = None
        saved, self._saved = self._saved, None
        if saved is None:
            return
        sys.setswitchinterval(saved.switch_interval)
        gc.set_threshold(*saved.gc_threshold)
        if gc.get_freeze_count() and not saved.gc_frozen:
            gc.unfreeze()
        (gc.enable if saved.gc_enabled else gc.disable)()
        saved.limiter.total_tokens = saved.thread_tokens
