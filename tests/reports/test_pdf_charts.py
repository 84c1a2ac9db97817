"""The PDF reports' charts name every category whole: read back from the PDF's own text.

Each category label is reassembled from the text runs the PDF draws under the bars (a wrapped
label is several runs centred on the same bar group) and must equal the name it stands for, with
no run wider than its group and no two labels side by side overlapping.
"""

import io

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.pdfbase.pdfmetrics import stringWidth

from queue_server.reports.exports import CHARTS, _chart, _fonts, to_pdf

DEMO_SERVICES = [
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Đăng ký kinh doanh",
    "Xây dựng",
    "Lý lịch tư pháp",
    "Lao động - Thương binh và Xã hội",
    "Cư trú - Căn cước",
]
AGENCIES = [
    "Sở Tư pháp",
    "Sở Tài nguyên và Môi trường",
    "Sở Kế hoạch và Đầu tư",
    "Sở Xây dựng",
    "Sở Lao động - Thương binh và Xã hội",
    "UBND phường Phú Cường",
]
WIDTH = 818  # landscape A4 less the margins, as to_pdf draws it


def _runs(pdf: bytes, page: int = 0) -> list[dict]:
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            runs.append({"text": text.strip(), "x": x, "y": y, "size": size})

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return runs


def _labels(runs: list[dict], below: float) -> list[dict]:
    """Category labels: runs under the value axis, grouped by the centre of their bar group."""
    groups: dict[float, list[dict]] = {}
    for run in runs:
        if run["y"] < below:
            run["w"] = stringWidth(run["text"], "DejaVuSans", run["size"])
            centre = round(run["x"] + run["w"] / 2)
            key = next((k for k in groups if abs(k - centre) <= 2), centre)
            groups.setdefault(key, []).append(run)
    return [
        {"centre": k, "text": " ".join(r["text"] for r in sorted(g, key=lambda r: -r["y"])), "runs": g}
        for k, g in sorted(groups.items())
    ]


@pytest.mark.parametrize(
    "names",
    [
        DEMO_SERVICES,
        AGENCIES,
        [f"{h:02d}:00" for h in range(24)],
        DEMO_SERVICES + ["Tư pháp - Quốc tịch, nuôi con nuôi"],
    ],
    ids=["demo services", "agencies", "24 hours", "9 services"],
)
def test_chart_labels_are_whole_names(names):
    _fonts()
    rows = [{"name": n, "served": i + 1, "no_show": 1} for i, n in enumerate(names)]
    drawing = _chart(rows, "name", CHARTS["queue"][1][2], "Theo dịch vụ", WIDTH)
    runs = _runs(renderPDF.drawToString(drawing))
    axis_zero = min(r["y"] for r in runs if r["text"] == "0")  # the value axis' lowest label sits on the axis
    labels = _labels(runs, axis_zero - 4)
    assert [label["text"] for label in labels] == names  # every name whole, in order: no "Đăng ký kinh d"
    slot = (WIDTH - 150) / len(names)
    for label in labels:
        assert all(r["w"] <= slot for r in label["runs"]), label
    for a, b in zip(labels, labels[1:]):  # neighbours' lines do not run into each other
        for ra in a["runs"]:
            for rb in b["runs"]:
                if abs(ra["y"] - rb["y"]) < 1:
                    assert ra["x"] + ra["w"] <= rb["x"] + 0.5, (ra, rb)
    assert min(r["y"] for r in runs) >= 0  # nothing drawn below the chart's own box


def test_report_pdf_names_services_whole_in_its_chart():
    """The whole queue report: its 'Theo dịch vụ' chart names each service whole."""
    report = {
        "period": {"from": "2026-03-02", "to": "2026-03-02"},
        "by_service": [{"name": n, "served": 3, "no_show": 1} for n in DEMO_SERVICES],
        "by_hour": [{"hour": f"{h:02d}", "arrivals": 2, "served": 2} for h in range(7, 17)],
    }
    pdf = to_pdf("queue", report)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Đăng ký kinh d " not in text and "Lý lịch tư phá " not in text
    for name in DEMO_SERVICES:
        assert name in text
