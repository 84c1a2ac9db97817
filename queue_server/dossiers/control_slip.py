"""The control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, mẫu 05) exported from the history."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table
from sqlalchemy.orm import Session

from ..centres.models import Agency, Centre
from .lifecycle import STATUS_LABELS
from .models import Dossier, DossierEvent
from .receipt import GRID, _build, _kv, _p, _styles, vn_datetime

EVENT_LABELS = {
    "created": "Tiếp nhận hồ sơ",
    "amended": "Sửa đổi thông tin hồ sơ",
    "apology": "Phiếu xin lỗi và hẹn lại",
    "token_revoked": "Cấp lại mã tra cứu (thu hồi mã QR cũ)",
    "synced": "Cập nhật từ Hệ thống một cửa điện tử",
}


def timeliness(dossier: Dossier, event: DossierEvent) -> str:
    """Trước hạn / Đúng hạn / Quá hạn of one handover, against the appointment in force."""
    due = dossier.original_due_at or dossier.due_at
    if due is None:
        return ""
    if event.at > due:
        return "Quá hạn"
    if event.to_status == "result_ready" and event.at.date() < due.date():
        return "Trước hạn"
    return "Đúng hạn"


def _step(event: DossierEvent) -> str:
    if event.type == "transition" or (event.type == "synced" and event.to_status):
        text = f"{STATUS_LABELS.get(event.from_status or '', event.from_status or '')} → {STATUS_LABELS.get(event.to_status or '', event.to_status or '')}"
    else:
        text = EVENT_LABELS.get(event.type, event.type)
    if event.type == "apology":
        if (event.data or {}).get("kind") == "receiving_error":
            text += " của Bộ phận Một cửa (lỗi khi tiếp nhận)"
        new_due = (event.data or {}).get("new_due_at")
        if new_due:
            text += f" (hẹn lại: {vn_datetime(datetime.fromisoformat(new_due))})"
    return text


def control_slip_pdf(session: Session, dossier: Dossier, events: list[DossierEvent]) -> bytes:
    st = _styles()
    agency = session.get(Agency, dossier.agency_id)
    centre = session.get(Centre, dossier.centre_id)
    rows = [
        [
            _p(h, st["centre_bold"])
            for h in (
                "Tên cơ quan",
                "Thời gian giao, nhận hồ sơ",
                "Nội dung xử lý, người thực hiện",
                "Kết quả giải quyết hồ sơ (trước hạn/đúng hạn/quá hạn)",
                "Ghi chú",
            )
        ]
    ]
    for e in events:
        who = e.actor_label or ""
        rows.append(
            [
                _p(e.agency_name or (agency.name if agency else ""), st["small"]),
                _p(vn_datetime(e.at), st["small"]),
                Paragraph(f"{escape(_step(e))}<br/>{escape(who)}", st["small"]),
                _p(timeliness(dossier, e), st["small"]),
                _p(e.reason or "", st["small"]),
            ]
        )
    table = Table(rows, colWidths=[35 * mm, 33 * mm, 52 * mm, 30 * mm, 30 * mm], repeatRows=1)
    table.setStyle(GRID)
    story = [
        _p(centre.name if centre else "", st["centre_bold"]),
        _p("Mẫu số 05", st["centre"]),
        Spacer(1, 3 * mm),
        _p("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", st["title"]),
        Spacer(1, 3 * mm),
        _kv("Mã hồ sơ", dossier.code, st),
        _kv("Kèm theo hồ sơ của", dossier.organisation_name or dossier.applicant_name, st),
        _kv("Thủ tục hành chính", f"{dossier.procedure_code} – {dossier.procedure_name}", st),
        _kv("Cơ quan (bộ phận) giải quyết hồ sơ", dossier.department or (agency.name if agency else ""), st),
        _kv("Ngày nhận hồ sơ", vn_datetime(dossier.received_at), st),
        _kv("Ngày hẹn trả kết quả", vn_datetime(dossier.due_at), st),
        _kv("Tình trạng hiện nay", STATUS_LABELS[dossier.status], st),
        Spacer(1, 4 * mm),
        table,
    ]
    return _build(story, title=f"Phiếu kiểm soát {dossier.code}")
