"""Importing the catalogue over HTTP: counts, idempotency, updates, malformed files, bad rows, XLSX."""

import io
import json

from openpyxl import Workbook

HEADER = "code,name,field,level,processing_days,documents,service_code\n"


def _count(client, centre) -> int:
    return client.get("/api/v1/procedures/fields", headers=centre.auth("admin")).json()["total"]


def test_sample_imports_all_134_and_reimport_changes_nothing(client, centre, upload, sample_bytes):
    first = upload(sample_bytes, "tthc_sample.json").json()
    assert (first["added"], first["updated"], first["unchanged"], first["rejected"]) == (134, 0, 0, [])
    assert "thêm mới 134" in first["message"]
    again = upload(sample_bytes, "tthc_sample.json").json()
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 134)
    assert _count(client, centre) == 134
    fields = client.get("/api/v1/procedures/fields", headers=centre.auth("kiosk")).json()
    assert fields["items"][0] == {"field": "Hộ tịch", "count": 27, "service_code": "HOTICH"}
    assert {lv["level"]: lv["count"] for lv in fields["levels"]} == {"xa": 87, "huyen": 17, "tinh": 25, "trung_uong": 5}


def test_edited_file_updates_in_place(client, centre, upload, sample_bytes):
    upload(sample_bytes, "tthc_sample.json")
    records = json.loads(sample_bytes)
    records[0]["fee_text"] = "50.000 đồng"
    records[0]["processing_days"] = 3
    no_code = next(r for r in records if r["code"] is None)
    no_code["fee_text"] = "Miễn phí (sửa)"
    result = upload(json.dumps(records, ensure_ascii=False).encode(), "edited.json").json()
    assert (result["added"], result["updated"], result["unchanged"]) == (0, 2, 132)
    assert _count(client, centre) == 134
    detail = client.get("/api/v1/procedures/1.001193", headers=centre.auth("kiosk")).json()
    assert detail["fee_text"] == "50.000 đồng" and detail["processing_days"] == 3


def test_code_arriving_later_keeps_the_same_procedure(client, centre, upload):
    row = {"name": "Cấp giấy phép thử nghiệm", "field": "Hộ tịch", "level": "xa"}
    first = upload(json.dumps([row]).encode(), "a.json").json()
    assert first["added"] == 1
    second = upload(json.dumps([row | {"code": "9.999999"}]).encode(), "a.json").json()
    assert (second["added"], second["updated"]) == (0, 1)
    assert _count(client, centre) == 1
    assert client.get("/api/v1/procedures/9.999999", headers=centre.auth("kiosk")).json()["code"] == "9.999999"


def test_invalid_json_writes_nothing(client, centre, upload):
    r = upload('[{"name": "Thủ tục A", '.encode(), "broken.json")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "import_malformed"
    assert "JSON" in r.json()["error"]["message"]
    assert _count(client, centre) == 0


def test_json_object_instead_of_list_writes_nothing(client, centre, upload):
    r = upload(json.dumps({"procedures": [{"name": "Thủ tục A"}]}).encode(), "obj.json")
    assert r.status_code == 422
    assert "danh sách" in r.json()["error"]["message"]
    assert _count(client, centre) == 0


def test_csv_bad_rows_are_rejected_by_line_and_good_rows_import(client, centre, upload):
    content = (
        HEADER
        + "1.000001,Đăng ký thử một,Hộ tịch,xa,5,Tờ khai | Giấy tờ tùy thân,\n"
        + "1.000002,Đăng ký thử hai,Hộ tịch,phuong,,,\n"  # line 3: bad level
        + "1.000003,,Hộ tịch,xa,,,\n"  # line 4: no name
        + "1.000004,Đăng ký thử bốn,Đất đai,tinh,năm,,\n"  # line 5: days not a number
        + '1.000005,Đăng ký thử năm,Đất đai,Cấp tỉnh,0,"Đơn\nSơ đồ",DATDAI\n'  # row 6, two lines
        + "1.000006,Đăng ký thử sáu,Đất đai,huyện,,,datdai!\n"
    )  # row 7: bad service code
    r = upload(content.encode(), "catalogue.csv")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["added"], body["rejected_count"]) == (2, 4)
    assert [(x["row"], x["code"]) for x in body["rejected"]] == [
        (3, "1.000002"),
        (4, "1.000003"),
        (5, "1.000004"),
        (7, "1.000006"),
    ]
    reasons = [x["reason"] for x in body["rejected"]]
    assert "Cấp thực hiện" in reasons[0] and "Thiếu tên" in reasons[1] and "processing_days" in reasons[2]
    assert "vẫn được nhập" in body["message"]
    assert _count(client, centre) == 2
    for code in ("1.000002", "1.000003", "1.000004"):
        assert client.get(f"/api/v1/procedures/{code}", headers=centre.auth("kiosk")).status_code == 404
    ok = client.get("/api/v1/procedures/1.000001", headers=centre.auth("kiosk")).json()
    assert ok["documents"] == ["Tờ khai", "Giấy tờ tùy thân"] and ok["processing_days"] == 5
    five = client.get("/api/v1/procedures/1.000005", headers=centre.auth("kiosk")).json()
    assert (
        five["documents"] == ["Đơn", "Sơ đồ"]
        and five["level"] == "tinh"
        and five["service_id"] == centre.service_ids["DATDAI"]
    )


def test_csv_without_name_column_is_malformed(client, centre, upload):
    r = upload(b"code,title\n1.0,Abc\n", "x.csv")
    assert r.status_code == 422 and "name" in r.json()["error"]["message"]


def test_xlsx_import(client, centre, upload):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "field", "level", "processing_days", "documents", "fee_text"])
    sheet.append(
        [
            "2.000001",
            "Chứng thực chữ ký thử",
            "Chứng thực",
            "xa",
            1,
            "Giấy tờ tùy thân\nBản cần chứng thực",
            "10.000 đồng",
        ]
    )
    sheet.append([None, "Cấp phép thử không mã", "Xây dựng", "tinh", None, None, None])
    sheet.append(["2.000003", "Ngày sai", "Chứng thực", "xa", 1.5, None, None])
    buf = io.BytesIO()
    book.save(buf)
    body = upload(buf.getvalue(), "catalogue.xlsx").json()
    assert (body["added"], body["rejected_count"]) == (2, 1)
    assert body["rejected"][0]["row"] == 4
    item = client.get("/api/v1/procedures/2.000001", headers=centre.auth("kiosk")).json()
    assert item["documents"] == ["Giấy tờ tùy thân", "Bản cần chứng thực"]
    assert item["service_id"] == centre.service_ids["CHUNGTHUC"]
    found = client.get("/api/v1/procedures", params={"q": "cap phep thu khong ma"}, headers=centre.auth("kiosk")).json()
    assert found["items"][0]["code"] is None and found["items"][0]["ref"].startswith("tt-")
    assert (
        found["items"][0]["service_code"] == "XAYDUNG" and found["items"][0]["service_id"] is None
    )  # no such queue here


def test_not_a_spreadsheet_is_malformed(client, centre, upload):
    r = upload(b"PK\x03\x04 not really a zip", "bad.xlsx")
    assert r.status_code == 422 and r.json()["error"]["code"] == "import_malformed"


def test_only_admins_import(client, centre, upload, sample_bytes):
    assert upload(sample_bytes, "s.json", who="manager").status_code == 403
    assert upload(sample_bytes, "s.json", who="kiosk").status_code == 403
    r = client.post("/api/v1/procedures/import", files={"file": ("s.json", sample_bytes)})
    assert r.status_code == 401
    assert _count(client, centre) == 0
