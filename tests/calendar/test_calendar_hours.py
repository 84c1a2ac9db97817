"""Hours schedules with effective dates and counting in working hours (BD23 Đ.10; AG Đ.15)."""

from datetime import date, time

import pytest

from queue_server.calendar import CalendarError, HoursSchedule, Session, WorkingCalendar

# From Tue 01/07/2025 this agency works 07:00–11:00 and 13:30–16:30 (announced ahead, Đ.5 k.4).
CHANGE = date(2025, 7, 1)
NEW_WORKING = [Session(time(7), time(11)), Session(time(13, 30), time(16, 30))]
NEW_RECEIVING = [Session(time(7), time(10, 30)), Session(time(13, 30), time(16))]


@pytest.fixture(scope="module")
def agency(cal) -> WorkingCalendar:
    return cal.with_hours(HoursSchedule.default().changed_from(CHANGE, NEW_WORKING, NEW_RECEIVING))


def test_schedule_picks_the_entry_in_force(agency):
    assert agency.hours_on(date(2025, 6, 30)).opening == time(7, 30)
    assert agency.hours_on(CHANGE).opening == time(7)
    assert agency.hours_on(date(2026, 1, 5)).closing == time(16, 30)


def test_agency_hours_before_and_after_the_change(agency, vn):
    # Mon 30/06 07:10: old hours open at 07:30. Tue 01/07 07:10: new hours opened at 07:00.
    assert agency.effective_received_at(vn(2025, 6, 30, 7, 10)) == vn(2025, 6, 30, 7, 30)
    assert agency.effective_received_at(vn(2025, 7, 1, 7, 10)) == vn(2025, 7, 1, 7, 10)
    # 11:15 is lunch under the new hours (ends 11:00, resumes 13:30), work under the old.
    assert agency.effective_received_at(vn(2025, 6, 30, 11, 15)) == vn(2025, 6, 30, 11, 15)
    assert agency.effective_received_at(vn(2025, 7, 1, 11, 15)) == vn(2025, 7, 1, 13, 30)
    # Mon 30/06 10:00 with 1 day is due Tue 01/07, at that day's closing 16:30.
    assert agency.due_date(vn(2025, 6, 30, 10), 1).due_at == vn(2025, 7, 1, 16, 30)


def test_receiving_hours_follow_the_schedule(agency, vn):
    # 10:45: desk still receives under the old hours (to 11:00), not under the new (to 10:30).
    assert agency.is_receiving_time(vn(2025, 6, 30, 10, 45))
    assert not agency.is_receiving_time(vn(2025, 7, 1, 10, 45))
    assert not agency.is_receiving_time(vn(2025, 7, 5, 9))  # Saturday


def test_the_agency_schedule_leaves_the_centre_calendar_alone(cal, agency, vn):
    assert cal.effective_received_at(vn(2025, 7, 1, 7, 10)) == vn(2025, 7, 1, 7, 30)
    assert agency.is_working_day(date(2025, 9, 2)) is False  # same holidays


def test_schedule_given_as_tuples(vn):
    schedule = HoursSchedule([(date.min, [Session(time(8), time(12))], [Session(time(8), time(11))])])
    assert WorkingCalendar(hours=schedule).due_date(vn(2025, 3, 11, 9), 0).due_at == vn(2025, 3, 11, 12)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Session(time(11), time(10)), "start before"),
        (lambda: HoursSchedule([]), "at least one"),
        (
            lambda: HoursSchedule(
                [(date.min, [Session(time(7), time(12)), Session(time(11), time(17))], [Session(time(8), time(9))])]
            ),
            "overlap",
        ),
        (lambda: HoursSchedule([(date.min, [], [Session(time(8), time(9))])]), "no session"),
        (lambda: HoursSchedule.default().changed_from(date.min, NEW_WORKING, NEW_RECEIVING), "Two hours entries"),
    ],
)
def test_bad_schedules_are_refused(build, message):
    with pytest.raises(CalendarError, match=message):
        build()


def test_date_before_the_first_entry_has_no_hours():
    schedule = HoursSchedule([(CHANGE, NEW_WORKING, NEW_RECEIVING)])
    with pytest.raises(CalendarError, match="No working hours"):
        schedule.in_force(date(2025, 6, 30))


def test_add_working_hours_across_lunch(cal, vn):
    # Tue 11/03 10:00 + 2 h: 1.5 h to 11:30, lunch skipped, 0.5 h from 13:00 → 13:30.
    assert cal.add_working_hours(vn(2025, 3, 11, 10), 2) == vn(2025, 3, 11, 13, 30)


def test_add_working_hours_across_the_evening(cal, vn):
    # Tue 16:00 + 2 h: 1 h to 17:00, then Wed 07:30 + 1 h → 08:30.
    assert cal.add_working_hours(vn(2025, 3, 11, 16), 2) == vn(2025, 3, 12, 8, 30)


def test_eight_working_hours_across_a_weekend(cal, vn):
    # Online dossier Fri 07/03 15:00 + 8 h: 2 h to 17:00; Mon 10/03 07:30–11:30 is 4 h
    # (6 in all); 13:00 + 2 h → Mon 15:00.
    assert cal.add_working_hours(vn(2025, 3, 7, 15), 8) == vn(2025, 3, 10, 15)


def test_add_working_hours_ending_at_closing_stays_that_day(cal, vn):
    # Tue 13:00 + 4 h fills the afternoon exactly → 17:00 Tue, not Wed 07:30.
    assert cal.add_working_hours(vn(2025, 3, 11, 13), 4) == vn(2025, 3, 11, 17)


def test_add_working_hours_from_a_saturday_and_over_tet(cal, vn):
    # Sat 08/03 10:00 + 1 h → counting starts Mon 07:30 → 08:30.
    assert cal.add_working_hours(vn(2025, 3, 8, 10), 1) == vn(2025, 3, 10, 8, 30)
    # Fri 24/01/2025 16:30 + 1 h: 0.5 h to 17:00, Tết until Sun 02/02 → Mon 03/02 08:00.
    assert cal.add_working_hours(vn(2025, 1, 24, 16, 30), 1) == vn(2025, 2, 3, 8)


def test_add_zero_hours_and_bad_amounts(cal, vn):
    assert cal.add_working_hours(vn(2025, 3, 8, 10), 0) == vn(2025, 3, 8, 10)
    for bad in (-1, float("nan"), float("inf"), "8"):
        with pytest.raises(CalendarError, match="hours"):
            cal.add_working_hours(vn(2025, 3, 11, 10), bad)
