"""Helpers for bench scripts: a real server (uvicorn subprocess) on SQLite or a private PostgreSQL schema."""

from __future__ import annotations

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
