"""First start of a rating tablet with no token (real Kivy under Xvfb, the image:// camera): it asks
for the device's enrolment QR, reads it, keeps server URL and token in its configuration file and
shows its counter — no restart, no typing."""

from __future__ import annotations

import json
import stat

import httpx
import pytest
import qrcode

from tests.server_process import running_server

pytestmark = pytest.mark.slow
PROMPT = "Máy đánh giá chưa được đăng ký: đưa mã QR đăng ký thiết bị (Quản trị › Thiết bị) trước camera."
NOT_ENROLMENT = "Đây không phải mã QR đăng ký thiết bị. Vui lòng đưa mã đăng ký trước camera."


def test_a_new_tablet_enrols_by_scanning_its_qr(tmp_path, start_tablet, artifacts_dir):
    with running_server(tmp_path / "server") as server:
        base = server.base_url
        token = httpx.post(base + "/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        counter = next(c for c in httpx.get(base + "/api/v1/counters", headers=admin).json() if c["number"] == 2)
        made = httpx.post(
            base + "/api/v1/devices",
            json={"kind": "tablet", "centre_id": server.demo["centre_id"], "counter_id": counter["id"]},
            headers=admin,
        ).json()

        camera = tmp_path / "camera.png"
        qrcode.make("000.00.14.H12-250115-0001").save(camera)  # a receipt's code is not an enrolment
        tablet = start_tablet("http://127.0.0.1:9", "", camera_url=f"image://{camera}")
        tablet.wait_until(lambda s: NOT_ENROLMENT in s["texts"], timeout=40, what="refused a code that is not ours")

        shown = tmp_path / "enrol.png"
        qrcode.make(made["enrolment_payload"]).save(shown)
        shown.replace(camera)
        state = tablet.wait_until(lambda s: s["counter_number"] == 2, timeout=60, what="its counter")
        assert PROMPT not in state["texts"] and NOT_ENROLMENT not in state["texts"]
        tablet.send("screenshot", path=str(artifacts_dir / "tablet-enrolled.png"))

        saved = json.loads(tablet.config_path.read_text(encoding="utf-8"))
        assert (saved["server_url"], saved["device_token"]) == (base, made["token"])
        assert stat.S_IMODE(tablet.config_path.stat().st_mode) == 0o600
        fleet = httpx.get(base + "/api/v1/fleet", headers=admin).json()
        mine = next(d for d in fleet if d["id"] == made["id"])
        assert mine["app_version"].startswith("tablet ")
