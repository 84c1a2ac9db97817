"""The kiosk's printer watch and scanner loop without a window: availability is reported once per
change, a fault is checked again until it ends, and a failed scanner is opened again."""

from __future__ import annotations

import asyncio

import qrcode

from hardware.printers.fake_network import FakeNetworkPrinter
from kiosk.devices import PrinterWatch
from kiosk.scanning import ScannerLoop


async def _until(check, timeout: float = 30.0) -> None:  # generous: a loaded machine decodes slowly
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "never happened"
        await asyncio.sleep(0.02)


def _kinds(changes: list) -> list[str | None]:
    return [getattr(c, "code", None) for c in changes]


def test_printer_watch_reports_each_change_once_and_notices_recovery():
    changes: list = []

    async def run():
        with FakeNetworkPrinter() as printer:
            # A long answer timeout: on a loaded CI runner a status reply once came late and the
            # watch rightly reported the printer offline, a change this test does not stage.
            watch = PrinterWatch(printer.url + "&timeout=10", check_s=0.3, on_change=changes.append)
            task = asyncio.create_task(watch.run())
            await _until(lambda: len(changes) == 1)
            printer.paper_out = True
            await _until(lambda: len(changes) == 2)
            for _ in range(5):  # checked again and again while out of paper: nothing new to report
                watch.check_soon()
                await asyncio.sleep(0.05)
            assert len(changes) == 2 and watch.fault is not None
            printer.paper_out = False
            await _until(lambda: len(changes) == 3)
            assert watch.fault is None
            port = printer.port
        await _until(lambda: len(changes) == 4)  # switched off
        with FakeNetworkPrinter(port=port):  # and on again: opened afresh
            await _until(lambda: len(changes) == 5)
        task.cancel()

    asyncio.run(run())
    assert _kinds(changes) == [None, "paper_out", None, "printer_offline", None]


def test_printer_watch_gives_no_job_to_a_printer_at_fault():
    async def run():
        with FakeNetworkPrinter() as printer:
            printer.paper_out = True
            watch = PrinterWatch(printer.url, check_s=0.3, on_change=lambda _p: None)
            task = asyncio.create_task(watch.run())
            await _until(lambda: watch.fault is not None)
            fault = await watch.print_ticket(None)  # never built into bytes: refused before
            task.cancel()
            return fault, printer.job_bytes()

    fault, sent = asyncio.run(run())
    assert fault.code == "paper_out" and sent == b""


def test_a_failed_scanner_is_opened_again_and_reads_again(tmp_path):
    camera = tmp_path / "camera.png"
    qrcode.make("000.00.14.H12-250115-0001").save(camera)
    changes: list = []
    codes: list = []

    async def run():
        loop = ScannerLoop(
            f"image://{camera}", lambda: "receipt", lambda mode, text: codes.append(text), changes.append
        )
        loop.mode_changed()
        task = asyncio.create_task(loop.run())
        await _until(lambda: codes)
        camera.write_bytes(b"not a picture")
        await _until(lambda: len(changes) == 2)
        qrcode.make("000.00.14.H12-250115-0002").save(tmp_path / "next.png")
        (tmp_path / "next.png").replace(camera)
        await _until(lambda: "000.00.14.H12-250115-0002" in codes)
        task.cancel()
        await loop.close()

    asyncio.run(run())
    assert _kinds(changes) == [None, "image_unreadable", None]
    assert codes == ["000.00.14.H12-250115-0001", "000.00.14.H12-250115-0002"]
