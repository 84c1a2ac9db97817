"""Whether a service issues tickets right now, and when it reopens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..timeutil import VN_TZ, WEEKDAYS_VI, local
from .models import Service, ServiceHours


@dataclass(frozen=True)
class IssuingState:
    open: bool
    reason: str | None = None  # Vietnamese, for visitors
    reopens_at: datetime | None = None


def hours_in_force(service: Service, day: date) -> list[ServiceHours] | None:
    """The schedule version in force on `day` (None: no schedule, issuing at any time)."""
    versions = sorted({h.effective_from for h in service.hours if h.effective_from <= day})
    if not versions:
        return None
    current = versions[-1]
    return [h for h in service.hours if h.effective_from == current]


def _windows(service: Service, day: date) -> list[tuple[datetime, datetime]] | None:
    rows = hours_in_force(service, day)
    if rows is None:
        return None
    return sorted(
        (datetime.combine(day, h.start, VN_TZ), datetime.combine(day, h.end, VN_TZ))
        for h in rows
        if h.weekday == day.weekday()
    )


def next_opening(service: Service, now: datetime, horizon_days: int = 14) -> datetime | None:
    now_local = local(now)
    for offset in range(horizon_days + 1):
        day = now_local.date() + timedelta(days=offset)
        windows = _windows(service, day)
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


def issuing_state(service: Service, now: datetime) -> IssuingState:
    if not service.accepting:
        return IssuingState(False, f"Dịch vụ {service.name} đang tạm ngừng cấp số thứ tự.")
    windows = _windows(service, local(now).date())
    if windows is None:
        return IssuingState(True)
    now_local = local(now)
    if any(start <= now_local < end for start, end in windows):
        return IssuingState(True)
    reopens = next_opening(service, now)
    when = f" Mời quay lại lúc {describe_time(reopens, now)}." if reopens else ""
    return IssuingState(False, f"Dịch vụ {service.name} hiện ngoài giờ cấp số thứ tự.{when}", reopens)
