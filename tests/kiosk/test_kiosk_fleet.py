"""The real kiosk (Kivy under Xvfb) in the device fleet: its heartbeats carry its version and its
printer's ESC/POS status, and a printer out of paper is on the managers' dashboard (real Chromium)
within 10 s, cleared by itself when the paper is back."""

from __future__ import annotations

import time

import httpx
import pytest

from hardware.printers.fake_network import FakeNetworkPrinter
from tests.displays.browser import DEMO_PASSWORD
from tests.kiosk.conftest import KIOSK_TOKEN

pytestmark = pytest.mark.slow


def _fleet_kiosk(base: str, staff: dict) -> dict:
    me = httpx.get(base + "/api/v1/devices/me", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}).json()
    return next(d for d in httpx.get(base + "/api/v1/fleet", headers=staff).json() if d["id"] == me["id"])


def _until(check, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{check} never held"
        time.sleep(0.2)


def test_paper_out_is_on_the_dashboard_within_10_s_and_clears_when_paper_is_back(
    server, kiosk_factory, chromium, artifacts_dir
):
    base = server.base_url
    token = httpx.post(base + "/api/v1/auth/token", data={"username": "lanhdao", "password": DEMO_PASSWORD}).json()
    staff = {"Authorization": f"Bearer {token['access_token']}"}
    with FakeNetworkPrinter() as printer:
        kiosk = kiosk_factory(base, printer_url=printer.url, printer_check_s=1, idle_timeout_s=600)
        kiosk.wait_state("printer_fault", lambda f: f == "")
        # Its heartbeat: the app and its version, the printer as its status reads.
        view = _until(lambda: (v := _fleet_kiosk(base, staff))["hardware"]["printer"] == "ok" and v, 20)
        assert view["online"] and view["app_version"].startswith("kiosk ") and view["problems"] == []

        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base + "/dashboard")
        page.fill("#username", "lanhdao")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("tr[data-service=HOTICH] .waiting")
        assert page.query_selector("#alerts li[data-kind=paper_out]") is None

        printer.paper_out = True  # the roll runs out
        started = time.monotonic()
        page.wait_for_selector("#alerts li[data-kind=paper_out]", timeout=10_000)
        took = time.monotonic() - started
        assert took < 10, took
        assert "máy in hết giấy" in page.inner_text("#alerts li[data-kind=paper_out]")
        page.screenshot(path=str(artifacts_dir / "dashboard-paper-out.png"))
        assert _fleet_kiosk(base, staff)["problems"] == ["printer.paper_out"]

        printer.paper_out = False  # a new roll: the kiosk notices and the alert goes by itself
        page.wait_for_selector("#alerts li[data-kind=paper_out]", state="detached", timeout=15_000)
        assert _until(lambda: _fleet_kiosk(base, staff)["hardware"]["printer"] == "ok", 10)
        page.close()
    print(f"paper out → dashboard alert: {took:.2f} s")
