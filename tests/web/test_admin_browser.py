"""/admin in a real Chromium against a running server: an administrator sets up a service with
weekday hours and a counter serving it, and kiosks and the hall board have them without a
restart; the server's own messages show beside the field and nothing typed is lost; managers
read without editing; clerks are turned away."""

import re
import time

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.displays.browser import DEMO_PASSWORD, HALL_TOKEN, open_board, screenshot, wait_text

pytestmark = pytest.mark.slow
KIOSK_TOKEN = "mdv_demo-kiosk-1"


def sign_in(browser, base_url: str, username: str, page_hash: str = ""):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="vi-VN")
    page.goto(f"{base_url}/admin{page_hash}")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    return page


def wait_ready(page):
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=30000)


def poll(check, timeout: float = 15.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def kiosk_services(base_url: str) -> dict:
    r = httpx.get(f"{base_url}/api/v1/services", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
    r.raise_for_status()
    return {s["code"]: s for s in r.json()}


def test_admin_sets_up_a_service_and_counter_that_kiosks_and_boards_get_at_once(demo_server, chromium, artifacts_dir):
    base = demo_server.base_url
    board = open_board(chromium, base, "/displays/hall", HALL_TOKEN)
    connects_before = board.evaluate("window.__board.stream.connects")
    page = sign_in(chromium, base, "admin", "#services")
    wait_ready(page)

    page.click("#svc-new")
    page.fill("#f-code", "NUOICON")
    page.fill("#f-name", "Nuôi con nuôi")
    page.fill("#f-name_en", "Adoption")
    page.fill("#f-prefix", "K")
    page.fill("#f-daily_cap", "120")
    page.fill("#f-notice", "Mang theo CCCD gắn chip.")
    page.click(".hours-weekdays")  # Monday–Friday, two windows a day
    page.click(".hours-add")  # and a Saturday morning window typed the wrong way round
    last = page.locator(".hours-row").last
    last.locator('[name="weekday"]').select_option("5")
    last.locator('[name="start"]').fill("11:30")
    last.locator('[name="end"]').fill("07:30")
    page.click(".edit-form button[type=submit]")
    wait_text(page, '[data-error-for="hours.10"]', "giờ kết thúc phải sau giờ bắt đầu")
    assert "invalid" in (last.locator('[name="end"]').get_attribute("class") or "")
    screenshot(page, artifacts_dir, "admin-service-bad-hours.png", publish=True)
    # nothing typed is lost
    assert page.input_value("#f-code") == "NUOICON" and page.input_value("#f-name") == "Nuôi con nuôi"
    assert page.input_value("#f-notice") == "Mang theo CCCD gắn chip."
    assert page.locator(".hours-row").count() == 11
    assert "NUOICON" not in kiosk_services(base)

    last.locator('[name="start"]').fill("07:30")
    last.locator('[name="end"]').fill("11:30")
    page.click(".edit-form button[type=submit]")
    page.wait_for_selector('#svc-table tr[data-service="NUOICON"]')
    screenshot(page, artifacts_dir, "admin-services.png", publish=True)
    service = kiosk_services(base)["NUOICON"]  # the kiosks' own API lists it at once
    assert service["prefix"] == "K" and service["daily_cap"] == 120 and service["notice"] == "Mang theo CCCD gắn chip."
    assert sorted((h["weekday"], h["start"], h["end"]) for h in service["hours"])[:3] == [
        (0, "07:30:00", "11:30:00"),
        (0, "13:30:00", "17:00:00"),
        (1, "07:30:00", "11:30:00"),
    ]
    assert (5, "07:30:00", "11:30:00") in [(h["weekday"], h["start"], h["end"]) for h in service["hours"]]
    # the board took a fresh snapshot: the new service is in its waiting list, without a reload
    board.wait_for_selector(f'#waiting [data-service="{service["id"]}"]', timeout=15000)

    page.click('#nav a[data-page="counters"]')
    page.wait_for_selector("#ctr-new")
    page.click("#ctr-new")
    page.fill("#f-number", "21")
    page.fill("#f-name", "Quầy Nuôi con nuôi")
    page.click(".svc-add")
    page.locator('.svc-row [name="service_id"]').select_option(str(service["id"]))
    page.click(".edit-form button[type=submit]")
    page.wait_for_selector('#ctr-table tr[data-counter="21"]')
    page.click('#ctr-table tr[data-counter="21"] button[data-action="open"]')
    wait_text(page, '#ctr-table tr[data-counter="21"]', "Mở")
    screenshot(page, artifacts_dir, "admin-counters.png", publish=True)
    board.wait_for_selector('#counters [data-counter="21"]', timeout=15000)
    assert board.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    assert board.evaluate("window.__board.stream.connects") > connects_before  # it resynchronised instead
    screenshot(board, artifacts_dir, "admin-hall-board-new-counter.png")

    # the change is in the audit log, with who made it
    page.click('#nav a[data-page="audit"]')
    page.wait_for_selector("#audit-table tr[data-entry]")
    wait_text(page, "#audit-table", "NUOICON Nuôi con nuôi")
    screenshot(page, artifacts_dir, "admin-audit.png", publish=True)
    page.close()
    board.close()


def test_server_messages_show_beside_their_fields(demo_server, chromium, artifacts_dir):
    page = sign_in(chromium, demo_server.base_url, "admin", "#centres")
    wait_ready(page)
    screenshot(page, artifacts_dir, "admin-centres.png", publish=True)
    # the texts: the call boards speak, and the line at the foot of every ticket
    page.fill("#centre-call_template", "Mời công dân đến quầy số {counter}")
    page.fill("#centre-ticket_note", "Vui lòng giữ phiếu và theo dõi màn hình gọi số.")
    page.click("#centre-form button[type=submit]")
    wait_text(page, '#centre-form [data-error-for="call_template"]', "câu mời phải có {number}")
    assert page.input_value("#centre-ticket_note") == "Vui lòng giữ phiếu và theo dõi màn hình gọi số."
    page.fill("#centre-call_template", "Xin mời công dân có số {number} đến quầy {counter}")
    page.click("#centre-form button[type=submit]")
    page.wait_for_selector(".saved-message")
    snap = httpx.get(
        f"{demo_server.base_url}/api/v1/centres/1/snapshot", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}
    ).json()
    assert snap["centre"]["ticket_note"] == "Vui lòng giữ phiếu và theo dõi màn hình gọi số."
    page.wait_for_selector("#agency-new")
    page.click("#agency-new")
    page.fill("#f-identifier", "12345")
    page.fill("#f-name", "Sở Nội vụ")
    page.fill("#f-phone", "gọi tôi")
    page.fill("#f-email", "noivu@")
    page.click("#agency-form button[type=submit]")
    wait_text(page, '#agency-form [data-error-for="identifier"]', "mã định danh cơ quan phải có dạng")
    wait_text(page, '#agency-form [data-error-for="phone"]', "số điện thoại không hợp lệ")
    wait_text(page, '#agency-form [data-error-for="email"]', "địa chỉ thư điện tử không hợp lệ")
    assert page.input_value("#f-name") == "Sở Nội vụ"
    screenshot(page, artifacts_dir, "admin-agency-errors.png", publish=True)
    page.fill("#f-identifier", "000.00.22.H12")
    page.fill("#f-phone", "0274 3822 111")
    page.fill("#f-email", "noivu@binhduong.gov.vn")
    page.click("#agency-form button[type=submit]")
    page.wait_for_selector('#agency-table tr[data-agency="000.00.22.H12"]')

    for name, shot in (
        ("users", "admin-users.png"),
        ("devices", "admin-devices.png"),
        ("catalogue", "admin-catalogue.png"),
        ("criteria", "admin-criteria.png"),
    ):
        page.click(f'#nav a[data-page="{name}"]')
        page.wait_for_function(f"document.getElementById('page').dataset.page === '{name}'", timeout=15000)
        screenshot(page, artifacts_dir, shot, publish=True)

    # a whole field of the catalogue routed to another queue
    page.click('#nav a[data-page="catalogue"]')
    page.wait_for_selector("#field-table .field-service")
    page.locator("#field-table .field-service").first.select_option("CHUNGTHUC")
    wait_text(page, "#map-result", "thủ tục được tiếp nhận tại CHUNGTHUC")

    # a device registered here: its token is shown once
    page.click('#nav a[data-page="devices"]')
    page.wait_for_selector("#dev-new")
    page.click("#dev-new")
    page.locator("#f-kind").select_option("display")
    page.fill("#f-name", "Màn hình tầng 2")
    page.click("#dev-form button[type=submit]")
    page.wait_for_selector("#once-dialog[open]")
    token = page.inner_text("#once-value")
    assert token.startswith("mdv_")
    # the enrolment QR beside it reads back as the server's address and this token
    qr_png = artifacts_dir / "admin-enrolment-qr.png"
    page.locator("#once-extra img.enrol-qr").screenshot(path=str(qr_png))
    [read] = zxingcpp.read_barcodes(Image.open(qr_png))
    assert read.text.startswith("motcua://enrol?v=1&") and f"token={token}" in read.text
    screenshot(page, artifacts_dir, "admin-device-enrolment.png", publish=True)
    page.click("#once-close")
    r = httpx.get(f"{demo_server.base_url}/api/v1/devices/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["name"] == "Màn hình tầng 2"
    device_id = r.json()["id"]
    # the fleet list: a device that has not yet reported is shown as out of contact …
    wait_text(page, f'#dev-table tr[data-device="{device_id}"]', "mất liên lạc")
    # … and revoking it from here takes effect at once
    page.once("dialog", lambda d: d.accept())
    page.click(f'#dev-table tr[data-device="{device_id}"] .revoke')
    wait_text(page, f'#dev-table tr[data-device="{device_id}"]', "đã thu hồi")
    r = httpx.get(f"{demo_server.base_url}/api/v1/devices/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    page.close()


def test_a_manager_reads_without_editing_and_a_clerk_cannot_open_it(demo_server, chromium, artifacts_dir):
    page = sign_in(chromium, demo_server.base_url, "lanhdao", "#services")
    wait_ready(page)
    assert page.is_visible("#readonly-note")
    assert page.locator("#svc-new").count() == 0
    assert not page.is_visible('#nav a[data-page="users"]')
    page.click('#nav a[data-page="devices"]')
    page.wait_for_selector("#dev-table tr[data-device]")  # the fleet: read only
    assert page.locator("#dev-new").count() == 0 and page.locator("#dev-table .revoke").count() == 0
    page.click('#nav a[data-page="services"]')
    page.wait_for_selector("#svc-table .edit")
    page.locator("#svc-table .edit").first.click()
    assert page.locator(".edit-form fieldset[disabled]").count() == 1  # the form shows, every input disabled
    assert page.locator(".edit-form input:enabled").count() == 0
    screenshot(page, artifacts_dir, "admin-manager-readonly.png", publish=True)
    page.close()

    page = sign_in(chromium, demo_server.base_url, "canbo01")
    wait_text(page, "#login-message", "Chỉ lãnh đạo và quản trị viên được xem trang này.")
    assert page.is_hidden("#app")
    page.close()


def test_admin_keeps_the_working_calendar_and_kiosks_follow_it(demo_server, chromium, artifacts_dir):
    """The suite's clock stands on Tuesday 10/03/2026: the page opens on 2026 with Tết listed; a
    day off of the centre's own, and a change of hours announced ahead, reach the kiosks' API."""
    base = demo_server.base_url
    page = sign_in(chromium, base, "admin", "#calendar")
    wait_ready(page)
    page.wait_for_selector("#days-table")
    wait_text(page, '#days-table tr[data-day="2026-02-17"]', "Tết")
    assert page.locator('#days-table tr[data-day="2026-03-14"]').count() == 0  # an ordinary Saturday is not listed

    # a day off of the centre's own, with the document behind it
    page.click("#day-new")
    page.fill("#d-day", "2026-03-20")
    page.locator("#d-kind").select_option("day_off")
    page.fill("#d-name", "Nghỉ để bảo trì hệ thống điện")
    page.fill("#d-source", "Thông báo 15/TB-TTPVHCC ngày 05/03/2026")
    page.click("#day-form button[type=submit]")
    wait_text(page, '#days-table tr[data-day="2026-03-20"]', "Nghỉ để bảo trì hệ thống điện")
    wait_text(page, '#days-table tr[data-day="2026-03-20"]', "của trung tâm")
    r = httpx.get(
        f"{base}/api/v1/calendar/days",
        params={"from": "2026-03-20", "to": "2026-03-20"},
        headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
    )
    [day] = r.json()["items"]
    assert day["is_working_day"] is False and day["reason"] == "Nghỉ để bảo trì hệ thống điện"

    # new hours from 01/04, typed with overlapping windows: the server's sentence beside the field
    page.click("#rule-new")
    page.fill("#r-effective_from", "2026-04-01")
    page.fill("#r-working", "07:00–11:30, 11:00–17:00")
    page.fill("#r-receiving", "07:00–11:00, 13:30–16:30")
    notice = "Từ ngày 01/04/2026, Trung tâm làm việc buổi sáng từ 07:00."
    page.fill("#r-notice", notice)
    page.fill("#r-notice_from", "2026-03-09")
    page.click("#rule-form button[type=submit]")
    wait_text(page, '#rule-form [data-error-for="working"]', "chồng lên nhau")
    assert page.input_value("#r-notice") == notice  # nothing typed is lost
    page.fill("#r-working", "07:00–11:30, 13:30–17:00")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rules-table tr[data-rule] >> text=01/04/2026")
    wait_text(page, "#cal-changes", "time_rule 2")
    # the log in the centre's time: the suite's clock starts at 09:00 there (02:00 UTC) and ticks on
    first_entry = page.inner_text("#cal-changes").splitlines()[0]
    stamp = re.match(r"(\d{2}):\d{2}:\d{2} 10/3/2026\t", first_entry)
    assert stamp and 9 <= int(stamp.group(1)) <= 23, first_entry
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, artifacts_dir, "admin-calendar.png", publish=True)
    services = httpx.get(f"{base}/api/v1/services", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}).json()
    assert services[0]["calendar_notice"] == notice  # announced from 09/03 until it applies
    page.close()

    page = sign_in(chromium, base, "lanhdao", "#calendar")  # managers read it
    wait_ready(page)
    wait_text(page, '#days-table tr[data-day="2026-03-20"]', "Nghỉ để bảo trì hệ thống điện")
    assert page.locator("#day-new").count() == 0 and page.locator("#rule-new").count() == 0
    page.close()
