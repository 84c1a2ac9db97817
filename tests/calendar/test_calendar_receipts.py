"""Effective receipt time and due dates, each case worked by hand.

March 2025 has no holidays: Fri 07/03, Sat 08, Sun 09, Mon 10, Tue 11, Wed 12, Thu 13.
Default hours 07:30–11:30, 13:00–17:00; cut-off 16:00.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from queue_server.calendar import VN_TZ, CalendarError, DueDate, WorkingCalendar


def test_friday_morning_with_three_working_days_is_due_wednesday_evening(cal, vn):
    # Fri 07/03 10:00 is inside hours, so it counts from then; the receipt day is not
    # counted (BLDS Đ.147): Mon 10 (1), Tue 11 (2), Wed 12 (3) → due Wed 17:00.
    due = cal.due_date(vn(2025, 3, 7, 10), 3)
    assert due == DueDate(effective_received_at=vn(2025, 3, 7, 10), due_at=vn(2025, 3, 12, 17))


def test_same_clock_time_option_keeps_the_receipt_time(cal, vn):
    # Same count as above, due at the receipt's own clock time 10:00.
    assert cal.due_date(vn(2025, 3, 7, 10), 3, same_clock_time=True).due_at == vn(2025, 3, 12, 10)


def test_after_cutoff_counts_from_next_working_day_opening(cal, vn):
    # Fri 16:30 is after the 16:00 cut-off → starts Mon 10/03 07:30; Mon is then the
    # receipt day: Tue 11 (1), Wed 12 (2), Thu 13 (3).
    due = cal.due_date(vn(2025, 3, 7, 16, 30), 3)
    assert due.effective_received_at == vn(2025, 3, 10, 7, 30)
    assert due.due_at == vn(2025, 3, 13, 17)


def test_exactly_at_cutoff_counts_as_after_it(cal, vn):
    assert cal.effective_received_at(vn(2025, 3, 11, 16)) == vn(2025, 3, 12, 7, 30)


def test_without_cutoff_a_late_afternoon_receipt_counts_the_same_day(vn):
    lenient = WorkingCalendar(cutoff=None)
    assert lenient.effective_received_at(vn(2025, 3, 7, 16, 30)) == vn(2025, 3, 7, 16, 30)


def test_saturday_receipt_counts_from_monday_opening(cal, vn):
    # Sat 08/03 is no working day → next working moment is Mon 10/03 07:30.
    assert cal.effective_received_at(vn(2025, 3, 8, 9)) == vn(2025, 3, 10, 7, 30)


def test_lunch_break_receipt_counts_from_afternoon_session(cal, vn):
    # 12:00 lies between 11:30 and 13:00 → 13:00 the same day.
    assert cal.effective_received_at(vn(2025, 3, 11, 12)) == vn(2025, 3, 11, 13)


def test_early_morning_receipt_counts_from_opening(cal, vn):
    # 06:00 is before 07:30 → 07:30 the same day.
    assert cal.effective_received_at(vn(2025, 3, 11, 6)) == vn(2025, 3, 11, 7, 30)


def test_receipt_at_session_end_moves_to_next_session(cal, vn):
    # Sessions are [start, end): 11:30 itself is already the lunch break.
    assert cal.next_working_moment(vn(2025, 3, 11, 11, 30)) == vn(2025, 3, 11, 13)


def test_zero_day_procedure_is_due_the_same_day(cal, vn):
    # N = 0: due at closing of the effective receipt day.
    assert cal.due_date(vn(2025, 3, 11, 10), 0).due_at == vn(2025, 3, 11, 17)
    # Received on Saturday → effective Monday → due Monday 17:00.
    assert cal.due_date(vn(2025, 3, 8, 10), 0).due_at == vn(2025, 3, 10, 17)


def test_tet_at_ty_2025_is_skipped(cal, vn):
    # Fri 24/01/2025 10:00; Tết break Sat 25/01 – Sun 02/02 (9 days).
    # Mon 03/02 (1), Tue 04 (2), Wed 05 (3), Thu 06 (4), Fri 07 (5).
    assert cal.due_date(vn(2025, 1, 24, 10), 5).due_at == vn(2025, 2, 7, 17)
    for day in range(25, 32):
        assert not cal.is_working_day(date(2025, 1, day))
    assert cal.day_off_reason(date(2025, 1, 27)) == "Nghỉ Tết Nguyên đán Ất Tỵ"


def test_worked_saturday_26_04_2025_counts_and_swapped_friday_does_not(cal, vn):
    # Fri 25/04 10:00, 1 working day → Sat 26/04 is a make-up working day → due then.
    assert cal.due_date(vn(2025, 4, 25, 10), 1).due_at == vn(2025, 4, 26, 17)
    # Mon 28/04 10:00, 2 days: Tue 29/04 (1); 30/4, 1/5, Fri 2/5 (swapped) and the
    # weekend are off → Mon 05/05 (2).
    assert cal.due_date(vn(2025, 4, 28, 10), 2).due_at == vn(2025, 5, 5, 17)
    assert cal.day_off_reason(date(2025, 5, 2)) == "Nghỉ hoán đổi (làm bù thứ Bảy 26/04/2025)"
    # A dossier handed in on the worked Saturday counts from that Saturday.
    assert cal.effective_received_at(vn(2025, 4, 26, 9)) == vn(2025, 4, 26, 9)


def test_quoc_khanh_2025(cal, vn):
    # Fri 29/08/2025 10:00, 1 day: Sat 30, Sun 31 weekend; Mon 1/9, Tue 2/9 Quốc khánh
    # → Wed 03/09.
    assert cal.due_date(vn(2025, 8, 29, 10), 1).due_at == vn(2025, 9, 3, 17)


def test_tet_binh_ngo_2026(cal, vn):
    # Fri 13/02/2026 10:00, 1 day: break Sat 14/02 – Sun 22/02 → Mon 23/02.
    assert cal.due_date(vn(2026, 2, 13, 10), 1).due_at == vn(2026, 2, 23, 17)
    assert cal.day_off_reason(date(2026, 2, 18)) == "Nghỉ Tết Nguyên đán Bính Ngọ"


def test_new_year_2026_swap(cal, vn):
    # Wed 31/12/2025 10:00, 1 day: Thu 1/1 Tết Dương lịch, Fri 2/1 swapped off, weekend
    # → Mon 05/01/2026. Sat 10/01/2026 is worked in exchange.
    assert cal.due_date(vn(2025, 12, 31, 10), 1).due_at == vn(2026, 1, 5, 17)
    assert cal.is_working_day(date(2026, 1, 10))


def test_hung_kings_2026_on_sunday_gives_monday_off(cal, vn):
    # 10/3 âm lịch = Sun 26/04/2026 → compensatory Mon 27/04; Thu 30/4, Fri 1/5 off.
    # Fri 24/04 10:00, 2 days: Tue 28/04 (1), Wed 29/04 (2).
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.due_date(vn(2026, 4, 24, 10), 2).due_at == vn(2026, 4, 29, 17)


def test_quoc_khanh_2026_swap(cal):
    # Mon 31/08/2026 off in exchange for Sat 22/08/2026 worked; 1/9 and 2/9 off.
    assert cal.is_working_day(date(2026, 8, 22))
    assert [cal.is_working_day(date(2026, 8, 31) + timedelta(days=n)) for n in range(4)] == [
        False,
        False,
        False,
        True,
    ]


def test_naive_datetime_is_refused(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.effective_received_at(datetime(2025, 3, 11, 10))
    with pytest.raises(CalendarError, match="timezone-aware"):
        cal.due_date(datetime(2025, 3, 11, 10), 1)


def test_other_timezone_is_converted(cal, vn):
    # 03:00 UTC = 10:00 in Hồ Chí Minh (UTC+7).
    effective = cal.effective_received_at(datetime(2025, 3, 11, 3, tzinfo=UTC))
    assert effective == vn(2025, 3, 11, 10) and effective.tzinfo == VN_TZ


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_bad_working_day_count_is_refused(cal, vn, bad):
    with pytest.raises(CalendarError, match="working_days"):
        cal.due_date(vn(2025, 3, 11, 10), bad)


def test_working_days_between_matches_due_date_count(cal):
    # Fri 07/03 → Wed 12/03: Mon, Tue, Wed = 3; reversed = -3; across Tết 2025 = 5.
    assert cal.working_days_between(date(2025, 3, 7), date(2025, 3, 12)) == 3
    assert cal.working_days_between(date(2025, 3, 12), date(2025, 3, 7)) == -3
    assert cal.working_days_between(date(2025, 3, 7), date(2025, 3, 7)) == 0
    assert cal.working_days_between(date(2025, 1, 24), date(2025, 2, 7)) == 5


def test_invalid_cutoff_is_refused():
    with pytest.raises(CalendarError, match="cutoff"):
        WorkingCalendar(cutoff="16:00")  # type: ignore[arg-type]
    assert WorkingCalendar(cutoff=time(15, 30)).cutoff == time(15, 30)
