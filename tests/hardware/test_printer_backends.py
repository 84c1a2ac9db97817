"""Opening printers by URL, and each transport against a real counterpart."""

import os
import threading
import time

import pytest

from hardware.printers import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterDependencyMissing,
    PrinterOffline,
    open_printer,
)
from hardware.printers.emulator import PaperState, render_escpos
from hardware.printers.fake_network import StatusResponder
from hardware.printers.transports import EmulatorTransport, FileTransport, SerialTransport, TcpTransport, UsbTransport


# -- URLs ---------------------------------------------------------------------
def test_tcp_url_defaults_to_port_9100():
    p = open_printer("escpos+tcp://192.168.1.50")
    assert isinstance(p.transport, TcpTransport)
    assert (p.transport.host, p.transport.port) == ("192.168.1.50", 9100)
    assert open_printer("escpos+tcp://[::1]:9101").transport.port == 9101


def test_url_options_choose_profile_width_and_code_page():
    p = open_printer("escpos+tcp://192.168.1.50:9100?profile=TM-T20II&width=384&codepage=cp1258&timeout=0.5")
    assert (p.profile.name, p.profile.width_dots, p.profile.text_mode) == ("TM-T20II", 384, "codepage")
    assert p.transport.timeout == 0.5
    assert open_printer("emulator:///tmp/x/?width=384").profile.name == "generic-58"


def test_serial_and_usb_urls():
    serial = open_printer("escpos+serial:///dev/ttyUSB0?baud=19200").transport
    assert isinstance(serial, SerialTransport) and (serial.device, serial.baud) == ("/dev/ttyUSB0", 19200)
    usb = open_printer("escpos+usb://04b8:0e15").transport
    assert isinstance(usb, UsbTransport) and (usb.vendor_id, usb.product_id) == (0x04B8, 0x0E15)
    assert isinstance(open_printer("file:///dev/usb/lp0").transport, FileTransport)
    assert isinstance(open_printer("emulator://out/").transport, EmulatorTransport)


@pytest.mark.parametrize(
    "url,words",
    [
        ("lp://printer", "Không hỗ trợ loại máy in"),
        ("192.168.1.50:9100", "Địa chỉ máy in không hợp lệ"),
        ("escpos+tcp://printer:99999", "Địa chỉ máy in mạng không hợp lệ"),
        ("escpos+usb://epson", "vendor:product"),
        ("escpos+tcp://printer?widht=576", "không được hỗ trợ: widht"),
        ("escpos+tcp://printer?width=500", "Khổ giấy 500"),
        ("escpos+tcp://printer?profile=generic-80&codepage=cp1258", "không có bảng mã cp1258"),
        ("escpos+tcp://printer?profile=Epson-9000", "Không biết loại máy in"),
        ("escpos+serial:///dev/ttyS0?baud=fast", "phải là số nguyên"),
    ],
)
def test_bad_urls_fail_at_configuration_with_a_clear_message(url, words):
    with pytest.raises(PrinterConfigError) as err:
        open_printer(url)
    assert words in err.value.message


# -- TCP against the fake network printer ---------------------------------------
def test_tcp_job_arrives_and_renders(fake_printer, ticket, qr_texts):
    with open_printer(fake_printer.url) as p:
        assert p.test_connection().online
        p.print_ticket(ticket)
    deadline = time.monotonic() + 2
    while b"\x1dV" not in fake_printer.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert qr_texts(fake_printer.render()) == [ticket.qr_url]
    assert p.diagnostics()["counts"]["jobs"] == 1


@pytest.mark.parametrize(
    "fault,error,words",
    [
        ("paper_out", PaperOut, "Máy in hết giấy. Vui lòng chụp lại số thứ tự trên màn hình."),
        ("cover_open", CoverOpen, "Nắp máy in đang mở"),
    ],
)
def test_fault_is_raised_before_anything_is_printed(fake_printer, ticket, fault, error, words):
    setattr(fake_printer, fault, True)
    p = open_printer(fake_printer.url)
    with pytest.raises(error) as err:
        p.print_ticket(ticket)
    assert err.value.message.startswith(words)
    time.sleep(0.05)
    assert fake_printer.job_bytes() == b""  # only status queries went over the wire
    assert getattr(p.status(), fault) is True
    assert p.diagnostics()["counts"]["failed_jobs"] == 1


def test_paper_near_end_still_prints_and_is_reported(fake_printer, ticket):
    fake_printer.paper_near_end = True
    p = open_printer(fake_printer.url)
    p.print_ticket(ticket)
    assert p.last_status.paper_near_end and not p.last_status.paper_out


def test_stopped_printer_is_offline(fake_printer, ticket):
    p = open_printer(fake_printer.url + "&timeout=0.5")
    assert p.status().online
    fake_printer.stop()
    started = time.monotonic()
    with pytest.raises(PrinterOffline) as err:
        p.print_ticket(ticket)
    assert time.monotonic() - started < 2
    assert "Máy in không phản hồi" in err.value.message
    assert p.status().online is False


