"""Receiving dossiers: due date from the working calendar, ticket link, access, bad input writes nothing."""

from datetime import datetime

from sqlalchemy import func, select

from queue_server.calendar import default_calendar
from queue_server.dossiers.models import Dossier, DossierEvent
from queue_server.timeutil import VN_TZ
from tests.dossiers.helpers import create_at
from tests.factories import issue, open_counter


def _count(db, model) -> int:
    with db.reading() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_minimal_create_answers_code_lookup_url_and_due_date(client, centre, catalogue):
    body = {
        "agency_id": centre.agency_ids[0],
        "procedure_code": "1.001193",
        "applicant": {"full_name": "Phạm Thị Dung", "phone": "0911222333"},
    }
    r = client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1"))
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["lookup_url"].startswith("http://testserver/l/") and d["status"] == "received"
    assert d["procedure_name"] == "Đăng ký khai sinh" and d["processing_days"] == 3
    received = datetime.fromisoformat(d["received_at"])
    expected = default_calendar().due_date(received, 3)
    assert datetime.fromisoformat(d["due_at"]) == expected.due_at
    assert datetime.fromisoformat(d["effective_received_at"]) == expected.effective_received_at
    assert d["history"][0]["type"] == "created" and d["history"][0]["actor_label"] == "Cán bộ clerk1"


def test_due_date_skips_weekend_and_cutoff(db, settings, client, centre, catalogue):
    # Friday 16:30 is after the 16:00 cut-off: counting starts Monday, 3 working days → Thursday 17:00.
    code = create_at(db, settings, datetime(2026, 3, 13, 16, 30, tzinfo=VN_TZ), agency_id=centre.agency_ids[0])
    d = client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("admin")).json()
    assert datetime.fromisoformat(d["effective_received_at"]) == datetime(2026, 3, 16, 7, 30, tzinfo=VN_TZ)
    assert datetime.fromisoformat(d["due_at"]) == datetime(2026, 3, 19, 17, 0, tzinfo=VN_TZ)


def test_due_date_follows_the_agencys_time_rule_and_the_centres_days(db, settings, client, centre, catalogue):
    # The agency counts a receipt after 16:00 from 07:00 of the next working day (as An Giang does),
    # and the centre has declared Monday 16/03/2026 a day off of its own.
    rule = {
        "agency_id": centre.agency_ids[0],
        "effective_from": "2026-01-01",
        "working": [{"start": "07:00", "end": "11:30"}, {"start": "13:00", "end": "17:00"}],
        "receiving": [{"start": "07:00", "end": "11:00"}, {"start": "13:00", "end": "16:30"}],
        "cutoff": "16:00",
        "counts_from": "07:00",
    }
    r = client.post(f"/api/v1/centres/{centre.id}/time-rules", json=rule, headers=centre.auth("admin"))
    assert r.status_code == 201, r.text
    day_off = {"kind": "day_off", "name": "Nghỉ theo quyết định của tỉnh"}
    r = client.put(f"/api/v1/centres/{centre.id}/calendar-days/2026-03-16", json=day_off, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    code = create_at(db, settings, datetime(2026, 3, 13, 16, 30, tzinfo=VN_TZ), agency_id=centre.agency_ids[0])
    d = client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("admin")).json()
    assert datetime.fromisoformat(d["effective_received_at"]) == datetime(2026, 3, 17, 7, 0, tzinfo=VN_TZ)
    assert datetime.fromisoformat(d["due_at"]) == datetime(2026, 3, 20, 17, 0, tzinfo=VN_TZ)


