"""What the kiosk and the server hand to a printer, and what a printer reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PrinterStatus:
    """Real-time status; ``readable`` is False when the transport cannot answer queries."""

    online: bool
    paper_out: bool = False
    paper_near_end: bool = False
    cover_open: bool = False
    readable: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TicketPrint:
    """A queue ticket (số thứ tự)."""

    centre_name: str
    service_name: str
    display_number: str
    issued_at: datetime
    people_ahead: int
    estimated_wait_s: int | None
    qr_url: str
    priority_label: str | None = None
    note: str | None = None
    estimated_wait_low_s: int | None = None  # the estimate's range, printed "khoảng 10–15 phút"
    estimated_wait_high_s: int | None = None
    mark: str | None = None  # what kind of ticket, under the service: «Đặt hẹn» for a booked visitor


@dataclass(frozen=True)
class ReceiptPrint:
    """The short dossier receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

    centre_name: str
    dossier_code: str
    qr_url: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime | None
    documents: tuple[str, ...] | list[str] = field(default_factory=tuple)
    fee_vnd: int | None = None
    collect_at: str | None = None
    desk_phone: str | None = None
    contact_lines: tuple[str, ...] | list[str] = field(default_factory=tuple)
