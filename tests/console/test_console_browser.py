"""The clerk console in a real Chromium: keyboard actions, clear Vietnamese errors, two clerks at one instant."""

import pytest

from tests.displays.browser import DemoApi, open_console, screenshot, wait_text

pytestmark = pytest.mark.slow


def test_bad_input_gets_clear_messages(demo_server, chromium, artifacts_dir):
    api = DemoApi(demo_server.base_url)
    api.issue("DATDAI", 2)
    closed = api.services["LYLICH"]
    assert api.patch(f"/services/{closed['id']}", {"accepting": False}).status_code == 200
    page = open_console(chromium, demo_server.base_url, "canbo05", 5)

    page.keyboard.press("Space")
    wait_text(page, "#current-number", "C001")
    page.keyboard.press("F6")
    page.select_option("#transfer-target", f"service:{closed['id']}")
    page.press("#transfer-note", "Enter")
    wait_text(page, "#message", "Dịch vụ Lý lịch tư pháp đang tạm ngừng; không thể chuyển đến.")
    assert "error" in page.get_attribute("#message", "class")

    page.keyboard.press("F4")
    wait_text(page, "#message", "Bắt đầu phục vụ số C001.")
    page.keyboard.press("F5")
    wait_text(page, "#message", "Đã hoàn thành số C001.")
    wait_text(page, "#stat-served", "1")
    page.keyboard.press("F5")
    wait_text(page, "#message", "Không thể hoàn thành: số C001 đang ở trạng thái «đã hoàn thành».")
    screenshot(page, artifacts_dir, "console-complete-twice.png")

    page.keyboard.press("F7")
    page.fill("#number-input", "Z999")
    page.press("#number-input", "Enter")
    wait_text(page, "#message", "Số Z999 không có trong hàng chờ của quầy này.")

    page.keyboard.press("Space")
    wait_text(page, "#current-number", "C002")
    page.keyboard.press("Space")
    wait_text(page, "#message", "Không còn công dân nào đang chờ.")
    page.close()


def test_two_clerks_calling_at_the_same_instant_never_get_the_same_ticket(demo_server, chromium, artifacts_dir):
    api = DemoApi(demo_server.base_url)
    one = open_console(chromium, demo_server.base_url, "canbo01", 1)
    two = open_console(chromium, demo_server.base_url, "canbo02", 2)  # counters 1 and 2 both serve Hộ tịch
    called = []
    for _ in range(4):
        api.issue("HOTICH")
        for page in (one, two):
            page.evaluate("document.getElementById('message').textContent = ''")
        at = one.evaluate("Date.now() + 300")
        for page in (one, two):  # the same wall-clock instant in both consoles
            page.evaluate(
                "at => setTimeout(() => document.dispatchEvent(new KeyboardEvent('keydown', {key: ' '})), at - Date.now())",
                at,
            )
        for page in (one, two):
            page.wait_for_function("document.getElementById('message').textContent !== ''", timeout=10000)
        messages = [one.inner_text("#message"), two.inner_text("#message")]
        winners = [m for m in messages if m.startswith("Đã gọi số A")]
        assert len(winners) == 1 and "Không còn công dân nào đang chờ." in messages, messages
        called.append(winners[0])
    assert len(set(called)) == 4
    screenshot(two, artifacts_dir, "console-two-clerks.png")
    one.close()
    two.close()
