"""The clerk console in a real Chromium: keyboard actions, clear Vietnamese errors, two clerks at one instant."""

import pytest

from tests.displays.browser import DEMO_PASSWORD, DemoApi, open_console, screenshot, wait_text
from tests.notifications.gateway import Gateway
from tests.server_process import running_server

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


TICKET_BUTTONS = ("recall", "skip", "start", "complete", "transfer", "dossier")


def _enabled(page) -> dict[str, bool]:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.actions [data-action]')]"
        ".map((b) => [b.dataset.action, !b.disabled]))"
    )


def test_dossier_dialog_names_each_agency_and_transfer_submits_on_enter(demo_server, chromium, artifacts_dir):
    api = DemoApi(demo_server.base_url)
    agencies = api.get("/agencies")
    residence = api.services["CUTRU"]
    api.issue("CUTRU")
    page = open_console(chromium, demo_server.base_url, "canbo10", 10)  # Cư trú - Căn cước and Chứng thực

    page.keyboard.press("Space")
    wait_text(page, "#current-number", "K001")
    page.keyboard.press("F10")
    page.wait_for_function(f"document.querySelectorAll('#d-agency option').length === {len(agencies)}")
    options = page.eval_on_selector_all("#d-agency option", "os => os.map((o) => o.textContent)")
    assert options == [a["name"] for a in agencies]  # each under its own name, no "(cơ quan #6)"
    chosen = page.eval_on_selector("#d-agency", "s => s.selectedOptions[0].textContent")
    assert chosen == next(a["name"] for a in agencies if a["id"] == residence["agency_id"]) == "UBND phường Phú Cường"
    assert page.is_hidden("#d-notify-consent")  # this server sends no messages: no consent to ask
    screenshot(page, artifacts_dir, "console-dossier-agencies.png", publish=True)
    page.keyboard.press("Escape")

    page.keyboard.press("F6")
    page.wait_for_selector("#transfer-dialog[open]")
    targets = page.eval_on_selector_all("#transfer-target option", "os => os.map((o) => o.value)")
    assert f"service:{residence['id']}" not in targets  # the ticket is already in its own service
    default = page.eval_on_selector("#transfer-target", "s => s.value")
    assert default == targets[0] and default.startswith("service:")
    assert page.evaluate("document.activeElement.id") == "transfer-target"
    screenshot(page, artifacts_dir, "console-transfer.png", publish=True)
    page.keyboard.press("Enter")  # "Chuyển (Enter)": submits from the drop-down itself
    wait_text(page, "#message", "Đã chuyển số K001.")
    assert page.eval_on_selector("#transfer-dialog", "d => d.open") is False
    page.close()


def test_a_dossier_received_with_the_consent_box_ticked_is_stored_with_consent(tmp_path, chromium, artifacts_dir):
    with (
        Gateway() as gateway,
        running_server(tmp_path / "server", extra_env={"MOTCUA_NOTIFY_URL": gateway.url}) as server,
    ):
        api = DemoApi(server.base_url)
        api.issue("CUTRU")
        page = open_console(chromium, server.base_url, "canbo10", 10)
        page.keyboard.press("Space")
        wait_text(page, "#current-number", "K001")
        page.keyboard.press("F10")
        page.wait_for_selector("#dossier-dialog[open]")
        page.wait_for_function("document.querySelectorAll('#d-agency option').length > 0")
        assert page.is_visible("#d-notify-consent") and page.is_disabled("#d-notify")  # no phone yet
        assert not page.is_checked("#d-notify")  # off until the applicant agrees
        page.fill("#d-procedure", "1.001193")
        page.fill("#d-name", "Trần Thị Bình")
        page.fill("#d-phone", "0911 222 333")
        page.check("#d-notify")
        screenshot(page, artifacts_dir, "console-dossier-consent.png", publish=True)
        page.click('#dossier-form button[value="ok"]')
        wait_text(page, "#dossier-info", "Mã hồ sơ:")
        code = page.inner_text("#dossier-info").split(":", 1)[1].strip()
        stored = api.get(f"/dossiers/{code}")
        assert stored["notify"] is True and stored["applicant"]["phone"] == "0911 222 333"
        page.close()


