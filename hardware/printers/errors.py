"""Typed printer errors carrying a Vietnamese message the kiosk can show."""

from __future__ import annotations


class PrinterError(Exception):
    """Base printer error: ``code`` for programs, ``message`` (Vietnamese) for people."""

    code = "printer_error"
    default_message = "Máy in gặp lỗi. Vui lòng báo cán bộ hỗ trợ."

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message if not detail else f"{self.message} ({detail})")


class PaperOut(PrinterError):
    code = "paper_out"
    default_message = "Máy in hết giấy. Vui lòng chụp lại số thứ tự trên màn hình."


class CoverOpen(PrinterError):
    code = "cover_open"
    default_message = "Nắp máy in đang mở. Vui lòng chụp lại số thứ tự trên màn hình và báo cán bộ hỗ trợ."


class PrinterOffline(PrinterError):
    code = "printer_offline"
    default_message = "Máy in không phản hồi. Vui lòng chụp lại số thứ tự trên màn hình và báo cán bộ hỗ trợ."


class PrinterConfigError(PrinterError):
    """Bad printer URL or settings (seen by the technician who configures the kiosk)."""

    code = "printer_config"
    default_message = "Cấu hình máy in không hợp lệ."


class PrinterDependencyMissing(PrinterError):
    """An optional library (pyusb, pyserial) is needed to open this kind of printer."""

    code = "printer_dependency_missing"
    default_message = "Thiếu thư viện điều khiển máy in trên máy này."


class EscposDecodeError(PrinterError):
    """The emulator met bytes it does not understand; it never guesses."""

    code = "escpos_decode"
    default_message = "Dữ liệu in không hợp lệ."