def test_created_from_the_current_ticket(client, centre, catalogue):
    open_counter(client, centre, 1, "clerk1")
    ticket = issue(client, centre, "HOTICH", procedure_code="1.001193")
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert r.status_code == 200
    r = client.post(
        "/api/v1/dossiers",
        json={
            "agency_id": centre.agency_ids[0],
            "ticket_id": ticket["id"],
            "applicant": {"full_name": "Đỗ Văn Em", "phone": "0909000111"},
        },
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["procedure_code"] == "1.001193" and d["ticket_id"] == ticket["id"]
    t = client.get(f"/api/v1/tickets/{ticket['id']}", headers=centre.auth("clerk1")).json()
    assert t["dossier_code"] == d["code"]


def test_unknown_procedure_is_404_and_writes_nothing(db, client, centre, catalogue):
    body = {
        "agency_id": centre.agency_ids[0],
        "procedure_code": "9.999999",
        "applicant": {"full_name": "Vũ Văn F", "phone": "0909111222"},
    }
    r = client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "procedure_not_found"
    assert "9.999999" in r.json()["error"]["message"]
    assert _count(db, Dossier) == 0 and _count(db, DossierEvent) == 0
    # The failed attempt gave its sequence number back.
    body["procedure_code"] = "1.001193"
    assert client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1")).json()["code"].endswith("-0001")


def test_bad_input_is_422(client, centre, catalogue):
    base = {"agency_id": centre.agency_ids[0], "procedure_code": "1.001193"}
    for body in (
        base,
        {**base, "applicant": {"full_name": ""}},
        {**base, "applicant": {"full_name": "A", "phone": "gọi tôi"}},
        {**base, "applicant": {"full_name": "A"}, "channel": "fax"},
    ):
        r = client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1"))
        assert r.status_code == 422, (body, r.text)


def test_who_may_receive_and_see(client, centre, catalogue, new_dossier):
    body = {"agency_id": centre.agency_ids[0], "procedure_code": "1.001193", "applicant": {"full_name": "Ngô Thị G"}}
    assert client.post("/api/v1/dossiers", json=body, headers=centre.auth("manager")).status_code == 403
    assert client.post("/api/v1/dossiers", json=body, headers=centre.auth("kiosk")).status_code == 403
    d1 = new_dossier()
    d2 = new_dossier(agency_id=centre.agency_ids[1])
    # The manager is scoped to agency 1 only.
    assert client.get(f"/api/v1/dossiers/{d1['code']}", headers=centre.auth("manager")).status_code == 200
    assert client.get(f"/api/v1/dossiers/{d2['code']}", headers=centre.auth("manager")).status_code == 403
    listed = client.get("/api/v1/dossiers", headers=centre.auth("manager")).json()
    assert [d["code"] for d in listed["items"]] == [d1["code"]] and listed["total"] == 1
    assert client.get("/api/v1/dossiers", headers=centre.auth("admin")).json()["total"] == 2


def test_amendment_keeps_the_code_and_records_the_diff(client, centre, new_dossier):
    d = new_dossier()
    r = client.patch(
        f"/api/v1/dossiers/{d['code']}",
        json={"sets": 2, "reason": "Bổ sung thêm một bộ"},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 200
    out = r.json()
    assert out["code"] == d["code"] and out["sets"] == 2
    amended = [e for e in out["history"] if e["type"] == "amended"]
    assert amended and amended[0]["data"]["changes"]["sets"] == {"from": 1, "to": 2}


def _amend(client, centre, code: str, body: dict) -> dict:
    r = client.patch(f"/api/v1/dossiers/{code}", json=body, headers=centre.auth("clerk1"))
    assert r.status_code == 200, r.text
    return r.json()


def _notify_changes(dossier: dict) -> list:
    return [e["data"]["changes"].get("notify") for e in dossier["history"] if e["type"] == "amended"]


def test_consent_is_withdrawn_and_given_by_amendment_and_kept_in_the_history(client, centre, new_dossier):
    d = new_dossier(notify=True)
    assert d["notify"] is True
    out = _amend(client, centre, d["code"], {"notify": False, "reason": "Công dân không muốn nhận tin nhắn"})
    assert out["notify"] is False
    assert _notify_changes(out) == [{"from": True, "to": False}]
    assert [e["reason"] for e in out["history"] if e["type"] == "amended"] == ["Công dân không muốn nhận tin nhắn"]
    out = _amend(client, centre, d["code"], {"notify": True})
    assert out["notify"] is True and _notify_changes(out)[-1] == {"from": False, "to": True}
    read = client.get(f"/api/v1/dossiers/{d['code']}", headers=centre.auth("admin")).json()
    assert read["notify"] is True
    # Restating the same consent changes nothing and writes nothing.
    assert len(_notify_changes(_amend(client, centre, d["code"], {"notify": True}))) == 2


def test_consent_follows_the_phone(client, centre, new_dossier):
    d = new_dossier(notify=True)
    same = {"full_name": "Nguyễn Văn Ánh", "phone": "0912 345 678", "address": "Số 2 đường Lê Lợi"}
    out = _amend(client, centre, d["code"], {"applicant": same})  # the same number: consent stays
    assert out["notify"] is True and _notify_changes(out) == [None]
    out = _amend(client, centre, d["code"], {"applicant": {**same, "phone": "0912.345.678"}})
    assert out["notify"] is True  # the same number written differently
    out = _amend(client, centre, d["code"], {"applicant": {**same, "phone": "0987654321"}})
    assert out["notify"] is False  # a new number never inherits the old one's consent
    assert _notify_changes(out)[-1] == {"from": True, "to": False}
    # Consent restated with the new number is kept; clearing the number withdraws it.
    out = _amend(client, centre, d["code"], {"applicant": {**same, "phone": "0911000111"}, "notify": True})
    assert out["notify"] is True
    out = _amend(client, centre, d["code"], {"applicant": {**same, "phone": None}})
    assert out["notify"] is False


def test_list_filters(client, centre, new_dossier):
    a = new_dossier()
    new_dossier(procedure_code="2.000908")
    r = client.get("/api/v1/dossiers", params={"procedure_code": "1.001193"}, headers=centre.auth("admin")).json()
    assert [d["code"] for d in r["items"]] == [a["code"]]
    assert (
        client.get("/api/v1/dossiers", params={"status": "nonsense"}, headers=centre.auth("admin")).status_code == 422
    )
