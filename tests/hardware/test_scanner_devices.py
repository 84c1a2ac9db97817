"""Keyboard-wedge and device scanners, the URL registry, repeat suppression, missing cameras."""

import io
import struct
import threading

import pytest

from hardware.scanners import (
    DeviceLineScanner,
    KeyboardWedgeScanner,
    RepeatFilter,
    ScannerError,
    ScannerUnavailable,
    open_scanner,
    scanner_for_url,
)

TOKEN = "Zx8_kQ2-pL0aBc9dEf7G"


def test_wedge_scanner_fed_characters_reports_each_code_at_enter():
    scanner = open_scanner("hid://")
    assert isinstance(scanner, KeyboardWedgeScanner)
    for char in f"MCL:{TOKEN}":
        scanner.feed(char)
    assert scanner.read(timeout=0) == []  # no Enter yet
    scanner.feed_key("enter")
    scanner.feed("000.00.14.H12-250115-0001\r\n")
    assert [s.payload.kind for s in scanner.read(timeout=0)] == ["receipt", "dossier_code"]


def test_wedge_scanner_takes_kivy_style_key_events():
    scanner = open_scanner("hid://")
    for char in "000.00.14.H12150125001":
        scanner.feed_key(char.lower(), text=char)
    scanner.feed_key("shift")  # modifier keys type nothing
    scanner.feed_key("numpadenter")
    [scan] = scanner.read(timeout=0)
    assert scan.payload.as_dict()["code"] == "000.00.14.H12150125001"


def test_read_waits_for_a_code_fed_from_another_thread():
    scanner = open_scanner("hid://")
    threading.Timer(0.05, scanner.feed, args=(f"MCT:{TOKEN}\n",)).start()
    [scan] = scanner.read(timeout=2)
    assert scan.payload.kind == "ticket"


def test_the_same_code_twice_within_the_window_is_reported_once():
    now = [0.0]
    scanner = KeyboardWedgeScanner(repeat_window_s=3.0, clock=lambda: now[0])
    scanner.open()
    scanner.feed(f"MCT:{TOKEN}\nMCT:{TOKEN}\n")
    assert len(scanner.read(timeout=0)) == 1
    now[0] = 2.0
    scanner.feed(f"MCT:{TOKEN}\n")
    assert scanner.read(timeout=0) == []
    now[0] = 6.0  # away longer than the window since it was last seen
    scanner.feed(f"MCT:{TOKEN}\n")
    assert len(scanner.read(timeout=0)) == 1


def test_repeat_filter_window_restarts_on_every_sighting():
    now = [0.0]
    repeats = RepeatFilter(window_s=2.0, clock=lambda: now[0])
    seen = []
    for t in (0.0, 1.5, 3.0, 4.5, 7.0):  # held in view, then away for 2.5 s
        now[0] = t
        seen.append(repeats.admit("A"))
    assert seen == [True, False, False, False, True]
    assert repeats.admit("B") is True


def test_device_scanner_reads_lines_from_a_file(tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text(f"https://x.vn/t/{TOKEN}\nnot a code\n000.00.14.H12-250115-0001", encoding="utf-8")
    with open_scanner(f"hid://{codes}") as scanner:
        scans = scanner.read(timeout=1)
        while len(scans) < 3:
            more = scanner.read(timeout=1)
            assert more, "reader thread stopped early"
            scans += more
    assert [s.payload.kind for s in scans] == ["ticket", "not_recognised", "dossier_code"]


def test_device_scanner_reads_a_text_stream():
    scanner = DeviceLineScanner(stream=io.StringIO("MCL:" + TOKEN + "\n"))
    scanner.open()
    [scan] = scanner.read(timeout=1)
    assert scan.payload.kind == "receipt"


def _key_events(text: str) -> bytes:
    """What /dev/input/eventN delivers while a US-layout wedge scanner types ``text``."""
    codes = {ch: 2 + i for i, ch in enumerate("1234567890-")}
    codes.update({ch: 16 + i for i, ch in enumerate("qwertyuiop")})
    codes.update({ch: 30 + i for i, ch in enumerate("asdfghjkl")})
    codes.update({ch: 44 + i for i, ch in enumerate("zxcvbnm")})
    codes.update({".": 52, "/": 53, "\n": 28, "_": 12, ":": 39})
    event = struct.Struct("llHHi")
    out = b""
    for ch in text:
        shifted = ch.isupper() or ch in "_:"
        code = codes[ch.lower()]
        keys = [(42, 1)] if shifted else []
        keys += [(code, 1), (code, 0)] + ([(42, 0)] if shifted else [])
        for key, value in keys:
            out += event.pack(0, 0, 1, key, value) + event.pack(0, 0, 0, 0, 0)  # EV_KEY then EV_SYN
    return out


def test_input_event_device_is_translated_to_text(tmp_path):
    device = tmp_path / "event7"
    device.write_bytes(_key_events(f"MCL:{TOKEN}\n000.00.14.H12-250115-0001\n"))
    with open_scanner(f"hid://{device}?format=evdev") as scanner:
        scans = scanner.read(timeout=1)
        if len(scans) < 2:
            scans += scanner.read(timeout=1)
    assert [s.payload for s in scans][0].token == TOKEN
    assert scans[1].payload.as_dict()["code"] == "000.00.14.H12-250115-0001"


def test_missing_hid_device_is_unavailable_in_vietnamese():
    with pytest.raises(ScannerUnavailable) as info:
        open_scanner("hid:///dev/input/by-id/usb-no-such-scanner-event-kbd")
    assert info.value.code == "hid_not_found"
    assert "máy quét" in info.value.message_vi


def test_missing_camera_is_unavailable_in_vietnamese():
    for url in ("camera://57", "camera:///dev/video99?width=1280&height=720"):
        with pytest.raises(ScannerUnavailable) as info:
            open_scanner(url)
        assert info.value.code == "camera_not_found"
        assert info.value.message_vi.startswith("Không tìm thấy camera")


@pytest.mark.parametrize("url", ["", "ftp://x", "camera://0?width=wide", "image://", "hid://x?repeat_window=soon"])
def test_bad_scanner_urls_are_typed_errors(url):
    with pytest.raises(ScannerError) as info:
        scanner_for_url(url)
    assert info.value.code == "scanner_url_invalid"
    assert info.value.message_vi


def test_camera_url_options_are_parsed():
    scanner = scanner_for_url("camera://2?width=1280&height=720&repeat_window=5")
    assert (scanner.device, scanner.width, scanner.height) == (2, 1280, 720)
    assert scanner.repeats.window_s == 5.0
    assert scanner_for_url("camera:///dev/video0").device == "/dev/video0"
