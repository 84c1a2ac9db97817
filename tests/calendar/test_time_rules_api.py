"""A centre keeps its own calendar and time rules (issue 16, items 2 and 3), on both databases:
a test per override rule (a day off added, a make-up day added, hours with an effective date,
an announcement's window), the validation messages, who may edit, and the change log."""

import pytest

from tests.calendar.issuing import at, listed, refused, try_issue, vn, weekday_hours  # noqa: F401
from tests.factories import issue


def rules_url(centre) -> str:
    return f"/api/v1/centres/{centre.id}/time-rules"


def days_url(centre, day: str = "") -> str:
    return f"/api/v1/centres/{centre.id}/calendar-days" + (f"/{day}" if day else "")


RULE = {
    "effective_from": "2026-03-01",
    "working": [{"start": "07:00", "end": "11:30"}, {"start": "13:00", "end": "17:00"}],
    "receiving": [{"start": "07:00", "end": "11:00"}, {"start": "13:00", "end": "16:30"}],
    "cutoff": "16:00",
    "counts_from": "07:00",
}


def test_a_new_centre_starts_with_the_former_hard_coded_hours(client, centre):
    r = client.post("/api/v1/centres", json={"name": "Trung tâm mới"}, headers=centre.auth("admin"))
    rules = client.get(f"/api/v1/centres/{r.json()['id']}/time-rules", headers=centre.auth("admin")).json()
    assert len(rules) == 1
    seed = rules[0]
    assert seed["effective_from"] == "2000-01-01" and seed["agency_id"] is None
    assert seed["working"] == [{"start": "07:30:00", "end": "11:30:00"}, {"start": "13:00:00", "end": "17:00:00"}]
    assert seed["receiving"] == [{"start": "07:30:00", "end": "11:00:00"}, {"start": "13:00:00", "end": "16:30:00"}]
    assert seed["cutoff"] == "16:00:00" and seed["saturday"] == []


