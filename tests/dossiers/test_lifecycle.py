"""The lifecycle: legal path, refused steps with nothing written, supplement, refusal, overdue + apology, uncollected."""

from datetime import datetime, timedelta

from queue_server.dossiers.lifecycle import TRANSITIONS
from queue_server.timeutil import VN_TZ
from tests.dossiers.helpers import create_at, step


def _go(client, centre, code, to, **extra):
    return client.post(f"/api/v1/dossiers/{code}/transitions", json={"to": to, **extra}, headers=centre.auth("clerk1"))


def test_legal_path_to_returned(client, centre, new_dossier):
    code = new_dossier()["code"]
    for to in ("transferred", "in_processing", "consulting", "in_processing", "result_ready"):
        r = _go(client, centre, code, to)
        assert r.status_code == 200 and r.json()["status"] == to
    r = _go(client, centre, code, "returned", data={"method": "post"})
    d = r.json()
    assert d["status"] == "returned" and d["status_label"] == "Đã trả kết quả (hoàn thành)"
    steps = [(e["from_status"], e["to_status"]) for e in d["history"] if e["type"] == "transition"]
    assert steps[0] == ("received", "transferred") and steps[-1] == ("result_ready", "returned")
    assert d["history"][-1]["data"]["method"] == "post"
    assert "completed_early" in d["flags"]


def test_illegal_transition_is_409_with_nothing_written(client, centre, new_dossier):
    code = new_dossier()["code"]
    before = client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("clerk1")).json()
    r = _go(client, centre, code, "returned")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert "«Đã tiếp nhận»" in r.json()["error"]["message"]
    assert _go(client, centre, code, "flying").status_code == 422
    after = client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("clerk1")).json()
    assert after == before


def test_final_states_have_no_way_out():
    for state in ("returned", "refused", "withdrawn", "wrong_agency", "lapsed"):
        assert TRANSITIONS[state] == frozenset()


def test_refusal_needs_a_written_reason(client, centre, new_dossier):
    code = new_dossier()["code"]
    r = _go(client, centre, code, "refused")
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    r = _go(client, centre, code, "refused", reason="Hồ sơ không thuộc trường hợp được giải quyết theo quy định")
    assert r.status_code == 200 and r.json()["history"][-1]["reason"].startswith("Hồ sơ không thuộc")


def test_wrong_agency_names_where_to_go(client, centre, new_dossier):
    code = new_dossier()["code"]
    assert _go(client, centre, code, "wrong_agency", reason="Không đúng thẩm quyền").status_code == 422
    r = _go(
        client,
        centre,
        code,
        "wrong_agency",
        reason="Không đúng thẩm quyền",
        data={"redirect_to": "UBND phường Phú Cường"},
    )
    assert r.status_code == 200 and r.json()["status"] == "wrong_agency"


def test_supplement_once_with_everything_then_back_to_processing(client, centre, new_dossier):
    code = new_dossier()["code"]
    _go(client, centre, code, "in_processing")
    assert _go(client, centre, code, "supplement_requested", reason="Thiếu giấy tờ").status_code == 422  # no list
    items = ["Bản sao Giấy chứng sinh có chứng thực", "Tờ khai ghi rõ quê quán"]
    r = _go(client, centre, code, "supplement_requested", reason="Hồ sơ chưa đầy đủ", data={"items": items})
    assert r.status_code == 200
    d = r.json()
    assert d["supplement_deadline_at"] is not None and d["history"][-1]["data"]["items"] == items
    assert _go(client, centre, code, "in_processing").status_code == 200
    r = _go(client, centre, code, "supplement_requested", reason="Thiếu nữa", data={"items": ["Ảnh"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "supplement_already_requested"


def test_supplement_lapses_after_the_processing_time(db, settings, client, centre, catalogue):
    when = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)  # a Monday; 3 working days to supplement
    code = create_at(db, settings, when, agency_id=centre.agency_ids[0])
    step(db, settings, code, "supplement_requested", when, reason="Thiếu giấy tờ", data={"items": ["Giấy chứng sinh"]})
    r = client.post("/api/v1/dossiers/sweep", headers=centre.auth("admin"))
    assert r.json()["lapsed"] == [code]
    d = client.get(f"/api/v1/dossiers/{code}", headers=centre.auth("admin")).json()
    assert d["status"] == "lapsed" and d["history"][-1]["actor_label"] == "Hệ thống"


def test_overdue_and_apology(db, settings, client, centre, catalogue, clock):
    code = create_at(db, settings, datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ), agency_id=centre.agency_ids[0])
    step(db, settings, code, "in_processing", datetime(2026, 3, 3, 9, 0, tzinfo=VN_TZ))
    fresh = create_at(db, settings, clock.now(), agency_id=centre.agency_ids[0])
    overdue = client.get("/api/v1/dossiers/overdue", headers=centre.auth("clerk1")).json()
    assert [d["code"] for d in overdue] == [code] and "overdue" in overdue[0]["flags"]
    r = client.post(
        f"/api/v1/dossiers/{fresh}/apologies",
        json={"reason": "x", "new_due_at": "2099-01-01T10:00:00+07:00"},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_overdue"
    new_due = (clock.local() + timedelta(days=7)).replace(microsecond=0)
    r = client.post(
        f"/api/v1/dossiers/{code}/apologies",
        json={"reason": "Phải lấy ý kiến Sở Xây dựng", "new_due_at": new_due.isoformat()},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 200, r.text
    d = r.json()
    assert datetime.fromisoformat(d["due_at"]) == new_due
    assert datetime.fromisoformat(d["original_due_at"]) == datetime(2026, 3, 5, 17, 0, tzinfo=VN_TZ)
    apology = d["history"][-1]
    assert (
        apology["type"] == "apology"
        and apology["reason"] == "Phải lấy ý kiến Sở Xây dựng"
        and apology["agency_name"] == "Sở Tư pháp"
    )
    assert client.get("/api/v1/dossiers/overdue", headers=centre.auth("clerk1")).json() == []


def test_uncollected_after_60_days(db, settings, client, centre, catalogue, clock):
    long_ago = clock.now() - timedelta(days=75)
    old = create_at(db, settings, long_ago, agency_id=centre.agency_ids[0])
    step(db, settings, old, "result_ready", long_ago + timedelta(days=2))
    recent = create_at(db, settings, clock.now() - timedelta(days=10), agency_id=centre.agency_ids[0])
    step(db, settings, recent, "result_ready", clock.now() - timedelta(days=5))
    listed = client.get("/api/v1/dossiers/uncollected", headers=centre.auth("clerk1")).json()
    assert [d["code"] for d in listed] == [old] and "uncollected" in listed[0]["flags"]


def test_online_dossier_must_be_accepted_within_8_working_hours(client, centre, new_dossier):
    d = new_dossier(channel="online")
    assert d["status"] == "pending_acceptance" and d["due_at"] is None
    assert datetime.fromisoformat(d["acceptance_deadline_at"]) > datetime.fromisoformat(d["received_at"])
    r = _go(client, centre, d["code"], "received")
    assert r.status_code == 200 and r.json()["due_at"] is not None
