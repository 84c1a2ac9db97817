"""Working days, effective receipt time and due dates for one-stop dossiers.

Day rules, strongest first: an override file entry (later files win over earlier
ones, so a centre's file beats the national one), then the `holidays` library's
Vietnamese public holidays (with its observed and swapped days), then
Monday–Friday (BD19 Đ.3 k.8).

A year is *confirmed* when a calendar for it was kept: a shipped or centre override file.
In a confirmed year the calendar is the authority: a holiday or worked weekend day that only
the library lists is *unconfirmed* and not applied (the day keeps its weekday rule) — e.g.
24/11/2026, Ngày Văn hóa Việt Nam, which the library lists and the 2026 schedule does not.
In a year nobody confirmed (the next year's Tết schedule is published late every year) the
library's days are all there is and apply, each marked unconfirmed, and `calendar_warnings`
says so for the dashboard, /healthz and the server log.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import holidays

from ..timeutil import VN_TZ
from .errors import CalendarError
from .hours import INHERIT, HoursEntry, HoursSchedule
from .overrides import OverrideEntry, builtin_override_files, load_overrides

# A gap of working days longer than this means a broken schedule, not a long Tết.
_MAX_DAYS_WITHOUT_WORK = 60
_LIBRARY_SOURCE = "Thư viện holidays (ngày lễ, tết của Việt Nam)"
_WEEKEND_NAMES = {5: "Thứ Bảy (nghỉ hằng tuần)", 6: "Chủ nhật (nghỉ hằng tuần)"}
_LIBRARY_WORKDAY = "Ngày làm bù (theo thư viện holidays)"


@dataclass(frozen=True)
class DueDate:
    """When the count started (after the receipt rules) and when the result is due."""

    effective_received_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class DayInfo:
    """Why a day is or is not a working day, with the document behind it when known."""

    day: date
    is_working_day: bool
    reason: str | None
    source: str | None
    unconfirmed: str | None = None  # a library holiday or worked day no kept calendar confirms: its name
    holiday: bool = False  # a day off other than the weekly weekend (a holiday, Tết, a swapped day)
    replaces: date | None = None  # a worked weekend day: the day off it makes up, when known


class _LibraryHolidays:
    """The `holidays` library's Vietnamese holidays, filled per year under a lock.

    The library fills years lazily on lookup, which mutates a dict; requests run in
    threads, so each year is copied out once instead.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._years: dict[int, tuple[dict[date, str], frozenset[date]]] = {}

    def year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        found = self._years.get(year)
        if found is None:
            with self._lock:
                found = self._years.get(year)
                if found is None:
                    table = holidays.country_holidays("VN", years=year, language="vi")
                    names = {day: name for day, name in table.items() if day.year == year}
                    workdays = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
                    found = self._years[year] = (names, workdays)
        return found


_LIBRARY = _LibraryHolidays()


def _local(moment: datetime, what: str = "datetime") -> datetime:
    if not isinstance(moment, datetime):
        raise CalendarError(f"{what} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(
            f"{what} must be timezone-aware (e.g. tzinfo=ZoneInfo('Asia/Ho_Chi_Minh')); got naive {moment.isoformat()}"
        )
    return moment.astimezone(VN_TZ)


def _day(value: date, what: str) -> date:
    if isinstance(value, datetime):
        return _local(value, what).date()
    if not isinstance(value, date):
        raise CalendarError(f"{what} must be a date, got {type(value).__name__}")
    return value


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=VN_TZ)