def test_hung_printer_times_out_as_offline(fake_printer, ticket):
    fake_printer.silent = True
    p = open_printer(fake_printer.url + "&timeout=0.3")
    started = time.monotonic()
    with pytest.raises(PrinterOffline):
        p.print_ticket(ticket)
    assert 0.25 < time.monotonic() - started < 1.5
    assert fake_printer.job_bytes() == b""


# -- file, serial, usb, emulator ------------------------------------------------
def test_file_backend_appends_each_job(tmp_path, ticket, qr_texts):
    target = tmp_path / "lp0"
    p = open_printer(f"file://{target}?width=384")
    assert p.status().readable is False  # a device file cannot answer status queries
    p.print_ticket(ticket)
    first = target.stat().st_size
    p.print_ticket(ticket)
    assert target.stat().st_size == 2 * first
    assert qr_texts(render_escpos(target.read_bytes()[:first], 384)) == [ticket.qr_url]


def test_file_backend_unwritable_path_is_offline(tmp_path, ticket):
    p = open_printer(f"file://{tmp_path}/no/such/dir/lp0")
    with pytest.raises(PrinterOffline):
        p.print_ticket(ticket)


def test_serial_backend_over_a_pty(ticket, qr_texts):
    """A pseudo-terminal stands in for the RS-232 cable; the far end behaves like a printer."""
    master, slave = os.openpty()
    state = PaperState()
    received = bytearray()
    stop = threading.Event()

    def printer_side():
        responder = StatusResponder(state)
        os.set_blocking(master, False)
        while not stop.is_set():
            try:
                chunk = os.read(master, 65536)
            except BlockingIOError:
                time.sleep(0.005)
                continue
            except OSError:
                return
            received.extend(chunk)
            reply = responder.feed(chunk)
            if reply:
                os.write(master, reply)

    thread = threading.Thread(target=printer_side, daemon=True)
    thread.start()
    try:
        import tty

        tty.setraw(slave)  # no echo or newline translation, like a real serial line
        p = open_printer(f"escpos+serial://{os.ttyname(slave)}?baud=19200&width=384&timeout=1")
        assert p.status().online
        p.print_ticket(ticket)
        deadline = time.monotonic() + 3
        while b"\x1bd" not in received[-20:] and time.monotonic() < deadline:
            time.sleep(0.02)
        state.paper_out = True
        with pytest.raises(PaperOut):
            p.print_ticket(ticket)
        p.close()
    finally:
        stop.set()
        thread.join(2)
        os.close(master)
        os.close(slave)
    data = bytes(received)
    assert qr_texts(render_escpos(data, 384)) == [ticket.qr_url]


def test_serial_missing_port_is_offline():
    p = open_printer("escpos+serial:///dev/ttyNOPE9?timeout=0.2")
    with pytest.raises(PrinterOffline):
        p.test_connection()


def test_usb_without_device_fails_clearly():
    p = open_printer("escpos+usb://04b8:0e15?timeout=0.2")
    with pytest.raises((PrinterOffline, PrinterDependencyMissing)) as err:
        p.test_connection()
    assert "USB" in err.value.message or "libusb" in err.value.message


def test_emulator_writes_one_png_per_job(tmp_path, ticket, receipt, qr_texts):
    p = open_printer(f"emulator://{tmp_path}/out/?width=576")
    p.print_ticket(ticket)
    first = p.last_png
    p.print_receipt(receipt)
    assert first != p.last_png
    assert sorted(path.name for path in (tmp_path / "out").glob("*.png")) == sorted([first.name, p.last_png.name])
    from PIL import Image

    assert qr_texts(Image.open(first)) == [ticket.qr_url]
    assert qr_texts(Image.open(p.last_png)) == [receipt.qr_url]


def test_emulator_can_simulate_paper_out_from_config(tmp_path, ticket):
    p = open_printer(f"emulator://{tmp_path}/?paper=out")
    with pytest.raises(PaperOut):
        p.print_ticket(ticket)
    assert list(tmp_path.glob("*.png")) == []
    near = open_printer(f"emulator://{tmp_path}/?paper=near_end")
    assert near.status().paper_near_end


def test_status_polling_while_printing_keeps_the_job_whole(fake_printer, ticket, qr_texts):
    """The kiosk polls status from one thread while another prints: replies never mix into the job."""
    p = open_printer(fake_printer.url)
    stop = threading.Event()
    polled = []

    def poll():
        while not stop.is_set():
            polled.append(p.status().online)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for _ in range(3):
            p.print_ticket(ticket)
    finally:
        stop.set()
        poller.join(2)
    time.sleep(0.1)
    assert polled and all(polled)
    assert qr_texts(fake_printer.render()) == [ticket.qr_url] * 3
