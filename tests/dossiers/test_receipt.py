"""The receipt PDF carries every field of domain.md §6 (front and back) and a QR that decodes to the lookup URL."""

import io
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from queue_server.timeutil import local


@pytest.fixture
def configured(app):
    for name, value in dict(
        receipt_authority="UBND TỈNH BÌNH PHƯỚC",
        receipt_place="Đồng Xoài",
        receipt_agency_head_contact="Giám đốc Sở Tư pháp: 0271 3879 999, giamdoc.stp@binhphuoc.gov.vn",
        receipt_provincial_office_contact="thutuchanhchinh@binhphuoc.gov.vn",
        receipt_inspection_contact="BP-congdanvacongvu@binhphuoc.gov.vn",
        receipt_lookup_websites="dichvucong.binhphuoc.gov.vn",
        receipt_zalo_account="BP-công dân và công vụ",
    ).items():
        setattr(app.state.settings, name, value)


def test_receipt_has_every_field_and_a_readable_qr(client, centre, new_dossier, configured, tmp_path, artifacts_dir):
    d = new_dossier(
        applicant={
            "kind": "organisation",
            "full_name": "Nguyễn Văn Ánh",
            "organisation_name": "Công ty TNHH Ánh Dương",
            "phone": "0912 345 678",
            "address": "Số 5, đường Lê Lợi, phường Phú Cường",
            "email": "anh.nguyen@example.vn",
        },
        sets=2,
    )
    r = client.get(f"/api/v1/dossiers/{d['code']}/receipt.pdf", headers=centre.auth("clerk1"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(r.content)
    (artifacts_dir / "dossier-receipt.pdf").write_bytes(r.content)
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 4  # copy 1 front/back, copy 2 front/back
    front, back = (" ".join(reader.pages[i].extract_text().split()) for i in (0, 1))  # lines wrap anywhere
    received = d["received_at"]
    for text in [
        "UBND TỈNH BÌNH PHƯỚC",
        "Trung tâm thử nghiệm",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {d['ledger_seq']}/{d['ledger_book']}",
        "Đồng Xoài, ngày",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {d['code']}",
        "Liên 1: Lưu tại Bộ phận Một cửa",
        "Bộ phận Một cửa – Sở Tư pháp",
        "Ông/Bà: Nguyễn Văn Ánh",
        "Tổ chức: Công ty TNHH Ánh Dương",
        "Địa chỉ: Số 5, đường Lê Lợi, phường Phú Cường",
        "Số điện thoại: 0912 345 678",
        "Email: anh.nguyen@example.vn",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh cho con",
        "1.001193 – Đăng ký khai sinh",
        "1. Tờ khai đăng ký khai sinh — 1 bản",
        "2. Giấy chứng sinh — 1 bản",
        "Số lượng hồ sơ: 2 bộ",
        "Thời gian giải quyết hồ sơ theo quy định: 3 ngày làm việc",
        "Thời gian nhận hồ sơ:",
        "Thời gian trả kết quả giải quyết hồ sơ:",
        "Nhận kết quả tại: Bộ phận Một cửa",
        "Vào Sổ theo dõi hồ sơ: Quyển số",
        "Phí, lệ phí: Miễn lệ phí",
        "Số điện thoại Bộ phận Một cửa:",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký và ghi rõ họ tên)",
        "Cán bộ clerk1",
    ]:
        assert text in front, text
    assert local(datetime.fromisoformat(received)).strftime("%d/%m/%Y") in front
    assert local(datetime.fromisoformat(d["due_at"])).strftime("%H giờ %M phút, ngày %d/%m/%Y") in front
    for text in [
        "Giám đốc Sở Tư pháp: 0271 3879 999",
        "thutuchanhchinh@binhphuoc.gov.vn",
        "BP-congdanvacongvu@binhphuoc.gov.vn",
        "http://testserver/l",
        "dichvucong.binhphuoc.gov.vn",
        "BP-công dân và công vụ",
        "chưa có kết quả",
    ]:
        assert text in back, text
    assert "Liên 2: Giao cho người nộp hồ sơ" in reader.pages[2].extract_text()

    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    page = next(Path(tmp_path).glob("page*.png"))
    decoded = [s.data.decode() for s in decode(Image.open(page))]
    assert decoded == [d["lookup_url"]]


def test_no_fee_reads_khong_thu_phi(client, centre, new_dossier):
    d = new_dossier(fee_text=None)
    r = client.get(f"/api/v1/dossiers/{d['code']}/receipt.pdf", headers=centre.auth("clerk1"))
    assert "Phí, lệ phí: Không thu phí" in pypdf.PdfReader(io.BytesIO(r.content)).pages[0].extract_text()


def test_control_slip_lists_the_history(client, centre, new_dossier):
    code = new_dossier()["code"]
    for to in ("transferred", "in_processing", "result_ready"):
        client.post(f"/api/v1/dossiers/{code}/transitions", json={"to": to}, headers=centre.auth("clerk1"))
    r = client.get(f"/api/v1/dossiers/{code}/control-slip.pdf", headers=centre.auth("clerk1"))
    assert r.status_code == 200
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages).replace("\n", " ")
    for expected in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 05",
        code,
        "Tiếp nhận hồ sơ",
        "Đang xử lý",
        "Trước hạn",
        "Sở Tư pháp",
        "Cán bộ clerk1",
    ):
        assert expected in text, expected


