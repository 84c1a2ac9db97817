"""The real kiosk window under Xvfb against a real server: what a visitor sees and gets."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from pyzbar.pyzbar import decode as zbar_decode

from tests.kiosk.conftest import KIOSK_TOKEN, has_route
from tests.server_process import running_server
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


def _waiting(base_url: str, code: str) -> int:
    services = httpx.get(base_url + "/api/v1/services", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}).json()
    return next(s["waiting"] for s in services if s["code"] == code)


def test_take_a_ticket_end_to_end(server, kiosk_factory, artifacts_dir, tmp_path):
    kiosk = kiosk_factory(server.base_url)
    home = kiosk.wait_for("Lấy số thứ tự")
    assert "Tra cứu thủ tục" in home and "Tra cứu hồ sơ" in home
    assert any("Trung tâm Phục vụ Hành chính công" in t for t in home)
    assert any(
        re.fullmatch(r"Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật", t.split(",")[0])
        and re.search(r", \d{2}/\d{2}/\d{4} — \d{2}:\d{2}$", t)
        for t in home
    )
    assert any(t.startswith("Trung tâm làm việc từ 07:30") for t in home), "the centre's notice is shown"
    kiosk.screenshot(artifacts_dir, "home", docs=True)

    before = _waiting(server.base_url, "HOTICH")
    kiosk.tap("Lấy số thứ tự")
    services = kiosk.wait_for("Chọn lĩnh vực")
    assert "Hộ tịch" in services and f"Đang chờ: {before} người" in services
    kiosk.screenshot(artifacts_dir, "services", docs=True)

    kiosk.tap("Hộ tịch")
    confirm = kiosk.wait_for("Người cao tuổi")
    assert {"Người khuyết tật", "Phụ nữ mang thai", "Người đưa theo trẻ nhỏ", "Người có công với cách mạng"} <= set(
        confirm
    )
    kiosk.screenshot(artifacts_dir, "confirm")
    kiosk.tap("Người cao tuổi")
    state = kiosk.wait_state("ticket_note", lambda note: note == "Vui lòng nhận phiếu ở khe máy in.")
    number = state["ticket"]
    texts = kiosk.texts()
    assert number in texts and "Số thứ tự của bạn" in texts
    # the estimate, as a range while the server is unsure (no counter of the demo serves yet)
    assert any(re.fullmatch(r"Chờ khoảng \d+–\d+ phút", t) for t in texts), texts
    kiosk.screenshot(artifacts_dir, "ticket", docs=True)

    printed = sorted((tmp_path / "printer").glob("*.png"))
    assert len(printed) == 1
    urls = [r.data.decode() for r in zbar_decode(Image.open(printed[0]))]
    assert len(urls) == 1 and urls[0].startswith(server.base_url + "/t/")
    token = urlsplit(urls[0]).path.rsplit("/", 1)[1]
    held = httpx.get(f"{server.base_url}/api/v1/tickets/track/{token}").json()
    assert held["display_number"] == number and held["priority"] == "elderly" and held["state"] == "waiting"

    # The waiting count on the tiles is live (WebSocket), not fetched once.
    kiosk.tap("Xong")
    kiosk.tap("Lấy số thứ tự")
    kiosk.wait_for(f"Đang chờ: {before + 1} người")
    httpx.post(
        server.base_url + "/api/v1/tickets",
        json={"service_id": held["service_id"]},
        headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
    ).raise_for_status()
    kiosk.wait_for(f"Đang chờ: {before + 2} người")


def test_idle_returns_home_and_leaves_nothing_personal(server, kiosk_factory):
    kiosk = kiosk_factory(server.base_url, idle_timeout_s=20)
    kiosk.tap("Lấy số thứ tự")
    kiosk.tap("Chứng thực")
    kiosk.tap("Không — lấy số thường")
    number = kiosk.wait_state("ticket", bool)["ticket"]
    assert number in kiosk.texts()
    kiosk.send("advance", seconds=10)
    assert number in kiosk.texts(), "not yet idle"
    kiosk.send("advance", seconds=15)
    texts = kiosk.wait_for("Lấy số thứ tự")
    assert kiosk.state()["screen"] == "home"
    assert number not in texts and not kiosk.state()["ticket"]


def test_english_switch(server, kiosk_factory):
    kiosk = kiosk_factory(server.base_url)
    kiosk.tap("English")
    texts = kiosk.wait_for("Take a queue number")
    assert "Find a procedure" in texts and "Check my dossier" in texts and "Tiếng Việt" in texts
    kiosk.tap("Take a queue number")
    assert "Civil status" in kiosk.wait_for("Choose a service")


def test_dossier_screen_without_camera_offers_typed_entry(server, kiosk_factory, artifacts_dir):
    kiosk = kiosk_factory(server.base_url)
    kiosk.tap("Tra cứu hồ sơ")
    texts = kiosk.wait_for("Kiosk không có camera. Vui lòng nhập mã hồ sơ.")
    assert "Tra cứu" in texts
    kiosk.tap("Tra cứu")
    assert "Vui lòng nhập mã hồ sơ và đủ 4 số cuối điện thoại." in kiosk.texts()
    kiosk.type("000.00.14.H12-261123-0999")
    kiosk.tap("4 số cuối điện thoại")
    kiosk.type("1234")
    kiosk.tap("Tra cứu")
    kiosk.wait_for("Không tìm thấy hồ sơ. Vui lòng kiểm tra lại mã hồ sơ và 4 số cuối số điện thoại đã đăng ký.")


def test_procedure_search_and_page(server, kiosk_factory, artifacts_dir):
    if not has_route(server.base_url, "/api/v1/procedures"):
        pytest.skip("procedures API (/api/v1/procedures) is not on this server yet")
    kiosk = kiosk_factory(server.base_url)
    kiosk.tap("Tra cứu thủ tục")
    kiosk.type("khai sinh")
    kiosk.wait_for(" thủ tục", timeout=10)  # the result count
    texts = kiosk.texts()
    kiosk.screenshot(artifacts_dir, "procedure-search", docs=True)
    name = next(t for t in texts if "khai sinh" in t.lower() and len(t) > 15)
    kiosk.tap(name)
    page = kiosk.wait_for("Hồ sơ cần chuẩn bị")
    assert name in page and "Lấy số cho thủ tục này" in page
    # The documents list: the source's own marks became layout, never text after a bullet ("• -", "• *").
    documents = next(t for t in page if t.startswith("•") or "\n•" in t)
    lines = documents.split("\n")
    assert len(lines) > 3 and not [line for line in lines if re.match(r"^\s*•\s*[-*+•]", line)]
    assert not [line for line in lines if re.match(r"^\s*[-*+]\s", line)]
    kiosk.screenshot(artifacts_dir, "procedure-page", docs=True)


def test_faults_during_issuance(kiosk_factory, artifacts_dir, tmp_path):
    with running_server(tmp_path / "srv") as srv:
        link = TcpProxy(srv.port).start()  # the kiosk's network link, which the test cuts
        kiosk = kiosk_factory(
            f"http://127.0.0.1:{link.port}",
            printer_url=f"emulator://{tmp_path / 'out'}?paper=out",
            issue_retry_s=15,
            idle_timeout_s=600,
        )
        # 1. Paper out: said before the tap; the ticket is then on screen, and nothing is printed.
        assert "Máy in hết giấy: số thứ tự sẽ hiện trên màn hình, vui lòng chụp lại." in kiosk.wait_for(
            "Máy in hết giấy"
        )
        kiosk.tap("Lấy số thứ tự")
        kiosk.tap("Đất đai")
        kiosk.tap("Không — lấy số thường")
        state = kiosk.wait_state("ticket_note", lambda n: n and "hết giấy" in n)
        assert state["ticket"] in kiosk.texts()
        assert "Máy in hết giấy. Vui lòng chụp lại số thứ tự trên màn hình." in kiosk.texts()
        kiosk.screenshot(artifacts_dir, "fault-paper-out")
        assert not list((tmp_path / "out").glob("*.png"))
        assert _waiting(srv.base_url, "DATDAI") == 1
        kiosk.tap("Xong")

        # 2. Server unreachable during issuance: banner, retries with one request id, then a clear message.
        link.stop()
        kiosk.tap("Lấy số thứ tự")
        kiosk.tap("Đất đai")
        kiosk.tap("Không — lấy số thường")
        kiosk.wait_for("Mất kết nối máy chủ — đang thử lại…")
        kiosk.wait_for("Chưa lấy được số vì mất kết nối máy chủ", timeout=30)
        assert not kiosk.state()["ticket"]

        # 3. Server back while the kiosk retries: exactly one ticket, the banner goes away.
        kiosk.tap("Không — lấy số thường")
        kiosk.wait_for("Mất kết nối máy chủ — đang thử lại…")
        link.start()
        kiosk.wait_state("ticket", bool, timeout=20)
        kiosk.wait_state("offline", lambda v: v is False, timeout=20)
        assert _waiting(srv.base_url, "DATDAI") == 2, "one ticket before the outage, one after; none twice"
        link.stop()
