"""The kiosk's device lifecycle on the real window: the printer's state is known before a visitor
taps and its recovery noticed without a restart; a failing scanner is restarted; a lost server is
reconnected to with backoff and the queue caught up by itself."""

from __future__ import annotations

import httpx
import pytest
import qrcode
from pyzbar.pyzbar import decode as zbar_decode

from hardware.printers.fake_network import FakeNetworkPrinter
from tests.kiosk.conftest import KIOSK_TOKEN
from tests.server_process import running_server
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

PAPER_OUT_NOTICE = "Máy in hết giấy: số thứ tự sẽ hiện trên màn hình, vui lòng chụp lại."
PRINTER_OFF_NOTICE = "Máy in không hoạt động: số thứ tự sẽ hiện trên màn hình, vui lòng chụp lại."
NO_PAPER_TICKET = "(không in phiếu — số hiện trên màn hình)"
PAPER_OUT_NOTE = "Máy in hết giấy. Vui lòng chụp lại số thứ tự trên màn hình."
PRINTED_NOTE = "Vui lòng nhận phiếu ở khe máy in."
OFFLINE_BANNER = "Mất kết nối máy chủ — đang thử lại…"
SCANNER_DOWN = "Camera quét mã tạm thời không dùng được. Vui lòng nhập mã hồ sơ."
NOT_A_RECEIPT = "Đây là mã phiếu số thứ tự. Vui lòng quét mã trên giấy hẹn trả kết quả."
CODE_READ = "Đã đọc mã hồ sơ. Vui lòng nhập 4 số cuối điện thoại."


def _staff(base_url: str) -> dict:
    token = httpx.post(base_url + "/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"}).json()[
        "access_token"
    ]
    return {"Authorization": f"Bearer {token}"}


def _paper_out_alerted(base_url: str) -> bool:
    """Whether the managers' live dashboard shows this kiosk's printer out of paper."""
    kiosk_id = httpx.get(base_url + "/api/v1/devices/me", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}).json()
    live = httpx.get(base_url + "/api/v1/dashboard/live", headers=_staff(base_url)).json()
    return any(a["kind"] == "paper_out" and a["device_id"] == kiosk_id["id"] for a in live["alerts"])


