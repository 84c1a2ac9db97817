"""GET /dashboard/live, /dashboard/satisfaction and /reports/{queue,dossiers,ratings} (admins and managers).

Reports are computed on a read-only session: the request's own session is closed first, because
on SQLite it holds the write lock (BEGIN IMMEDIATE) and a month report would stall every kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from ..bounds import INT32_MAX, Id
from ..calendar import default_calendar
from ..deps import AdminOrManager, AppSettings, DbSession
from ..errors import DomainError
from ..timeutil import local_day, utcnow
from . import dossier_figures, rating_figures
from .booking_figures import bookings_report
from .dashboard import live
from .exports import Letterhead, respond
from .queue_figures import queue_report
from .service import PRESETS, preset_period, resolve_period, resolve_scope

router = APIRouter(tags=["reports"])
ERRORS = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed (clerks; another agency)"},
    404: {"description": "unknown centre or agency"},
    422: {"description": "invalid period or filter"},
    501: {"description": "the dossiers or ratings area is not installed"},
}


@dataclass
class ReportParams:
    date_from: date | None
    date_to: date | None
    period: str | None
    on: date | None
    centre: int | None
    agency: int | None
    field: str | None
    procedure: str | None
    format: str
    cutoff: int | None = None


def report_params(
    date_from: date | None = Query(None, alias="from", description="first day (centre-local), YYYY-MM-DD"),
    date_to: date | None = Query(None, alias="to", description="last day, inclusive"),
    period: Literal[PRESETS] | None = Query(
        None, description="or a preset: day, week, month, quarter, half (6 months), year"
    ),
    on: date | None = Query(None, description="the day the preset period contains (default today)"),
    cutoff: int | None = Query(
        None, ge=1, le=28, description="day a reporting month starts (default MOTCUA_REPORT_CUTOFF_DAY; 15: ĐN, 20: AG)"
    ),
    centre: int | None = Query(None, ge=1, le=INT32_MAX, description="default: the caller's centre"),
    agency: Id | None = None,
    field: str | None = Query(
        None, max_length=200, description="procedure field (dossiers); service code or name (queue)"
    ),
    procedure: str | None = Query(None, max_length=40, description="procedure code"),
    format: Literal["json", "xlsx", "csv", "pdf"] = "json",
) -> ReportParams:
    return ReportParams(date_from, date_to, period, on, centre, agency, field, procedure, format, cutoff)


Params = Annotated[ReportParams, Depends(report_params)]


def _reading(request: Request, session: Session):
    session.close()  # end the request transaction (see the module docstring); nothing was written
    return request.app.state.db.reading()


def _run(kind: str, request: Request, session: Session, actor, p: ReportParams):
    settings = request.app.state.settings
    period = resolve_period(p.date_from, p.date_to, p.period, p.on, p.cutoff or settings.report_cutoff_day)
    with _reading(request, session) as rs:
        scope = resolve_scope(rs, actor, p.centre, p.agency, p.field, p.procedure)
        if kind == "queue":
            report = queue_report(rs, scope, period)
            report.update(bookings_report(rs, settings, scope, period, utcnow()))
        elif kind == "dossiers":
            if not dossier_figures.available(rs):
                raise DomainError("not_available", "Chức năng hồ sơ một cửa chưa được cài đặt trên máy chủ này.", 501)
            report = dossier_figures.dossiers_report(rs, scope, period)
        else:
            if not rating_figures.available():
                raise DomainError(
                    "not_available", "Chức năng đánh giá hài lòng chưa được cài đặt trên máy chủ này.", 501
                )
            report = rating_figures.ratings_report(rs, scope, period)
        letterhead = Letterhead(
            authority=settings.receipt_authority,
            unit=scope.centre.name,
            place=settings.receipt_place,
            signer_title=settings.report_signer_title,
            signer_name=settings.report_signer_name,
        )
    return respond(kind, report, p.format, letterhead)


@router.get("/reports/queue", responses=ERRORS, summary="Queue figures per service, counter, officer, hour and day")
def queue(request: Request, session: DbSession, actor: AdminOrManager, p: Params):
    """Waiting time = first `called` − `issued`; service time = `completed` − (`started` or `called`) at the
    serving counter; p90 by the nearest-rank method. See queue_server/reports/README.md."""
    return _run("queue", request, session, actor, p)


@router.get(
    "/reports/dossiers", responses=ERRORS, summary="Dossiers received, resolved (early / on time / late) and pending"
)
def dossiers(request: Request, session: DbSession, actor: AdminOrManager, p: Params):
    return _run("dossiers", request, session, actor, p)


@router.get("/reports/ratings", responses=ERRORS, summary="Satisfaction per agency, officer and criterion")
def ratings(request: Request, session: DbSession, actor: AdminOrManager, p: Params):
    return _run("ratings", request, session, actor, p)


@router.get("/dashboard/live", responses=ERRORS, summary="The queue now, today's figures and alerts")
def dashboard_live(
    request: Request, session: DbSession, settings: AppSettings, actor: AdminOrManager, centre: Id | None = None
):
    with _reading(request, session) as rs:
        return live(
            rs,
            actor,
            centre,
            pause_alert_s=settings.pause_alert_s,
            device_offline_s=settings.device_offline_s,
            calendar=default_calendar(settings.holiday_override_files),
            settings=settings,
        )


@router.get("/dashboard/satisfaction", responses=ERRORS, summary="Satisfaction today and this month")
def dashboard_satisfaction(request: Request, session: DbSession, actor: AdminOrManager, centre: Id | None = None):
    with _reading(request, session) as rs:
        scope = resolve_scope(rs, actor, centre)
        if not rating_figures.available():
            raise DomainError("not_available", "Chức năng đánh giá hài lòng chưa được cài đặt trên máy chủ này.", 501)
        today = local_day()
        return {
            "today": rating_figures.ratings_report(rs, scope, preset_period("day", today)),
            "month": rating_figures.ratings_report(rs, scope, preset_period("month", today)),
        }
