"""The dashboard and reports pages in headless Chromium against a real server (demo centre)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import select

from queue_server.auth.models import User
from queue_server.centres.models import Counter, Service
from queue_server.db import Database
from tests.reports.history import History
from tests.screenshots import publish
from tests.server_process import running_server

pytestmark = pytest.mark.slow
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, suite_clock):
    with running_server(tmp_path_factory.mktemp("dash")) as srv:
        _past_week(srv.database_url, suite_clock.today())
        yield srv


def _past_week(url: str, today) -> None:
    """A week of served visitors before today, so the reports page has figures to show."""
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            services = {sv.code: sv.id for sv in s.execute(select(Service)).scalars()}
            counters = {c.number: c.id for c in s.execute(select(Counter)).scalars()}
            users = {u.username: u.id for u in s.execute(select(User)).scalars()}
            fx = SimpleNamespace(
                id=s.get(Service, services["HOTICH"]).centre_id,
                service_ids=services,
                counter_ids=counters,
                user_ids=users,
            )
            h = History(s, fx)
            for back in range(1, 8):
                day = today - timedelta(days=back)
                for i, (code, counter) in enumerate([("HOTICH", 1), ("DATDAI", 4), ("CHUNGTHUC", 3)] * 3):
                    hh = 8 + i
                    officer = {"counter": counter, "officer": f"canbo{counter:02d}"}
                    h.ticket(
                        code,
                        day,
                        f"{hh:02d}:00",
                        ("called", f"{hh:02d}:{5 + 3 * i:02d}", officer),
                        ("started", f"{hh:02d}:{6 + 3 * i:02d}"),
                        ("completed", f"{hh:02d}:{20 + 2 * i:02d}"),
                    )
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _login(page, base: str, path: str):
    page.goto(base + path)
    page.fill("#username", "lanhdao")
    page.fill("#password", "motcua-demo")
    page.click("button[type=submit]")


def _shot(page, artifacts_dir: Path, name: str) -> None:
    path = artifacts_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    publish(path, f"{name}.png")


def test_dashboard_updates_live(server, browser, artifacts_dir):
    base = server.base_url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _login(page, base, "/dashboard")
    page.wait_for_selector("tr[data-service=HOTICH] .waiting")
    assert page.inner_text("tr[data-service=HOTICH] .waiting") == "0"
    # no booking today on the demo: the bookings panel says so (its figures: tests/reports/test_booking_figures.py)
    assert page.inner_text("#k-booked") == "0" and page.is_visible("#bookings-empty")
    fetches = page.evaluate("window.dashboardState.fetches")

    kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
    services = {s["code"]: s["id"] for s in httpx.get(base + "/api/v1/services", headers=kiosk).json()}
    for _ in range(2):
        assert (
            httpx.post(base + "/api/v1/tickets", json={"service_id": services["HOTICH"]}, headers=kiosk).status_code
            == 201
        )
    # the issued events arrive over the WebSocket and the page re-fetches: no reload
    page.wait_for_function(
        "document.querySelector('tr[data-service=HOTICH] .waiting').textContent === '2'", timeout=10000
    )
    assert page.inner_text("#k-issued") == "2"
    assert page.evaluate("window.dashboardState.fetches") > fetches

    token = httpx.post(base + "/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"}).json()[
        "access_token"
    ]
    clerk = {"Authorization": f"Bearer {token}"}
    counter = next(c for c in httpx.get(base + "/api/v1/counters", headers=clerk).json() if c["number"] == 1)
    assert httpx.post(f"{base}/api/v1/counters/{counter['id']}/open", headers=clerk).status_code == 200
    assert httpx.post(f"{base}/api/v1/counters/{counter['id']}/call-next", headers=clerk).status_code == 200
    page.wait_for_function(
        "document.querySelector('tr[data-counter=\"1\"] .current').textContent === 'A001'", timeout=10000
    )
    assert page.inner_text("tr[data-service=HOTICH] .waiting") == "1"
    assert "Nguyễn Thị Lan" in page.inner_text("tr[data-counter='1']")
    assert page.inner_text("#k-counters").startswith("1 / 0 /")
    page.wait_for_selector("#chart-arrivals svg rect", state="attached")
    _shot(page, artifacts_dir, "dashboard")
    page.close()


def test_reports_page_and_downloads(server, browser, artifacts_dir, clock):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    _login(page, server.base_url, "/reports")
    page.select_option("#period", "week")
    page.fill("#on", (clock.today() - timedelta(days=3)).isoformat())
    page.click("#show")
    page.wait_for_selector("section[data-table=by_service] tbody tr")
    text = page.inner_text("section[data-table=by_service]")
    assert "Hộ tịch" in text and "Đất đai" in text
    page.wait_for_selector("#chart svg rect", state="attached")
    _shot(page, artifacts_dir, "reports")
    with page.expect_download() as dl:
        page.click("button[data-format=xlsx]")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert "Theo dịch vụ" in wb.sheetnames and wb["Tổng hợp"]["A4"].value == "Số phiếu đã phát"
    assert isinstance(wb["Tổng hợp"]["A5"].value, int) and wb["Tổng hợp"]["A5"].value > 0
    page.close()
