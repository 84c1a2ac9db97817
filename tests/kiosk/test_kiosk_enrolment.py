"""First start of a kiosk with no token (real Kivy under Xvfb, the image:// camera): it asks for the
device's enrolment QR, reads it, writes server URL and token into its configuration file and
serves visitors — no restart, no typing."""

from __future__ import annotations

import json
import stat

import httpx
import pytest
import qrcode

from tests.displays.browser import DEMO_PASSWORD

pytestmark = pytest.mark.slow

ENROL_PROMPT = "Kiosk chưa được đăng ký: đưa mã QR đăng ký thiết bị (Quản trị › Thiết bị) trước camera."
NOT_ENROLMENT = "Đây không phải mã QR đăng ký thiết bị. Vui lòng đưa mã đăng ký trước camera."


def test_a_new_kiosk_enrols_by_scanning_its_qr(server, kiosk_factory, tmp_path, artifacts_dir):
    base = server.base_url
    token = httpx.post(base + "/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    centre = server.demo["centre_id"]
    made = httpx.post(
        base + "/api/v1/devices", json={"kind": "kiosk", "centre_id": centre, "name": "Kiosk tầng 2"}, headers=admin
    ).json()

    camera = tmp_path / "camera.png"
    qrcode.make(f"{base}/t/AbCdEfGhIjKlMnOp").save(camera)  # someone shows a ticket first
    kiosk = kiosk_factory(
        "http://127.0.0.1:9", device_token="", camera_url=f"image://{camera}", wait_for_services=False
    )
    kiosk.wait_state("fault", lambda f: f == NOT_ENROLMENT, timeout=40)
    assert not kiosk.state()["services"]

    # The admin holds up the enrolment QR the server gave for the new device.
    shown = tmp_path / "enrol.png"
    qrcode.make(made["enrolment_payload"]).save(shown)
    shown.replace(camera)
    state = kiosk.wait_state("services", lambda n: n and n > 0, timeout=60)
    assert state["fault"] == "" and "Lấy số thứ tự" in state["texts"]
    kiosk.screenshot(artifacts_dir, "enrolled")

    saved = json.loads(kiosk.config_path.read_text(encoding="utf-8"))
    assert saved["server_url"] == base and saved["device_token"] == made["token"]
    assert saved["camera_url"] == f"image://{camera}"  # the other settings kept
    assert stat.S_IMODE(kiosk.config_path.stat().st_mode) == 0o600
    # The server knows it now: seen, with its version, as the new device.
    fleet = httpx.get(base + "/api/v1/fleet", headers=admin).json()
    mine = next(d for d in fleet if d["id"] == made["id"])
    assert mine["online"] and mine["app_version"].startswith("kiosk ")
