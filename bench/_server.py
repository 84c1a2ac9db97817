"""Helpers for bench scripts: a real server (uvicorn subprocess) on SQLite or a private PostgreSQL schema."""

from __future__ import annotations

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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a server process and its children (the uvicorn workers) so far.

    Unlike latency, it hardly depends on what else the machine runs: the figure to compare two
    versions of the code on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:  # gone meanwhile
            continue
        total += int(stat[11]) + int(stat[12])
        pids += [int(c) for c in children]
    return total / tick
