"""Missed tickets in the clerk console (real Chromium): the skip dialog re-queues by default; a
visitor marked absent appears under «Vắng mặt» and is called back from there."""

import pytest

from tests.displays.browser import DemoApi, open_console, screenshot, wait_text

pytestmark = pytest.mark.slow


def test_skip_requeues_by_default_and_a_missed_visitor_is_called_back_from_the_list(
    demo_server, chromium, artifacts_dir
):
    api = DemoApi(demo_server.base_url)
    api.issue("HOTICH", 5)  # A001 … A005
    page = open_console(chromium, demo_server.base_url, "canbo01", 1)
    wait_text(page, "#missed-empty", "Không có số nào vắng mặt.")

    # F3 then Enter: the visitor goes back three places, not out of the queue.
    page.keyboard.press("Space")
    wait_text(page, "#current-number", "A001")
    page.keyboard.press("F3")
    page.wait_for_selector("#skip-dialog[open]")
    assert page.is_checked("#skip-requeue")
    page.keyboard.press("Enter")
    wait_text(page, "#message", "Đã xếp số A001 lại hàng chờ.")
    wait_text(page, "#waiting", "A001")
    assert page.eval_on_selector_all("#missed tr", "rows => rows.length") == 0

    # Unticked: marked absent, and listed under «Vắng mặt» with the time it may be called back until.
    page.keyboard.press("Space")
    wait_text(page, "#current-number", "A002")
    page.keyboard.press("F3")
    page.wait_for_selector("#skip-dialog[open]")
    assert page.is_checked("#skip-requeue")  # the default again, whatever was chosen last time
    page.keyboard.press("Space")  # the focused check box: untick
    assert not page.is_checked("#skip-requeue") and page.is_disabled("#skip-places")
    page.click("#skip-dialog button[value=ok]")
    wait_text(page, "#message", "Số A002 vắng mặt")
    wait_text(page, "#missed", "A002")
    assert "Hộ tịch" in page.inner_text("#missed") and page.is_hidden("#missed-empty")
    assert "A002" not in page.inner_text("#waiting")

    # The next visitor is served meanwhile; then A002 comes back and is called from the list.
    page.keyboard.press("Space")
    wait_text(page, "#current-number", "A003")
    page.wait_for_function("!document.getElementById('waiting').textContent.includes('A003')")
    screenshot(page, artifacts_dir, "console-missed-list.png", publish=True)
    page.click('#missed button:has-text("Gọi lại")')
    wait_text(page, "#current-number", "A002")
    wait_text(page, "#message", "Đã gọi lại số A002")
    page.wait_for_selector("#missed-empty:not([hidden])")
    assert api.get(f"/counters/{api.counters[1]['id']}/missed") == []
    page.keyboard.press("F5")
    wait_text(page, "#message", "Đã hoàn thành số A002.")
    page.close()
