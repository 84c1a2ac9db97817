"""The real server process with its wall clock moved by libfaketime (Debian package `faketime`):
nothing in the server is patched, so this is how a centre lives through Tết and a make-up day.
The suite's clock (tests/clock.py) stamps every child process with libfaketime at its spawn, so
the server is moved by setting that clock and restarting it.

The demo centre is seeded with issuing hours (Monday to Friday, 07:30–11:00 and 13:00–16:30).
"""

from datetime import datetime
from pathlib import Path

import httpx
import pytest

from queue_server.config import Settings
from queue_server.db import Database
from queue_server.demo import DEMO_TOKENS, seed_demo
from queue_server.migrate import upgrade
from queue_server.timeutil import VN_TZ
from tests.server_process import ServerProcess, postgres_schema

LIBFAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(LIBFAKETIME is None, reason="needs the Debian package faketime (libfaketime)"),
]


def seed_with_hours(url: str) -> None:
    upgrade(url)
    db = Database(url)
    try:
        seed_demo(db, Settings(database_url=url, demo=True), with_hours=True)
    finally:
        db.dispose()


def issue(server: ServerProcess) -> httpx.Response:
    return httpx.post(
        server.base_url + "/api/v1/tickets",
        json={"service_id": 1},
        headers={"Authorization": f"Bearer {DEMO_TOKENS['kiosk']}"},
        timeout=30,
    )


def run_at(server: ServerProcess, clock, moment: datetime) -> None:
    server.stop()
    clock.set(moment)
    server.start(timeout=120)


def _scenario(tmp_path, clock, url: str) -> None:
    seed_with_hours(url)
    server = ServerProcess(tmp_path, url)
    try:
        run_at(server, clock, datetime(2026, 2, 16, 9, 0, tzinfo=VN_TZ))  # Monday 16/02/2026: Tết
        r = issue(server)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["message"] == (
            "Hôm nay nghỉ Tết Nguyên đán Bính Ngọ. Mời quay lại lúc 07:30 Thứ Hai, 23/02/2026."
        )
        services = httpx.get(
            server.base_url + "/api/v1/services", headers={"Authorization": f"Bearer {DEMO_TOKENS['kiosk']}"}
        ).json()
        assert services[0]["calendar_notice"].startswith("Hôm nay nghỉ Tết Nguyên đán Bính Ngọ.")

        run_at(server, clock, datetime(2026, 9, 2, 9, 0, tzinfo=VN_TZ))  # Wednesday 02/09/2026: National Day
        r = issue(server)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["message"] == (
            "Hôm nay nghỉ Quốc khánh (2/9). Mời quay lại lúc 07:30 ngày mai (Thứ Năm, 03/09/2026)."
        )

        run_at(server, clock, datetime(2026, 1, 10, 9, 0, tzinfo=VN_TZ))  # Saturday 10/01/2026: make-up day
        r = issue(server)
        assert r.status_code == 201, r.text
        assert r.json()["issued_at"].startswith("2026-01-10T02:0")

        run_at(server, clock, datetime(2026, 1, 12, 9, 0, tzinfo=VN_TZ))  # an ordinary Monday
        r = issue(server)
        assert r.status_code == 201, r.text
        assert r.json()["issued_at"].startswith("2026-01-12T02:0")
        assert r.json()["display_number"].endswith("001")  # a new day's numbering
    finally:
        server.stop()


def test_sqlite_server_refuses_on_holidays_and_issues_on_working_days(tmp_path, clock):
    _scenario(tmp_path, clock, f"sqlite:///{tmp_path / 'motcua.sqlite3'}")


def test_postgresql_server_refuses_on_holidays_and_issues_on_working_days(tmp_path, clock):
    with postgres_schema("faketime") as url:
        _scenario(tmp_path, clock, url)
