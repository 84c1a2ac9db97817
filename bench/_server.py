"""Helpers for bench scripts: a real server (uvicorn subprocess) on SQLite or a private PostgreSQL schema."""
from __future__ import annotations

import secrets
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from tests.server_process import running_server  # noqa: E402

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def bench_server(backend: str, workers: int):
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            with running_server(Path(tmp), None, workers=workers) as srv:
                yield srv
            return
        schema = f"bench_{secrets.token_hex(4)}"
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            with running_server(Path(tmp), f"{PG_BASE}?options=-csearch_path%3D{schema}", workers=workers) as srv:
                yield srv
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]
