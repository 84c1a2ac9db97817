"""Figures for the clerk console: what this officer has done today."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.principal import Principal
from ..bounds import Id
from ..centres.service import ensure_centre_visible, get_counter
from ..tickets.models import Ticket
from ..timeutil import aware, local_day


def officer_today(session: Session, actor: Principal, counter_id: Id) -> dict:
    """Served and no-show counts and mean service time today, for the officer at this counter.

    A clerk sees their own figures (wherever they served today); a console device or an admin
    sees those of the officer now on duty at the counter, or of the whole counter when none is.
    """
    counter = get_counter(session, counter_id)
    ensure_centre_visible(actor, counter.centre_id)
    officer_id = actor.user.id if actor.role == "clerk" else counter.officer_id
    stmt = select(Ticket.state, Ticket.called_at, Ticket.started_at, Ticket.finished_at).where(
        Ticket.centre_id == counter.centre_id,
        Ticket.service_day == local_day(),
        Ticket.state.in_(("done", "no_show")),
    )
    stmt = (
        stmt.where(Ticket.officer_id == officer_id)
        if officer_id is not None
        else stmt.where(Ticket.counter_id == counter.id)
    )
    served, no_show, durations = 0, 0, []
    for state, called_at, started_at, finished_at in session.execute(stmt):
        if state == "no_show":
            no_show += 1
            continue
        served += 1
        began = started_at or called_at
        if began is not None and finished_at is not None:
            durations.append((aware(finished_at) - aware(began)).total_seconds())
    return {
        "counter_id": counter.id,
        "counter_number": counter.number,
        "officer_id": officer_id,
        "day": local_day().isoformat(),
        "served": served,
        "no_show": no_show,
        "average_service_s": round(sum(durations) / len(durations)) if durations else None,
    }
