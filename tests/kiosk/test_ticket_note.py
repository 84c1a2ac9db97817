"""The centre's own line at the foot of the ticket (/admin → «Dòng chữ in cuối phiếu»), printed by
the kiosk's real printer path into the ESC/POS emulator, which renders what a thermal printer would."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import numpy as np
from PIL import Image

from hardware.printers import open_printer
from kiosk.config import KioskConfig
from kiosk.controller import KioskController

NOTE = "Vui lòng giữ phiếu và theo dõi màn hình gọi số."
TICKET = {
    "display_number": "A012",
    "service_name": "Hộ tịch",
    "issued_at": "2026-03-10T02:00:00Z",
    "people_ahead": 3,
    "estimated_wait_s": 600,
    "track_url": "http://127.0.0.1:8000/t/yVwD8ElHF6Kn6QCBmS1YmlPY",
}


def _print_after_snapshot(folder, ticket_note: str | None) -> np.ndarray:
    app = SimpleNamespace(centre_name="", lang="vi", ticket_note="", notice="", services=[])
    url = f"emulator://{folder}"
    controller = KioskController(app, KioskConfig(device_token="mdv_test", printer_url=url))
    controller.printer.printer = open_printer(url)  # what PrinterWatch.run() opens first
    centre = {"name": "Trung tâm Phục vụ Hành chính công tỉnh", "ticket_note": ticket_note}
    controller.on_message("snapshot", {"centre": centre, "services": []})
    asyncio.run(controller._print(TICKET, {"name": "Hộ tịch"}, None))
    assert app.ticket_note == "Vui lòng nhận phiếu ở khe máy in."
    [png] = sorted(folder.glob("*.png"))
    return np.asarray(Image.open(png).convert("L"))


def test_the_centres_note_is_printed_at_the_foot_of_the_ticket(tmp_path):
    plain = _print_after_snapshot(tmp_path / "plain", None)
    noted = _print_after_snapshot(tmp_path / "noted", NOTE)
    assert noted.shape[1] == plain.shape[1]
    assert noted.shape[0] > plain.shape[0] + 20  # at least one more printed line
    # down to the QR's caption it is the same ticket; below it the extra paper carries ink (the
    # note's line), not a blank feed (the last ~135 dots are the feed before the cut)
    foot = plain.shape[0] - 140
    assert np.array_equal(noted[:foot], plain[:foot])
    assert (noted[foot:] < 128).sum() > (plain[foot:] < 128).sum() + 500
