"""«Đã đặt lịch hẹn» on the real kiosk window against a real server (issue 20): a visitor who booked
on /hen shows the booking's QR to the camera, or types its code, and gets a ticket marked «Đặt hẹn»;
too early, the server's Vietnamese refusal; late, a walk-in's ticket and the kiosk says so. Rules: docs/queue-policy.md, *Booked visitors*.

Bookings start tomorrow, so they are made on the suite's Tuesday and the clock then moves to
Wednesday 08:50 — inside the 09:00 booking's window, 55 minutes before the 10:00 one's — where
the server is restarted and the kiosks started; then to 10:20, past the 10:00 booking's grace time.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import qrcode
from PIL import Image
from pyzbar.pyzbar import decode as zbar_decode

from queue_server.timeutil import VN_TZ
from tests.server_process import running_server

pytestmark = pytest.mark.slow


def staff_client(base_url: str) -> httpx.Client:
    token = httpx.post(base_url + "/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"}).json()[
        "access_token"
    ]
    return httpx.Client(base_url=base_url + "/api/v1", headers={"Authorization": f"Bearer {token}"})


def book(base_url: str, service_id: int, start: str, phone: str) -> dict:
    r = httpx.post(
        base_url + "/api/v1/appointments",
        json={"service_id": service_id, "start": start, "full_name": "Lê Thị Hồng", "phone": phone},
    )
    assert r.status_code == 201, r.text
    return r.json()


def phone_screen_photo(path: Path, url: str) -> Path:
    """The booking's QR as /hen shows it, held up on a phone: dark bezel, white screen, the code."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    code = qr.make_image().get_image().convert("RGB")
    screen = Image.new("RGB", (code.width + 80, code.height + 260), (255, 255, 255))
    screen.paste(code, (40, 130))
    phone = Image.new("RGB", (screen.width + 40, screen.height + 80), (25, 25, 30))
    phone.paste(screen, (20, 40))
    photo = Image.new("RGB", (1280, 960), (120, 110, 100))
    photo.paste(phone, ((photo.width - phone.width) // 2, (photo.height - phone.height) // 2))
    photo.save(path)
    return path


def test_booked_visitor_checks_in_at_the_kiosk(clock, kiosk_factory, artifacts_dir, tmp_path):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()  # the suite's Tuesday → Wednesday
    with running_server(tmp_path / "server") as server:
        with staff_client(server.base_url) as staff:
            service = next(s for s in staff.get("/services").raise_for_status().json() if s["name"] == "Hộ tịch")
            r = staff.put(
                f"/services/{service['id']}/booking",
                json={"booking_enabled": True, "slot_minutes": 15, "slot_capacity": 2},
            )
            assert r.status_code == 200, r.text
        on_time = book(server.base_url, service["id"], f"{tomorrow}T09:00:00+07:00", "0912345678")
        early = book(server.base_url, service["id"], f"{tomorrow}T10:00:00+07:00", "0987654321")
        assert urlsplit(on_time["qr_url"]).path.startswith("/h/")

        clock.set(datetime.fromisoformat(f"{tomorrow}T08:50:00+07:00").astimezone(VN_TZ))
        server.stop()
        server.start()

        # The QR of the 09:00 booking, from the phone, in front of the camera.
        photo = phone_screen_photo(tmp_path / "phone.png", on_time["qr_url"])
        kiosk = kiosk_factory(server.base_url, camera_url=f"image://{photo}", idle_timeout_s=600)
        kiosk.wait_state("camera", bool)
        kiosk.tap("Đã đặt lịch hẹn")
        kiosk.wait_for("Xác nhận lịch hẹn")
        state = kiosk.wait_state("ticket_note", lambda note: note == "Vui lòng nhận phiếu ở khe máy in.", timeout=20)
        number = state["ticket"]
        texts = kiosk.texts()
        assert kiosk.state()["screen"] == "ticket"
        assert {"Số thứ tự của bạn", number, "Hộ tịch", "Đặt hẹn"} <= set(texts), texts
        assert state["message"] == (
            f"Đã xác nhận lịch hẹn 09:00. Số {number} được ưu tiên gọi trước người không đặt lịch."
        )
        kiosk.screenshot(artifacts_dir, "checkin", docs=True)

        # The printed ticket's QR is the ticket's own page; the server holds it as the booking's ticket.
        printed = sorted((tmp_path / "printer").glob("*.png"))
        assert len(printed) == 1
        urls = [r.data.decode() for r in zbar_decode(Image.open(printed[0]))]
        assert len(urls) == 1 and urls[0].startswith(server.base_url + "/t/")
        held = httpx.get(f"{server.base_url}/api/v1/tickets/track/{urlsplit(urls[0]).path.rsplit('/', 1)[1]}").json()
        assert held["display_number"] == number and held["state"] == "waiting"
        with staff_client(server.base_url) as staff:
            centre_id = service["centre_id"]
            bookings = {
                b["code"]: b for b in staff.get(f"/centres/{centre_id}/appointments", params={"day": tomorrow}).json()
            }
        assert bookings[on_time["code"]]["status"] == "checked_in"
        assert bookings[on_time["code"]]["ticket_id"] == held["id"]
        assert bookings[on_time["code"]]["checked_in_late"] is False
        assert bookings[early["code"]]["status"] == "booked"
        with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
            assert db.execute("SELECT source FROM tickets WHERE id = ?", (held["id"],)).fetchone() == ("appointment",)
        kiosk.tap("Xong")
        kiosk.wait_for("Đã đặt lịch hẹn")
        kiosk.close()

        # Typed at a kiosk without a camera: the 10:00 booking is refused until 09:45, in Vietnamese;
        # the 09:00 one's code typed again gives the same ticket.
        typed = kiosk_factory(server.base_url, idle_timeout_s=600)
        typed.tap("Đã đặt lịch hẹn")
        assert "Kiosk không có camera. Vui lòng nhập mã lịch hẹn." in typed.wait_for("Mã lịch hẹn")
        typed.tap("Mã lịch hẹn")
        typed.type("abc")
        typed.tap("Xác nhận")
        typed.wait_state("message", lambda m: m.startswith("Mã lịch hẹn gồm 8 chữ cái và chữ số"))
        typed.tap("Xóa hết")
        typed.type(early["code"].lower())
        typed.tap("Xác nhận")
        refusal = "Lịch hẹn của bạn lúc 10:00. Mời quay lại xác nhận từ 09:45."
        typed.wait_state("message", lambda m: m == refusal)
        assert typed.state()["screen"] == "checkin" and refusal in typed.texts()
        typed.screenshot(artifacts_dir, "checkin-too-early")
        typed.tap("Xóa hết")
        typed.type(on_time["code"][:4] + "-" + on_time["code"][4:])
        typed.tap("Xác nhận")
        again = typed.wait_state("ticket", lambda n: n == number, timeout=20)
        assert again["message"].startswith(f"Đã xác nhận lịch hẹn 09:00. Số {number}")
        assert "Đặt hẹn" in typed.texts()
        typed.close()

        # At 10:20 the 10:00 booking is past its grace time: a walk-in's ticket, no mark, and the kiosk says so.
        clock.set(datetime.fromisoformat(f"{tomorrow}T10:20:00+07:00").astimezone(VN_TZ))
        server.stop()
        server.start()
        late = kiosk_factory(server.base_url, idle_timeout_s=600)
        late.tap("Đã đặt lịch hẹn")
        late.tap("Mã lịch hẹn")
        late.type(early["code"])
        late.tap("Xác nhận")
        shown = late.wait_state("ticket", bool, timeout=20)
        assert shown["ticket"] != number
        assert shown["message"] == (
            f"Bạn đến muộn hơn 15 phút so với giờ hẹn 10:00: số {shown['ticket']} được xếp như người đến trực tiếp."
        )
        assert "Đặt hẹn" not in late.texts()
