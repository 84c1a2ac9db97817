"""Booking figures: today's bookings by slot (the dashboard) and, for a period, bookings, check-ins,
no-shows and the wait of booked visitors against walk-ins (the queue report).

Definitions (docs/queue-policy.md, *Booked visitors*):

- **bookings**: bookings not cancelled (`booked` or `checked_in`) for a day of the period, of the
  services in the caller's scope (a booking records no agency: the service's agency now counts).
- a booking's status is the appointments area's own `booking_status`, taken as at the period's end
  (or now, for a period not over yet): **checked_in** (a ticket was issued, on time or late —
  **checked_in_late**: after the grace time, a walk-in's ticket), **no_show** (never checked in and
  its grace time `MOTCUA_CHECKIN_GRACE_MINUTES` is over), **expected** (not checked in, grace not over).
- **check_in_rate_pct** = checked_in ÷ (checked_in + no_show): of the bookings whose outcome is
  known, the share who came; bookings still expected are left out.
- **wait by source** (tickets of the period, as the queue report counts them): *booked* = tickets
  with source `appointment` (checked-in bookings, late ones included); *remote* = numbers taken
  from the phone (source `remote`), their own line; *walk-in* = every other source (kiosk, counter
  console, web, API). Waiting time, mean and p90 as in the queue report (first call − issue).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..appointments.models import ACTIVE_STATES, Appointment
from ..appointments.service import is_no_show
from ..auth.principal import Principal
from ..centres.service import ensure_centre_visible
from ..config import Settings
from ..tickets.models import Ticket, TicketStats
from ..timeutil import aware, local
from .queue_figures import _filters, _p90s
from .service import Period, Scope, share

S = TicketStats
SOURCE_GROUPS = [
    ("booked", "Đặt lịch hẹn (phiếu «Đặt hẹn», kể cả xác nhận muộn)"),
    ("walk_in", "Đến trực tiếp (lấy số tại ki-ốt, quầy, web; không gồm đặt hẹn và lấy số từ xa)"),
    ("remote", "Lấy số từ xa"),
]


def _figures(settings: Settings, at: datetime) -> list:
    """COUNT columns of the bookings' figures as at `at`: booked, checked_in, checked_in_late, no_show,
    by the appointments area's `booking_status` (in SQL); `expected` is what is left."""
    checked_in = Appointment.state == "checked_in"
    return [
        func.count(),
        func.count(case((checked_in, 1))),
        func.count(case((and_(checked_in, Appointment.checked_in_late.is_(True)), 1))),
        func.count(case((is_no_show(settings, at), 1))),
    ]


def _counts(booked: int = 0, checked_in: int = 0, late: int = 0, no_show: int = 0) -> dict:
    return {
        "booked": booked,
        "checked_in": checked_in,
        "checked_in_late": late,
        "no_show": no_show,
        "expected": booked - checked_in - no_show,
    }


def _add(totals: dict, counts: dict) -> None:
    for key, n in counts.items():
        totals[key] += n


def today_by_slot(
    session: Session, settings: Settings, actor: Principal, scope: Scope, day: date, now: datetime
) -> dict:
    """The dashboard's bookings of `day`: per service in scope, per slot, and the day's totals."""
    ensure_centre_visible(actor, scope.centre_id)
    services: dict[int, dict] = {}
    totals = _counts()
    stmt = (
        select(Appointment.service_id, Appointment.start, func.min(Appointment.end), *_figures(settings, now))
        .where(
            Appointment.centre_id == scope.centre_id,
            Appointment.day == day,
            Appointment.state.in_(ACTIVE_STATES),
            Appointment.service_id.in_(list(scope.services)),
        )
        .group_by(Appointment.service_id, Appointment.start)
    )
    for service_id, start, end, *figures in session.execute(stmt).all():
        s = scope.services[service_id]
        row = services.setdefault(service_id, {"service_id": s.id, "code": s.code, "name": s.name, "slots": {}})
        start = aware(start)
        counts = _counts(*figures)
        row["slots"][start] = {"start": local(start).isoformat(), "end": local(aware(end)).isoformat(), **counts}
        _add(totals, counts)
    out = []
    for sid in scope.services:  # the services' order of the dashboard
        if sid in services:
            row = services[sid]
            row["slots"] = [row["slots"][k] for k in sorted(row["slots"])]
            out.append(row)
    return {"day": day.isoformat(), "services": out, "totals": totals}


def bookings_report(session: Session, settings: Settings, scope: Scope, period: Period, now: datetime) -> dict:
    """The queue report's booking section: `bookings` (one row) and `wait_by_source` (three rows)."""
    at = min(period.end, now)
    stmt = select(*_figures(settings, at)).where(
        Appointment.centre_id == scope.centre_id,
        Appointment.day >= period.first_day,
        Appointment.day <= period.last_day,
        Appointment.state.in_(ACTIVE_STATES),
        Appointment.service_id.in_(list(scope.services)),
    )
    if scope.procedure:
        stmt = stmt.where(Appointment.procedure_code == scope.procedure)
    counts = _counts(*session.execute(stmt).one())
    bookings = {
        "bookings": counts["booked"],
        "checked_in": counts["checked_in"],
        "checked_in_late": counts["checked_in_late"],
        "no_show": counts["no_show"],
        "expected": counts["expected"],
        "check_in_rate_pct": share(counts["checked_in"], counts["checked_in"] + counts["no_show"]),
    }
    return {"bookings": bookings, "wait_by_source": _wait_by_source(session, scope, period)}


def _wait_by_source(session: Session, scope: Scope, period: Period) -> list[dict]:
    group = case(
        (Ticket.source == "appointment", "booked"), (Ticket.source == "remote", "remote"), else_="walk_in"
    ).label("grp")
    conds = [*_filters(scope, period), Ticket.id == S.ticket_id]
    called = S.first_called_at < period.end  # a wait as at the period's end
    wait = case((called, S.wait_s))
    figures: dict[str, dict] = defaultdict(dict)
    for grp, issued, n, total in session.execute(
        select(group, func.count(), func.count(wait), func.sum(wait)).where(*conds).group_by(group)
    ).all():
        figures[grp] = {"issued": issued, "called": n, "mean_wait_s": round(total / n, 1) if n else None}
    for grp, p90 in _p90s(session, [*conds, called], S.wait_s, group):
        figures[grp]["p90_wait_s"] = p90
    return [
        {
            "group": key,
            "label": label,
            "issued": figures[key].get("issued", 0),
            "called": figures[key].get("called", 0),
            "mean_wait_s": figures[key].get("mean_wait_s"),
            "p90_wait_s": figures[key].get("p90_wait_s"),
        }
        for key, label in SOURCE_GROUPS
    ]
