"""Periodic reports fit the submission deadlines (issue 16 § 5): presets with a cut-off day, the
by-level breakdown from the level recorded on each dossier, the official frame of the PDF."""

from __future__ import annotations

import io
from datetime import date, datetime

import pypdf
import pytest

from queue_server.reports.service import preset_period
from queue_server.timeutil import VN_TZ
from tests.dossiers.helpers import add_catalogue, create_at, step


@pytest.mark.parametrize(
    ("kind", "on", "cutoff", "first", "last"),
    [
        ("half", date(2026, 6, 10), 15, date(2025, 12, 15), date(2026, 6, 14)),  # ĐN Đ.24 k.9
        ("year", date(2026, 12, 14), 15, date(2025, 12, 15), date(2026, 12, 14)),
        ("year", date(2026, 12, 15), 15, date(2026, 12, 15), date(2027, 12, 14)),  # the next year already
        ("half", date(2026, 6, 19), 20, date(2025, 12, 20), date(2026, 6, 19)),  # AG Đ.25 k.7
        ("quarter", date(2026, 3, 1), 20, date(2025, 12, 20), date(2026, 3, 19)),
        ("month", date(2026, 3, 14), 15, date(2026, 2, 15), date(2026, 3, 14)),
        ("half", date(2026, 6, 10), 1, date(2026, 1, 1), date(2026, 6, 30)),  # calendar periods
        ("quarter", date(2026, 11, 30), 1, date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_presets_follow_the_cut_off_day(kind, on, cutoff, first, last):
    period = preset_period(kind, on, cutoff)
    assert (period.first_day, period.last_day) == (first, last)


def _levelled_dossiers(db, settings, centre):
    from queue_server.procedures.models import Procedure

    add_catalogue(db)
    with db.unit_of_work() as s:
        s.query(Procedure).filter_by(code="1.001193").update({"level": "xa"})
        s.query(Procedure).filter_by(code="1.004227").update({"level": "tinh"})
    a = create_at(db, settings, datetime(2026, 3, 2, 9, tzinfo=VN_TZ), agency_id=centre.agency_ids[0])
    step(db, settings, a, "result_ready", datetime(2026, 3, 3, 9, tzinfo=VN_TZ))
    create_at(
        db,
        settings,
        datetime(2026, 3, 2, 10, tzinfo=VN_TZ),
        agency_id=centre.agency_ids[1],
        procedure_code="1.004227",
    )


def test_a_six_month_report_by_level_over_http(db, settings, client, centre):
    _levelled_dossiers(db, settings, centre)
    r = client.get(
        "/api/v1/reports/dossiers",
        params={"period": "half", "on": "2026-03-10", "cutoff": 15},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["period"] == {"from": "2025-12-15", "to": "2026-06-14", "days": 182}
    levels = {row["level"]: row for row in rep["by_level"]}
    assert levels["xa"]["name"] == "Cấp xã" and levels["xa"]["early"] == 1
    assert levels["tinh"]["name"] == "Cấp tỉnh" and levels["tinh"]["pending"] == 1
    assert (
        client.get(
            "/api/v1/reports/dossiers", params={"period": "half", "cutoff": 29}, headers=centre.auth("admin")
        ).status_code
        == 422
    )


def test_the_pdf_report_has_the_official_header_and_signature_block(db, settings, client, centre, app):
    _levelled_dossiers(db, settings, centre)
    app.state.settings.report_signer_title = "GIÁM ĐỐC"
    app.state.settings.report_signer_name = "Nguyễn Văn Giám"
    r = client.get(
        "/api/v1/reports/dossiers",
        params={"from": "2026-03-01", "to": "2026-03-31", "format": "pdf"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(r.content)).pages
    first = " ".join(pages[0].extract_text().split())
    last = " ".join(pages[-1].extract_text().split())
    expected = [
        "UBND TỈNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Trung tâm thử nghiệm",
    ]
    assert [line for line in expected if line not in first] == []
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ" in first and "Từ ngày 01/03/2026 đến ngày 31/03/2026" in first
    assert "Theo cấp giải quyết" in " ".join(p.extract_text() for p in pages)
    signature = ["NGƯỜI LẬP BIỂU", "GIÁM ĐỐC", "(Ký, ghi rõ họ tên và đóng dấu)", "Nguyễn Văn Giám"]
    assert [line for line in signature if line not in last] == []
