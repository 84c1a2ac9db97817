"""Revoking a board's device in a real Chromium: the board says so within 5 s and stops showing the queue."""

import time

import httpx
import pytest

from tests.displays.browser import DemoApi, open_board, screenshot, wait_text

pytestmark = pytest.mark.slow

REVOKED = "Thiết bị đã bị thu hồi."


def test_a_revoked_board_says_so_within_five_seconds_and_forgets_its_token(demo_server, chromium, artifacts_dir):
    base = demo_server.base_url
    api = DemoApi(base)
    centre = api.counters[1]["centre_id"]
    r = api.post("/devices", {"kind": "display", "centre_id": centre, "name": "Bảng sảnh phụ"})
    assert r.status_code == 201, r.text
    board = r.json()
    page = open_board(chromium, base, "/displays/hall", board["token"])
    try:
        api.issue("HOTICH")
        wait_text(page, "#waiting", "Hộ tịch")
        # Its heartbeat: in the fleet, online, with the board script's and the browser's versions.
        deadline = time.monotonic() + 20
        while True:
            mine = next(d for d in api.get("/fleet") if d["id"] == board["id"])
            if mine["app_version"] or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert mine["online"] and mine["app_version"].startswith("board 1 · Chromium ")

        started = time.monotonic()
        assert api.post(f"/devices/{board['id']}/revoke").status_code == 200
        page.wait_for_selector("#revoked", timeout=5000)
        took = time.monotonic() - started
        assert took < 5.0
        text = page.inner_text("body")
        assert REVOKED in text and "Hộ tịch" not in text  # the queue is no longer shown
        assert page.evaluate("localStorage.getItem('motcua.board.token')") is None
        screenshot(page, artifacts_dir, "board-revoked.png")

        # Nothing reconnects behind the message, and reloading the page does not bring the board back.
        page.wait_for_timeout(1500)
        assert page.evaluate("window.__board.stream.online") is False
        page.goto(f"{base}/displays/hall?token={board['token']}")
        page.wait_for_selector("#revoked", timeout=15000)
        assert REVOKED in page.inner_text("#revoked")
    finally:
        page.close()
    # The revoked token opens nothing on the server either.
    me = httpx.get(base + "/api/v1/devices/me", headers={"Authorization": f"Bearer {board['token']}"})
    assert me.status_code == 401 and me.json()["error"]["code"] == "device_revoked"
