"""Working days: the holiday library, the shipped override files and a centre's own file."""

import json
from datetime import UTC, date, datetime

import pytest

from queue_server.calendar import (
    CalendarError,
    WorkingCalendar,
    builtin_override_files,
    default_calendar,
    load_overrides,
)


def write(path, payload) -> str:
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False), "utf-8")
    return str(path)


def test_weekends_and_plain_weekdays(cal):
    assert cal.is_working_day(date(2025, 3, 11))
    assert cal.day_off_reason(date(2025, 3, 11)) is None
    assert cal.day_off_reason(date(2025, 3, 8)) == "Thứ Bảy (nghỉ hằng tuần)"
    assert cal.day_off_reason(date(2025, 3, 9)) == "Chủ nhật (nghỉ hằng tuần)"


def test_shipped_files_name_a_source_for_every_entry():
    files = [load_overrides(p) for p in builtin_override_files()]
    assert [f.year for f in files] == [2025, 2026]
    assert all(e.source for f in files for e in f.entries.values())


def test_a_year_without_override_file_falls_back_to_the_library(cal):
    # 2027 has no shipped file; Tết Đinh Mùi (mùng 1 = 06/02/2027) still comes from `holidays`.
    assert not cal.is_working_day(date(2027, 2, 8))
    assert cal.describe_day(date(2027, 2, 8)).source.startswith("Thư viện holidays")


def test_centre_file_adds_a_local_day_off(tmp_path, vn):
    local = write(
        tmp_path / "binh-phuoc-2025.json",
        {
            "year": 2025,
            "days_off": [
                {"date": "2025-03-12", "name": "Nghỉ kỷ niệm ngày thành lập tỉnh", "source": "Quyết định của UBND tỉnh"}
            ],
        },
    )
    centre = WorkingCalendar(override_files=[local])
    assert centre.day_off_reason(date(2025, 3, 12)) == "Nghỉ kỷ niệm ngày thành lập tỉnh"
    # Fri 07/03 10:00 + 3 days: Mon 10 (1), Tue 11 (2), Wed 12 off, Thu 13 (3).
    assert centre.due_date(vn(2025, 3, 7, 10), 3).due_at == vn(2025, 3, 13, 17)
    # The national files still apply underneath.
    assert not centre.is_working_day(date(2025, 1, 27))
    # One path given on its own works as well as a list; the cached factory takes it too.
    assert not WorkingCalendar(override_files=local).is_working_day(date(2025, 3, 12))
    assert not default_calendar(local).is_working_day(date(2025, 3, 12))


def test_centre_file_can_remove_a_holiday_and_override_national_entries(tmp_path):
    local = write(
        tmp_path / "centre.json",
        {
            "year": 2025,
            "removed": [{"date": "2025-04-07", "name": "Trực Giỗ Tổ", "source": "Quyết định trực"}],
            "working_days": [{"date": "2025-01-27", "name": "Trực Tết", "source": "Lịch trực Tết"}],
        },
    )
    centre = WorkingCalendar(override_files=[local])
    assert centre.is_working_day(date(2025, 4, 7))  # Monday, holiday removed
    assert centre.is_working_day(date(2025, 1, 27))  # later file beats the national Tết entry


def test_default_calendar_is_cached(tmp_path):
    assert default_calendar() is default_calendar()
    assert default_calendar().is_working_day(date(2025, 4, 26))


@pytest.mark.parametrize(
    "payload, where",
    [
        ('{"year": 2025, "days_off": [', "not valid JSON"),
        ([], "JSON object"),
        ({"year": "2025"}, "'year'"),
        ({"year": 2025, "day_off": []}, "unknown field"),
        (
            {"year": 2025, "days_off": [{"date": "2025-02-30", "name": "X", "source": "Y"}]},
            r"days_off\[0\].*not a calendar date",
        ),
        (
            {"year": 2025, "days_off": [{"date": "27/01/2025", "name": "X", "source": "Y"}]},
            r"days_off\[0\].*YYYY-MM-DD",
        ),
        (
            {"year": 2025, "working_days": [{"date": "2026-01-10", "name": "X", "source": "Y"}]},
            r"working_days\[0\].*year 2025",
        ),
        ({"year": 2025, "days_off": [{"date": "2025-03-12", "name": "X"}]}, r"days_off\[0\].*'source'"),
        ({"year": 2025, "days_off": [{"date": "2025-03-12", "name": "X", "source": "Y", "ngay": 1}]}, "unknown field"),
        (
            {
                "year": 2025,
                "days_off": [{"date": "2025-03-12", "name": "X", "source": "Y"}],
                "working_days": [{"date": "2025-03-12", "name": "Z", "source": "Y"}],
            },
            r"working_days\[0\].*listed twice",
        ),
    ],
)
def test_malformed_override_file_names_file_and_entry(tmp_path, payload, where):
    path = write(tmp_path / "hong.json", payload)
    with pytest.raises(CalendarError, match=where) as caught:
        WorkingCalendar(override_files=[path])
    assert path in str(caught.value)


def test_missing_override_file(tmp_path):
    with pytest.raises(CalendarError, match="cannot read"):
        load_overrides(tmp_path / "khong-co.json")


def test_override_years_show_which_years_have_a_file(cal):
    assert cal.override_years == {2025, 2026}


def test_a_datetime_is_read_as_its_local_date(cal):
    # 17:30 UTC on Sun 09/03 is Mon 10/03 00:30 in Hồ Chí Minh; on Fri 07/03 it is Sat 08/03.
    assert cal.is_working_day(datetime(2025, 3, 9, 17, 30, tzinfo=UTC))
    assert cal.day_off_reason(datetime(2025, 3, 7, 17, 30, tzinfo=UTC)) == "Thứ Bảy (nghỉ hằng tuần)"
