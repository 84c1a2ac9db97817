"""A server's uvicorn workers do not outlive it: SIGKILL its first process (no shutdown, as the OOM
killer or `kill -9` does) and each worker exits by itself, releasing its database connections,
rather than running on for tens of minutes as an orphan."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.server_process import ServerProcess, postgres_schema, prepare_demo_database, reachable

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        kids.update(int(x) for x in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    return kids


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for its new parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'motcua.sqlite3'}"
        return
    if not reachable(5432):
        pytest.skip("PostgreSQL not reachable")
    with postgres_schema("orphans") as url:
        yield url


def test_workers_exit_soon_after_their_server_is_killed(tmp_path, database_url):
    prepare_demo_database(database_url)
    server = ServerProcess(tmp_path, database_url, workers=2)
    server.start()
    parent = server.proc.pid
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = {p for p in _children(parent) if _running(p)}
            time.sleep(0.1)
        assert len(workers) >= 2, f"two workers expected, found {workers}"
        time.sleep(1)  # both workers through their start-up

        os.kill(parent, signal.SIGKILL)
        server.proc.wait(5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_running(p) for p in workers):
            time.sleep(0.1)
        left = sorted(p for p in workers if _running(p))
        assert not left, f"workers still running 10 s after their server was killed: {left}"
    finally:
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        server.proc = None
