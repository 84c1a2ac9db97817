"""Receipt printers: one blocking interface, backends chosen by URL.

>>> p = open_printer("emulator:///tmp/out/?width=576")   # doctest: +SKIP
>>> p.print_ticket(TicketPrint(...))                      # doctest: +SKIP

See docs/hardware.md for URLs, profiles, status codes and the emulator.
"""

from .errors import (
    CoverOpen,
    EscposDecodeError,
    PaperOut,
    PrinterConfigError,
    PrinterDependencyMissing,
    PrinterError,
    PrinterOffline,
)
from .models import PrinterStatus, ReceiptPrint, TicketPrint
from .printer import BACKENDS, Printer, open_printer, register_backend
from .profiles import PROFILES, PrinterProfile, get_profile

__all__ = [
    "BACKENDS",
    "PROFILES",
    "CoverOpen",
    "EscposDecodeError",
    "PaperOut",
    "Printer",
    "PrinterConfigError",
    "PrinterDependencyMissing",
    "PrinterError",
    "PrinterOffline",
    "PrinterProfile",
    "PrinterStatus",
    "ReceiptPrint",
    "TicketPrint",
    "get_profile",
    "open_printer",
    "register_backend",
]