def _eventually(check, timeout: float = 15.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{check.__name__} never held"
        time.sleep(0.2)


def _take_ticket(kiosk, service: str = "Chứng thực") -> dict:
    kiosk.tap("Lấy số thứ tự")
    kiosk.tap(service)
    kiosk.tap("Không — lấy số thường")
    return kiosk.wait_state("ticket_note", lambda n: n and n != "Đang in phiếu…", timeout=20)


def _printed_urls(printer: FakeNetworkPrinter) -> list[str]:
    return [r.data.decode() for r in zbar_decode(printer.render().convert("L"))]


def test_printer_state_is_shown_before_a_tap_and_recovery_is_noticed(server, kiosk_factory, artifacts_dir):
    with FakeNetworkPrinter() as printer:
        kiosk = kiosk_factory(server.base_url, printer_url=printer.url, printer_check_s=1, idle_timeout_s=600)
        assert kiosk.wait_state("printer_fault", lambda f: f == "")["printer_fault"] == ""

        # 1. The paper runs out while nobody is at the kiosk: the home screen says so before anyone
        #    taps, the button says why, and staff see the alert on their dashboard.
        printer.paper_out = True
        texts = kiosk.wait_for(PAPER_OUT_NOTICE, timeout=15)
        assert "Lấy số thứ tự\n" + NO_PAPER_TICKET in texts
        kiosk.screenshot(artifacts_dir, "printer-paper-out", docs=True)
        _eventually(lambda: _paper_out_alerted(server.base_url))

        # 2. A visitor takes a number anyway: told again on the services and confirm screens, the
        #    number is on screen to photograph, and nothing goes to the printer.
        on_paper = printer.job_bytes()
        kiosk.tap("Lấy số thứ tự")
        assert PAPER_OUT_NOTICE in kiosk.wait_for("Chọn lĩnh vực")
        kiosk.tap("Chứng thực")
        assert PAPER_OUT_NOTICE in kiosk.wait_for("Không — lấy số thường")
        kiosk.tap("Không — lấy số thường")
        state = kiosk.wait_state("ticket_note", lambda n: n and n != "Đang in phiếu…", timeout=20)
        assert state["ticket_note"] == PAPER_OUT_NOTE and state["ticket"] in state["texts"]
        assert printer.job_bytes() == on_paper
        kiosk.tap("Xong")

        # 3. Paper back: the kiosk notices by itself, the alert clears, the next ticket is printed.
        printer.paper_out = False
        kiosk.wait_state("printer_fault", lambda f: f == "", timeout=15)
        assert PAPER_OUT_NOTICE not in kiosk.texts() and "Lấy số thứ tự" in kiosk.texts()
        _eventually(lambda: not _paper_out_alerted(server.base_url))
        state = _take_ticket(kiosk)
        assert state["ticket_note"] == PRINTED_NOTE
        assert any(url.startswith(server.base_url + "/t/") for url in _printed_urls(printer))
        kiosk.tap("Xong")
        port = printer.port

    # 4. The printer is switched off, then on again: the kiosk says so, then opens it afresh.
    kiosk.wait_for(PRINTER_OFF_NOTICE, timeout=15)
    with FakeNetworkPrinter(port=port) as printer:
        kiosk.wait_state("printer_fault", lambda f: f == "", timeout=20)
        assert _take_ticket(kiosk)["ticket_note"] == PRINTED_NOTE
        assert _printed_urls(printer), "the ticket came out of the printer switched on again"


def test_a_failing_scanner_is_restarted(server, kiosk_factory, tmp_path):
    camera = tmp_path / "camera.png"
    qrcode.make(f"{server.base_url}/t/AbCdEfGhIjKlMnOp").save(camera)
    kiosk = kiosk_factory(server.base_url, camera_url=f"image://{camera}", idle_timeout_s=600)
    kiosk.wait_state("camera", bool)
    kiosk.tap("Tra cứu hồ sơ")
    kiosk.wait_state("message", lambda m: m == NOT_A_RECEIPT, timeout=15)

    # The camera starts delivering frames nobody can read: the kiosk says so and keeps trying.
    camera.write_bytes(b"not a picture")
    state = kiosk.wait_state("scanner_down", bool, timeout=15)
    assert SCANNER_DOWN in state["texts"] and not state["camera"]

    # It works again (a receipt's dossier code in front of it now): the kiosk restarted it by itself.
    image = qrcode.make("000.00.14.H12-250115-0001")
    image.save(tmp_path / "next.png")
    (tmp_path / "next.png").replace(camera)
    state = kiosk.wait_state("camera", bool, timeout=40)
    assert not state["scanner_down"]
    kiosk.wait_state("message", lambda m: m == CODE_READ, timeout=15)
    assert "000.00.14.H12-250115-0001" in kiosk.texts()


def test_lost_server_is_reconnected_with_backoff_and_the_queue_caught_up(kiosk_factory, tmp_path, artifacts_dir):
    with running_server(tmp_path / "srv") as srv:
        link = TcpProxy(srv.port).start()  # the kiosk's network link, which the test cuts
        kiosk = kiosk_factory(f"http://127.0.0.1:{link.port}", idle_timeout_s=600)
        kiosk.tap("Lấy số thứ tự")
        waiting = _waiting_on_tile(kiosk, "Hộ tịch")

        # The network goes away; meanwhile others keep taking numbers at the server.
        link.stop()
        kiosk.wait_for(OFFLINE_BANNER, timeout=30)
        service_id = next(s["id"] for s in _services(srv.base_url) if s["code"] == "HOTICH")
        for _ in range(2):
            httpx.post(
                srv.base_url + "/api/v1/tickets",
                json={"service_id": service_id},
                headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
            ).raise_for_status()
        kiosk.screenshot(artifacts_dir, "fault-server-down")

        # Back: the kiosk reconnects by itself and catches up on what it missed, no tap needed.
        link.start()
        kiosk.wait_state("offline", lambda v: v is False, timeout=30)
        kiosk.wait_for(f"Đang chờ: {waiting + 2} người", timeout=15)

        # The server itself restarts (a deployment): the same, with a real new process.
        srv.stop()
        kiosk.wait_for(OFFLINE_BANNER, timeout=30)
        srv.start()
        httpx.post(
            srv.base_url + "/api/v1/tickets",
            json={"service_id": service_id},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        ).raise_for_status()
        kiosk.wait_for(f"Đang chờ: {waiting + 3} người", timeout=60)
        assert not kiosk.state()["offline"]
        link.stop()
    log = kiosk.log()
    assert "event stream disconnected" in log and log.count("event stream connected") >= 3


def _services(base_url: str) -> list[dict]:
    return httpx.get(base_url + "/api/v1/services", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}).json()


def _waiting_on_tile(kiosk, name: str) -> int:
    import re

    texts = kiosk.wait_for(name)
    tile = texts.index(name)
    return int(re.search(r"Đang chờ: (\d+) người", texts[tile + 1]).group(1))
