"""/admin «Từ điển tìm kiếm» in a real Chromium against a server with two worker processes: an
administrator adds an everyday name (an unknown procedure code and a phrase already there are
refused first, with the server's messages), and every following kiosk search — whichever worker
answers it — finds the procedure by it; a manager reads the list without editing; deleting the entry in the page takes it back."""

from __future__ import annotations

import httpx
import pytest

from tests.displays.browser import screenshot, wait_text
from tests.server_process import running_server
from tests.web.test_admin_browser import KIOSK_TOKEN, sign_in, wait_ready

pytestmark = pytest.mark.slow
MARRIAGE_STATUS = "1.004873"  # Thủ tục cấp Giấy xác nhận tình trạng hôn nhân


def _top3(server, q: str) -> list[str]:
    r = httpx.get(
        f"{server.base_url}/api/v1/procedures",
        params={"q": q, "limit": 3},
        headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        timeout=20,
    )
    assert r.status_code == 200, r.text
    return [i["code"] for i in r.json()["items"]]


def test_an_entry_added_in_admin_is_found_by_the_kiosk(tmp_path, chromium, artifacts_dir):
    with running_server(tmp_path / "server", workers=2) as server:
        for _ in range(4):  # both workers build their index without the entry
            assert MARRIAGE_STATUS not in _top3(server, "phiếu xanh")
        page = sign_in(chromium, server.base_url, "admin", "#lexicon")
        page.on("dialog", lambda d: d.accept())
        wait_ready(page)
        page.wait_for_selector("#lex-empty")
        page.fill("#lex-phrase", "phiếu xanh")
        page.select_option("#lex-kind", "name")
        page.fill("#lex-target", "9.999999")
        page.fill("#lex-source", "Quầy Hộ tịch: người dân gọi giấy xác nhận tình trạng hôn nhân như vậy")
        page.click('#lex-form button[type="submit"]')
        wait_text(page, '#lex-form [data-error-for="target"]', "Không có thủ tục mã «9.999999»")
        assert page.input_value("#lex-phrase") == "phiếu xanh"  # nothing typed is lost
        page.fill("#lex-target", MARRIAGE_STATUS)
        page.click('#lex-form button[type="submit"]')
        page.wait_for_selector("#lex-table tr[data-term]")
        row = page.inner_text("#lex-table tr[data-term]")
        assert "phiếu xanh" in row and "tình trạng hôn nhân" in row and "Quầy Hộ tịch" in row and "admin" in row
        screenshot(page, artifacts_dir, "admin-search-terms.png")
        for _ in range(6):  # the next search in every worker reads it
            assert _top3(server, "phiếu xanh")[:1] == [MARRIAGE_STATUS]
        # a manager reads the dictionary, without the form or the delete buttons
        manager = sign_in(chromium, server.base_url, "lanhdao", "#lexicon")
        wait_ready(manager)
        manager.wait_for_selector("#lex-table tr[data-term]")
        assert manager.locator("#lex-form form").count() == 0 and manager.locator("[data-term-remove]").count() == 0
        manager.close()
        # the same phrase again, typed otherwise: the server's 409 above the buttons
        page.fill("#lex-phrase", "PHIEU XANH")
        page.select_option("#lex-kind", "synonym")
        page.fill("#lex-target", "lý lịch tư pháp")
        page.fill("#lex-source", "thử")
        page.click('#lex-form button[type="submit"]')
        wait_text(page, "#lex-form .form-message", "đã có trong từ điển tìm kiếm")
        page.click("#lex-table [data-term-remove]")
        page.wait_for_selector("#lex-empty")
        for _ in range(6):
            assert MARRIAGE_STATUS not in _top3(server, "phiếu xanh")
        page.close()
