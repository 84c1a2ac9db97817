"""The live dashboard: the queue now, today's figures and what needs a manager's attention.

Alert thresholds: a service's `max_wait_alert_s` (else the centre's `target_wait_s`); a counter
paused longer than the setting `pause_alert_s`; a device whose printer last reported paper out,
near its end, cover open or offline (heartbeat or alert); a kiosk, display or tablet whose
`last_seen_at` is older than the setting `device_offline_s` (queue_server/devices). Devices never
seen are not flagged (a fresh installation would be all red).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..auth.models import User
from ..auth.principal import Principal
from ..calendar import WorkingCalendar, calendar_warnings
from ..centres.models import Counter
from ..config import Settings
from ..devices.service import alerts as device_alerts
from ..queues.views import ticket_brief
from ..tickets.models import ACTIVE_STATES, WAITING_STATES, Ticket
from ..timeutil import local_day, utcnow
from .booking_figures import today_by_slot
from .queue_figures import queue_report
from .service import preset_period, resolve_scope


def live(
    session: Session,
    actor: Principal,
    centre_id: int | None,
    *,
    pause_alert_s: int,
    device_offline_s: int,
    calendar: WorkingCalendar | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> dict:
    """`calendar`: the centre's working calendar, whose warnings (a year without a confirmed holiday
    schedule, an unconfirmed library holiday) join the alerts; `settings`: the check-in grace time
    that makes a booking a no-show (without them, no `bookings`)."""
    now = now or utcnow()
    scope = resolve_scope(session, actor, centre_id)
    report = queue_report(session, scope, preset_period("day", local_day(now)), sections=("by_hour",))

    rows = session.execute(
        select(Ticket.service_id, func.count(), func.min(Ticket.issued_at))
        .where(
            Ticket.centre_id == scope.centre_id,
            Ticket.state.in_(WAITING_STATES),
            Ticket.service_id.in_(list(scope.services)),
        )
        .group_by(Ticket.service_id)
    ).all()
    queue = {sid: (n, oldest) for sid, n, oldest in rows}
    services = []
    alerts = []
    for sid, s in scope.services.items():
        waiting, oldest = queue.get(sid, (0, None))
        longest = int((now - oldest).total_seconds()) if oldest is not None else 0
        threshold = s.max_wait_alert_s or scope.centre.target_wait_s
        services.append(
            {
                "id": sid,
                "code": s.code,
                "name": s.name,
                "agency_id": s.agency_id,
                "waiting": waiting,
                "longest_wait_s": longest,
                "alert_wait_s": threshold,
                "over": longest > threshold,
            }
        )
        if longest > threshold:
            alerts.append(
                {
                    "kind": "long_wait",
                    "service_id": sid,
                    "seconds": longest,
                    "message": f"Dịch vụ {s.name}: có người đã chờ {_minutes(longest)}, vượt ngưỡng {_minutes(threshold)}.",
                }
            )

    counters = _counters(session, scope, now, alerts, pause_alert_s)
    alerts.extend(device_alerts(session, scope.centre_id, now, device_offline_s))
    if calendar is not None:
        alerts.extend(calendar_warnings(calendar, local_day(now)))
    longest = max(services, key=lambda s: s["longest_wait_s"], default=None)
    return {
        "at": now.isoformat(),
        "centre": report["centre"],
        "services": services,
        "longest_wait": (
            {"service_id": longest["id"], "name": longest["name"], "seconds": longest["longest_wait_s"]}
            if longest and longest["longest_wait_s"]
            else None
        ),
        "counters": counters,
        "counter_states": {state: sum(c["state"] == state for c in counters) for state in ("open", "paused", "closed")},
        "today": report["totals"],
        "by_hour": report["by_hour"],
        "alerts": alerts,
        "bookings": today_by_slot(session, settings, actor, scope, local_day(now), now) if settings else None,
    }


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} phút"


def _counters(session: Session, scope, now: datetime, alerts: list, pause_alert_s: int) -> list[dict]:
    counters = list(
        session.execute(
            select(Counter)
            .where(Counter.centre_id == scope.centre_id)
            .order_by(Counter.number)
            .options(selectinload(Counter.services))
        ).scalars()
    )
    officer_ids = {c.officer_id for c in counters if c.officer_id}
    officers = (
        {u.id: u for u in session.execute(select(User).where(User.id.in_(officer_ids))).scalars()}
        if officer_ids
        else {}
    )
    # each counter's current ticket (the latest called of its active ones), in one query
    current: dict[int, Ticket] = {}
    for t in session.execute(
        select(Ticket)
        .where(Ticket.centre_id == scope.centre_id, Ticket.state.in_(ACTIVE_STATES), Ticket.counter_id.is_not(None))
        .order_by(Ticket.called_at.desc())
    ).scalars():
        current.setdefault(t.counter_id, t)
    views = []
    for c in counters:
        served = [link.service_id for link in c.services]
        if scope.agency_ids is not None and not any(sid in scope.services for sid in served):
            continue  # a manager sees the counters of their agencies' services
        officer = officers.get(c.officer_id)
        since = int((now - c.state_changed_at).total_seconds())
        view = {
            "id": c.id,
            "number": c.number,
            "name": c.name,
            "state": c.state,
            "state_seconds": since,
            "officer": {"id": officer.id, "full_name": officer.full_name} if officer else None,
            "services": [{"id": sid, "name": scope.services[sid].name} for sid in served if sid in scope.services],
            "current_ticket": ticket_brief(current.get(c.id), c.number) if c.state != "closed" else None,
            "paused_too_long": c.state == "paused" and since > pause_alert_s,
        }
        if view["paused_too_long"]:
            alerts.append(
                {
                    "kind": "counter_paused",
                    "counter_id": c.id,
                    "seconds": since,
                    "message": f"Quầy số {c.number} tạm dừng đã {_minutes(since)}.",
                }
            )
        views.append(view)
    return views
