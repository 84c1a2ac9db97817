"""/admin «Tin nhắn» in a real Chromium against a running server: with a gateway answering 500, a
booking's confirmation is tried, marked failed, and shown with the error; an administrator edits
the confirmation's text (a bad placeholder refused with the server's message first), and the next
booking's confirmation is sent with the new text."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.displays.browser import DEMO_PASSWORD, screenshot, wait_text
from tests.notifications.gateway import Gateway
from tests.server_process import running_server
from tests.web.test_admin_browser import sign_in, wait_ready

pytestmark = pytest.mark.slow


def _book(server, phone: str, slot: int = 0) -> dict:
    """Open the demo's first service for booking (as the admin) and book tomorrow's slot with consent."""
    api = httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=20)
    token = api.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    service = api.get("/services", headers=admin).json()[0]
    r = api.put(f"/services/{service['id']}/booking", json={"booking_enabled": True}, headers=admin)
    assert r.status_code == 200, r.text
    start = api.get(f"/appointments/slots?service_id={service['id']}&date=2026-03-11").json()[slot]["start"]
    body = {"service_id": service["id"], "start": start, "full_name": "Lê Văn Cường", "phone": phone, "notify": True}
    r = api.post("/appointments", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_failed_message_is_shown_in_admin(tmp_path, chromium, artifacts_dir):
    gateway = Gateway()
    gateway.status = 500
    env = {"MOTCUA_NOTIFY_URL": gateway.url, "MOTCUA_NOTIFY_POLL_INTERVAL_S": "0.2", "MOTCUA_NOTIFY_MAX_ATTEMPTS": "1"}
    try:
        with running_server(tmp_path / "server", extra_env=env) as server:
            booking = _book(server, "0911222333")
            page = sign_in(chromium, server.base_url, "admin", "#notifications")
            wait_ready(page)
            page.wait_for_selector("#ntf-table tr[data-notification]")
            for _ in range(50):  # the sender tries within a poll or two
                if "gửi lỗi" in page.inner_text("#ntf-table"):
                    break
                page.wait_for_timeout(200)
                page.click('#nav a[data-page="notifications"]')
                page.wait_for_selector("#ntf-table tr[data-notification]")
            wait_text(page, "#ntf-table", "gửi lỗi")
            table = page.inner_text("#ntf-table")
            assert "Xác nhận lịch hẹn" in table and "*******333" in table and "0911222333" not in table
            assert "500" in table and booking["code"] in table
            assert len(gateway.messages()) == 1
            screenshot(page, artifacts_dir, "admin-notifications.png", publish=True)
            page.close()
    finally:
        gateway.close()


def test_an_edited_template_is_used_for_the_next_confirmation(tmp_path, chromium, artifacts_dir):
    gateway = Gateway()
    env = {"MOTCUA_NOTIFY_URL": gateway.url, "MOTCUA_NOTIFY_POLL_INTERVAL_S": "0.2"}
    try:
        with running_server(tmp_path / "server", extra_env=env) as server:
            page = sign_in(chromium, server.base_url, "admin", "#notifications")
            wait_ready(page)
            page.wait_for_selector('#tpl-table tr[data-template="booking_confirmed"]')
            assert "mặc định" in page.inner_text('#tpl-table tr[data-template="booking_confirmed"]')
            page.click('[data-template-edit="booking_confirmed"]')
            text = page.locator("#tpl-form textarea")
            text.fill("Hẹn {code} lúc {time} {date}, quầy {counter}.")  # {counter} is not this message's
            page.click('#tpl-form button[type="submit"]')
            wait_text(page, "#tpl-form .form-message", "{counter}")
            text.fill("TTHCC: lịch hẹn {code} ({service}) lúc {time}, {date}. Mang theo CCCD.")
            page.click('#tpl-form button[type="submit"]')
            wait_text(page, '#tpl-table tr[data-template="booking_confirmed"]', "đã sửa")
            assert "Mang theo CCCD" in page.inner_text('#tpl-table tr[data-template="booking_confirmed"]')
            screenshot(page, artifacts_dir, "admin-notification-templates.png")
            booking = _book(server, "0911444555")
            deadline = time.monotonic() + 20
            while not gateway.messages() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert gateway.messages() == [  # 07:30: the demo service's first slot
                (
                    "0911444555",
                    f"TTHCC: lịch hẹn {booking['code']} (Hộ tịch) lúc 07:30, Thứ Tư, 11/03/2026. Mang theo CCCD.",
                )
            ]
            page.click('[data-template-edit="booking_confirmed"]')
            page.click("#tpl-form .tpl-default")
            wait_text(page, '#tpl-table tr[data-template="booking_confirmed"]', "mặc định")
            page.close()
    finally:
        gateway.close()
