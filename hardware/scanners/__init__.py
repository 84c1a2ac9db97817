"""Scanners: QR/barcode sources behind one interface, chosen by URL."""

from .decode import DEFAULT_BUDGET_S, decode_file, decode_frame
from .errors import ScannerError, ScannerUnavailable

__all__ = ["DEFAULT_BUDGET_S", "decode_file", "decode_frame", "ScannerError", "ScannerUnavailable"]
