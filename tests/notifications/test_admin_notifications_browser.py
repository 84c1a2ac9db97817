"""/admin «Tin nhắn» in a real Chromium against a running server whose gateway answers 500: a
booking with consent → its confirmation tried, marked failed, and shown with the error."""

from __future__ import annotations

import httpx
import pytest

from tests.displays.browser import DEMO_PASSWORD, screenshot, wait_text
from tests.notifications.gateway import Gateway
from tests.server_process import running_server
from tests.web.test_admin_browser import sign_in, wait_ready

pytestmark = pytest.mark.slow


def test_a_failed_message_is_shown_in_admin(tmp_path, chromium, artifacts_dir):
    gateway = Gateway()
    gateway.status = 500
    env = {"MOTCUA_NOTIFY_URL": gateway.url, "MOTCUA_NOTIFY_POLL_INTERVAL_S": "0.2", "MOTCUA_NOTIFY_MAX_ATTEMPTS": "1"}
    try:
        with running_server(tmp_path / "server", extra_env=env) as server:
            api = httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=20)
            token = api.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()[
                "access_token"
            ]
            admin = {"Authorization": f"Bearer {token}"}
            services = api.get("/services", headers=admin).json()
            service = services[0]
            r = api.put(f"/services/{service['id']}/booking", json={"booking_enabled": True}, headers=admin)
            assert r.status_code == 200, r.text
            start = api.get(f"/appointments/slots?service_id={service['id']}&date=2026-03-11").json()[0]["start"]
            r = api.post(
                "/appointments",
                json={
                    "service_id": service["id"],
                    "start": start,
                    "full_name": "Lê Văn Cường",
                    "phone": "0911222333",
                    "notify": True,
                },
            )
            assert r.status_code == 201, r.text
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
            assert "500" in table and r.json()["code"] in table
            assert len(gateway.messages()) == 1
            screenshot(page, artifacts_dir, "admin-notifications.png", publish=True)
            page.close()
    finally:
        gateway.close()
