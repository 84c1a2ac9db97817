"""The printer interface and the URL registry that picks a transport.

Every method blocks on I/O: the kiosk calls them from a worker thread (or
``asyncio.to_thread``), never on the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .emulator import DLE, EOT, PaperState, default_code_pages
from .errors import CoverOpen, PaperOut, PrinterConfigError, PrinterError, PrinterOffline
from .layouts import receipt_job, ticket_job
from .models import PrinterStatus, ReceiptPrint, TicketPrint
from .profiles import PrinterProfile, get_profile
from .transports import (
    DEFAULT_TIMEOUT_S,
    EmulatorTransport,
    FileTransport,
    SerialTransport,
    TcpTransport,
    Transport,
    UsbTransport,
)

log = logging.getLogger(__name__)

# A DLE EOT reply always has bit 1 and bit 4 set and bit 0 and bit 7 clear.
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12


@dataclass
class PrinterUrl:
    """A printer URL split into parts; backends pop their own options."""

    url: str
    scheme: str
    target: str
    options: dict[str, str]

    @classmethod
    def parse(cls, url: str) -> PrinterUrl:
        scheme, sep, rest = url.partition("://")
        if not sep or not scheme:
            raise PrinterConfigError(f"Địa chỉ máy in không hợp lệ: {url!r}", detail="expected scheme://target")
        target, _, query = rest.partition("?")
        try:
            options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
        except ValueError as exc:
            raise PrinterConfigError(f"Tham số máy in không hợp lệ: {query!r}") from exc
        return cls(url, scheme.lower(), target, options)

    def pop_int(self, key: str, default: int | None = None) -> int | None:
        value = self.options.pop(key, None)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise PrinterConfigError(f"Tham số {key}={value!r} phải là số nguyên.") from None

    def pop_float(self, key: str, default: float) -> float:
        value = self.options.pop(key, None)
        try:
            return default if value is None else float(value)
        except ValueError:
            raise PrinterConfigError(f"Tham số {key}={value!r} phải là số.") from None


BackendFactory = Callable[[PrinterUrl, PrinterProfile, float], Transport]
BACKENDS: dict[str, BackendFactory] = {}


def register_backend(scheme: str) -> Callable[[BackendFactory], BackendFactory]:
    """Make ``scheme://`` URLs open with the decorated transport factory."""

    def decorate(factory: BackendFactory) -> BackendFactory:
        BACKENDS[scheme] = factory
        return factory

    return decorate


@register_backend("escpos+tcp")
def _tcp(url: PrinterUrl, profile: PrinterProfile, timeout: float) -> Transport:
    host, port = url.target.rstrip("/"), "9100"
    if host.startswith("["):  # [IPv6]:port
        host, _, tail = host[1:].partition("]")
        port = tail.lstrip(":") or port
    elif ":" in host:
        host, port = host.rsplit(":", 1)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise PrinterConfigError(f"Địa chỉ máy in mạng không hợp lệ: {url.target!r}", detail=url.url)
    return TcpTransport(host, int(port), timeout)


@register_backend("escpos+serial")
def _serial(url: PrinterUrl, profile: PrinterProfile, timeout: float) -> Transport:
    if not url.target:
        raise PrinterConfigError("Thiếu tên cổng COM của máy in.", detail=url.url)
    return SerialTransport(url.target, url.pop_int("baud", 9600), timeout)


@register_backend("escpos+usb")
def _usb(url: PrinterUrl, profile: PrinterProfile, timeout: float) -> Transport:
    vendor, sep, product = url.target.strip("/").partition(":")
    try:
        if not sep:
            raise ValueError
        vendor_id, product_id = int(vendor, 16), int(product, 16)
        if not (0 <= vendor_id <= 0xFFFF and 0 <= product_id <= 0xFFFF):
            raise ValueError
    except ValueError:
        raise PrinterConfigError(
            f"Mã USB của máy in phải có dạng vendor:product (hệ 16), ví dụ 04b8:0e15; nhận được {url.target!r}.",
            detail=url.url,
        ) from None
    return UsbTransport(vendor_id, product_id, timeout)


@register_backend("file")
def _file(url: PrinterUrl, profile: PrinterProfile, timeout: float) -> Transport:
    if not url.target:
        raise PrinterConfigError("Thiếu đường dẫn tệp thiết bị máy in.", detail=url.url)
    return FileTransport(url.target)


@register_backend("emulator")
def _emulator(url: PrinterUrl, profile: PrinterProfile, timeout: float) -> Transport:
    if not url.target:
        raise PrinterConfigError("Thiếu thư mục lưu ảnh của máy in giả lập.", detail=url.url)
    # Faults can be set from configuration, so a kiosk can be tried against a "paper out" printer.
    paper, cover = url.options.pop("paper", "ok"), url.options.pop("cover", "closed")
    if paper not in ("ok", "near_end", "out") or cover not in ("closed", "open"):
        raise PrinterConfigError("Máy in giả lập chỉ nhận paper=ok|near_end|out và cover=closed|open.", detail=url.url)
    state = PaperState(paper_out=paper == "out", paper_near_end=paper == "near_end", cover_open=cover == "open")
    code_pages = default_code_pages() | {n: name for name, n in profile.code_pages.items()}
    return EmulatorTransport(url.target, profile.width_dots, code_pages, state)


