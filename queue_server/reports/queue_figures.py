"""Queue figures from the ticket history (`ticket_events`), never from the mutable ticket rows.

Definitions (each ticket counted once, in the period its `issued` event falls in):

- **issued**: tickets whose `issued` event lies in the period [start, end).
- **served**: of those, tickets with a `completed` event before the period's end.
- **no_show**: tickets whose final state is no-show (a `no_show` event before the end; no-show is final).
- **cancelled**: tickets with a `cancelled` event before the end.
- **waiting**: tickets still waiting (or transferred, i.e. waiting at their new service/counter) at the
  end of the period: no final event, and their last queueing event (`issued`, `requeued`,
  `transferred`) is not older than their last event at a counter (`called`, `recalled`, `started`).
- **in_service**: tickets at a counter (called or being served) at the end of the period.
- **waiting time** = first `called` event − `issued` event (a visitor's wait until first called;
  requeues and transfers after that do not add to it). Tickets never called have no waiting time.
- **service time** = `completed` − the start of service at the serving counter: the last `started`
  event if it is not older than the last `called` event, else the last `called` event (a transferred
  ticket's service time is counted at the counter that completed it).
- **mean** is the arithmetic mean in seconds (one decimal); **p90** the nearest-rank 90th percentile:
  sort the n values, take the one at rank ⌈0.9 × n⌉ (1-based) — for 10 values the 9th, for 2 the 2nd.
- **within_target_pct**: of the tickets with a waiting time, the share first called within the
  centre's target wait (`Centre.target_wait_s`), in percent.

Rows: per service (the service the ticket was issued for), per counter and per officer (the counter
and officer recorded on the `completed` / `no_show` event), per hour of day (centre-local: arrivals
by the hour of issue, served by the hour of completion, waiting time by the hour of arrival) and per
day. Rows are keyed by ids and labelled with current names.

The heavy lifting is one GROUP BY over the period's events (one row per ticket, times as epoch
seconds computed in SQL); the rows are then folded in one Python pass.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Float, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..centres.models import Counter
from ..tickets.models import Ticket, TicketEvent
from ..timeutil import VN_TZ
from .service import Period, Scope, mean, nearest_rank, share

E = TicketEvent
WAIT_TYPES = ("issued", "requeued", "transferred")
AT_COUNTER_TYPES = ("called", "recalled", "started")


def epoch(column, dialect: str):
    """Seconds since 1970 of a stored UTC timestamp, computed by the database (portable per dialect)."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", column), Float)
    # SQLite stores naive UTC text; julianday() reads it, 2440587.5 is the Julian day of 1970-01-01.
    return (func.julianday(column) - literal_column("2440587.5")) * literal_column("86400.0")


@dataclass(slots=True)
class TicketFacts:
    ticket_id: int
    service_id: int
    issued: float
    first_called: float | None
    service_start: float | None
    completed: float | None
    no_show: float | None
    cancelled: float | None
    state_at_end: str  # done | no_show | cancelled | waiting | in_service
    counter_id: int | None  # where it was completed or marked no-show
    officer_id: int | None

    @property
    def wait_s(self) -> float | None:
        return None if self.first_called is None else round(self.first_called - self.issued, 3)

    @property
    def service_s(self) -> float | None:
        if self.completed is None or self.service_start is None:
            return None
        return round(self.completed - self.service_start, 3)


def ticket_facts(session: Session, scope: Scope, period: Period) -> list[TicketFacts]:
    """One row per ticket issued in the period, read from its events up to the period's end."""
    dialect = session.get_bind().dialect.name
    at = epoch(E.at, dialect)

    def when(types, value):
        cond = E.type == types if isinstance(types, str) else E.type.in_(types)
        return case((cond, value))

    issued_service = func.min(when("issued", E.service_id))
    stmt = (
        select(
            E.ticket_id,
            issued_service,
            func.min(when("issued", at)),
            func.min(when("called", at)),
            func.max(when("called", at)),
            func.max(when("started", at)),
            func.max(when("completed", at)),
            func.max(when("no_show", at)),
            func.max(when("cancelled", at)),
            func.max(when(WAIT_TYPES, at)),
            func.max(when(AT_COUNTER_TYPES, at)),
            func.max(when(("completed", "no_show"), E.counter_id)),
            func.max(when(("completed", "no_show"), E.officer_id)),
        )
        .where(E.centre_id == scope.centre_id, E.at >= period.start, E.at < period.end)
        .group_by(E.ticket_id)
        .having(issued_service.in_(list(scope.services)) if scope.services else issued_service.is_(None))
    )
    if scope.procedure:
        stmt = stmt.join(Ticket, Ticket.id == E.ticket_id).where(Ticket.procedure_code == scope.procedure)
    facts = []
    for (tid, sid, issued, first_called, last_called, last_started, completed, no_show, cancelled,
         last_wait, last_at_counter, counter_id, officer_id) in session.execute(stmt):
        if issued is None:
            continue
        if completed is not None:
            state = "done"
        elif no_show is not None:
            state = "no_show"
        elif cancelled is not None:
            state = "cancelled"
        elif last_at_counter is not None and last_at_counter >= last_wait:
            state = "in_service"
        else:
            state = "waiting"
        start = last_started if last_started is not None and (last_called is None or last_started >= last_called) else last_called
        facts.append(TicketFacts(tid, sid, _f(issued), _f(first_called), _f(start), _f(completed), _f(no_show),
                                 _f(cancelled), state, counter_id, officer_id))
    return facts


