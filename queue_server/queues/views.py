"""What devices and staff are shown of services, counters and tickets, and the events that carry it.

`queue.updated` and `counter.updated` are recorded here (`publish_queue`, `publish_counter`) so that
the set-up area (centres) and the ticket actions (tickets) announce changes the same way.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..auth.models import User
from ..calendar.service import calendar_for
from ..centres.hours import calendar_notice, issuing_state
from ..centres.models import Centre, Counter, Service
from ..config import Settings
from ..db import lock_rows
from ..errors import not_found
from ..realtime.service import record_event
from ..tickets.models import ACTIVE_STATES, WAITING_STATES, Ticket
from ..timeutil import aware, local_day, utcnow
from .estimate import Estimate
from .figures import QUEUE_ORDER, estimate_wait, position_of, waiting_counts

_WITH_HOURS = (joinedload(Service.hours),)

# -- services -------------------------------------------------------------------------------

WAIT_FIELDS = ("estimated_wait_s", "estimated_wait_low_s", "estimated_wait_high_s")


def wait_fields(estimate: Estimate) -> dict:
    """The estimate as devices are given it: the figure and its range (docs/queue-policy.md)."""
    return dict(zip(WAIT_FIELDS, (estimate.wait_s, estimate.low_s, estimate.high_s), strict=True))


def list_services(session: Session, centre_id: int) -> list[Service]:
    return list(
        session.execute(
            select(Service).where(Service.centre_id == centre_id).order_by(Service.sort_order, Service.id)
        ).scalars()
    )


def service_views(
    session: Session, services: list[Service], default_s: int, counts: dict[int, int] | None = None
) -> list[dict]:
    """`counts`: the services' waiting counts, when the caller has just counted them."""
    now = utcnow()
    counts = counts if counts is not None else waiting_counts(session, [s.id for s in services])
    views = []
    notices: dict[tuple[int, int | None], str | None] = {}
    for s in services:
        # the calendar read through this session: `s` may come from the issuing plan's (closed) read session
        state = issuing_state(s, now, calendar_for(session, s.centre_id))
        key = (s.centre_id, s.agency_id)
        if key not in notices:
            notices[key] = calendar_notice(session, s.centre_id, now, {None, s.agency_id})
        waiting = counts.get(s.id, 0)
        estimate = estimate_wait(session, s, waiting + 1, local_day(now), default_s, now)
        views.append(
            {
                "id": s.id,
                "centre_id": s.centre_id,
                "agency_id": s.agency_id,
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "prefix": s.prefix,
                "number_start": s.number_start,
                "number_end": s.number_end,
                "daily_cap": s.daily_cap,
                "allow_priority": s.allow_priority,
                "accepting": s.accepting,
                "sort_order": s.sort_order,
                "default_service_s": s.default_service_s,
                "max_wait_alert_s": s.max_wait_alert_s,
                "notice": s.notice,
                # as text: this view also goes over the WebSocket (snapshots), which carries JSON only
                "hours": [
                    {
                        "weekday": h.weekday,
                        "start": h.start.isoformat(),
                        "end": h.end.isoformat(),
                        "effective_from": h.effective_from.isoformat(),
                    }
                    for h in s.hours
                ],
                "waiting": waiting,
                **wait_fields(estimate),
                "open_now": state.open,
                "closed_reason": state.reason,
                "reopens_at": state.reopens_at.isoformat() if state.reopens_at else None,
                "calendar_notice": notices[key],
            }
        )
    return views


def publish_queue(session: Session, centre_id: int, service_ids: list[int], default_s: int) -> None:
    """Record queue.updated for the services whose waiting figures may have changed."""
    # with their hours in the same statement: the figures say whether each service is open now
    services = [session.get(Service, sid, options=_WITH_HOURS) for sid in sorted(set(service_ids))]
    if None in services:
        raise not_found("dịch vụ", "service_not_found")
    record_event(session, centre_id, "queue.updated", queue_update(session, services, default_s))


def queue_update(
    session: Session, services: list[Service], default_s: int, counts: dict[int, int] | None = None
) -> dict:
    """The data of a queue.updated event: the services' waiting figures as they stand in this transaction."""
    session.flush()
    views = service_views(session, services, default_s, counts)
    return {
        "services": [
            {
                k: v[k]
                for k in ("id", "waiting", *WAIT_FIELDS, "open_now", "closed_reason", "reopens_at", "calendar_notice")
            }
            for v in views
        ]
    }


def publish_calendar_change(session: Session, centre_id: int, default_s: int) -> None:
    """After a change of the centre's time rules or days: every service's open state and the
    calendar notice, so kiosks and boards follow without a restart."""
    services = list_services(session, centre_id)
    if services:
        publish_queue(session, centre_id, [s.id for s in services], default_s)
    centre = session.get(Centre, centre_id)
    record_event(
        session,
        centre_id,
        "notice.updated",
        {"notice": centre.notice if centre else None, "calendar_notice": calendar_notice(session, centre_id, utcnow())},
    )


# -- counters -------------------------------------------------------------------------------


def list_counters(session: Session, centre_id: int) -> list[Counter]:
    return list(
        session.execute(select(Counter).where(Counter.centre_id == centre_id).order_by(Counter.number)).scalars()
    )


