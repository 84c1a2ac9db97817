"""Reports as files: XLSX (one sheet per table), CSV (UTF-8 with BOM, tables one after another) and
PDF (bar charts and tables, DejaVu fonts embedded so Vietnamese prints correctly)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from fastapi.responses import JSONResponse, Response

from hardware.fonts import font_path

from ..timeutil import VN_TZ
from .tables import TABLES, TITLES, Table, cell, rows_of, table_specs

MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
# (table, label column, [(series key, legend)], chart title) drawn in the PDF
CHARTS = {
    "queue": [
        (
            "by_hour",
            "hour",
            [("arrivals", "Số người đến"), ("served", "Đã phục vụ")],
            "Người đến và đã phục vụ theo giờ",
        ),
        ("by_service", "name", [("served", "Đã phục vụ"), ("no_show", "Vắng mặt")], "Theo dịch vụ"),
    ],
    "dossiers": [
        (
            "by_agency",
            "name",
            [("early", "Trước hạn"), ("on_time", "Đúng hạn"), ("late", "Quá hạn")],
            "Hồ sơ đã giải quyết theo cơ quan",
        )
    ],
    "ratings": [
        (
            "by_agency",
            "name",
            [("rat_hai_long", "Rất hài lòng"), ("hai_long", "Hài lòng"), ("chua_hai_long", "Chưa hài lòng")],
            "Mức độ hài lòng theo cơ quan",
        )
    ],
}


@dataclass(frozen=True)
class Letterhead:
    """The official frame of a PDF report: the issuing body over the national motto, place and
    date, and the signature block (người lập biểu; the head of the unit, signed and stamped)."""

    authority: str = "UBND TỈNH"
    unit: str = ""
    place: str = ""
    signer_title: str = "THỦ TRƯỞNG ĐƠN VỊ"
    signer_name: str = ""


def respond(kind: str, report: dict, fmt: str, letterhead: Letterhead | None = None) -> Response:
    if fmt == "json":
        return JSONResponse({**report, "tables": table_specs(kind)})
    if fmt == "pdf":
        body = to_pdf(kind, report, letterhead)
    else:
        body = {"xlsx": to_xlsx, "csv": to_csv}[fmt](kind, report)
    name = f"bao-cao-{kind}-{report['period']['from']}-{report['period']['to']}.{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _tables(kind: str, report: dict):
    for table in TABLES[kind]:
        rows = rows_of(report, table)
        if rows is not None:
            yield table, rows


def _heading(kind: str, report: dict) -> list[str]:
    p = report["period"]
    return [TITLES[kind], f"Từ ngày {_vn_date(p['from'])} đến ngày {_vn_date(p['to'])}"]


def _vn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def to_xlsx(kind: str, report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for table, rows in _tables(kind, report):
        ws = wb.create_sheet(table.title)
        for line in _heading(kind, report):
            ws.append([line])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([])
        ws.append([h for _, h, _ in table.columns])
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
        for row in rows:
            ws.append([cell(row.get(k), u) for k, _, u in table.columns])
        for i, (_, header, unit) in enumerate(table.columns, start=1):
            ws.column_dimensions[ws.cell(row=4, column=i).column_letter].width = (
                max(10, min(40, len(header) + 2)) if unit != "t" else 30
            )
        ws.freeze_panes = "A5"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(kind: str, report: dict) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    for line in _heading(kind, report):
        w.writerow([line])
    for table, rows in _tables(kind, report):
        w.writerow([])
        w.writerow([table.title])
        w.writerow([h for _, h, _ in table.columns])
        for row in rows:
            w.writerow(["" if (v := cell(row.get(k), u)) is None else v for k, _, u in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


_FONTS_READY = False


def _fonts() -> None:
    global _FONTS_READY
    if _FONTS_READY:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font_path())))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(font_path(bold=True))))
    _FONTS_READY = True


SERIES_COLOURS = ("#0b4f8a", "#4caf50", "#e0a100", "#b3261e")


LABEL_FONT_SIZES = (7, 6.5, 6, 5.5, 5)
LABEL_MAX_LINES = 4


def wrap_label(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap by the font's real widths (a word wider than `width` keeps its own line)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def category_labels(names: list[str], slot: float, font: str = "DejaVuSans") -> tuple[float, list[list[str]]]:
    """The biggest font size at which every name fits its bar group's width in a few whole lines."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for size in LABEL_FONT_SIZES:
        wrapped = [wrap_label(n, font, size, slot) for n in names]
        fits = all(len(lines) <= LABEL_MAX_LINES for lines in wrapped) and all(
            stringWidth(line, font, size) <= slot for lines in wrapped for line in lines
        )
        if fits:
            return size, wrapped
    return size, wrapped  # the smallest size: still every word, never a cut one


