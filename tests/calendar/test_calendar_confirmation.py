"""A holiday schedule nobody confirmed is never applied silently.

The shipped files confirm 2025 and 2026. The `holidays` library also lists 24/11/2026 (Ngày Văn
hóa Việt Nam) that the 2026 schedule does not: the centre works that day, and the calendar says
the holiday is unconfirmed. 2027 has no confirmed schedule yet (Tết's is published late every
year): the library's days apply, marked unconfirmed, and the dashboard, /healthz and the server
log warn about the year.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient

from queue_server.app import create_app
from queue_server.calendar import VN_TZ, WorkingCalendar, calendar_warnings


def _file(tmp_path, year: int, **lists) -> str:
    path = tmp_path / f"centre-{year}.json"
    path.write_text(json.dumps({"year": year, **lists}), encoding="utf-8")
    return str(path)


def _entry(day: str, name: str) -> dict:
    return {"date": day, "name": name, "source": "Công văn của UBND tỉnh (thử)"}


def test_a_library_holiday_the_years_schedule_does_not_list_is_a_working_day_marked_unconfirmed(cal):
    culture_day = cal.describe_day(date(2026, 11, 24))  # a Tuesday
    assert culture_day.is_working_day and culture_day.reason is None
    assert culture_day.unconfirmed == "Ngày Văn hóa Việt Nam"
    assert cal.next_working_day(date(2026, 11, 23)) == date(2026, 11, 24)
    confirmed = cal.describe_day(date(2026, 2, 17))  # Tết, in the 2026 schedule
    assert not confirmed.is_working_day and confirmed.unconfirmed is None
    assert [d.day for d in cal.unconfirmed_days(2026)] == [date(2026, 4, 26), date(2026, 11, 24)]  # 26/04 a Sunday
    assert cal.unconfirmed_days(2025) == []


def test_in_a_year_nobody_confirmed_the_librarys_holidays_apply_marked_unconfirmed(cal):
    tet = cal.describe_day(date(2027, 2, 8))
    assert not tet.is_working_day and tet.unconfirmed == tet.reason == "Mùng ba Tết Nguyên Đán"
    assert cal.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)


def test_a_centre_file_confirms_a_day_and_a_year(tmp_path):
    files = [
        _file(tmp_path, 2026, days_off=[_entry("2026-11-24", "Ngày Văn hóa Việt Nam")]),
        _file(
            tmp_path, 2027, days_off=[_entry(f"2027-02-{d:02d}", "Nghỉ Tết Nguyên đán Đinh Mùi") for d in range(5, 12)]
        ),
    ]
    cal = WorkingCalendar(override_files=files)
    culture_day = cal.describe_day(date(2026, 11, 24))
    assert not culture_day.is_working_day and culture_day.unconfirmed is None
    assert cal.describe_day(date(2027, 2, 11)).unconfirmed is None  # the file's own Tết day
    # 2027 is now kept: the library's 24/11/2027, not in the file, no longer applies.
    assert cal.describe_day(date(2027, 11, 24)).is_working_day
    # A kept year lists every day off: the library's other 2027 holidays are named, to be confirmed.
    warnings = calendar_warnings(cal, date(2026, 3, 10))
    assert {w["kind"] for w in warnings} == {"holiday_unconfirmed"}
    dates = [w["date"] for w in warnings]
    assert "2027-04-30" in dates and "2027-11-24" in dates and "2027-02-08" not in dates
    assert "2026-11-24" not in dates


def test_warnings_name_the_unconfirmed_year_and_the_unconfirmed_day(cal):
    warnings = calendar_warnings(cal, date(2026, 3, 10))
    assert [(w["kind"], w.get("year"), w.get("date")) for w in warnings] == [
        ("holiday_unconfirmed", None, "2026-11-24"),
        ("calendar_unconfirmed", 2027, None),
    ]
    assert "24/11/2026 (Ngày Văn hóa Việt Nam)" in warnings[0]["message"]
    assert "vẫn làm việc" in warnings[0]["message"]
    assert "Chưa có lịch nghỉ lễ, tết năm 2027 được xác nhận" in warnings[1]["message"]
    # Past the day, only the year is left to confirm; in 2025 both years are kept.
    assert [w["kind"] for w in calendar_warnings(cal, date(2026, 11, 25))] == ["calendar_unconfirmed"]
    assert [w["kind"] for w in calendar_warnings(cal, date(2025, 3, 10))] == ["holiday_unconfirmed"]
    # In 2027 the year itself and the next are unconfirmed.
    assert [w.get("year") for w in calendar_warnings(cal, date(2027, 1, 4))] == [2027, 2028]


def test_days_api_shows_unconfirmed_holidays_as_such(client, centre):
    r = client.get(
        "/api/v1/calendar/days", params={"from": "2026-11-23", "to": "2026-11-25"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"] == [
        {
            "date": "2026-11-24",
            "weekday": "Thứ Ba",
            "is_working_day": True,
            "reason": "Ngày Văn hóa Việt Nam (chưa xác nhận, vẫn làm việc)",
            "source": "Thư viện holidays (ngày lễ, tết của Việt Nam)",
            "confirmed": False,
        }
    ]
    tet = client.get(
        "/api/v1/calendar/days", params={"from": "2027-02-08", "to": "2027-02-08"}, headers=centre.auth("clerk1")
    ).json()["items"]
    assert [(d["is_working_day"], d["reason"], d["confirmed"]) for d in tet] == [
        (False, "Mùng ba Tết Nguyên Đán (chưa xác nhận)", False)
    ]
    kept = client.get(
        "/api/v1/calendar/days", params={"from": "2026-02-17", "to": "2026-02-17"}, headers=centre.auth("clerk1")
    ).json()["items"]
    assert [(d["reason"], d["confirmed"]) for d in kept] == [("Nghỉ Tết Nguyên đán Bính Ngọ", True)]


@pytest.fixture
def december(clock):
    """1 December 2026 from before the centre is built (its staff tokens are minted then)."""
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))


def test_healthz_and_the_dashboard_warn_about_the_calendar(december, client, centre):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["ok"] is True
    assert [(w["kind"], w.get("year")) for w in health.json()["warnings"]] == [("calendar_unconfirmed", 2027)]
    live = client.get("/api/v1/dashboard/live", headers=centre.auth("admin")).json()
    assert [a["message"] for a in live["alerts"] if a["kind"] == "calendar_unconfirmed"] == [
        health.json()["warnings"][0]["message"]
    ]


def test_the_server_log_warns_at_start(settings, clock, caplog):
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))
    with caplog.at_level(logging.WARNING, logger="queue_server.calendar.router"), TestClient(create_app(settings)):
        pass
    assert any(
        "working calendar: Chưa có lịch nghỉ lễ, tết năm 2027 được xác nhận" in r.getMessage() for r in caplog.records
    )
