"""The working calendar over HTTP: due dates and days, and a centre's own time rules and days.

GET /calendar/due-date and /calendar/days answer from the caller's centre calendar (the
national files plus the centre's own days and hours). /centres/{id}/time-rules,
/centres/{id}/calendar-days and /centres/{id}/calendar-changes edit and show them: admins
edit, managers of the centre read; every change is logged (who, when, before → after).

A `received_at` without a UTC offset is read as Asia/Ho_Chi_Minh wall-clock time — the time a
clerk reads off the receipt. With `agency`, that agency's hours and cut-off apply (its centre's
when it has none of its own).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta

from fastapi import APIRouter, FastAPI, Query, Response, status
from pydantic import BaseModel, Field

from ..background import run_with_app
from ..bounds import INT32_MAX, Id
from ..centres.service import ensure_centre_visible, get_agency, get_centre
from ..deps import Admin, AdminOrManager, AnyCaller, AppSettings, DbSession
from ..errors import DomainError
from ..queues.views import publish_calendar_change
from ..timeutil import WEEKDAYS_VI, local_day, utcnow
from . import CalendarError, calendar_warnings, default_calendar, schemas, service
from .service import calendar_for
from .working_calendar import VN_TZ, WorkingCalendar

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


def _calendar(session, settings, caller, centre_id: int | None, agency_id: int | None) -> WorkingCalendar:
    """The calendar of the agency, else of the centre asked for, else of the caller's centre; the
    national one (default hours) for a caller of no centre who names none."""
    if agency_id is not None:
        agency = get_agency(session, agency_id)
        if not caller.can_see_centre(agency.centre_id) or centre_id not in (None, agency.centre_id):
            raise DomainError("agency_not_found", "Không tìm thấy cơ quan.", 404)
        centre_id = agency.centre_id
    centre_id = centre_id or caller.centre_id
    if centre_id is None:
        return default_calendar(settings.holiday_override_files)
    ensure_centre_visible(caller, centre_id)
    get_centre(session, centre_id)
    try:
        return calendar_for(session, centre_id, agency_id)
    except CalendarError as exc:
        raise DomainError("calendar_error", f"Lịch làm việc của trung tâm không hợp lệ: {exc}", 422) from None


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
        None, ge=1, le=INT32_MAX, description="agency id: its hours and cut-off (else its centre's) apply"
    ),
    centre: int | None = Query(None, ge=1, le=INT32_MAX, description="centre id; default the caller's centre"),
):
    moment = _parse_moment(received_at)
    calendar = _calendar(session, settings, caller, centre, agency)
    try:
        due = calendar.due_date(moment, working_days)
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
    session: DbSession,
    caller: AnyCaller,
    settings: AppSettings,
    centre: int | None = Query(None, ge=1, le=INT32_MAX, description="centre id; default the caller's centre"),
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
    calendar = _calendar(session, settings, caller, centre, None)
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


# -- a centre's own time rules and days ---------------------------------------------------------

EDIT_ERRORS = {**ERRORS, 404: {"description": "centre, rule or day not found"}, 409: {"description": "conflict"}}


def _centre(session, actor, centre_id: int) -> None:
    ensure_centre_visible(actor, centre_id)
    get_centre(session, centre_id)


@router.get(
    "/centres/{centre_id}/time-rules",
    response_model=list[schemas.TimeRuleRead],
    responses=EDIT_ERRORS,
    summary="The centre's and its agencies' time rules (hours, Saturday sessions, cut-off, announced changes)",
)
def list_time_rules(centre_id: Id, session: DbSession, actor: AdminOrManager):
    _centre(session, actor, centre_id)
    return service.list_rules(session, centre_id)


@router.post(
    "/centres/{centre_id}/time-rules",
    response_model=schemas.TimeRuleRead,
    status_code=status.HTTP_201_CREATED,
    responses=EDIT_ERRORS,
    summary="Add a time rule taking effect on a date (with an optional announcement shown until then)",
)
def create_time_rule(centre_id: Id, data: schemas.TimeRuleIn, session: DbSession, settings: AppSettings, actor: Admin):
    _centre(session, actor, centre_id)
    rule = service.create_rule(session, actor, centre_id, data)
    publish_calendar_change(session, centre_id, settings.default_service_s)
    return rule


@router.patch(
    "/time-rules/{rule_id}", response_model=schemas.TimeRuleRead, responses=EDIT_ERRORS, summary="Change a time rule"
)
def update_time_rule(
    rule_id: Id, data: schemas.TimeRuleUpdate, session: DbSession, settings: AppSettings, actor: Admin
):
    rule = service.get_rule(session, rule_id)
    _centre(session, actor, rule.centre_id)
    rule = service.update_rule(session, actor, rule, data)
    publish_calendar_change(session, rule.centre_id, settings.default_service_s)
    return rule


@router.delete(
    "/time-rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=EDIT_ERRORS,
    summary="Remove a time rule",
)
def delete_time_rule(rule_id: Id, session: DbSession, settings: AppSettings, actor: Admin):
    rule = service.get_rule(session, rule_id)
    _centre(session, actor, rule.centre_id)
    service.delete_rule(session, actor, rule)
    publish_calendar_change(session, rule.centre_id, settings.default_service_s)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/centres/{centre_id}/calendar-days",
    response_model=list[schemas.CalendarDayRead],
    responses=EDIT_ERRORS,
    summary="The centre's own days off and worked days (the shipped national files apply besides)",
)
def list_calendar_days(
    centre_id: Id,
    session: DbSession,
    actor: AdminOrManager,
    year: int | None = Query(None, ge=1900, le=2999, description="only this year"),
):
    _centre(session, actor, centre_id)
    return service.list_days(session, centre_id, year)


@router.put(
    "/centres/{centre_id}/calendar-days/{day}",
    response_model=schemas.CalendarDayRead,
    responses=EDIT_ERRORS,
    summary="Set a day off or a worked day (làm bù) of the centre; it wins over the national files",
)
def put_calendar_day(
    centre_id: Id, day: date, data: schemas.CalendarDayIn, session: DbSession, settings: AppSettings, actor: Admin
):
    _centre(session, actor, centre_id)
    row = service.put_day(session, actor, centre_id, day, data)
    publish_calendar_change(session, centre_id, settings.default_service_s)
    return row


@router.delete(
    "/centres/{centre_id}/calendar-days/{day}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=EDIT_ERRORS,
    summary="Remove the centre's own entry for a day (the national files apply again)",
)
def delete_calendar_day(centre_id: Id, day: date, session: DbSession, settings: AppSettings, actor: Admin):
    _centre(session, actor, centre_id)
    service.delete_day(session, actor, centre_id, day)
    publish_calendar_change(session, centre_id, settings.default_service_s)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/centres/{centre_id}/calendar-changes",
    response_model=list[schemas.CalendarChangeRead],
    responses=EDIT_ERRORS,
    summary="Who changed the centre's time rules and days, when, and how (newest first)",
)
def list_calendar_changes(
    centre_id: Id,
    session: DbSession,
    actor: AdminOrManager,
    limit: int = Query(200, ge=1, le=1000),
):
    _centre(session, actor, centre_id)
    return service.list_changes(session, centre_id, limit)
