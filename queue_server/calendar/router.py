"""GET /calendar/due-date and /calendar/days: the working calendar over HTTP.

A `received_at` without a UTC offset is read as Asia/Ho_Chi_Minh wall-clock time — the time a
clerk reads off the receipt. Agencies have no hours of their own in the database yet, so
`agency` is checked (it must exist and be visible to the caller) and the centre's default
hours apply; once per-agency hours are stored, this is where they plug in (`with_hours`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from ..background import run_with_app
from ..bounds import INT32_MAX
from ..centres.service import get_agency
from ..deps import AnyCaller, AppSettings, DbSession
from ..errors import DomainError
from ..timeutil import WEEKDAYS_VI, local_day, utcnow
from . import CalendarError, calendar_warnings, default_calendar
from .working_calendar import VN_TZ

router = APIRouter(tags=["calendar"])
log = logging.getLogger(__name__)
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed"},
    404: {"description": "agency not found"},
    422: {"description": "invalid input"},
}
MAX_DAYS_SPAN = 400


class DueDateRead(BaseModel):
    received_at: datetime = Field(description="the receipt time as understood (naive input = Vietnam time)")
    working_days: int
    effective_received_at: datetime = Field(description="when the count starts (after hours and the cut-off)")
    due_at: datetime = Field(description="end of working hours on the due day, Vietnam time")
    agency_id: int | None


class CalendarDay(BaseModel):
    date: date
    weekday: str
    is_working_day: bool
    reason: str | None = Field(
        description="why it is a day off (holiday or weekend); a library holiday no kept calendar confirms "
        "says «chưa xác nhận» (and «vẫn làm việc» where the year's calendar leaves it a working day)"
    )
    source: str | None = Field(description="the document or data the rule comes from")
    confirmed: bool = Field(
        True, description="false for a holiday or worked day only the holidays library lists (see reason)"
    )


class CalendarDays(BaseModel):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    items: list[CalendarDay] = Field(
        description="days off, weekend days that are working days (làm bù), and unconfirmed library holidays"
    )


def _parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            "invalid_received_at",
            f"Thời điểm tiếp nhận «{text[:40]}» không đúng định dạng ISO 8601 (ví dụ 2025-03-07T10:30:00+07:00).",
            422,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)


def _reason(info) -> str | None:
    if info.unconfirmed is None:
        return info.reason
    if info.reason == info.unconfirmed or (info.is_working_day and info.day.weekday() >= 5):
        return f"{info.unconfirmed} (chưa xác nhận)"  # applied: a year nobody confirmed
    kept = "vẫn làm việc" if info.is_working_day else info.reason
    return f"{info.unconfirmed} (chưa xác nhận, {kept})"


@router.get(
    "/calendar/due-date",
    response_model=DueDateRead,
    responses=ERRORS,
    summary="Effective receipt time and due date after N working days (naive times are Vietnam time)",
)
def due_date(
    session: DbSession,
    caller: AnyCaller,
    settings: AppSettings,
    received_at: str = Query(..., max_length=40, description="ISO 8601, e.g. 2025-03-07T10:30 or 2025-03-07T03:30Z"),
    working_days: int = Query(..., ge=0, le=3650),
    agency: int | None = Query(
        None,
        ge=1,
        le=INT32_MAX,
        description="agency id; checked, the centre's hours apply until agencies have their own",
    ),
):
    moment = _parse_moment(received_at)
    if agency is not None:
        found = get_agency(session, agency)
        if not caller.can_see_centre(found.centre_id):
            raise DomainError("agency_not_found", "Không tìm thấy cơ quan.", 404)
    try:
        due = default_calendar(settings.holiday_override_files).due_date(moment, working_days)
    except CalendarError as exc:
        raise DomainError("calendar_error", f"Không tính được ngày hẹn trả: {exc}", 422) from None
    return DueDateRead(
        received_at=moment,
        working_days=working_days,
        effective_received_at=due.effective_received_at,
        due_at=due.due_at,
        agency_id=agency,
    )


@router.get(
    "/calendar/days",
    response_model=CalendarDays,
    response_model_by_alias=True,
    responses=ERRORS,
    summary="Days off (holidays, weekends) and make-up working days between two dates, with reasons",
)
def days(
    caller: AnyCaller,
    settings: AppSettings,
    date_from: date | None = Query(None, alias="from", description="first day; default today (Vietnam)"),
    date_to: date | None = Query(
        None, alias="to", description=f"last day, inclusive; default from + 60 days; at most {MAX_DAYS_SPAN} days"
    ),
):
    start = date_from or local_day()
    end = date_to or start + timedelta(days=60)
    if end < start:
        raise DomainError("invalid_range", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.", 422)
    if (end - start).days > MAX_DAYS_SPAN:
        raise DomainError("range_too_long", f"Khoảng thời gian tối đa {MAX_DAYS_SPAN} ngày.", 422)
    calendar = default_calendar(settings.holiday_override_files)
    items = []
    for n in range((end - start).days + 1):
        info = calendar.describe_day(start + timedelta(days=n))
        if not info.is_working_day or info.day.weekday() >= 5 or info.unconfirmed:
            items.append(
                CalendarDay(
                    date=info.day,
                    weekday=WEEKDAYS_VI[info.day.weekday()],
                    is_working_day=info.is_working_day,
                    reason=_reason(info),
                    source=info.source,
                    confirmed=info.unconfirmed is None,
                )
            )
    return CalendarDays(date_from=start, date_to=end, items=items)


# -- wiring -------------------------------------------------------------------------------------

CALENDAR_CHECK_S = 3600.0


def current_calendar_warnings(settings) -> list[dict]:
    """The national calendar's warnings today (a year without a confirmed holiday schedule, an
    unconfirmed library holiday): shown by /healthz and logged once a day."""
    return calendar_warnings(default_calendar(settings.holiday_override_files), local_day(utcnow()))


def setup(app: FastAPI) -> None:
    """The server log warns about the calendar to confirm while the server runs."""
    run_with_app(app, log_calendar_warnings)


async def log_calendar_warnings(app: FastAPI) -> None:
    """Log the calendar's warnings at start and then on every new day while the server runs."""
    settings = app.state.settings
    logged_on = None
    while True:
        today = local_day(utcnow())
        if today != logged_on:
            for warning in current_calendar_warnings(settings):
                log.warning("working calendar: %s", warning["message"])
            logged_on = today
        await asyncio.sleep(CALENDAR_CHECK_S)
