"""Issuing follows the centre's working calendar (issue 16, item 1), on both databases.

The clock is frozen at each moment (see issuing.py); the calendar days are the shipped 2026
national file's.
"""

from tests.calendar.issuing import WEEKDAY_HOURS, at, listed, refused, tickets, try_issue, vn, weekday_hours  # noqa: F401
from tests.factories import issue


def test_tet_refuses_and_names_the_next_opening(client, centre, db, weekday_hours, at):
    at(vn(2026, 2, 16, 9))  # Monday 16/02/2026, Tết Bính Ngọ
    r = try_issue(client, centre)
    assert refused(r) == "Hôm nay nghỉ Tết Nguyên đán Bính Ngọ. Mời quay lại lúc 07:30 Thứ Hai, 23/02/2026."
    assert r.json()["error"]["reopens_at"].startswith("2026-02-23T07:30")
    shown = listed(client, centre)
    assert shown["open_now"] is False
    assert shown["closed_reason"].startswith("Hôm nay nghỉ Tết Nguyên đán")
    assert (
        shown["calendar_notice"] == "Hôm nay nghỉ Tết Nguyên đán Bính Ngọ. Mời quay lại lúc 07:30 Thứ Hai, 23/02/2026."
    )
    snapshot = client.get(f"/api/v1/centres/{centre.id}/snapshot", headers=centre.auth("display")).json()
    assert snapshot["centre"]["calendar_notice"].startswith("Hôm nay nghỉ Tết Nguyên đán Bính Ngọ.")
    assert tickets(db) == 0


def test_national_day_refuses_and_reopens_the_next_morning(client, centre, db, weekday_hours, at):
    at(vn(2026, 9, 2, 9))  # Wednesday 02/09/2026
    message = refused(try_issue(client, centre))
    assert message == "Hôm nay nghỉ Quốc khánh (2/9). Mời quay lại lúc 07:30 ngày mai (Thứ Năm, 03/09/2026)."
    assert tickets(db) == 0


def test_make_up_saturday_issues(client, centre, weekday_hours, at):
    at(vn(2026, 1, 10, 9))  # Saturday 10/01/2026 makes up Friday 02/01/2026
    assert listed(client, centre)["open_now"] is True
    assert issue(client, centre)["display_number"] == "A001"


def test_make_up_day_has_the_hours_of_the_day_it_replaces(client, centre, at):
    # Friday: mornings only; the make-up Saturday 10/01/2026 stands in for Friday 02/01/2026.
    hours = [h for h in WEEKDAY_HOURS if h["weekday"] != 4 or h["start"] == "07:30"]
    client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"hours": hours}, headers=centre.auth("admin")
    )
    at(vn(2026, 1, 10, 14))
    assert "Mời quay lại lúc 07:30 Thứ Hai, 12/01/2026." in refused(try_issue(client, centre))


def test_an_ordinary_monday_issues(client, centre, weekday_hours, at):
    at(vn(2026, 1, 12, 9))
    assert issue(client, centre)["display_number"] == "A001"


def test_friday_evening_names_the_make_up_saturday(client, centre, weekday_hours, at):
    at(vn(2026, 1, 9, 18))  # Friday 09/01/2026 18:00; Saturday 10/01 is a working day
    message = refused(try_issue(client, centre))
    assert message.endswith("Mời quay lại lúc 07:30 ngày mai (Thứ Bảy, 10/01/2026).")


def test_ordinary_weekend_names_monday_with_its_date(client, centre, weekday_hours, at):
    at(vn(2026, 1, 17, 9))  # Saturday 17/01/2026, an ordinary weekend
    message = refused(try_issue(client, centre))
    assert message == "Dịch vụ Hộ tịch hiện ngoài giờ cấp số thứ tự. Mời quay lại lúc 07:30 Thứ Hai, 19/01/2026."
    assert listed(client, centre)["calendar_notice"] is None


def test_weekend_before_a_holiday_skips_it(client, centre, weekday_hours, at):
    at(vn(2026, 4, 25, 10))  # Saturday 25/04/2026; Monday 27/04 is the Hùng Kings' day off in lieu
    assert refused(try_issue(client, centre)).endswith("Mời quay lại lúc 07:30 Thứ Ba, 28/04/2026.")


def test_saturday_session_closes_on_a_holiday_saturday(client, centre, at):
    hours = [*WEEKDAY_HOURS, {"weekday": 5, "start": "07:30", "end": "11:30"}]
    client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"hours": hours}, headers=centre.auth("admin")
    )
    at(vn(2026, 1, 17, 9))  # an ordinary Saturday: the Saturday-morning session issues
    assert issue(client, centre)["display_number"] == "A001"
    at(vn(2026, 2, 14, 9))  # Saturday 14/02/2026 is a Tết day off
    assert refused(try_issue(client, centre)).startswith("Hôm nay nghỉ Tết Nguyên đán Bính Ngọ.")


def test_a_service_without_hours_issues_even_on_tet(client, centre, at):
    at(vn(2026, 2, 16, 9))
    assert issue(client, centre, "CHUNGTHUC")["display_number"] == "B001"
    assert listed(client, centre, "CHUNGTHUC")["open_now"] is True
