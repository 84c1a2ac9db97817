"""Boards in a real Chromium against a real server: console call → both boards; server restart → recovery; voice queue."""

import time

import pytest

from tests.displays.browser import (
    HALL_TOKEN,
    DemoApi,
    open_board,
    open_console,
    screenshot,
    wait_text,
)
from tests.server_process import ServerProcess, running_server

pytestmark = pytest.mark.slow


def test_console_call_reaches_both_boards_and_they_recover_after_a_restart(demo_server, chromium, artifacts_dir):
    base = demo_server.base_url
    api = DemoApi(base)
    hall = open_board(chromium, base, "/displays/hall", HALL_TOKEN)
    counter = open_board(chromium, base, "/displays/counter/1", "mdv_demo-counter-display-1")
    assert "token=" not in hall.url  # kept in localStorage, not left in the address bar
    assert hall.evaluate("localStorage.getItem('motcua.board.token')") == HALL_TOKEN
    api.issue("HOTICH", 4)
    console = open_console(chromium, base, "canbo01", 1)

    console.keyboard.press("Space")
    wait_text(hall, "#latest-number", "A001")
    wait_text(hall, "#latest-counter", "Quầy 1")
    wait_text(hall, '[data-counter="1"]', "A001")
    wait_text(counter, "#serving", "A001")
    wait_text(counter, "#officer", "Nguyễn Thị Lan")
    wait_text(console, "#current-number", "A001")
    clock = hall.inner_text("#clock")  # the suite's clock: Tuesday 10/03/2026, in the morning
    assert "Thứ Ba" in clock and "10/03/2026" in clock, clock
    # The README's board pictures come from test_board_layout.py (every counter open and serving).
    screenshot(hall, artifacts_dir, "hall-board-one-counter.png")
    screenshot(counter, artifacts_dir, "counter-board-one-counter.png")
    screenshot(console, artifacts_dir, "console.png", publish=True)

    # Power cut: the boards mark themselves offline but keep showing what they had.
    demo_server.kill()
    for page in (hall, counter):
        page.wait_for_selector("#offline:not([hidden])", timeout=10000)
        assert page.inner_text("#offline") == "Mất kết nối"
    screenshot(hall, artifacts_dir, "hall-board-offline.png")

    # Meanwhile the counter calls on (through another server on the same database).
    other = ServerProcess(demo_server.data_dir, demo_server.database_url).start()
    try:
        other_api = DemoApi(other.base_url)
        assert other_api.call_next(1)["display_number"] == "A002"
        assert other_api.call_next(1)["display_number"] == "A003"
    finally:
        other.stop()
    assert hall.is_visible("#offline") and counter.is_visible("#offline")

    demo_server.start()
    for page in (hall, counter):
        page.wait_for_selector("#offline", state="hidden", timeout=40000)
    wait_text(hall, "#latest-number", "A003")
    wait_text(hall, "#calls", "A002")
    wait_text(hall, '[data-counter="1"]', "A003")
    wait_text(counter, "#serving", "A003")
    wait_text(console, "#current-number", "A003")
    # Waiting count per service: 4 issued, 3 called.
    wait_text(hall, f'[data-service="{api.services["HOTICH"]["id"]}"]', "1")
    screenshot(hall, artifacts_dir, "hall-board-recovered.png")

    # Paused counter: the counter board says so, the hall too.
    console.keyboard.press("F8")
    wait_text(counter, "#state", "Tạm dừng")
    wait_text(hall, '[data-counter="1"]', "Tạm dừng")
    console.keyboard.press("F8")
    wait_text(counter, "#serving", "A003")
    for page in (hall, counter, console):
        page.close()


def test_a_recall_is_announced_again_after_the_call(demo_server, chromium):
    base = demo_server.base_url
    api = DemoApi(base)
    assert api.post(f"/counters/{api.counters[3]['id']}/open").status_code == 200
    hall = open_board(chromium, base, "/displays/hall", HALL_TOKEN)
    (ticket,) = api.issue("CHUNGTHUC")
    called = api.call_next(3)
    assert called["id"] == ticket["id"]
    assert api.post(f"/tickets/{ticket['id']}/recall").status_code == 200
    hall.wait_for_function(
        f"window.__announcements.filter(a => a.ticket_id === {ticket['id']}).length >= 2", timeout=45000
    )
    played = hall.evaluate(f"window.__announcements.filter(a => a.ticket_id === {ticket['id']})")
    assert [a["kind"] for a in played] == ["call", "recall"]
    assert all(a["via"] == "audio" for a in played), played  # the server's WAV, not the speech fallback
    assert played[1]["at"] - played[0]["at"] > 2000  # queued behind the first, never over it
    hall.close()


def test_a_counter_boards_token_does_not_open_another_counters_board(demo_server, chromium, artifacts_dir):
    base = demo_server.base_url
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{base}/displays/counter/2?token=mdv_demo-counter-display-1")
    page.wait_for_selector("#refused:not([hidden])", timeout=30000)
    assert page.inner_text("#refused") == ("Mã thiết bị này là của bảng quầy số 1, không dùng được cho bảng quầy số 2.")
    assert not page.is_visible("#serving")  # nothing of counter 2 shown under a wrong token
    assert page.evaluate("window.__board") is None  # and no event stream opened
    screenshot(page, artifacts_dir, "counter-board-wrong-token.png", publish=True)
    # The same token on its own counter's board works.
    page.goto(f"{base}/displays/counter/1?token=mdv_demo-counter-display-1")
    page.wait_for_function("window.__board && document.body.dataset.online === '1'", timeout=30000)
    wait_text(page, "#counter-number", "QUẦY 1")
    assert page.is_hidden("#refused")
    page.close()


def test_a_board_gives_up_a_server_that_stops_answering_and_comes_back_with_it(tmp_path, chromium):
    """The server hangs (SIGSTOP: its socket open, no heartbeat, no answer to anything): the board
    marks itself offline once its silence watchdog (35 s) fires — not after the browser's own wait
    for a closing handshake the server never answers (Chromium: 60 s more) — and is back, with
    the next call, as soon as the server answers again."""
    with running_server(tmp_path, own_process_group=True) as server:
        api = DemoApi(server.base_url)
        hall = open_board(chromium, server.base_url, "/displays/hall", HALL_TOKEN)
        assert api.post(f"/counters/{api.counters[1]['id']}/open").status_code == 200
        api.issue("HOTICH", 2)
        first = api.call_next(1)["display_number"]
        wait_text(hall, "#latest-number", first)

        server.pause()
        try:
            hung_at = time.monotonic()
            hall.wait_for_selector("#offline:not([hidden])", timeout=60000)
            offline_s = time.monotonic() - hung_at
        finally:
            server.resume()
        assert 30 < offline_s < 45, offline_s  # the watchdog, not a heartbeat's gap nor Chromium's 60 s more
        hall.wait_for_selector("#offline", state="hidden", timeout=30000)
        second = api.call_next(1)["display_number"]
        wait_text(hall, "#latest-number", second)
        shown = hall.evaluate("window.__board.state.calls.map(c => c.display_number)")
        assert shown == [second, first]
        assert hall.evaluate("window.__board.stream.connects") == 2
