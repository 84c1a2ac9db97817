"""The apology letter (phiếu xin lỗi và hẹn lại ngày trả kết quả) as an A4 PDF, like the receipt.

Laid out after the form of TT 01/2018/TT-VPCP (mẫu 04), which the provincial rules refer to
(BP Đ.9 k.3 đ.d, k.4 đ.b and đ.d; Đ.10 k.2 đ.g): the issuing body and the national motto, number,
place and date, the title, "Kính gửi", when and what was received with its code, the appointment
given, why it is not met, the apology and the new appointment, and the signature of the head of
the body that apologises. Two kinds:

- "late": the agency let the dossier pass its appointment; signed by its head.
- "receiving_error": the one-stop desk's own error at receipt (a document it should have asked
  for), sent with the supplement request; signed for the desk. Without a new date the letter says
  the appointment moves by the time the citizen takes to supplement (docs/dossier-clocks.md).
"""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table
from sqlalchemy.orm import Session

from ..centres.models import Agency, Centre
from ..config import Settings
from ..timeutil import aware, local
from .models import Dossier, DossierEvent
from .receipt import BLANK, _build, _p, _styles, vn_datetime


def _when(value: str | None) -> datetime | None:
    return aware(datetime.fromisoformat(value)) if value else None


def apology_lines(session: Session, settings: Settings, dossier: Dossier, event: DossierEvent) -> dict:
    """Every text of the letter (the PDF lays them out; tests read them)."""
    agency = session.get(Agency, dossier.agency_id)
    centre = session.get(Centre, dossier.centre_id)
    kind = (event.data or {}).get("kind", "late")
    issuer = event.agency_name or (agency.name if agency else "")
    addressee = dossier.organisation_name or dossier.applicant_name
    received = local(dossier.received_at)
    issued = local(event.at)
    place = f"{settings.receipt_place}, " if settings.receipt_place else ""
    promised = _when((event.data or {}).get("previous_due_at")) or dossier.original_due_at
    new_due = _when((event.data or {}).get("new_due_at"))
    you = "Ông/Bà" if dossier.applicant_kind != "organisation" else "Quý cơ quan, tổ chức"
    if kind == "receiving_error":
        why = (
            f"Tuy nhiên, do sai sót của công chức Bộ phận Một cửa khi tiếp nhận, hồ sơ của {you} "
            "cần được bổ sung, hoàn thiện."
        )
        signer = "ĐẠI DIỆN BỘ PHẬN MỘT CỬA"
    else:
        why = f"Tuy nhiên đến nay, {issuer} chưa trả kết quả giải quyết hồ sơ cho {you} đúng thời hạn đã hẹn."
        signer = "THỦ TRƯỞNG CƠ QUAN"
    if new_due is not None:
        promise = f"{issuer} xin lỗi {you} và hẹn trả kết quả giải quyết hồ sơ vào {vn_datetime(new_due)}."
    else:
        promise = (
            f"{issuer} xin lỗi {you}. Thời hạn trả kết quả được lùi lại đúng bằng thời gian làm việc {you} "
            "dùng để bổ sung hồ sơ; ngày hẹn mới được thông báo khi nhận đủ hồ sơ bổ sung."
        )
    return {
        "authority": settings.receipt_authority,
        "issuer": issuer,
        "centre": centre.name if centre else "",
        "number": f"Số: {(event.data or {}).get('number', 1)}/PXL-{dossier.code}",
        "place_date": f"{place}ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}",
        "title": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "to": f"Kính gửi: {addressee}",
        "body": [
            f"Ngày {received:%d} tháng {received:%m} năm {received:%Y}, {agency.name if agency else ''} tiếp nhận "
            f"hồ sơ đề nghị giải quyết thủ tục «{dossier.procedure_name}» của {you}; mã số hồ sơ: {dossier.code}.",
            f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {vn_datetime(promised) if promised else BLANK}.",
            why,
            f"Lý do: {event.reason or BLANK}",
            f"Sự việc này đã gây phiền hà cho {you}. {promise}",
            "Xin trân trọng cảm ơn!",
        ],
        "signer": signer,
        "signer_name": event.actor_label or "",
    }


def apology_pdf(session: Session, settings: Settings, dossier: Dossier, event: DossierEvent) -> bytes:
    t = apology_lines(session, settings, dossier, event)
    st = _styles()
    header = Table(
        [
            [_p(t["authority"], st["centre"]), _p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["centre_bold"])],
            [_p(t["issuer"], st["centre_bold"]), _p("Độc lập - Tự do - Hạnh phúc", st["centre_bold"])],
            [_p(t["number"], st["centre"]), _p(t["place_date"], st["centre"])],
        ],
        colWidths=[85 * mm, 95 * mm],
    )
    signature = Table(
        [
            ["", _p(t["signer"], st["centre_bold"])],
            ["", _p("(Ký, ghi rõ họ tên và đóng dấu)", st["centre"])],
            ["", Spacer(1, 22 * mm)],
            ["", _p(t["signer_name"], st["centre"])],
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    story = [
        header,
        Spacer(1, 8 * mm),
        _p(t["title"], st["title"]),
        Spacer(1, 4 * mm),
        _p(t["to"], st["centre_bold"]),
        Spacer(1, 4 * mm),
        *[item for line in t["body"] for item in (_p(line, st["base"]), Spacer(1, 2 * mm))],
        Spacer(1, 6 * mm),
        signature,
    ]
    return _build(story, title=f"Phiếu xin lỗi và hẹn lại {dossier.code}")
