"""A uvicorn worker ends when its supervising process dies.

uvicorn's supervisor (`--workers N`) stops its workers when it is asked to stop; killed outright
(SIGKILL, the OOM killer) it cannot, and its workers went on serving for tens of minutes, each
holding its database pool. So each worker asks the kernel for SIGTERM when its parent dies
(prctl PR_SET_PDEATHSIG, Linux) and, because that signal follows the death of the parent *thread*
that started it rather than of the process, also checks every few seconds that its parent is
still the one it started with. SIGTERM to itself is uvicorn's own graceful stop: the lifespan
ends and the pools are closed.

Only a multiprocessing child (a worker under uvicorn's supervisor) does this: a single-process
server is its own parent, and must not die with whatever shell or test thread launched it.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
CHECK_INTERVAL_S = 2.0


def supervisor_pid() -> int | None:
    """The pid of the uvicorn supervisor that started this process, if it is such a worker."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else None


def ask_for_parent_death_signal() -> None:
    """SIGTERM from the kernel when the parent goes (Linux); elsewhere the watch below suffices."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as exc:
        log.warning("prctl(PR_SET_PDEATHSIG) unavailable: %s", exc)


def _orphaned(parent: int) -> bool:
    return os.getppid() != parent


def _leave() -> None:
    log.warning("worker %d: its server process is gone; stopping", os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)


async def watch_parent(parent: int, interval_s: float = CHECK_INTERVAL_S) -> None:
    """Stop this worker (SIGTERM to itself) once its parent is no longer `parent`."""
    while not _orphaned(parent):
        await asyncio.sleep(interval_s)
    _leave()


def start_watch() -> asyncio.Task | None:
    """In a uvicorn worker: the death signal asked for, and the fallback watch started (its task)."""
    parent = supervisor_pid()
    if parent is None:
        return None
    ask_for_parent_death_signal()
    # The parent may have died before the request above: then no signal will come, the watch sees it.
    return asyncio.create_task(watch_parent(parent))
