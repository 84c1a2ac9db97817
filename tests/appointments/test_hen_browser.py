"""The phone page /hen (390×844, real Chromium, real server): a visitor books Chứng thực for
tomorrow and gets the booking code and its QR; the server's refusals (a name too short, the slot
just taken by someone else, a second booking of the same phone that day, a wrong phone) appear beside the field
with what was typed kept; the booking is then moved to another day and cancelled by code and phone."""

from datetime import timedelta

import httpx
import pytest

from tests.displays.browser import DemoApi, screenshot, wait_text

pytestmark = pytest.mark.slow

PHONE = "0912345678"


def open_phone(chromium, url: str):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="vi-VN")  # fmt: skip
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.__hen && window.__hen.ready", timeout=30000)
    return page


def choose(page, box: str, text: str) -> None:
    page.locator(f"#{box} button", has_text=text).first.tap()


def day_bookings(api: DemoApi, centre_id: int, day) -> dict[str, dict]:
    return {b["code"]: b for b in api.get(f"/centres/{centre_id}/appointments?day={day.isoformat()}")}


def test_hen_books_refuses_moves_and_cancels_on_a_phone(demo_server, chromium, artifacts_dir, clock):
    api = DemoApi(demo_server.base_url)
    service = api.services["CHUNGTHUC"]
    body = {"booking_enabled": True, "slot_minutes": 30, "slot_capacity": 1, "days_ahead": 7}
    r = api.put(f"/services/{service['id']}/booking", body)  # one place a slot: a slot fills at once
    assert r.status_code == 200, r.text
    tomorrow = clock.today() + timedelta(days=1)  # the suite's Tuesday → Wednesday 11/03/2026
    phone = open_phone(chromium, demo_server.base_url + "/hen")
    assert "Chứng thực" in phone.inner_text("#services")

    choose(phone, "services", "Chứng thực")
    phone.wait_for_selector(f'#book-days button[data-day="{tomorrow.isoformat()}"]')
    assert "Thứ Tư, 11/03/2026" in phone.inner_text("#book-days")
    assert "14/03/2026" not in phone.inner_text("#book-days")  # Saturday: not offered
    choose(phone, "book-days", "11/03/2026")
    phone.wait_for_selector("#book-slots button")
    choose(phone, "book-slots", "07:30")
    phone.fill("#full-name", "B")  # too short: the server's field message, beside the name
    phone.fill("#phone", PHONE)
    phone.tap("#book-submit")
    wait_text(phone, "#full-name-error", "Cần ít nhất 2 ký tự")
    assert phone.input_value("#phone") == PHONE
    phone.fill("#full-name", "Nguyễn Thị Bình")
    assert phone.is_hidden("#full-name-error")  # typing again takes the refusal away
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    screenshot(phone, artifacts_dir, "hen-book.png", publish=True)

    # Someone else takes 07:30 meanwhile: the server's 409, beside the slots, with the form kept.
    first = phone.get_attribute('#book-slots button[aria-pressed="true"]', "data-start")
    other = {"service_id": service["id"], "start": first, "full_name": "Trần Văn Cường", "phone": "0987654321"}
    assert httpx.post(demo_server.base_url + "/api/v1/appointments", json=other).status_code == 201
    phone.tap("#book-submit")
    wait_text(phone, "#book-slot-error", "07:30 Thứ Tư, 11/03/2026 của dịch vụ Chứng thực đã hết chỗ")
    assert phone.input_value("#full-name") == "Nguyễn Thị Bình" and phone.input_value("#phone") == PHONE
    assert phone.locator("#book-slots button", has_text="07:30").is_disabled()  # shown afresh: full

    choose(phone, "book-slots", "08:00")
    phone.tap("#book-submit")
    phone.wait_for_selector("#booked:not([hidden])")
    code = phone.inner_text("#booked-code").strip()
    wait_text(phone, "#booked-when", "08:00–08:30, Thứ Tư, 11/03/2026")
    assert phone.inner_text("#booked-status") == "Đã đặt lịch" and phone.inner_text("#booked-phone") == "091****678"
    phone.wait_for_function("document.getElementById('booked-qr').naturalWidth > 0")  # the QR from /hen/qr/…
    assert phone.is_hidden("#book")  # the form gives way to the booking
    screenshot(phone, artifacts_dir, "hen-booked.png", publish=True)
    booked = day_bookings(api, service["centre_id"], tomorrow)[code]
    assert booked["status"] == "booked" and booked["full_name"] == "Nguyễn Thị Bình"
    assert booked["start"].startswith(f"{tomorrow.isoformat()}T08:00") or booked["start"].endswith("T01:00:00Z")

    # The same phone again that day: refused beside the phone field.
    phone.tap("#booked-again")
    choose(phone, "services", "Chứng thực")
    phone.wait_for_selector(f'#book-days button[data-day="{tomorrow.isoformat()}"]')
    choose(phone, "book-days", "11/03/2026")
    phone.wait_for_selector("#book-slots button")
    choose(phone, "book-slots", "09:00")
    phone.tap("#book-submit")
    wait_text(phone, "#phone-error", "Số điện thoại này đã có lịch hẹn dịch vụ Chứng thực trong Thứ Tư, 11/03/2026")
    assert phone.input_value("#phone") == PHONE

    # Đổi lịch: a wrong phone is refused beside the code; the right one finds it and moves it.
    phone.tap("#tab-manage")
    phone.fill("#manage-code", code.lower())
    phone.fill("#manage-phone", "0900000000")
    phone.tap("#manage-find")
    wait_text(phone, "#manage-code-error", "Không tìm thấy lịch hẹn")
    phone.fill("#manage-phone", "0912 345 678")
    phone.tap("#manage-find")
    wait_text(phone, "#booked-code", code)
    phone.tap("#show-reschedule")
    day_after = tomorrow + timedelta(days=1)
    phone.wait_for_selector(f'#move-days button[data-day="{day_after.isoformat()}"]')
    choose(phone, "move-days", day_after.strftime("%d/%m/%Y"))
    phone.wait_for_selector("#move-slots button")
    choose(phone, "move-slots", "09:30")
    phone.tap("#move-submit")
    wait_text(phone, "#booked-title", "Đã đổi lịch hẹn")
    wait_text(phone, "#booked-when", f"09:30–10:00, Thứ Năm, {day_after:%d/%m/%Y}")
    assert code not in day_bookings(api, service["centre_id"], tomorrow)
    assert day_bookings(api, service["centre_id"], day_after)[code]["status"] == "booked"

    # Hủy lịch: a second tap confirms.
    phone.tap("#cancel-booking")
    wait_text(phone, "#cancel-booking", "Bấm lần nữa")
    phone.tap("#cancel-booking")
    wait_text(phone, "#booked-title", "Đã hủy lịch hẹn")
    assert phone.inner_text("#booked-status") == "Đã hủy" and phone.is_hidden("#manage-actions")
    assert day_bookings(api, service["centre_id"], day_after)[code]["status"] == "cancelled"
    phone.context.close()
