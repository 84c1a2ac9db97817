"""Typed scanner errors: a stable code for software, a Vietnamese message for people."""

from __future__ import annotations

__all__ = ["ScannerError", "ScannerUnavailable"]


class ScannerError(Exception):
    """A scanner could not do what was asked. ``message_vi`` can be shown at the kiosk."""

    def __init__(self, code: str, message_vi: str, *, detail: str = "") -> None:
        super().__init__(f"{code}: {detail or message_vi}")
        self.code = code
        self.message_vi = message_vi
        self.detail = detail


class ScannerUnavailable(ScannerError):
    """The device or a library it needs is not there (unplugged, busy, not installed)."""
