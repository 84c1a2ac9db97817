"""A procedure's time limit (thời hạn giải quyết) in its own unit, and the appointment it gives.

The catalogue states limits in three units, and each is counted differently:

- **working days** ("3 Ngày làm việc"): the N-th working day after the day of effective receipt,
  at the end of working hours (`WorkingCalendar.due_date`; BLDS 2015 Đ.147); 0 = the same day
  ("Trong ngày").
- **calendar days** ("10 Ngày", "Không quá 45 ngày"): the N-th day after the day of effective
  receipt, whatever it is; when that day is not a working day the limit ends at the end of the
  next working day (BLDS 2015 Đ.148 k.5 — the last day falling on a weekly day off or a holiday).
- **working hours** ("1 Giờ", "Trực tuyến: 02 Giờ"): N hours counted only inside working sessions
  of working days (`WorkingCalendar.add_working_hours`), from the effective receipt.

When the catalogue names limits per channel ("Trực tiếp: 1 Ngày làm việc; Trực tuyến: 02 Giờ"), the
dossier's channel picks its own. When several limits remain (e.g. a short one for simple cases and a
longer one "trường hợp cần xác minh"), the appointment uses the longest: the shorter ones apply only
to cases the catalogue names in prose, which the software cannot tell apart. A limit that cannot be
read (no unit, months, empty text) gives no computed appointment: the receipt leaves the date blank
rather than printing a same-day date for a 35-day procedure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..calendar import VN_TZ, CalendarError, WorkingCalendar
from ..errors import DomainError

WORKING_DAYS, DAYS, HOURS, UNKNOWN = "working_days", "days", "hours", "unknown"
UNITS = (WORKING_DAYS, DAYS, HOURS, UNKNOWN)

_CHANNEL_LABELS = {"direct": "trực tiếp", "online": "trực tuyến", "post": "dịch vụ bưu chính"}
_LABEL = re.compile(r"^\s*(trực tiếp|trực tuyến|dịch vụ bưu chính)\s*:", re.IGNORECASE)
_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,4})\s*(ngày làm việc|ngày|giờ làm việc|giờ)(?!\w)", re.IGNORECASE)
_SAME_DAY = re.compile(r"\btrong\s+ngày(?:\s+làm\s+việc)?", re.IGNORECASE)
_UNIT_OF = {"ngày làm việc": WORKING_DAYS, "ngày": DAYS, "giờ làm việc": HOURS, "giờ": HOURS}


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: str

    @property
    def working_hours(self) -> float:
        """A rough size in working hours, only to pick the longest of several limits."""
        if self.unit == WORKING_DAYS:
            return self.amount * 8.0
        if self.unit == DAYS:
            return self.amount * 8.0 * 5 / 7
        return float(self.amount)

    def label(self) -> str:
        """How the receipt states it ('Trong ngày', '3 ngày làm việc', '10 ngày', '2 giờ làm việc')."""
        if self.unit == WORKING_DAYS:
            return "Trong ngày" if self.amount == 0 else f"{self.amount} ngày làm việc"
        if self.unit == DAYS:
            return f"{self.amount} ngày"
        if self.unit == HOURS:
            return f"{self.amount} giờ làm việc"
        return ""


def _first_limit(segment: str) -> TimeLimit | None:
    """The limit a segment states first ('Ngay trong ngày …, 03 ngày làm việc …' → the same day)."""
    amount = _AMOUNT.search(segment)
    same_day = _SAME_DAY.search(segment)
    if same_day and (amount is None or same_day.start() < amount.start()):
        return TimeLimit(0, WORKING_DAYS)
    if amount is None:
        return None
    return TimeLimit(int(amount.group(1)), _UNIT_OF[amount.group(2).lower()])


def parse_time_limit(text: str | None, channel: str = "direct") -> TimeLimit | None:
    """The limit the catalogue text states for `channel`, or None when it states none readably."""
    if not text:
        return None
    segments = [s for s in text.split(";") if s.strip()]
    labelled = [(m.group(1).lower(), s[m.end() :]) for s in segments if (m := _LABEL.match(s))]
    if labelled:
        wanted = _CHANNEL_LABELS.get(channel, "trực tiếp")
        mine = [rest for label, rest in labelled if label == wanted] or [rest for _, rest in labelled]
    else:
        mine = segments
    limits = [limit for limit in map(_first_limit, mine) if limit is not None]
    if not limits:
        return None
    return max(limits, key=lambda limit: limit.working_hours)


def limit_for(processing_days: int | None, text: str | None, channel: str) -> TimeLimit:
    """The catalogue's whole working days when it states them for every channel alike; otherwise
    the channel's own limit read from the text (hours, calendar days); UNKNOWN when neither."""
    parsed = parse_time_limit(text, channel)
    if processing_days is not None:
        # A per-channel text may give this channel another limit (online "02 Giờ" beside direct "1 Ngày làm việc").
        if parsed is not None and _LABEL.search(text or "") and parsed.unit != WORKING_DAYS:
            return parsed
        return TimeLimit(int(processing_days), WORKING_DAYS)
    return parsed or TimeLimit(0, UNKNOWN)


def appointment(cal: WorkingCalendar, received_at: datetime, limit: TimeLimit) -> tuple[datetime, datetime | None]:
    """(effective receipt, appointment) for `limit`; the appointment is None for an UNKNOWN limit.

    A broken calendar (override file) answers 409, never a 500 at the desk.
    """
    try:
        effective = cal.effective_received_at(received_at)
        if limit.unit == WORKING_DAYS:
            return effective, cal.due_date(received_at, limit.amount).due_at
        if limit.unit == HOURS:
            return effective, cal.add_working_hours(effective, limit.amount)
        if limit.unit == DAYS:
            day = effective.date() + timedelta(days=limit.amount)
            if not cal.is_working_day(day):
                day = cal.next_working_day(day)
            return effective, datetime.combine(day, cal.hours_on(day).closing, tzinfo=VN_TZ)
        return effective, None
    except CalendarError as exc:
        raise DomainError("calendar_error", f"Không tính được ngày hẹn trả: {exc}", 409) from None
