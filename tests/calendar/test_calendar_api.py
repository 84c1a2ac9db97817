"""The working calendar over HTTP: due dates (naive = Vietnam time), bad input, days off, access."""


def _due(client, centre, who="clerk1", **params):
    return client.get("/api/v1/calendar/due-date", params=params, headers=centre.auth(who))


def test_due_date_skips_tet(client, centre):
    r = _due(client, centre, received_at="2025-01-24T10:00:00+07:00", working_days=1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["effective_received_at"].startswith("2025-01-24T10:00:00")
    assert body["due_at"] == "2025-02-03T17:00:00+07:00"  # Tết Ất Tỵ: 25/01–02/02 off


def test_naive_time_is_vietnam_time_and_utc_is_converted(client, centre):
    naive = _due(client, centre, received_at="2025-03-07T16:30", working_days=2).json()
    utc = _due(client, centre, received_at="2025-03-07T09:30:00Z", working_days=2).json()
    # Friday 16:30 is after the 16:00 cut-off: the count starts Monday 07:30, due Wednesday 17:00.
    assert naive["effective_received_at"] == utc["effective_received_at"] == "2025-03-10T07:30:00+07:00"
    assert naive["due_at"] == utc["due_at"] == "2025-03-12T17:00:00+07:00"
    assert naive["received_at"] == "2025-03-07T16:30:00+07:00"


def test_agency_is_checked(client, centre):
    ok = _due(client, centre, received_at="2025-03-05T09:00", working_days=0, agency=centre.agency_ids[0])
    assert ok.status_code == 200 and ok.json()["agency_id"] == centre.agency_ids[0]
    assert ok.json()["due_at"] == "2025-03-05T17:00:00+07:00"
    missing = _due(client, centre, received_at="2025-03-05T09:00", working_days=0, agency=99999)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "agency_not_found"


def test_bad_input_is_422_json(client, centre):
    cases = [
        ({"received_at": "hôm qua", "working_days": 1}, "invalid_received_at"),
        ({"received_at": "2025-02-30T10:00", "working_days": 1}, "invalid_received_at"),
        ({"received_at": "2025-03-05T10:00", "working_days": -1}, "invalid_input"),
        ({"received_at": "2025-03-05T10:00", "working_days": "ba"}, "invalid_input"),
        ({"working_days": 3}, "invalid_input"),
    ]
    for params, code in cases:
        r = _due(client, centre, **params)
        assert r.status_code == 422, params
        assert r.json()["error"]["code"] == code, (params, r.json())
    assert "ISO 8601" in _due(client, centre, received_at="hôm qua", working_days=1).json()["error"]["message"]


def test_days_lists_holidays_weekends_and_make_up_days(client, centre):
    r = client.get(
        "/api/v1/calendar/days", params={"from": "2025-01-24", "to": "2025-02-03"}, headers=centre.auth("display")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == ("2025-01-24", "2025-02-03")
    off = {d["date"]: d for d in body["items"] if not d["is_working_day"]}
    assert "2025-01-24" not in off and "2025-02-03" not in off
    assert off["2025-01-27"]["reason"] == "Nghỉ Tết Nguyên đán Ất Tỵ" and off["2025-01-27"]["weekday"] == "Thứ Hai"
    assert "6150/TB-LĐTBXH" in off["2025-01-27"]["source"]
    assert len(off) == 9


def test_days_bad_range_is_422(client, centre):
    for params in (
        {"from": "2025-02-01", "to": "2025-01-01"},
        {"from": "2025-01-01", "to": "2027-01-01"},
        {"from": "mai"},
    ):
        r = client.get("/api/v1/calendar/days", params=params, headers=centre.auth("kiosk"))
        assert r.status_code == 422, params


def test_callers(client, centre):
    params = {"received_at": "2025-03-05T10:00", "working_days": 1}
    for who in ("admin", "manager", "clerk1", "kiosk", "display", "tablet", "console"):
        assert _due(client, centre, who=who, **params).status_code == 200, who
    assert client.get("/api/v1/calendar/due-date", params=params).status_code == 401
    assert client.get("/api/v1/calendar/days").status_code == 401