def test_a_day_off_added_by_the_centre_closes_issuing(client, centre, weekday_hours, at):
    r = client.put(
        days_url(centre, "2026-03-10"),
        json={"kind": "day_off", "name": "Nghỉ để tổng vệ sinh trụ sở", "source": "Thông báo số 12/TB-TTHCC"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 200, r.text
    at(vn(2026, 3, 10, 9))  # Tuesday
    message = refused(try_issue(client, centre))
    assert message == "Hôm nay nghỉ để tổng vệ sinh trụ sở. Mời quay lại lúc 07:30 ngày mai (Thứ Tư, 11/03/2026)."
    days = client.get(
        "/api/v1/calendar/days", params={"from": "2026-03-10", "to": "2026-03-10"}, headers=centre.auth("kiosk")
    )
    assert days.json()["items"][0]["reason"] == "Nghỉ để tổng vệ sinh trụ sở"
    # Removing it brings the national calendar back.
    assert client.delete(days_url(centre, "2026-03-10"), headers=centre.auth("admin")).status_code == 204
    assert issue(client, centre)["display_number"] == "A001"


def test_a_make_up_day_added_by_the_centre_issues(client, centre, weekday_hours, at):
    at(vn(2026, 3, 14, 9))  # Saturday 14/03/2026, an ordinary weekend
    refused(try_issue(client, centre))
    r = client.put(
        days_url(centre, "2026-03-14"),
        json={"kind": "working_day", "name": "Làm bù ngày 13/03/2026", "replaces": "2026-03-13"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 200, r.text
    assert issue(client, centre)["display_number"] == "A001"
    listing = client.get(days_url(centre), params={"year": 2026}, headers=centre.auth("manager")).json()
    assert [(d["day"], d["kind"], d["replaces"]) for d in listing] == [("2026-03-14", "working_day", "2026-03-13")]


def test_a_centre_can_work_a_national_day_off(client, centre, weekday_hours, at):
    # e.g. the province keeps the desk open on a day the national file lists (its own decision)
    client.put(
        days_url(centre, "2026-01-02"), json={"kind": "working_day", "name": "Làm việc"}, headers=centre.auth("admin")
    )
    at(vn(2026, 1, 2, 9))
    assert issue(client, centre)["display_number"] == "A001"


def test_hours_with_an_effective_date_govern_receipts_from_that_date(client, centre):
    r = client.post(rules_url(centre), json=RULE, headers=centre.auth("admin"))
    assert r.status_code == 201, r.text

    def effective(received_at: str) -> str:
        q = {"received_at": received_at, "working_days": 0, "centre": centre.id}
        r = client.get("/api/v1/calendar/due-date", params=q, headers=centre.auth("clerk1"))
        assert r.status_code == 200, r.text
        return r.json()["effective_received_at"]

    # Before 01/03: the seed rule (cut-off 16:00, counts from the 07:30 opening).
    assert effective("2026-02-27T16:30").startswith("2026-03-02T07:00")  # Monday 02/03 is under the new rule
    assert effective("2026-02-26T16:30").startswith("2026-02-27T07:30")
    # From 01/03: counts from 07:00 of the next working day (An Giang, Đ.15 k.4 đ.b).
    assert effective("2026-03-05T16:10").startswith("2026-03-06T07:00")
    assert effective("2026-03-05T15:59").startswith("2026-03-05T15:59")


def test_an_agency_rule_applies_to_that_agency_only(client, centre):
    rule = {**RULE, "agency_id": centre.agency_ids[1], "effective_from": "2026-01-01", "cutoff": "15:00"}
    assert client.post(rules_url(centre), json=rule, headers=centre.auth("admin")).status_code == 201
    q = {"received_at": "2026-03-05T15:30", "working_days": 0}
    theirs = client.get(
        "/api/v1/calendar/due-date", params={**q, "agency": centre.agency_ids[1]}, headers=centre.auth("admin")
    )
    ours = client.get("/api/v1/calendar/due-date", params={**q, "centre": centre.id}, headers=centre.auth("admin"))
    assert theirs.json()["effective_received_at"].startswith("2026-03-06T07:00")
    assert ours.json()["effective_received_at"].startswith("2026-03-05T15:30")


def test_an_announced_change_is_shown_from_publication_until_it_applies(client, centre, at):
    text = "Từ ngày 01/03/2026, Trung tâm làm việc buổi sáng từ 07:00."
    rule = {**RULE, "notice": text, "notice_from": "2026-02-24"}
    assert client.post(rules_url(centre), json=rule, headers=centre.auth("admin")).status_code == 201

    def shown(day: int, month: int = 2):
        at(vn(2026, month, day, 9))
        board = client.get(f"/api/v1/centres/{centre.id}/snapshot", headers=centre.auth("display")).json()
        service = listed(client, centre)
        assert board["centre"]["calendar_notice"] == service["calendar_notice"]
        return service["calendar_notice"]

    assert shown(23) is None  # before publication
    assert shown(24) == text  # published
    assert shown(28) == text  # the day before it applies
    assert shown(1, 3) is None  # in force: no longer an announcement


@pytest.mark.parametrize(
    "change, code, message, field",
    [
        (
            {"working": [{"start": "07:30", "end": "11:30"}, {"start": "11:00", "end": "17:00"}]},
            "hours_overlap",
            "Các khung giờ làm việc chồng lên nhau: 07:30–11:30 và 11:00–17:00.",
            "working",
        ),
        (
            {"receiving": [{"start": "11:00", "end": "07:30"}]},
            "hours_end_before_start",
            "Khung giờ tiếp nhận hồ sơ 11:00–07:30: giờ kết thúc phải sau giờ bắt đầu.",
            "receiving",
        ),
        (
            {"receiving": [{"start": "16:30", "end": "17:30"}]},
            "receiving_outside_working",
            "Giờ tiếp nhận hồ sơ 16:30–17:30 nằm ngoài giờ làm việc.",
            "receiving",
        ),
        ({"working": []}, "hours_missing", "Cần ít nhất một khung giờ làm việc.", "working"),
        (
            {"notice": "Thay đổi giờ làm việc", "notice_from": "2026-03-01"},
            "notice_after_change",
            "Ngày công bố thông báo (01/03/2026) phải trước ngày quy định có hiệu lực (01/03/2026).",
            "notice_from",
        ),
        (
            {"notice": "Thay đổi giờ làm việc"},
            "notice_incomplete",
            "Thông báo thay đổi cần cả nội dung và ngày công bố.",
            "notice_from",
        ),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(client, centre, change, code, message, field):
    r = client.post(rules_url(centre), json={**RULE, **change}, headers=centre.auth("admin"))
    assert r.status_code == 422, r.text
    # the field it is about, so the /admin form shows the message beside that input
    assert r.json()["error"] == {"code": code, "message": message, "fields": [{"field": field, "problem": message}]}
    assert len(client.get(rules_url(centre), headers=centre.auth("admin")).json()) == 1  # the seed only


def test_a_second_rule_on_the_same_date_is_refused(client, centre):
    assert client.post(rules_url(centre), json=RULE, headers=centre.auth("admin")).status_code == 201
    r = client.post(rules_url(centre), json=RULE, headers=centre.auth("admin"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "time_rule_exists"
    assert "01/03/2026" in r.json()["error"]["message"]


def test_managers_read_admins_edit(client, centre):
    assert client.get(rules_url(centre), headers=centre.auth("manager")).status_code == 200
    r = client.post(rules_url(centre), json=RULE, headers=centre.auth("manager"))
    assert r.status_code == 403
    r = client.put(days_url(centre, "2026-03-10"), json={"kind": "day_off", "name": "x"}, headers=centre.auth("clerk1"))
    assert r.status_code == 403


def test_every_change_is_logged_with_who_and_when(client, centre):
    rule = client.post(rules_url(centre), json=RULE, headers=centre.auth("admin")).json()
    r = client.patch(f"/api/v1/time-rules/{rule['id']}", json={"cutoff": "15:30"}, headers=centre.auth("admin"))
    assert r.status_code == 200 and r.json()["cutoff"] == "15:30:00" and r.json()["updated_by"].startswith("admin")
    client.put(days_url(centre, "2026-03-10"), json={"kind": "day_off", "name": "Nghỉ"}, headers=centre.auth("admin"))
    assert client.delete(f"/api/v1/time-rules/{rule['id']}", headers=centre.auth("admin")).status_code == 204
    log = client.get(f"/api/v1/centres/{centre.id}/calendar-changes", headers=centre.auth("manager")).json()
    assert [(c["entity"], c["action"]) for c in log] == [
        ("time_rule", "deleted"),
        ("calendar_day", "created"),
        ("time_rule", "updated"),
        ("time_rule", "created"),
        ("time_rule", "created"),  # the seed rule, when the centre was created
    ]
    assert log[-1]["actor"] == "hệ thống"
    updated = log[2]
    assert updated["actor"] == "admin (admin)" and updated["at"]
    assert updated["before"]["cutoff"] == "16:00" and updated["after"]["cutoff"] == "15:30"
    assert log[0]["before"]["effective_from"] == "2026-03-01" and log[0]["after"] is None


def test_changes_are_in_the_audit_log_too(client, centre):
    rule = client.post(rules_url(centre), json=RULE, headers=centre.auth("admin")).json()
    client.patch(f"/api/v1/time-rules/{rule['id']}", json={"cutoff": "15:30"}, headers=centre.auth("admin"))
    client.put(days_url(centre, "2026-03-10"), json={"kind": "day_off", "name": "Nghỉ"}, headers=centre.auth("admin"))
    entries = client.get(
        "/api/v1/audit", params={"centre_id": centre.id, "entity": "time_rule"}, headers=centre.auth("admin")
    ).json()
    updated = next(e for e in entries if e["action"] == "update" and e["entity_id"] == str(rule["id"]))
    assert updated["actor_name"] == "admin" and updated["before"] == {"cutoff": "16:00"}
    assert updated["after"] == {"cutoff": "15:30"}
    days = client.get(
        "/api/v1/audit", params={"centre_id": centre.id, "entity": "calendar_day"}, headers=centre.auth("admin")
    ).json()
    assert [(e["action"], e["entity_id"]) for e in days] == [("create", "2026-03-10")]
