"""The receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả; AG appendix, BP Đ.18) as a PDF and a thermal print.

Every field of domain.md §6, front and back, in one place (`receipt_data`) so the A4 PDF and the
80 mm thermal slip cannot drift apart. Fonts are the shipped DejaVu (Vietnamese), embedded.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from ..centres.models import Agency, Centre
from ..config import Settings
from ..errors import DomainError
from ..timeutil import local
from . import time_limits
from .models import Dossier
from .service import history_of, lookup_url, procedure_snapshot

FONT_DIR = Path(__file__).resolve().parents[2] / "hardware" / "fonts"
BLANK = "…………………………"
NOT_CHARGED = "Không thu phí"


def register_fonts() -> None:
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")


def vn_datetime(dt: datetime | None) -> str:
    return local(dt).strftime("%H giờ %M phút, ngày %d/%m/%Y") if dt else BLANK


@dataclass
class ReceiptData:
    authority: str
    centre_name: str
    desk_name: str
    place_date: str
    number: str
    code: str
    lookup_url: str
    applicant_name: str
    organisation_name: str | None
    address: str | None
    phone: str | None
    email: str | None
    content: str
    procedure: str
    documents: list[tuple[str, int]]
    sets: int
    processing_time: str
    received_at: datetime
    due_at: datetime | None
    collect_at: str
    ledger: str
    fees: str
    desk_phone: str | None
    receiving_officer: str | None
    back_lines: list[str] = field(default_factory=list)


BACK_INTRO = (
    "Đến thời hạn giải quyết thủ tục hành chính ghi trong phiếu hẹn nhưng chưa có kết quả, hoặc cán bộ, "
    "công chức có hành vi yêu cầu nộp thêm các loại giấy tờ ngoài danh mục ghi trong phiếu, hoặc để phản ánh "
    "về thái độ giao tiếp, ứng xử của cán bộ, công chức, vui lòng liên hệ:"
)


_UNIT = re.compile(r"(\d+)\s+(Ngày|Giờ|Tháng)\b")


def processing_time_label(days: int | None, catalogue_text: str | None = None) -> str:
    """The time limit as the receipt states it: 'Trong ngày', '3 ngày làm việc', or, when the
    catalogue gives no whole number of working days ('1 Giờ', '20 Ngày', per channel), its own
    wording, so a procedure measured in hours or calendar days never reads '0 ngày làm việc'."""
    if days is None:
        if catalogue_text:
            return _UNIT.sub(lambda m: f"{int(m.group(1))} {m.group(2).lower()}", catalogue_text)
        return BLANK
    return "Trong ngày" if days == 0 else f"{days} ngày làm việc"


def _processing_time(session: Session, dossier: Dossier) -> str:
    """The limit the dossier was received with, in its own unit ('Trong ngày', '3 ngày làm việc',
    '10 ngày', '2 giờ làm việc'); for a limit the catalogue states unreadably, its own wording."""
    unit = dossier.processing_unit or time_limits.WORKING_DAYS
    if unit != time_limits.UNKNOWN:
        return time_limits.TimeLimit(dossier.processing_days or 0, unit).label()
    try:
        procedure = procedure_snapshot(session, dossier.procedure_code) if dossier.procedure_code else None
    except DomainError:
        procedure = None
    return processing_time_label(None, procedure.processing_time_text if procedure else None)


def receipt_data(session: Session, settings: Settings, dossier: Dossier) -> ReceiptData:
    cfg = settings
    agency = session.get(Agency, dossier.agency_id)
    centre = session.get(Centre, dossier.centre_id)
    url = lookup_url(settings, dossier)
    received = local(dossier.received_at)
    place = f"{cfg.receipt_place}, " if cfg.receipt_place else ""
    created = next((e for e in history_of(session, dossier) if e.type == "created"), None)
    collect = (
        "Qua dịch vụ bưu chính công ích, theo địa chỉ người nộp đã đăng ký"
        if dossier.return_method == "post"
        else f"Bộ phận Một cửa – {agency.name}, {centre.name}" + (f", {centre.address}" if centre.address else "")
    )
    head = (
        cfg.receipt_agency_head_contact
        or ", ".join(
            x
            for x in (
                f"điện thoại {agency.phone}" if agency.phone else "",
                f"email {agency.email}" if agency.email else "",
            )
            if x
        )
        or BLANK
    )
    public_base = settings.public_base_url.rstrip("/")
    websites = f"{public_base}/l" + (f"; {cfg.receipt_lookup_websites}" if cfg.receipt_lookup_websites else "")
    return ReceiptData(
        authority=cfg.receipt_authority,
        centre_name=centre.name,
        desk_name=f"Bộ phận Một cửa – {agency.name}",
        place_date=f"{place}ngày {received:%d} tháng {received:%m} năm {received:%Y}",
        number=f"{dossier.ledger_seq or ''}/{dossier.ledger_book or ''}",
        code=dossier.code,
        lookup_url=url,
        applicant_name=dossier.applicant_name,
        organisation_name=dossier.organisation_name,
        address=dossier.applicant_address,
        phone=dossier.applicant_phone,
        email=dossier.applicant_email,
        content=dossier.content or dossier.procedure_name,
        procedure=f"{dossier.procedure_code} – {dossier.procedure_name}",
        documents=[(str(d.get("name", "")), int(d.get("copies", 1) or 1)) for d in dossier.documents or []],
        sets=dossier.sets,
        processing_time=_processing_time(session, dossier),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        collect_at=collect,
        ledger=f"Quyển số {dossier.ledger_book or BLANK}, số thứ tự {dossier.ledger_seq or BLANK}",
        fees=dossier.fee_text or NOT_CHARGED,
        desk_phone=agency.phone or centre.phone,
        receiving_officer=created.actor_label if created else None,
        back_lines=[
            f"a) Thủ trưởng cơ quan giải quyết thủ tục hành chính ({agency.name}): {head}",
            f"b) Văn phòng Ủy ban nhân dân tỉnh: {cfg.receipt_provincial_office_contact or BLANK}",
            f"c) Tổ Kiểm tra cải cách hành chính: {cfg.receipt_inspection_contact or BLANK}",
            f"d) Địa chỉ trên Internet để tra cứu tình trạng hồ sơ: {websites}",
            f"đ) Tài khoản Zalo tra cứu tình trạng hồ sơ: {cfg.receipt_zalo_account or BLANK}",
        ],
    )


def qr_png(text: str, box: int = 6) -> bytes:
    img = qrcode.make(text, box_size=box, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName="DejaVuSans", fontSize=10, leading=13.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER),
        "centre_bold": ParagraphStyle("centre_bold", parent=base, alignment=TA_CENTER, fontName="DejaVuSans-Bold"),
        "title": ParagraphStyle(
            "title", parent=base, alignment=TA_CENTER, fontName="DejaVuSans-Bold", fontSize=13, leading=17
        ),
    }


def _p(text: str | None, style) -> Paragraph:
    return Paragraph(escape(text or ""), style)


def _kv(label: str, value: str | None, st) -> Paragraph:
    return Paragraph(f"<b>{escape(label)}:</b> {escape(value or BLANK)}", st["base"])


def _front(r: ReceiptData, copy: str, st) -> list:
    header = Table(
        [
            [_p(r.authority, st["centre"]), _p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["centre_bold"])],
            [_p(r.centre_name, st["centre_bold"]), _p("Độc lập - Tự do - Hạnh phúc", st["centre_bold"])],
            [_p(f"Số: {r.number}", st["centre"]), _p(r.place_date, st["centre"])],
        ],
        colWidths=[85 * mm, 95 * mm],
    )
    qr = Image(io.BytesIO(qr_png(r.lookup_url)), width=30 * mm, height=30 * mm)
    code_block = Table(
        [
            [
                [
                    _p("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", st["title"]),
                    Spacer(1, 2 * mm),
                    _p(f"Mã hồ sơ: {r.code}", st["centre_bold"]),
                    _p(copy, st["centre"]),
                ],
                qr,
            ]
        ],
        colWidths=[145 * mm, 35 * mm],
    )
    code_block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    docs = [_p(f"{i}. {name} — {copies} bản", st["base"]) for i, (name, copies) in enumerate(r.documents, 1)] or [
        _p(BLANK, st["base"])
    ]
    body = [
        header,
        Spacer(1, 4 * mm),
        code_block,
        Spacer(1, 3 * mm),
        _p(f"{r.desk_name} ({r.centre_name}) tiếp nhận hồ sơ của:", st["base"]),
        _kv("Ông/Bà", r.applicant_name, st),
    ]
    if r.organisation_name:
        body.append(_kv("Tổ chức", r.organisation_name, st))
    body += [
        _kv("Địa chỉ", r.address, st),
        _kv("Số điện thoại", r.phone, st),
        _kv("Email", r.email, st),
        _kv("Nội dung yêu cầu giải quyết", r.content, st),
        _kv("Thủ tục hành chính", r.procedure, st),
        Paragraph("<b>Thành phần hồ sơ nộp gồm:</b>", st["base"]),
        *docs,
        _kv("Số lượng hồ sơ", f"{r.sets} bộ", st),
        _kv("Thời gian giải quyết hồ sơ theo quy định", r.processing_time, st),
        _kv("Thời gian nhận hồ sơ", vn_datetime(r.received_at), st),
        _kv("Thời gian trả kết quả giải quyết hồ sơ", vn_datetime(r.due_at), st),
        _kv("Nhận kết quả tại", r.collect_at, st),
        _kv("Vào Sổ theo dõi hồ sơ", r.ledger, st),
        _kv("Phí, lệ phí", r.fees, st),
        _kv("Số điện thoại Bộ phận Một cửa", r.desk_phone, st),
        _kv("Tra cứu tình trạng hồ sơ", r.lookup_url, st),
        Spacer(1, 6 * mm),
        Table(
            [
                [_p("NGƯỜI NỘP HỒ SƠ", st["centre_bold"]), _p("NGƯỜI TIẾP NHẬN HỒ SƠ", st["centre_bold"])],
                [_p("(Ký và ghi rõ họ tên)", st["centre"]), _p("(Ký và ghi rõ họ tên)", st["centre"])],
                [Spacer(1, 14 * mm), Spacer(1, 14 * mm)],
                [_p(r.applicant_name, st["centre"]), _p(r.receiving_officer or "", st["centre"])],
            ],
            colWidths=[90 * mm, 90 * mm],
        ),
    ]
    return body


def _back(r: ReceiptData, st) -> list:
    return [
        _p("THÔNG TIN LIÊN HỆ", st["title"]),
        Spacer(1, 4 * mm),
        _p(BACK_INTRO, st["base"]),
        Spacer(1, 2 * mm),
        *[_p(line, st["base"]) for line in r.back_lines],
    ]


def receipt_pdf(session: Session, settings: Settings, dossier: Dossier) -> bytes:
    """Four A4 pages for duplex printing: copy 1 (kept by the desk) front/back, copy 2 (citizen) front/back."""
    r = receipt_data(session, settings, dossier)
    st = _styles()
    story: list = []
    for i, copy in enumerate(("Liên 1: Lưu tại Bộ phận Một cửa", "Liên 2: Giao cho người nộp hồ sơ")):
        if i:
            story.append(PageBreak())
        story += _front(r, copy, st) + [PageBreak()] + _back(r, st)
    return _build(story, title=f"Giấy tiếp nhận hồ sơ {r.code}")


def _build(story: list, title: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="Motcua QMS",
    )
    doc.build(story)
    return buf.getvalue()


def receipt_print(session: Session, settings: Settings, dossier: Dossier):
    """The same receipt as a thermal-printer job (hardware.printers.ReceiptPrint)."""
    from hardware.printers import ReceiptPrint

    r = receipt_data(session, settings, dossier)
    return ReceiptPrint(
        centre_name=r.centre_name,
        dossier_code=r.code,
        qr_url=r.lookup_url,
        applicant_name=r.applicant_name,
        procedure_name=dossier.procedure_name,
        received_at=local(r.received_at),
        appointment_at=local(r.due_at) if r.due_at else None,
        documents=tuple(f"{name} ({copies} bản)" for name, copies in r.documents),
        fee_vnd=None,
        collect_at=r.collect_at,
        desk_phone=r.desk_phone,
        contact_lines=(f"Phí, lệ phí: {r.fees}", *r.back_lines),
    )


# A plain grid for tabular exports (the control slip).
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), "DejaVuSans"),
    ]
)
