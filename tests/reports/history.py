"""Write a known ticket history straight into the database, at fixed centre-local times.

Each event also goes through the live projection (`tickets.stats.record`), as `tickets.service` does."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

from queue_server.tickets.models import Ticket, TicketEvent
from queue_server.tickets.stats import record
from queue_server.timeutil import VN_TZ


def at(day: date, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), VN_TZ)


class History:
    """Tickets with their events; each step is (type, "HH:MM", extra fields)."""

    def __init__(self, session, fx):
        self.s = session
        self.fx = fx
        self.numbers: dict = {}

    def ticket(self, service: str, day: date, issued: str, *steps, procedure: str | None = None) -> Ticket:
        sid = self.fx.service_ids[service]
        n = self.numbers[(sid, day)] = self.numbers.get((sid, day), 0) + 1
        t = Ticket(
            centre_id=self.fx.id,
            service_id=sid,
            original_service_id=sid,
            service_day=day,
            number=n,
            display_number=f"{service[0]}{n:03d}",
            public_token=secrets.token_urlsafe(12),
            state="waiting",
            issued_at=at(day, issued),
            queue_key=at(day, issued),
            procedure_code=procedure,
            source="kiosk",
        )
        self.s.add(t)
        self.s.flush()
        self.event(t, "issued", at(day, issued))
        state = {
            "called": "called",
            "started": "serving",
            "completed": "done",
            "no_show": "no_show",
            "cancelled": "cancelled",
            "transferred": "transferred",
            "requeued": "waiting",
        }
        for type_, hhmm, *extra in steps:
            opts = extra[0] if extra else {}
            when = at(opts.get("day", day), hhmm)
            if "counter" in opts:
                t.counter_id = self.fx.counter_ids[opts["counter"]]
                t.officer_id = self.fx.user_ids[opts["officer"]]
            if type_ == "transferred":
                t.service_id = self.fx.service_ids[opts["to"]]
            self.event(t, type_, when)
            if type_ == "transferred":
                t.counter_id = t.officer_id = None
            t.state = state.get(type_, t.state)
        return t

    def event(self, t: Ticket, type_: str, when: datetime) -> None:
        ev = TicketEvent(
            ticket_id=t.id,
            centre_id=t.centre_id,
            type=type_,
            at=when,
            service_id=t.service_id,
            counter_id=t.counter_id,
            officer_id=t.officer_id,
            data={},
        )
        self.s.add(ev)
        record(self.s, t, ev)