def _f(value) -> float | None:
    # to the millisecond: SQLite's julianday() arithmetic leaves 08:00:00 as 07:59:59.99996
    return None if value is None else round(float(value), 3)


@dataclass
class Tally:
    """Running figures of one row (a service, a counter, an hour …)."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waiting: int = 0
    in_service: int = 0
    waits: list = field(default_factory=list)
    service_times: list = field(default_factory=list)
    within_target: int = 0

    def add_ticket(self, t: TicketFacts, target_s: int) -> None:
        self.issued += 1
        self.count_end_state(t)
        w = t.wait_s
        if w is not None:
            self.waits.append(w)
            self.within_target += w <= target_s

    def count_end_state(self, t: TicketFacts) -> None:
        if t.state_at_end == "done":
            self.served += 1
            if t.service_s is not None:
                self.service_times.append(t.service_s)
        elif t.state_at_end == "no_show":
            self.no_show += 1
        elif t.state_at_end == "cancelled":
            self.cancelled += 1
        elif t.state_at_end == "waiting":
            self.waiting += 1
        else:
            self.in_service += 1

    def figures(self) -> dict:
        waits = sorted(self.waits)
        times = sorted(self.service_times)
        return {
            "issued": self.issued, "served": self.served, "no_show": self.no_show, "cancelled": self.cancelled,
            "waiting": self.waiting, "in_service": self.in_service,
            "mean_wait_s": mean(waits), "p90_wait_s": nearest_rank(waits, 90), "max_wait_s": waits[-1] if waits else None,
            "mean_service_s": mean(times), "p90_service_s": nearest_rank(times, 90),
            "within_target_pct": share(self.within_target, len(waits)),
        }


class LocalClock:
    """Centre-local hour and day of epoch seconds, memoised per quarter hour (offsets are whole quarters)."""

    def __init__(self, tz=VN_TZ):
        self.tz = tz
        self.cache: dict[int, datetime] = {}

    def at(self, seconds: float) -> datetime:
        q = int(seconds // 900)
        dt = self.cache.get(q)
        if dt is None:
            dt = self.cache[q] = datetime.fromtimestamp(q * 900, timezone.utc).astimezone(self.tz)
        return dt


def queue_report(session: Session, scope: Scope, period: Period) -> dict:
    facts = ticket_facts(session, scope, period)
    return fold(session, scope, period, facts)


def fold(session: Session, scope: Scope, period: Period, facts: list[TicketFacts]) -> dict:
    target = scope.centre.target_wait_s
    clock = LocalClock()
    total = Tally()
    by_service: dict[int, Tally] = defaultdict(Tally)
    by_counter: dict[int, Tally] = defaultdict(Tally)
    by_officer: dict[int, Tally] = defaultdict(Tally)
    by_day: dict[str, Tally] = defaultdict(Tally)
    hours: dict[int, dict] = defaultdict(lambda: {"arrivals": 0, "served": 0, "waits": []})
    for t in facts:
        total.add_ticket(t, target)
        by_service[t.service_id].add_ticket(t, target)
        issued_local = clock.at(t.issued)
        by_day[issued_local.date().isoformat()].add_ticket(t, target)
        h = hours[issued_local.hour]
        h["arrivals"] += 1
        if t.first_called is not None:
            h["waits"].append(t.wait_s)
        if t.completed is not None:
            hours[clock.at(t.completed).hour]["served"] += 1
        if t.counter_id is not None and t.state_at_end in ("done", "no_show"):
            by_counter[t.counter_id].count_end_state(t)
            if t.officer_id is not None:
                by_officer[t.officer_id].count_end_state(t)

    counters = _names(session, Counter, set(by_counter))
    officers = _names(session, User, set(by_officer))
    return {
        "period": period.as_dict(),
        "filters": scope.filters(),
        "centre": {"id": scope.centre.id, "name": scope.centre.name, "target_wait_s": target},
        "totals": total.figures(),
        "by_service": [
            {"service_id": sid, "code": s.code, "name": s.name, "agency_id": s.agency_id,
             "agency_name": scope.agencies[s.agency_id].name if s.agency_id in scope.agencies else None,
             **by_service[sid].figures()}
            for sid, s in scope.services.items() if sid in by_service
        ],
        "by_counter": [
            {"counter_id": cid, "number": c.number, "name": c.name, **_served_figures(by_counter[cid])}
            for cid, c in sorted(counters.items(), key=lambda kv: kv[1].number)
        ],
        "by_officer": [
            {"officer_id": uid, "full_name": u.full_name, **_served_figures(by_officer[uid])}
            for uid, u in sorted(officers.items(), key=lambda kv: kv[1].full_name)
        ],
        "by_hour": [
            {"hour": hour, "arrivals": h["arrivals"], "served": h["served"],
             "mean_wait_s": mean(h["waits"]), "p90_wait_s": nearest_rank(sorted(h["waits"]), 90)}
            for hour, h in sorted(hours.items())
        ],
        "by_day": [{"day": day, **tally.figures()} for day, tally in sorted(by_day.items())],
    }


def _served_figures(t: Tally) -> dict:
    times = sorted(t.service_times)
    return {"served": t.served, "no_show": t.no_show, "mean_service_s": mean(times), "p90_service_s": nearest_rank(times, 90)}


def _names(session: Session, model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in session.execute(select(model).where(model.id.in_(ids))).scalars()}