class Printer:
    """One receipt printer. Blocking; opens its device on first use.

    Safe to share between a status-polling thread and a printing thread: one
    lock keeps a status query from landing in the middle of a job.
    """

    def __init__(self, url: str, transport: Transport, profile: PrinterProfile) -> None:
        self.url, self.transport, self.profile = url, transport, profile
        self.last_status: PrinterStatus | None = None
        self.last_error: PrinterError | None = None
        self.counts = {"jobs": 0, "bytes": 0, "failed_jobs": 0, "status_queries": 0}
        self._available: bool | None = None
        self._offline_cause: PrinterOffline | None = None
        self._lock = threading.RLock()

    # -- lifecycle ----------------------------------------------------------
    def test_connection(self) -> PrinterStatus:
        """Open the device and read its status; raise the typed error that stops printing."""
        status = self.status()
        _raise_for(status, cause=self._offline_cause)
        return status

    def status(self) -> PrinterStatus:
        """Real-time status via DLE EOT 1/2/4 where the transport can read; else "online" once opened."""
        with self._lock:
            return self._status()

    def _status(self) -> PrinterStatus:
        self.counts["status_queries"] += 1
        self._offline_cause = None
        try:
            self.transport.open()
            if not self.transport.can_read:
                status = PrinterStatus(online=True, readable=False)
            else:
                printer, offline_cause, paper = (self._ask(n) for n in (1, 2, 4))
                status = PrinterStatus(
                    online=not printer & 0x08,
                    cover_open=bool(offline_cause & 0x04),
                    paper_out=bool(paper & 0x60) or bool(offline_cause & 0x20),
                    paper_near_end=bool(paper & 0x0C),
                )
        except PrinterOffline as exc:
            self.last_error = self._offline_cause = exc
            status = PrinterStatus(online=False, readable=self.transport.can_read)
        self._record(status)
        return status

    def _ask(self, n: int) -> int:
        reply = self.transport.query(bytes([DLE, EOT, n]))
        if len(reply) != 1 or reply[0] & _FIXED_MASK != _FIXED_BITS:
            raise PrinterOffline(detail=f"garbled status reply {reply.hex()} to DLE EOT {n}")
        return reply[0]

    def _record(self, status: PrinterStatus) -> None:
        self.last_status = status
        available = status.online and not status.paper_out and not status.cover_open
        if available != self._available:  # report once per change, not on every poll
            log.info(
                "printer %s %s: %s",
                self.transport.description,
                "available" if available else "unavailable",
                status.as_dict(),
            )
            self._available = available

    def _failed(self, exc: PrinterError) -> None:
        self.last_error = exc
        self.counts["failed_jobs"] += 1

    # -- printing -----------------------------------------------------------
    def print_ticket(self, ticket: TicketPrint) -> None:
        self.print_bytes(ticket_job(ticket, self.profile))

    def print_receipt(self, receipt: ReceiptPrint) -> None:
        self.print_bytes(receipt_job(receipt, self.profile))

    def print_bytes(self, job: bytes) -> None:
        """Check the paper and cover first, so a visitor is told before nothing comes out."""
        with self._lock:
            self._print_bytes(job)

    def _print_bytes(self, job: bytes) -> None:
        status = self.status()
        if status.readable or not status.online:
            _raise_for(status, self._failed, self._offline_cause)
        try:
            self.transport.write(job)
        except PrinterError as exc:
            self._failed(exc)
            self._record(PrinterStatus(online=False, readable=self.transport.can_read))
            raise
        self.counts["jobs"] += 1
        self.counts["bytes"] += len(job)

    @property
    def last_png(self):
        """The last job's PNG (emulator backend only; None elsewhere)."""
        return getattr(self.transport, "last_png", None)

    def diagnostics(self) -> dict[str, Any]:
        """A dump for the technician: no personal data is kept here."""
        return {
            "url": self.url,
            "transport": self.transport.description,
            "profile": self.profile.as_dict(),
            "last_status": self.last_status.as_dict() if self.last_status else None,
            "last_error": {
                "code": self.last_error.code,
                "message": self.last_error.message,
                "detail": self.last_error.detail,
            }
            if self.last_error
            else None,
            "counts": dict(self.counts),
        }

    def close(self) -> None:
        with self._lock:
            self.transport.close()

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _raise_for(
    status: PrinterStatus, on_error: Callable[[PrinterError], None] | None = None, cause: PrinterError | None = None
) -> None:
    error: PrinterError | None = None
    if status.cover_open:
        error = CoverOpen()
    elif status.paper_out:
        error = PaperOut()
    elif not status.online:
        # Keep the transport's detail (refused, timed out) for the technician.
        error = cause if isinstance(cause, PrinterOffline) else PrinterOffline()
    if error is not None:
        if on_error:
            on_error(error)
        raise error


def open_printer(url: str, *, timeout: float | None = None) -> Printer:
    """Build a printer from its URL (see docs/hardware.md); the device opens on first use.

    Common options: ``profile``, ``width`` (384 or 576), ``codepage`` (e.g. cp1258),
    ``timeout`` (seconds). Bad URLs raise :class:`PrinterConfigError` here.
    """
    parsed = PrinterUrl.parse(url)
    factory = BACKENDS.get(parsed.scheme)
    if factory is None:
        raise PrinterConfigError(
            f"Không hỗ trợ loại máy in '{parsed.scheme}'. Dùng một trong: {', '.join(sorted(BACKENDS))}.",
            detail=url,
        )
    profile = get_profile(
        parsed.options.pop("profile", None),
        width=parsed.pop_int("width"),
        codepage=parsed.options.pop("codepage", None),
    )
    timeout = parsed.pop_float("timeout", timeout or DEFAULT_TIMEOUT_S)
    transport = factory(parsed, profile, timeout)
    if parsed.options:
        raise PrinterConfigError(f"Tham số máy in không được hỗ trợ: {', '.join(sorted(parsed.options))}.", detail=url)
    return Printer(url, transport, profile)
