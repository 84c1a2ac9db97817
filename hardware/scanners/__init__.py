"""Scanners: QR/barcode sources behind one interface, chosen by URL.

scanner = open_scanner("camera://0?width=1280&height=720")  # or hid://, image://x.png
for scan in scanner.read(timeout=0.1):   # blocking: call from a worker thread
    payload = scan.payload               # hardware.payloads.Payload, masked when printed
"""

from .base import DEFAULT_REPEAT_WINDOW_S, RepeatFilter, Scan, Scanner
from .decode import DEFAULT_BUDGET_S, FrameReport, decode_file, decode_frame, inspect_frame
from .errors import ScannerError, ScannerUnavailable
from .hid import DeviceLineScanner, KeyboardWedgeScanner
from .multiframe import GUIDANCE_VI, Guidance, MultiFrameReader, Reading
from .registry import open_scanner, register_scanner, scanner_for_url
from .sources import CameraScanner, ImageScanner

__all__ = [
    "DEFAULT_BUDGET_S",
    "DEFAULT_REPEAT_WINDOW_S",
    "CameraScanner",
    "DeviceLineScanner",
    "FrameReport",
    "GUIDANCE_VI",
    "Guidance",
    "MultiFrameReader",
    "Reading",
    "ImageScanner",
    "KeyboardWedgeScanner",
    "RepeatFilter",
    "Scan",
    "Scanner",
    "ScannerError",
    "ScannerUnavailable",
    "decode_file",
    "decode_frame",
    "inspect_frame",
    "open_scanner",
    "register_scanner",
    "scanner_for_url",
]
