"""The visitor's ticket page on a phone (390×844, real Chromium, real server): the QR's address
shows the number, place and wait, moves by itself when others are called (no polling), and says
"Đã đến lượt — mời đến quầy N" with the chime and vibration when the ticket is called."""

import pytest

from tests.displays.browser import DemoApi, screenshot, wait_text

pytestmark = pytest.mark.slow

# Records what the page asks of the phone (vibration, sound): the browser's own APIs, observed.
RECORD = """
window.__vibrations = [];
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
window.__plays = 0;
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { window.__plays += 1; return play.call(this); };
"""


def open_phone(chromium, url: str):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="vi-VN")  # fmt: skip
    context.add_init_script(RECORD)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("document.body.dataset.online === '1' && window.__ticket.view", timeout=30000)
    return page


def test_ticket_page_on_a_phone_follows_the_queue_and_calls_the_visitor(demo_server, chromium, artifacts_dir):
    api = DemoApi(demo_server.base_url)
    ahead = api.issue("DATDAI", 2)  # C001, C002
    mine = api.issue("DATDAI")[0]
    assert mine["track_url"].startswith(demo_server.base_url + "/t/")
    phone = open_phone(chromium, mine["track_url"])

    wait_text(phone, "#number", mine["display_number"])
    wait_text(phone, "#service", "Đất đai")
    wait_text(phone, "#ahead", "2")
    wait_text(phone, "#position", "thứ 3")
    assert "phút" in phone.inner_text("#estimate")
    assert "được giữ 30 phút" in phone.inner_text("#missed-help")  # what to do if missed
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    for number in (a["display_number"] for a in ahead):  # nobody else's number on the page
        assert number not in phone.inner_text("body")
    phone.tap("#enable-sound")
    phone.wait_for_selector("#enable-sound", state="hidden")
    screenshot(phone, artifacts_dir, "ticket-page-waiting.png", publish=True)

    # Counters serving Đất đai call the two ahead: the page moves without reloading or polling.
    requests = []
    phone.on("request", lambda r: requests.append(r.url))
    counter = 4  # the demo's counters 4 and 5 serve Đất đai
    assert api.post(f"/counters/{api.counters[counter]['id']}/open").status_code == 200
    api.call_next(counter)
    wait_text(phone, "#ahead", "1")
    api.call_next(counter)
    wait_text(phone, "#ahead", "0")
    wait_text(phone, "#estimate", "Sắp đến lượt bạn")
    plays_before = phone.evaluate("window.__plays")

    called = api.call_next(counter)
    assert called["display_number"] == mine["display_number"]
    wait_text(phone, "#turn-title", f"Đã đến lượt — mời đến quầy {counter}")
    assert phone.is_hidden("#waiting")
    assert phone.evaluate("window.__vibrations.length") >= 1
    assert phone.evaluate("window.__plays") > plays_before  # the chime, unlocked by the tap above
    assert requests == []  # all of it came over the one WebSocket
    screenshot(phone, artifacts_dir, "ticket-page-called.png", publish=True)
    phone.context.close()