def test_print_receipt_after_commit_on_the_configured_printer(client, centre, new_dossier, app, tmp_path):
    code = new_dossier()["code"]
    app.state.settings.receipt_printer_url = f"emulator://{tmp_path / 'printer'}"
    r = client.post(f"/api/v1/dossiers/{code}/print-receipt", json={}, headers=centre.auth("clerk1"))
    assert r.status_code == 200 and r.json()["printed"] is True
    pngs = list((tmp_path / "printer").glob("*.png"))
    assert len(pngs) == 1
    assert [s.data.decode() for s in decode(Image.open(pngs[0]))] == [
        client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("clerk1")).json()["lookup_url"]
    ]
    # Only an administrator may point the job at another device.
    r = client.post(
        f"/api/v1/dossiers/{code}/print-receipt", json={"printer_url": "file:///tmp/x"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 403


def _receipt_text(client, centre, code: str) -> str:
    r = client.get(f"/api/v1/dossiers/{code}/receipt.pdf", headers=centre.auth("clerk1"))
    assert r.status_code == 200
    return " ".join(pypdf.PdfReader(io.BytesIO(r.content)).pages[0].extract_text().split())


def test_same_day_procedure_reads_trong_ngay(client, centre, new_dossier):
    d = new_dossier(procedure_code="2.000908")  # chứng thực bản sao: 0 working days in the catalogue
    text = _receipt_text(client, centre, d["code"])
    assert "Thời gian giải quyết hồ sơ theo quy định: Trong ngày" in text
    assert "0 ngày làm việc" not in text


def test_procedure_timed_in_hours_reads_its_own_time_not_zero_days(client, centre, db, new_dossier):
    from queue_server.procedures.models import Procedure

    with db.unit_of_work() as s:  # as in the sample: "1 Giờ", no whole number of working days
        s.add(
            Procedure(
                ref="2.001159",
                code="2.001159",
                name="Cấp bản sao trích lục hộ tịch",
                documents=[],
                processing_days=None,
                processing_time_text="Trực tiếp: 1 Giờ; Trực tuyến: 02 Giờ",
            )
        )
    d = new_dossier(procedure_code="2.001159")
    text = _receipt_text(client, centre, d["code"])
    # The dossier was filed at the desk: its own limit ("Trực tiếp: 1 Giờ"), counted in working hours.
    assert "Thời gian giải quyết hồ sơ theo quy định: 1 giờ làm việc" in text
    assert d["processing_unit"] == "hours" and d["processing_days"] == 1
    assert "0 ngày làm việc" not in text


def test_every_sample_procedure_gets_a_truthful_time_limit():
    """The real sample: same-day ones read 'Trong ngày', hours and calendar days keep their wording, none '0 ngày'."""
    import json

    from queue_server.dossiers.receipt import processing_time_label
    from queue_server.procedures.search import DATA_DIR

    sample = json.loads((DATA_DIR / "tthc_sample.json").read_text(encoding="utf-8"))
    seen = set()
    for p in sample:
        label = processing_time_label(p["processing_days"], p["processing_time_text"])
        assert not re.search(r"(?<!\d)0 ngày", label), (p["code"], label)
        if p["processing_days"] == 0:
            assert label == "Trong ngày"
            seen.add("same day")
        elif p["processing_days"] is not None:
            assert label == f"{p['processing_days']} ngày làm việc"
        elif p["processing_time_text"]:
            assert "Ngày" not in label and "Giờ" not in label  # units lower-cased, numbers unpadded
            seen.add("hours" if "giờ" in label else "other")
    assert seen == {"same day", "hours", "other"}