def _chart(rows: list[dict], label: str, series: list, title: str, width: float):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    rows = rows[:24]
    plot_w, plot_h = width - 150, 125
    # Category names whole, wrapped onto lines as wide as their bar group ("Đăng ký kinh doanh", not
    # "Đăng ký kinh d"); the chart stands on as much room as the tallest label needs.
    size, wrapped = category_labels([str(row.get(label) or "") for row in rows], plot_w / max(1, len(rows)) - 4)
    leading = size * 1.2
    below = max(len(lines) for lines in wrapped) * leading + 8
    d = Drawing(width, plot_h + below + 35)
    d.add(String(0, plot_h + below + 23, title, fontName="DejaVuSans-Bold", fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, below, plot_w, plot_h
    chart.data = [[row.get(key) or 0 for row in rows] for key, _ in series]
    chart.categoryAxis.categoryNames = ["\n".join(lines) for lines in wrapped]
    chart.categoryAxis.labels.fontName = "DejaVuSans"
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.leading = leading
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.textAnchor = "middle"
    chart.valueAxis.labels.fontName = "DejaVuSans"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 110, plot_h + below + 10
    legend.fontName = "DejaVuSans"
    legend.fontSize = 8
    legend.colorNamePairs = [
        (colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]), name) for i, (_, name) in enumerate(series)
    ]
    d.add(legend)
    return d


def to_pdf(kind: str, report: dict, letterhead: Letterhead | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    _fonts()
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=TITLES[kind],
    )
    h1 = ParagraphStyle("h1", fontName="DejaVuSans-Bold", fontSize=15, leading=19)
    h2 = ParagraphStyle("h2", fontName="DejaVuSans-Bold", fontSize=11, leading=15, spaceBefore=8)
    body = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9, leading=12)
    small = ParagraphStyle("small", fontName="DejaVuSans", fontSize=7, leading=8.5)
    head = letterhead or Letterhead()
    made = datetime.now(VN_TZ)
    centred = ParagraphStyle("centred", parent=body, alignment=1, fontSize=10, leading=13)
    centred_bold = ParagraphStyle("centred_bold", parent=centred, fontName="DejaVuSans-Bold")
    place = f"{head.place}, " if head.place else ""
    half = (page[0] - 24 * mm) / 2
    story = [
        PdfTable(
            [
                [Paragraph(head.authority, centred), Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", centred_bold)],
                [Paragraph(head.unit, centred_bold), Paragraph("Độc lập - Tự do - Hạnh phúc", centred_bold)],
                ["", Paragraph(f"{place}ngày {made:%d} tháng {made:%m} năm {made:%Y}", centred)],
            ],
            colWidths=[half, half],
        ),
        Spacer(1, 4 * mm),
        Paragraph(TITLES[kind].upper(), ParagraphStyle("title", parent=h1, alignment=1)),
        Paragraph(_heading(kind, report)[1], centred),
        Paragraph(f"Lập lúc {made:%H:%M %d/%m/%Y}", centred),
        Spacer(1, 4 * mm),
    ]
    for table_key, label, series, title in CHARTS.get(kind, []):
        rows = report.get(table_key) or []
        if rows:
            story.append(_chart(rows, label, series, title, page[0] - 24 * mm))
    for table, rows in _tables(kind, report):
        story.append(Paragraph(table.title, h2))
        data = [[Paragraph(h, small) for _, h, _ in table.columns]]
        for row in rows:
            data.append([_pdf_text(cell(row.get(k), u)) for k, _, u in table.columns])
        if len(data) == 1:
            story.append(Paragraph("Không có số liệu.", body))
            continue
        t = PdfTable(data, repeatRows=1, colWidths=_widths(table, page[0] - 24 * mm))
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), "DejaVuSans"),
                    ("FONTSIZE", (0, 0), (-1, -1), 7),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7edf5")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#b0b8c4")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story.append(t)
    story += [
        Spacer(1, 8 * mm),
        PdfTable(
            [
                [Paragraph("NGƯỜI LẬP BIỂU", centred_bold), Paragraph(head.signer_title, centred_bold)],
                [Paragraph("(Ký, ghi rõ họ tên)", centred), Paragraph("(Ký, ghi rõ họ tên và đóng dấu)", centred)],
                [Spacer(1, 20 * mm), Spacer(1, 20 * mm)],
                ["", Paragraph(head.signer_name, centred_bold)],
            ],
            colWidths=[half, half],
        ),
    ]
    doc.build(story)
    return out.getvalue()


def _widths(table: Table, available: float) -> list[float]:
    texts = sum(1 for _, _, u in table.columns if u == "t")
    text_w = min(available * 0.35, 150.0 * texts) / texts if texts else 0
    number_w = (available - text_w * texts) / max(1, len(table.columns) - texts)
    return [text_w if u == "t" else number_w for _, _, u in table.columns]


def _pdf_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")  # Vietnamese decimal comma
    return str(value)
