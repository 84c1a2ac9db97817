"""Whether a service issues tickets right now, and when it reopens — by its centre's calendar.

A service with issuing hours issues only on the days its centre's working calendar allows:

- a working day (Monday to Friday, not a holiday): the hours of that weekday;
- a make-up working day (làm bù, e.g. Saturday 10/01/2026 for Friday 02/01/2026): the hours of
  the weekday it stands in for (the calendar entry's `replaces`); when the entry does not say,
  Friday's hours (the normal weekday hours);
- a holiday, Tết or a swapped day off: closed, whatever the weekday — also on a Saturday that
  has a Saturday-morning session;
- an ordinary Saturday or Sunday: the hours of that weekday, if the service has any (a
  Saturday-morning session).

A service with no hours issues at any time (the demo). See docs/queue-policy.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, object_session

from ..calendar.service import calendar_for, centre_rules
from ..calendar.working_calendar import WorkingCalendar
from ..timeutil import VN_TZ, WEEKDAYS_VI, local
from .models import Service, ServiceHours

# Tết (up to 9 days off) plus weekends on both sides, with room for a centre's own days off.
HORIZON_DAYS = 40
MAKE_UP_DEFAULT_WEEKDAY = 4  # Friday: a make-up day that does not say which day it replaces


@dataclass(frozen=True)
class IssuingState:
    open: bool
    reason: str | None = None  # Vietnamese, for visitors
    reopens_at: datetime | None = None
    holiday: str | None = None  # the name of today's holiday, when that is why it is closed


def hours_in_force(service: Service, day: date) -> list[ServiceHours] | None:
    """The schedule version in force on `day` (None: no schedule, issuing at any time)."""
    versions = sorted({h.effective_from for h in service.hours if h.effective_from <= day})
    if not versions:
        return None
    current = versions[-1]
    return [h for h in service.hours if h.effective_from == current]


def service_calendar(service: Service) -> WorkingCalendar:
    """The working calendar of the service's centre (its agency's hours do not govern issuing)."""
    session = object_session(service)
    if session is None:
        raise RuntimeError(f"service {service.id} is detached: pass its centre's calendar to issuing_state")
    return calendar_for(session, service.centre_id)


def _issuing_weekday(calendar: WorkingCalendar, day: date) -> int | None:
    """Whose weekday's hours apply on `day`; None when the centre is closed for a holiday."""
    info = calendar.describe_day(day)
    if info.holiday:
        return None
    if info.is_working_day and day.weekday() >= 5:
        return info.replaces.weekday() if info.replaces is not None else MAKE_UP_DEFAULT_WEEKDAY
    return day.weekday()


def _windows(service: Service, day: date, calendar: WorkingCalendar) -> list[tuple[datetime, datetime]] | None:
    rows = hours_in_force(service, day)
    if rows is None:
        return None
    weekday = _issuing_weekday(calendar, day)
    return sorted(
        (datetime.combine(day, h.start, VN_TZ), datetime.combine(day, h.end, VN_TZ))
        for h in rows
        if h.weekday == weekday
    )


def next_opening(
    service: Service, now: datetime, calendar: WorkingCalendar | None = None, horizon_days: int = HORIZON_DAYS
) -> datetime | None:
    calendar = calendar or service_calendar(service)
    now_local = local(now)
    for offset in range(horizon_days + 1):
        day = now_local.date() + timedelta(days=offset)
        windows = _windows(service, day, calendar)
        if windows is None:
            return datetime.combine(day, datetime.min.time(), VN_TZ) if offset else now_local
        for start, _end in windows:
            if start > now_local:
                return start
    return None


def describe_time(at: datetime, now: datetime) -> str:
    at_l, now_l = local(at), local(now)
    hhmm = at_l.strftime("%H:%M")
    if at_l.date() == now_l.date():
        return f"{hhmm} hôm nay"
    if at_l.date() == now_l.date() + timedelta(days=1):
        return f"{hhmm} ngày mai ({WEEKDAYS_VI[at_l.weekday()]}, {at_l:%d/%m/%Y})"
    return f"{hhmm} {WEEKDAYS_VI[at_l.weekday()]}, {at_l:%d/%m/%Y}"


def holiday_sentence(name: str) -> str:
    """'Nghỉ Tết Nguyên đán Bính Ngọ' → 'Hôm nay nghỉ Tết Nguyên đán Bính Ngọ.'"""
    name = name.strip().rstrip(".")
    if name[:5].lower() == "nghỉ ":
        name = name[5:]
    return f"Hôm nay nghỉ {name}."


def issuing_state(service: Service, now: datetime, calendar: WorkingCalendar | None = None) -> IssuingState:
    """`calendar`: the centre's, when the caller already has it (else read through the service's session)."""
    if not service.accepting:
        return IssuingState(False, f"Dịch vụ {service.name} đang tạm ngừng cấp số thứ tự.")
    now_local = local(now)
    if hours_in_force(service, now_local.date()) is None:
        return IssuingState(True)
    calendar = calendar or service_calendar(service)
    windows = _windows(service, now_local.date(), calendar)
    if any(start <= now_local < end for start, end in windows or ()):
        return IssuingState(True)
    reopens = next_opening(service, now, calendar)
    when = f" Mời quay lại lúc {describe_time(reopens, now)}." if reopens else ""
    info = calendar.describe_day(now_local.date())
    if info.holiday:
        return IssuingState(False, holiday_sentence(info.reason or "lễ") + when, reopens, info.reason)
    return IssuingState(False, f"Dịch vụ {service.name} hiện ngoài giờ cấp số thứ tự.{when}", reopens)


def calendar_notice(
    session: Session, centre_id: int, now: datetime, agency_ids: Iterable[int | None] = (None,)
) -> str | None:
    """What kiosks and boards announce today: the holiday the centre is closed for (with its next
    opening) and the announced changes of its time rules on show today (BD19 Đ.5 k.4)."""
    calendar = calendar_for(session, centre_id)
    now_local = local(now)
    parts = []
    info = calendar.describe_day(now_local.date())
    if info.holiday:
        reopens = calendar.next_working_moment(now_local)
        parts.append(f"{holiday_sentence(info.reason or 'lễ')} Mời quay lại lúc {describe_time(reopens, now)}.")
    parts += centre_rules(session, centre_id).notices(now_local.date(), agency_ids)
    return " ".join(parts) or None
