"""Helpers for bench scripts: a real server (uvicorn subprocess) on SQLite or a private PostgreSQL schema."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server_process import postgres_schema, running_server


@contextmanager
def bench_server(backend: str, workers: int, extra_env: dict[str, str] | None = None):
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            with running_server(Path(tmp), None, workers=workers, extra_env=extra_env) as srv:
                yield srv
            return
        with (
            postgres_schema("bench") as url,
            running_server(Path(tmp), url, workers=workers, extra_env=extra_env) as srv,
        ):
            yield srv


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def descendants(pid: int) -> list[int]:
    """Every process started by `pid`, at any depth (the uvicorn workers and what they start)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                kids = [int(x) for x in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
                found += kids
                todo += kids
        except OSError:  # gone meanwhile
            continue
    return found


def cpu_s(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (those gone meanwhile count nothing)."""
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a server process and its children (the uvicorn workers) so far.

    Unlike latency, it hardly depends on what else the machine runs: the figure to compare two
    versions of the code on a shared machine."""
    return cpu_s([pid, *descendants(pid)])


@contextmanager
def collector_paused():
    """Keep this process's own garbage collector out of the measured window.

    A bench process holds hundreds of clients and, where it seeds the database, the server code
    (~170,000 objects): Python's automatic full collection of that heap stopped every client's
    reading for 280-760 ms at load, so the call it fell in had every delivery late — one call in
    50 is the p99 — and whether it fell inside the window moved with the allocations of the code
    under test (issue 14: the PostgreSQL "regression" at 5f61186 was this). Collect before,
    freeze what survives, collect nothing during, collect after.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
