"""«Lấy số từ xa» on the phone page /hen (390×844, real Chromium, real server): a visitor takes a
number for Hộ tịch and sees it, its place, the link to its ticket page and the absence rule; the
same phone again that day and a phone past the hour's cap are refused in the server's words, with
what was typed kept. (The rule itself — called twice without arrival → «Vắng mặt» — is tested at the
API in test_remote_numbers.py.)"""

import httpx
import pytest

from tests.appointments.test_hen_browser import choose, open_phone
from tests.displays.browser import DemoApi, screenshot, wait_text

pytestmark = pytest.mark.slow

PHONE = "0912345678"


def test_hen_takes_a_remote_number_and_shows_the_refusals(demo_server, chromium, artifacts_dir):
    api = DemoApi(demo_server.base_url)
    service = api.services["HOTICH"]
    r = api.put(f"/services/{service['id']}/booking", {"remote_enabled": True, "remote_per_hour": 2})
    assert r.status_code == 200, r.text
    phone = open_phone(chromium, demo_server.base_url + "/hen")
    assert phone.is_visible("#tab-remote")
    phone.tap("#tab-remote")
    assert phone.is_hidden("#book") and phone.is_visible("#remote")
    assert "Chứng thực" not in phone.inner_text("#remote-services")  # no numbers from the phone there

    phone.fill("#remote-phone", PHONE)
    phone.tap("#remote-submit")  # no service chosen yet
    wait_text(phone, "#remote-service-error", "Vui lòng chọn dịch vụ.")
    choose(phone, "remote-services", "Hộ tịch")
    phone.tap("#remote-submit")
    phone.wait_for_selector("#remote-taken:not([hidden])")
    number = phone.inner_text("#remote-number").strip()
    assert number.startswith("A") and phone.inner_text("#remote-service") == "Hộ tịch"
    assert "người trước bạn" in phone.inner_text("#remote-ahead") or "Không còn ai" in phone.inner_text("#remote-ahead")
    wait_text(phone, "#remote-rule", "Nếu được gọi hai lần mà bạn chưa có mặt tại quầy")
    assert "danh sách vắng mặt" in phone.inner_text("#remote-rule")
    track = phone.get_attribute("#remote-track", "href")
    assert track.startswith(demo_server.base_url + "/t/")
    assert phone.is_hidden("#remote")  # the form gives way to the number
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, artifacts_dir, "hen-remote.png", publish=True)
    ticket = httpx.get(demo_server.base_url + "/t/" + track.rsplit("/", 1)[1])  # the ticket page the link opens
    assert ticket.status_code == 200

    # The same phone again today: the server's refusal beside the phone, the number kept.
    phone.tap("#remote-again")
    choose(phone, "remote-services", "Hộ tịch")
    phone.tap("#remote-submit")
    wait_text(phone, "#remote-phone-error", "Số điện thoại này đã lấy số từ xa cho dịch vụ Hộ tịch hôm nay")
    assert phone.input_value("#remote-phone") == PHONE

    # Someone else takes the hour's second number; the next phone is refused: the cap.
    other = {"service_id": service["id"], "phone": "0987654321"}
    assert httpx.post(demo_server.base_url + "/api/v1/appointments/remote-ticket", json=other).status_code == 201
    phone.fill("#remote-phone", "0911111111")
    assert phone.is_hidden("#remote-phone-error")  # typing again takes the refusal away
    phone.tap("#remote-submit")
    wait_text(phone, "#remote-error", "Dịch vụ Hộ tịch đã hết lượt lấy số từ xa trong khung")
    assert "lấy số tại máy ở trung tâm" in phone.inner_text("#remote-error")
    assert phone.is_hidden("#remote-taken")
    phone.context.close()