def current_ticket(session: Session, counter: Counter, lock: bool = False) -> Ticket | None:
    """The ticket called or served at the counter. `lock`: lock its row and read it afresh, for a
    caller about to change it (PostgreSQL re-checks the state once the lock is granted)."""
    stmt = (
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.state.in_(ACTIVE_STATES))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    )
    if lock:
        return lock_rows(session, stmt.execution_options(populate_existing=True)).scalars().first()
    return session.execute(stmt).scalars().first()


def officer_brief(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "full_name": user.full_name, "title": user.title, "photo_url": user.photo_url}


_UNKNOWN = object()


def counter_officer(session: Session, counter: Counter) -> dict | None:
    """The officer on duty at the counter, as boards and tablets show them (or None)."""
    return officer_brief(session.get(User, counter.officer_id) if counter.officer_id else None)


def counter_view(session: Session, counter: Counter, current=_UNKNOWN) -> dict:
    """`current`: the counter's current ticket (or None) when the caller has just set it."""
    if current is _UNKNOWN:
        current = current_ticket(session, counter)
    return {
        "id": counter.id,
        "centre_id": counter.centre_id,
        "number": counter.number,
        "name": counter.name,
        "state": counter.state,
        "state_changed_at": counter.state_changed_at.isoformat(),
        "officer": counter_officer(session, counter),
        "services": [{"service_id": link.service_id, "weight": link.weight} for link in counter.services],
        "current_ticket": ticket_brief(current, counter.number),
    }


def publish_counter(session: Session, counter: Counter, current=_UNKNOWN) -> None:
    session.flush()
    record_event(session, counter.centre_id, "counter.updated", counter_view(session, counter, current))


# -- tickets --------------------------------------------------------------------------------


def ticket_brief(ticket: Ticket | None, counter_number: int | None = None) -> dict | None:
    """What boards and devices may see of a ticket: no personal data."""
    if ticket is None:
        return None
    return {
        "id": ticket.id,
        "number": ticket.number,
        "display_number": ticket.display_number,
        "service_id": ticket.service_id,
        "state": ticket.state,
        "priority": ticket.priority,
        "counter_id": ticket.counter_id,
        "counter_number": counter_number,
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "recall_count": ticket.recall_count,
    }


def ticket_view(
    session: Session, settings: Settings, ticket: Ticket, service: Service | None = None, position: int | None = None
) -> dict:
    """What the API answers about a ticket (`service` and `position` when the caller already has them)."""
    service = service or session.get(Service, ticket.service_id)
    position = position_of(session, ticket) if position is None else position
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    estimate = estimate_wait(session, service, position, ticket.service_day, settings.default_service_s, utcnow())
    return {
        "id": ticket.id,
        "number": ticket.number,
        "display_number": ticket.display_number,
        "service_id": ticket.service_id,
        "service_name": service.name,
        "centre_id": ticket.centre_id,
        "state": ticket.state,
        "priority": ticket.priority,
        "position": position,
        "people_ahead": max(0, position - 1),
        **wait_fields(estimate),
        "issued_at": ticket.issued_at,
        "called_at": ticket.called_at,
        "counter_id": ticket.counter_id,
        "counter_number": counter.number if counter else None,
        "recall_count": ticket.recall_count,
        "track_url": f"{settings.public_base_url.rstrip('/')}/t/{ticket.public_token}",
        "procedure_code": ticket.procedure_code,
        "dossier_code": ticket.dossier_code,
    }


def missed_view(session: Session, settings: Settings, ticket: Ticket) -> dict:
    """A ticket of the console's "Vắng mặt" list."""
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    missed_at = aware(ticket.finished_at)
    return {
        "id": ticket.id,
        "display_number": ticket.display_number,
        "service_id": ticket.service_id,
        "service_name": session.get(Service, ticket.service_id).name,
        "counter_number": counter.number if counter else None,
        "missed_at": missed_at,
        "recall_until": missed_at + timedelta(minutes=settings.missed_recall_minutes),
    }


def waiting_list(session: Session, service_ids: list[int], limit: int = 200) -> list[Ticket]:
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.service_id.in_(service_ids), Ticket.state.in_(WAITING_STATES))
            .order_by(*QUEUE_ORDER)
            .limit(limit)
        ).scalars()
    )


def recent_calls(session: Session, centre_id: int, limit: int = 10) -> list[dict]:
    rows = session.execute(
        select(Ticket, Counter.number)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(Ticket.centre_id == centre_id, Ticket.called_at.is_not(None), Ticket.service_day == local_day())
        .order_by(Ticket.called_at.desc())
        .limit(limit)
    ).all()
    return [ticket_brief(t, n) for t, n in rows]


def centre_snapshot(session: Session, centre_id: int, default_s: int) -> dict:
    """Everything a board, kiosk or console needs to draw the centre from scratch."""
    centre = session.get(Centre, centre_id)
    if centre is None:
        return {"centre": None, "services": [], "counters": [], "recent_calls": []}
    return {
        "centre": {
            "id": centre.id,
            "name": centre.name,
            "short_name": centre.short_name,
            "notice": centre.notice,
            "calendar_notice": calendar_notice(session, centre.id, utcnow()),
            "ticket_note": centre.ticket_note,
        },
        "services": service_views(session, list_services(session, centre_id), default_s),
        "counters": [counter_view(session, c) for c in list_counters(session, centre_id)],
        "recent_calls": recent_calls(session, centre_id),
    }
