"""Searching and browsing the catalogue as the kiosk and the console do."""


def _search(client, centre, who="kiosk", **params):
    r = client.get("/api/v1/procedures", params=params, headers=centre.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _names(result):
    return [i["name"] for i in result["items"]]


def test_exact_name_comes_first_with_or_without_diacritics(client, catalogue):
    for query in ("dang ky khai sinh", "Đăng ký khai sinh", "DANG KY KHAI SINH", "thu tuc dang ky khai sinh"):
        first = _search(client, catalogue, q=query)["items"][0]
        assert (first["name"], first["code"]) == ("Thủ tục đăng ký khai sinh", "1.001193"), query


def test_d_and_dj_are_the_same_letter(client, catalogue):
    assert _names(_search(client, catalogue, q="dat dai"))[:3] == _names(_search(client, catalogue, q="đất đai"))[:3]
    assert any(i["field"] == "Đất đai" for i in _search(client, catalogue, q="dat dai")["items"])


def test_typo_still_finds_the_procedure(client, catalogue):
    assert _names(_search(client, catalogue, q="khai sihn"))[0] == "Thủ tục đăng ký khai sinh"
    assert _names(_search(client, catalogue, q="dang ky ket hno"))[0] == "Thủ tục đăng ký kết hôn"


def test_prefix_matches_rank_before_mentions(client, catalogue):
    names = _names(_search(client, catalogue, q="dang ky khai sinh", limit=5))
    assert names[0] == "Thủ tục đăng ký khai sinh"
    assert all("đăng ký khai sinh" in n.lower() for n in names[:3])
    assert "Liên thông" not in " ".join(names[:3])  # names that merely mention it come later


def test_leading_thu_tuc_does_not_decide_ranking(client, catalogue):
    # "Đăng ký tạm trú" has no "Thủ tục" in front and still beats the many "Thủ tục đăng ký …"
    assert _names(_search(client, catalogue, q="dang ky tam tru"))[0] == "Đăng ký tạm trú"
    # "khai tử" finds the death registration first, although many names start with "Thủ tục"
    assert _names(_search(client, catalogue, q="khai tu"))[0] == "Thủ tục đăng ký khai tử"


ABBREVIATIONS = [
    ("GPLX", "giấy phép lái xe"),
    ("gplx", "giấy phép lái xe"),
    ("CCCD", "căn cước"),
    ("LLTP", "lý lịch tư pháp"),
    ("HKD", "hộ kinh doanh"),
    ("sổ đỏ", "giấy chứng nhận quyền sử dụng đất"),
]


def test_abbreviations(client, catalogue):
    from queue_server.procedures.search import expand, fold

    for abbr, expected in ABBREVIATIONS:
        items = _search(client, catalogue, q=abbr)["items"]
        # Names abbreviate too ("Cấp giấy CN QSD đất…"): compared written out.
        assert items and expand(fold(expected)) in expand(fold(items[0]["name"])), (abbr, items[:1])


def test_code_search_exact_and_prefix(client, catalogue):
    assert [i["code"] for i in _search(client, catalogue, q="1.001193")["items"]] == ["1.001193"]
    items = _search(client, catalogue, q="1.0011")["items"]
    assert items and all(i["code"].startswith("1.0011") for i in items)


def test_field_and_level_filters(client, catalogue):
    items = _search(client, catalogue, q="cap", field="Đất đai", limit=100)["items"]
    assert items and {i["field"] for i in items} == {"Đất đai"}
    items = _search(client, catalogue, q="", field="dat dai", limit=100)
    assert items["total"] == 17
    huyen = _search(client, catalogue, q="", level="huyen", limit=100)
    assert huyen["total"] == 17 and {i["level"] for i in huyen["items"]} == {"huyen"}


def test_empty_query_browses_alphabetically(client, catalogue):
    result = _search(client, catalogue, q="", limit=5)
    assert result["total"] == 134 and len(result["items"]) == 5


def test_bad_parameters_are_422(client, catalogue):
    for params in ({"q": "a", "level": "phuong"}, {"q": "a", "limit": 0}, {"q": "a", "limit": 1000}, {"q": "x" * 201}):
        r = client.get("/api/v1/procedures", params=params, headers=catalogue.auth("kiosk"))
        assert r.status_code == 422, params
        assert r.json()["error"]["code"] == "invalid_input"


def test_nothing_found_is_an_empty_list(client, catalogue):
    assert _search(client, catalogue, q="zzqxw vvkkj")["items"] == []


def test_service_id_is_resolved_for_the_callers_centre(client, catalogue):
    item = _search(client, catalogue, q="1.001193")["items"][0]
    assert item["service_code"] == "HOTICH" and item["service_id"] == catalogue.service_ids["HOTICH"]
    gplx = _search(client, catalogue, q="GPLX")["items"][0]
    assert gplx["service_id"] is None  # the test centre has no queue for it


def test_detail_has_what_the_kiosk_shows(client, catalogue):
    r = client.get("/api/v1/procedures/1.001193", headers=catalogue.auth("kiosk"))
    d = r.json()
    assert d["name"] == "Thủ tục đăng ký khai sinh" and d["fee_text"] == "Miễn phí"
    assert len(d["documents"]) > 10 and d["channels"] == ["Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính"]
    assert d["service_id"] == catalogue.service_ids["HOTICH"] and d["level_label"] == "Cấp xã"
    missing = client.get("/api/v1/procedures/9.999999", headers=catalogue.auth("kiosk"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "procedure_not_found"
    assert "Không tìm thấy thủ tục" in missing.json()["error"]["message"]


def test_procedure_without_code_is_found_by_its_key(client, catalogue):
    item = next(
        i
        for i in _search(client, catalogue, q="Đăng ký kinh doanh hộ kinh doanh", limit=50)["items"]
        if i["code"] is None
    )
    d = client.get(f"/api/v1/procedures/{item['ref']}", headers=catalogue.auth("kiosk")).json()
    assert d["name"] == item["name"] and d["code"] is None


def test_new_import_is_searchable_at_once(client, catalogue, upload):
    before = _search(client, catalogue, q="moi toanh")["items"]
    assert all(i["code"] != "8.000001" for i in before)
    upload('[{"code": "8.000001", "name": "Thủ tục mới toanh", "field": "Hộ tịch"}]'.encode(), "n.json")
    assert _search(client, catalogue, q="moi toanh")["items"][0]["code"] == "8.000001"


def test_every_staff_member_and_device_may_search(client, catalogue):
    for who in ("admin", "manager", "clerk1", "kiosk", "display", "tablet", "console"):
        assert _search(client, catalogue, who=who, q="khai sinh")["items"], who


def test_anonymous_is_refused(client, catalogue):
    for path in ("/api/v1/procedures?q=khai", "/api/v1/procedures/fields", "/api/v1/procedures/1.001193"):
        r = client.get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_every_word_must_match(client, catalogue):
    names = _names(_search(client, catalogue, q="ly hon"))
    assert names and all("ly hôn" in n for n in names)  # not every "kết hôn"


def test_unfinished_last_word_is_a_prefix(client, catalogue):
    assert _names(_search(client, catalogue, q="dang ky khai si"))[0] == "Thủ tục đăng ký khai sinh"


MARKS = ("-", "*", "+", "•", "–")


def test_documents_come_without_bullet_marks_in_source_order(client, catalogue, sample_bytes):
    """The real sample: '• -', '• *' artefacts gone, headings and notes told apart, the portal's order kept."""
    import json
    import re

    sample = {p["code"]: p for p in json.loads(sample_bytes) if p["code"]}
    d = client.get("/api/v1/procedures/1.001193", headers=catalogue.auth("kiosk")).json()
    source = [re.sub(r"^\s*(\+\+|\+\)|[-*+•–])\s*", "", s) for s in sample["1.001193"]["documents"]]
    assert d["documents"] == [" ".join(s.split()) for s in source if s.strip()]  # same lines, same order
    assert [line["text"] for line in d["document_outline"]] == d["documents"]
    kinds = {line["text"]: line["kind"] for line in d["document_outline"]}
    assert kinds["Giấy tờ phải xuất trình:"] == kinds["Lưu ý:"] == "heading"
    assert kinds[d["documents"][0]] == "document"
    assert {"heading", "document", "detail", "note"} <= set(kinds.values())
    for code in sample:  # every procedure of the sample
        detail = client.get(f"/api/v1/procedures/{code}", headers=catalogue.auth("kiosk")).json()
        assert not [t for t in detail["documents"] if t.startswith(MARKS)], code


def test_plain_lists_stay_plain_documents(client, catalogue, upload):
    upload(
        '[{"code": "8.000002", "name": "Thủ tục thử", "documents": ["Tờ khai", "Giấy tờ tùy thân"]}]'.encode(), "p.json"
    )
    d = client.get("/api/v1/procedures/8.000002", headers=catalogue.auth("kiosk")).json()
    assert d["document_outline"] == [
        {"text": "Tờ khai", "kind": "document"},
        {"text": "Giấy tờ tùy thân", "kind": "document"},
    ]