class WorkingCalendar:
    """Working days and hours of one centre or agency.

    `override_files` are added after the national files shipped in `data/`
    (pass `include_builtin_overrides=False` to leave those out). `cutoff` is the
    time after which a dossier counts from the next working day (BP Đ.12 k.1 đ.đ);
    None disables it; an hours entry may set its own. `override_years` tells which years
    have a file, so an admin page can warn before a year starts that only the library's
    holidays apply. `extra_entries` (a centre's own days off and worked days) win over
    every file.
    """

    def __init__(
        self,
        hours: HoursSchedule | None = None,
        override_files: Iterable[str | Path] = (),
        cutoff: time | None = time(16, 0),
        *,
        include_builtin_overrides: bool = True,
        extra_entries: Iterable[OverrideEntry] = (),
    ) -> None:
        if hours is None:
            hours = HoursSchedule.default()
        if not isinstance(hours, HoursSchedule):
            raise CalendarError(f"hours must be an HoursSchedule, got {type(hours).__name__}")
        if cutoff is not None and (not isinstance(cutoff, time) or cutoff.tzinfo is not None):
            raise CalendarError(f"cutoff must be a naive datetime.time or None, got {cutoff!r}")
        self.hours = hours
        self.cutoff = cutoff
        if isinstance(override_files, (str, Path)):  # one path, not an iterable of characters
            override_files = [override_files]
        paths = [*(builtin_override_files() if include_builtin_overrides else []), *map(Path, override_files)]
        self.override_files = tuple(paths)
        self._overrides: dict[date, OverrideEntry] = {}
        years: set[int] = set()
        for path in paths:
            loaded = load_overrides(path)
            self._overrides.update(loaded.entries)
            years.add(loaded.year)
        for entry in extra_entries:
            if not isinstance(entry, OverrideEntry):
                raise CalendarError(f"extra_entries must be OverrideEntry, got {entry!r}")
            self._overrides[entry.day] = entry
        self.override_years = frozenset(years)
        self.confirmed_years = self.override_years  # years with a kept calendar (see the module's docstring)
        # Statistics ask about the same few thousand days again and again.
        self._working_memo: dict[date, bool] = {}

    def with_hours(self, hours: HoursSchedule) -> WorkingCalendar:
        """The same days with another schedule, e.g. one agency's hours."""
        twin = object.__new__(WorkingCalendar)
        twin.__dict__.update(self.__dict__)
        if not isinstance(hours, HoursSchedule):
            raise CalendarError(f"hours must be an HoursSchedule, got {type(hours).__name__}")
        twin.hours = hours
        return twin

    # --- days ---------------------------------------------------------------

    def describe_day(self, day: date) -> DayInfo:
        day = _day(day, "day")
        entry = self._overrides.get(day)
        if entry is not None and entry.kind == "day_off":
            return DayInfo(day, False, entry.name, entry.source, holiday=True)
        if entry is not None and entry.kind == "working_day":
            return DayInfo(day, True, None, entry.source, replaces=entry.replaces)
        names, weekend_workdays = _LIBRARY.year(day.year)
        applied = day.year not in self.confirmed_years  # library days apply only where nobody kept a calendar
        if entry is None and day in names:
            if applied:
                return DayInfo(day, False, names[day], _LIBRARY_SOURCE, unconfirmed=names[day], holiday=True)
            unconfirmed = names[day]
        elif entry is None and day in weekend_workdays:
            if applied:
                return DayInfo(day, True, None, _LIBRARY_SOURCE, unconfirmed=_LIBRARY_WORKDAY)
            unconfirmed = _LIBRARY_WORKDAY
        else:
            unconfirmed = None
        weekend = _WEEKEND_NAMES.get(day.weekday())
        source = entry.source if entry is not None else _LIBRARY_SOURCE if unconfirmed else None
        return DayInfo(day, weekend is None, weekend, source, unconfirmed=unconfirmed)

    def unconfirmed_days(self, year: int) -> list[DayInfo]:
        """The library's holidays and worked days of `year` that no kept calendar confirms."""
        names, weekend_workdays = _LIBRARY.year(year)
        return [info for day in sorted({*names, *weekend_workdays}) if (info := self.describe_day(day)).unconfirmed]

    def is_working_day(self, day: date) -> bool:
        if type(day) is not date:  # datetimes are turned into local dates first
            return self.describe_day(day).is_working_day
        known = self._working_memo.get(day)
        if known is None:
            known = self._working_memo[day] = self.describe_day(day).is_working_day
        return known

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day (holiday name or weekend), None on a working day."""
        return self.describe_day(day).reason

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day = _day(day, "day")
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise CalendarError(
            f"No working day within {_MAX_DAYS_WITHOUT_WORK} days after {day}; check the override files"
        )

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (so due_date's N for a due day); negative when b < a."""
        a, b = _day(a, "a"), _day(b, "b")
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = sum(1 for n in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=n)))
        return sign * count

    # --- hours --------------------------------------------------------------

    def hours_on(self, day: date) -> HoursEntry:
        return self.hours.in_force(_day(day, "day"))

    def _opening(self, day: date) -> datetime:
        return _at(day, self.hours.in_force(day).opening)

    def _closing(self, day: date) -> datetime:
        return _at(day, self.hours.in_force(day).closing)

    def _next_working_span(self, moment: datetime) -> tuple[datetime, datetime]:
        """The first working moment at or after `moment` and the end of its session."""
        day, clock = moment.date(), moment.time()
        if self.is_working_day(day):
            for session in self.hours.in_force(day).working:
                if clock < session.end:
                    start = moment if clock >= session.start else _at(day, session.start)
                    return start, _at(day, session.end)
        day = self.next_working_day(day)
        first = self.hours.in_force(day).working[0]
        return _at(day, first.start), _at(day, first.end)

    def next_working_moment(self, dt: datetime) -> datetime:
        """`dt` itself if inside working hours of a working day, else the next session's start."""
        return self._next_working_span(_local(dt, "dt"))[0]

    def is_receiving_time(self, dt: datetime) -> bool:
        """Whether a one-stop desk takes dossiers at `dt` (receiving hours, Đ.5 k.2)."""
        moment = _local(dt, "dt")
        day = moment.date()
        sessions = self.receiving_sessions(day)
        return any(s.contains(moment.time()) for s in sessions)

    def receiving_sessions(self, day: date) -> tuple:
        """The receiving sessions of `day`: the day's hours on a working day, the Saturday-morning
        sessions on an ordinary Saturday, none on a holiday or Sunday."""
        day = _day(day, "day")
        entry = self.hours.in_force(day)
        if self.is_working_day(day):
            return entry.receiving
        if day.weekday() == 5 and not self.describe_day(day).holiday:
            return entry.saturday
        return ()

    def effective_received_at(self, received_at: datetime) -> datetime:
        """When a receipt starts to count (BP Đ.12 k.1 đ.d, đ.đ).

        Inside working hours: the receipt time itself. Outside them: the next
        working moment. At or after the cut-off on a working day: the next working
        day's opening.
        """
        moment = _local(received_at, "received_at")
        day = moment.date()
        entry = self.hours.in_force(day)
        cutoff = self.cutoff if entry.cutoff is INHERIT else entry.cutoff
        if cutoff is not None and moment.time() >= cutoff and self.is_working_day(day):
            following = self.next_working_day(day)
            counts_from = self.hours.in_force(following).counts_from
            return _at(following, counts_from) if counts_from is not None else self._opening(following)
        return self._next_working_span(moment)[0]

    def due_date(self, received_at: datetime, working_days: int, *, same_clock_time: bool = False) -> DueDate:
        """Due date after `working_days` working days (Bộ luật Dân sự 2015, Điều 147).

        The day of effective receipt is not counted; the N-th working day after
        it is the due day, and N = 0 means the same (effective) day. The result is
        due at the end of working hours of the due day (17:00 by default), or with
        `same_clock_time` at the effective receipt's clock time (never after closing).
        """
        if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 0:
            raise CalendarError(f"working_days must be a whole number ≥ 0, got {working_days!r}")
        effective = self.effective_received_at(received_at)
        day = effective.date()
        for _ in range(working_days):
            day = self.next_working_day(day)
        due = self._closing(day)
        if same_clock_time:
            due = min(due, _at(day, effective.time()))
        return DueDate(effective_received_at=effective, due_at=due)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """`start` plus `hours` counted only in working sessions of working days (BD23 Đ.10; AG Đ.15).

        Time before `start` is reached, outside sessions, is skipped; a span that
        ends exactly at a session's end returns that end (e.g. 17:00), not the next opening.
        """
        moment = _local(start, "start")
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours) or hours < 0:
            raise CalendarError(f"hours must be a finite number ≥ 0, got {hours!r}")
        remaining = timedelta(hours=hours)
        if not remaining:
            return moment
        while True:
            begin, end = self._next_working_span(moment)
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
            moment = end

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end): only working sessions of working days count.

        The inverse of `add_working_hours`: add_working_hours(a, working_time_between(a, b)) lands
        on b when b is inside a session (else on the end of the last session before b).
        Zero when `end` is not after `start`.
        """
        moment, stop = _local(start, "start"), _local(end, "end")
        total = timedelta()
        while moment < stop:
            begin, session_end = self._next_working_span(moment)
            if begin >= stop:
                break
            total += min(session_end, stop) - begin
            moment = session_end
        return total


def calendar_warnings(calendar: WorkingCalendar, today: date) -> list[dict]:
    """What an administrator must confirm: the current or next year without a kept calendar, and
    library holidays still to come this year or next that the kept calendar does not confirm."""
    warnings = []
    for year in (today.year, today.year + 1):
        if year not in calendar.confirmed_years:
            warnings.append(
                {
                    "kind": "calendar_unconfirmed",
                    "year": year,
                    "message": (
                        f"Chưa có lịch nghỉ lễ, tết năm {year} được xác nhận: đang tạm dùng ngày lễ theo thư viện "
                        f"holidays. Cập nhật lịch nghỉ chính thức năm {year} ngay khi được công bố."
                    ),
                }
            )
            continue
        for info in calendar.unconfirmed_days(year):
            if info.day >= today and info.day.weekday() < 5:
                warnings.append(
                    {
                        "kind": "holiday_unconfirmed",
                        "date": info.day.isoformat(),
                        "message": (
                            f"Ngày {info.day:%d/%m/%Y} ({info.unconfirmed}) có trong thư viện ngày lễ nhưng lịch năm "
                            f"{year} chưa xác nhận: trung tâm vẫn làm việc ngày này. Thêm ngày nghỉ nếu có văn bản."
                        ),
                    }
                )
    return warnings


@lru_cache(maxsize=16)
def _cached_calendar(extra: tuple[str, ...]) -> WorkingCalendar:
    return WorkingCalendar(override_files=extra)


def default_calendar(extra_override_files: Iterable[str | Path] = ()) -> WorkingCalendar:
    """The default-hours calendar with the national overrides plus `extra_override_files`, cached."""
    if isinstance(extra_override_files, (str, Path)):
        extra_override_files = [extra_override_files]
    return _cached_calendar(tuple(str(Path(p)) for p in extra_override_files))
