"""The public lookup: token, forged/revoked tokens, code + 4 digits, identical failures, rate limit, the phone page."""

import logging


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_token_lookup_shows_the_regulation_fields(client, new_dossier):
    d = new_dossier(
        applicant={
            "kind": "organisation",
            "full_name": "Nguyễn Văn Ánh",
            "organisation_name": "HTX Phú Cường",
            "phone": "0912345678",
        }
    )
    r = client.get("/api/v1/lookup", params={"token": _token(d["lookup_url"])})
    assert r.status_code == 200
    v = r.json()
    assert v["code"] == d["code"] and v["qr_content"] == d["lookup_url"]
    assert v["receiving_agency"] == "Sở Tư pháp" and v["processing_department"] == "Phòng Hành chính tư pháp"
    assert v["organisation_name"] == "HTX Phú Cường" and v["applicant_name"] == "Nguyễn Văn Ánh"
    assert v["received_at"] and v["appointment_at"] and v["status_label"] == "Đã tiếp nhận" and v["valid"] is True


def test_forged_and_revoked_tokens_find_nothing(client, centre, new_dossier):
    d = new_dossier()
    old = _token(d["lookup_url"])
    forged = old[:-2] + ("AA" if not old.endswith("AA") else "BB")
    assert client.get("/api/v1/lookup", params={"token": forged}).status_code == 404
    r = client.post(f"/api/v1/dossiers/{d['code']}/lookup-token/revoke", headers=centre.auth("clerk1"))
    new_url = r.json()["lookup_url"]
    assert new_url != d["lookup_url"] and r.json()["history"][-1]["type"] == "token_revoked"
    assert client.get("/api/v1/lookup", params={"token": old}).status_code == 404
    assert client.get("/api/v1/lookup", params={"token": _token(new_url)}).json()["code"] == d["code"]


def test_code_with_digits_and_identical_failures(client, new_dossier, caplog):
    caplog.set_level(logging.DEBUG)
    d = new_dossier()  # phone "0912 345 678"
    ok = client.get("/api/v1/lookup", params={"code": d["code"], "phone_last4": "5678"})
    assert ok.status_code == 200 and ok.json()["code"] == d["code"]
    unknown_code = d["code"][:-4] + "9999"
    answers = [
        client.get("/api/v1/lookup", params={"code": d["code"], "phone_last4": "0000"}),
        client.get("/api/v1/lookup", params={"code": unknown_code, "phone_last4": "5678"}),
        client.get("/api/v1/lookup", params={"code": "not-a-code", "phone_last4": "5678"}),
        client.post("/api/v1/lookup", json={"code": d["code"], "phone_last4": ""}),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert "4 số cuối" in answers[0].json()["error"]["message"]
    server_logs = " ".join(
        r.getMessage() for r in caplog.records if not r.name.startswith("httpx")
    )  # not the test client's
    assert "5678" not in server_logs and "Ánh" not in server_logs


def test_rate_limit_per_client(client, new_dossier):
    token = _token(new_dossier()["lookup_url"])
    limit = client.app.state.settings.lookup_rate_limit_per_minute
    codes = [client.get("/api/v1/lookup", params={"token": token}).status_code for _ in range(limit + 2)]
    assert codes[:limit] == [200] * limit and codes[limit:] == [429, 429]
    r = client.get("/api/v1/lookup", params={"token": token})
    assert "quá nhiều lần" in r.json()["error"]["message"]


def test_online_dossier_not_yet_valid_shows_what_to_correct(client, centre, new_dossier):
    d = new_dossier(channel="online")
    items = ["Ảnh chụp CCCD mặt sau bị mờ"]
    client.post(
        f"/api/v1/dossiers/{d['code']}/transitions",
        json={"to": "supplement_requested", "reason": "Chưa hợp lệ", "data": {"items": items}},
        headers=centre.auth("clerk1"),
    )
    v = client.get("/api/v1/lookup", params={"token": _token(d["lookup_url"])}).json()
    assert v["valid"] is False and v["corrections"] == items
    assert v["appointment_at"] is None and v["processing_department"] is None
    assert v["applicant_name"] and v["receiving_agency"] and v["received_at"]


def test_phone_page_and_form(client, new_dossier):
    d = new_dossier()
    page = client.get(f"/l/{_token(d['lookup_url'])}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert d["code"] in html and "Đã tiếp nhận" in html and "Nguyễn Văn Ánh" in html
    assert "http://" not in html.split("</style>")[0] and "<script" not in html  # nothing fetched from elsewhere
    form = client.get("/l")
    assert 'method="post"' in form.text and "4 số cuối" in form.text
    ok = client.post("/l", data={"code": d["code"], "phone_last4": "5678"})
    assert ok.status_code == 200 and d["code"] in ok.text
    bad = client.post("/l", data={"code": d["code"], "phone_last4": "1111"})
    assert bad.status_code == 404 and "Không tìm thấy hồ sơ" in bad.text and "Nguyễn Văn Ánh" not in bad.text
    assert client.get("/l/forged-token-forged-token").status_code == 404