def test_waiting_list_shows_the_priority_class_and_buttons_follow_the_state(demo_server, chromium, artifacts_dir):
    api = DemoApi(demo_server.base_url)
    building = api.services["XAYDUNG"]
    r = api.post("/tickets", {"service_id": building["id"], "priority": "elderly"})
    assert r.status_code == 201, r.text
    api.issue("XAYDUNG")
    page = open_console(chromium, demo_server.base_url, "canbo07", 7)

    page.wait_for_function("document.querySelectorAll('#waiting tr').length === 2")
    wait_text(page, "#waiting", "Người cao tuổi")
    cells = page.eval_on_selector_all("#waiting tr td:nth-child(3)", "tds => tds.map((t) => t.textContent)")
    assert cells == ["Người cao tuổi", ""]
    screenshot(page, artifacts_dir, "console-waiting-priority.png", publish=True)

    # Nothing called yet: only calling applies.
    state = _enabled(page)
    assert state["next"] and state["call-number"] and state["pause"]
    assert not any(state[a] for a in TICKET_BUTTONS), state
    page.keyboard.press("F4")  # the key of a disabled button says why instead of asking the server
    wait_text(page, "#message", "Chưa có số nào được gọi tới quầy này.")

    page.keyboard.press("Space")
    wait_text(page, "#current-number", "E001")
    page.wait_for_function("!document.querySelector('[data-action=start]').disabled")
    assert all(_enabled(page)[a] for a in TICKET_BUTTONS)

    page.keyboard.press("F4")
    wait_text(page, "#message", "Bắt đầu phục vụ số E001.")
    page.wait_for_function("document.querySelector('[data-action=start]').disabled")
    state = _enabled(page)
    assert not state["recall"] and not state["skip"] and not state["start"]
    assert state["complete"] and state["transfer"] and state["dossier"]
    assert page.get_attribute("[data-action=recall]", "title") == (
        "Không thể gọi lại: số E001 đang ở trạng thái «đang phục vụ»."
    )

    page.keyboard.press("F5")
    wait_text(page, "#message", "Đã hoàn thành số E001.")
    page.wait_for_function("document.querySelector('[data-action=complete]').disabled")
    state = _enabled(page)
    assert [a for a in TICKET_BUTTONS if state[a]] == ["dossier"]  # a dossier may still be written for it

    page.keyboard.press("F8")
    wait_text(page, "#message", "Quầy đang tạm dừng.")
    page.wait_for_function("document.querySelector('[data-action=next]').disabled")
    assert not _enabled(page)["call-number"] and _enabled(page)["pause"]
    page.keyboard.press("Space")
    wait_text(page, "#message", "Quầy đang tạm dừng; bấm F8 để mở lại.")
    page.keyboard.press("F8")
    page.wait_for_function("!document.querySelector('[data-action=next]').disabled")
    page.close()


def test_lost_connection_mark_leaves_logout_reachable(demo_server, chromium, artifacts_dir):
    page = open_console(chromium, demo_server.base_url, "canbo09", 9)
    page.evaluate("window.__console.stream.close()")  # the socket closes: the stream reports offline
    page.wait_for_selector("#offline:not([hidden])")
    mark = page.locator("#offline").bounding_box()
    logout = page.locator("#logout").bounding_box()
    assert mark["x"] + mark["width"] <= logout["x"] or mark["y"] >= logout["y"] + logout["height"]
    # What a click on the middle of "Đăng xuất" lands on is the button itself.
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).id",
        [logout["x"] + logout["width"] / 2, logout["y"] + logout["height"] / 2],
    )
    assert hit == "logout"
    screenshot(page, artifacts_dir, "console-offline.png")
    page.close()


def test_a_counter_number_typed_before_the_counter_list_arrives_still_opens_that_desk(demo_server, chromium):
    # A quick clerk (or a slow server) types the number before GET /counters has answered; the
    # form must not fall back to the browser's own submit (which reloads the page and drops it).
    page = chromium.new_page(viewport={"width": 1366, "height": 768})
    release = []
    page.route("**/api/v1/counters", lambda route: release.append(route))
    page.goto(f"{demo_server.base_url}/console")
    page.fill("#username", "canbo03")
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_selector("#counter-input")
    page.fill("#counter-input", "3")
    page.press("#counter-input", "Enter")
    for _ in range(100):
        if release:
            break
        page.wait_for_timeout(50)
    assert release, "the console never asked for the counter list"
    for route in release:
        route.continue_()
    page.wait_for_selector("#desk-screen:not([hidden])", timeout=10000)
    assert page.inner_text("#desk-title").startswith("Quầy 3")
    assert "/console" in page.url and "?" not in page.url  # no native form submission happened
    page.close()
