"""The ticket and the receipt as data: a list of elements filled from one dict.

A text element whose fields are empty is left out, so an optional field
(priority, note, appointment) needs no branch in code.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from datetime import datetime

from .models import ReceiptPrint, TicketPrint
from .profiles import PrinterProfile
from .render import EscposJob

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Text:
    template: str
    style: str = "normal"
    align: str = "center"


@dataclass(frozen=True)
class Items:
    """One line per entry of a list field, numbered when ``numbered``."""

    field: str
    style: str = "normal"
    align: str = "left"
    numbered: bool = True


@dataclass(frozen=True)
class Qr:
    field: str


@dataclass(frozen=True)
class Rule:
    pass


@dataclass(frozen=True)
class Feed:
    lines: int = 1


TICKET_LAYOUT = (
    Text("{centre_name}", "heading"),
    Rule(),
    Text("SỐ THỨ TỰ CỦA BẠN", "strong"),
    Text("{display_number}", "number"),
    Text("{service_name}", "heading"),
    Text("{mark}", "strong"),
    Text("ƯU TIÊN: {priority_label}", "heading"),
    Text("Giờ lấy số: {issued_at}"),
    Text("Số người đang chờ trước bạn: {people_ahead}"),
    Text("Thời gian chờ dự kiến: {estimated_wait}"),
    Qr("qr_url"),
    Text("Quét mã QR để theo dõi lượt gọi trên điện thoại", "small"),
    Text("{note}", "small"),
)

RECEIPT_LAYOUT = (
    Text("{centre_name}", "heading"),
    Rule(),
    Text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "heading"),
    Text("Mã hồ sơ: {dossier_code}", "strong"),
    Qr("qr_url"),
    Text("Quét mã QR để tra cứu tình trạng hồ sơ", "small"),
    Rule(),
    Text("Người nộp: {applicant_name}", align="left"),
    Text("Thủ tục: {procedure_name}", align="left"),
    Text("Thời gian nhận: {received_at}", align="left"),
    Text("Hẹn trả kết quả: {appointment_at}", "strong", align="left"),
    Text("Giấy tờ đã nộp:", align="left"),
    Items("documents"),
    Text("Lệ phí: {fee}", align="left"),
    Text("Nơi nhận kết quả: {collect_at}", align="left"),
    Text("Điện thoại bộ phận một cửa: {desk_phone}", align="left"),
    Rule(),
    Items("contact_lines", "small", numbered=False),
)


def format_time(moment: datetime | None) -> str:
    """hh:mm dd/mm/yyyy, the form the regulations print."""
    return moment.strftime("%H:%M %d/%m/%Y") if moment else ""


def wait_range_minutes(wait_s: float, low_s: float | None = None, high_s: float | None = None) -> tuple[int, int]:
    """The minutes to show of an estimate: (m, m) for one figure, (low, high) for its range.

    The range is rounded outwards, to the minute under 20 minutes and to five minutes above; when
    it spans no more than one such step (or two minutes) the figure alone is shown (the server is
    sure of it).
    """
    m = round(wait_s / 60)
    if low_s is None or high_s is None or high_s <= low_s:
        return m, m
    step = 5 if high_s >= 20 * 60 else 1
    lo = math.floor(low_s / 60 / step) * step
    hi = max(math.ceil(high_s / 60 / step) * step, lo)
    if hi - lo <= max(step, 2):
        return m, m
    return lo, hi


def _span(minutes: int) -> str:
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} phút"
    return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")


def format_wait(seconds: int | None, low_s: int | None = None, high_s: int | None = None) -> str:
    """'khoảng 15 phút', or the range when the server gives one: 'khoảng 10–15 phút'."""
    if seconds is None:
        return ""
    lo, hi = wait_range_minutes(seconds, low_s, high_s)
    if hi < 1:
        return "dưới 1 phút"
    if lo == hi:
        return f"khoảng {_span(hi)}"
    if lo == 0:
        return f"dưới {_span(hi)}"
    if hi < 60:
        return f"khoảng {lo}–{hi} phút"
    return f"khoảng {_span(lo)} – {_span(hi)}"


def format_fee(fee_vnd: int | None) -> str:
    if not fee_vnd:
        return "Không thu phí"
    return f"{fee_vnd:,} đồng".replace(",", ".")


def ticket_fields(t: TicketPrint) -> dict:
    return {
        "centre_name": t.centre_name,
        "service_name": t.service_name,
        "display_number": t.display_number,
        "priority_label": t.priority_label,
        "issued_at": format_time(t.issued_at),
        "people_ahead": str(max(0, int(t.people_ahead))),
        "estimated_wait": format_wait(t.estimated_wait_s, t.estimated_wait_low_s, t.estimated_wait_high_s),
        "qr_url": t.qr_url,
        "note": t.note,
        "mark": t.mark,
    }


def receipt_fields(r: ReceiptPrint) -> dict:
    return {
        "centre_name": r.centre_name,
        "dossier_code": r.dossier_code,
        "qr_url": r.qr_url,
        "applicant_name": r.applicant_name,
        "procedure_name": r.procedure_name,
        "received_at": format_time(r.received_at),
        "appointment_at": format_time(r.appointment_at),
        "documents": list(r.documents),
        "fee": format_fee(r.fee_vnd),
        "collect_at": r.collect_at,
        "desk_phone": r.desk_phone,
        "contact_lines": list(r.contact_lines),
    }


def _fill(template: str, fields: dict) -> str | None:
    names = [name for _, name, _, _ in _FORMATTER.parse(template) if name]
    if any(fields.get(name) in (None, "") for name in names):
        return None
    return template.format(**fields)


def _emit(job: EscposJob, element, fields: dict) -> None:
    if isinstance(element, Text):
        text = _fill(element.template, fields)
        if text is not None:
            job.text(text, element.style, element.align)
    elif isinstance(element, Items):
        for i, item in enumerate(fields.get(element.field) or [], start=1):
            job.text(f"{i}. {item}" if element.numbered else str(item), element.style, element.align)
    elif isinstance(element, Qr):
        job.qr(fields.get(element.field) or "")
    elif isinstance(element, Rule):
        job.rule()
    elif isinstance(element, Feed):
        job.feed(element.lines)
    else:
        raise TypeError(f"unknown layout element {element!r}")


def build_job(layout, fields: dict, profile: PrinterProfile) -> bytes:
    """Lay out ``fields`` with ``layout`` for ``profile`` and return ESC/POS bytes."""
    job = EscposJob(profile)
    for element in layout:
        _emit(job, element, fields)
    return job.finish()


def ticket_job(t: TicketPrint, profile: PrinterProfile) -> bytes:
    return build_job(TICKET_LAYOUT, ticket_fields(t), profile)


def receipt_job(r: ReceiptPrint, profile: PrinterProfile) -> bytes:
    return build_job(RECEIPT_LAYOUT, receipt_fields(r), profile)
