"""Queue figures from `ticket_stats`, the per-ticket projection of the ticket history (`tickets/stats.py`).

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
day. Rows are keyed by ids and labelled with current names; the agency filter uses the agency
recorded when the ticket was issued.

How: a past period's figures must not move, so every figure is taken "as at the period's end". A
ticket whose last event is before the end (nearly all) is read from its row as is; for the others
the row's timestamps are compared with the end in SQL, and the few still open at the end after a
call have their state at the end read from their events. Counts, sums and means are GROUP BYs on
(service, day, hour), (completion hour) and (counter, officer), rolled up in Python; the p90s need
the values themselves: one fetch of the waiting and service times, bucketed and sorted in Python.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..centres.models import Counter
from ..tickets.models import Ticket, TicketEvent, TicketStats
from ..tickets.stats import AT_COUNTER, QUEUEING
from .service import Period, Scope, nearest_rank, share

S = TicketStats
E = TicketEvent
REPLAY = "replay"  # open at the end, called before it, events after it: state read from the history


class AtEnd:
    """SQL expressions for a ticket's figures as at the period's end."""

    def __init__(self, period: Period, target_s: int):
        end = period.end
        settled = S.last_event_at < end  # every event of the ticket lies before the end
        self.state = case(
            (and_(settled, S.final_state.is_not(None)), S.final_state),
            (and_(settled, S.at_counter), literal("in_service")),
            (settled, literal("waiting")),
            (or_(S.first_called_at.is_(None), S.first_called_at >= end), literal("waiting")),
            else_=literal(REPLAY),
        )
        self.wait = case((S.first_called_at < end, S.wait_s))
        self.done = and_(S.final_state == "done", S.completed_at < end)
        self.service = case((self.done, S.service_s))
        self.target_s = target_s

    def count(self, cond):
        return func.sum(case((cond, 1), else_=0))


def _filters(scope: Scope, period: Period) -> list:
    conds = [S.centre_id == scope.centre_id, S.service_day >= period.first_day, S.service_day <= period.last_day,
             S.service_id.in_(list(scope.field_services))]
    if scope.agency_ids is not None:
        conds.append(S.agency_id.in_(sorted(scope.agency_ids)))
    if scope.procedure:
        conds.append(S.ticket_id.in_(select(Ticket.id).where(Ticket.centre_id == scope.centre_id,
                                                             Ticket.procedure_code == scope.procedure)))
    return conds


@dataclass
class Tally:
    """Figures of one row (a service, a day, an hour, a counter …), from grouped sums plus its sorted values."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waiting: int = 0
    in_service: int = 0
    wait_n: int = 0
    wait_sum: float = 0.0
    wait_max: float | None = None
    within_target: int = 0
    service_n: int = 0
    service_sum: float = 0.0
    waits: list = field(default_factory=list)
    service_times: list = field(default_factory=list)

    def add(self, g: tuple) -> None:
        """Add one GROUP BY row (see `_grouped`)."""
        (issued, served, no_show, cancelled, waiting, in_service, wait_n, wait_sum, wait_max, within,
         service_n, service_sum) = g
        self.issued += issued
        self.served += served
        self.no_show += no_show
        self.cancelled += cancelled
        self.waiting += waiting
        self.in_service += in_service
        self.wait_n += wait_n
        self.wait_sum += wait_sum or 0.0
        if wait_max is not None and (self.wait_max is None or wait_max > self.wait_max):
            self.wait_max = wait_max
        self.within_target += within
        self.service_n += service_n
        self.service_sum += service_sum or 0.0

    def mean_wait(self):
        return round(self.wait_sum / self.wait_n, 1) if self.wait_n else None

    def mean_service(self):
        return round(self.service_sum / self.service_n, 1) if self.service_n else None

    def figures(self) -> dict:
        return {
            "issued": self.issued, "served": self.served, "no_show": self.no_show, "cancelled": self.cancelled,
            "waiting": self.waiting, "in_service": self.in_service,
            "mean_wait_s": self.mean_wait(), "p90_wait_s": nearest_rank(sorted(self.waits), 90),
            "max_wait_s": self.wait_max,
            "mean_service_s": self.mean_service(), "p90_service_s": nearest_rank(sorted(self.service_times), 90),
            "within_target_pct": share(self.within_target, self.wait_n),
        }

    def served_figures(self) -> dict:
        return {"served": self.served, "no_show": self.no_show, "mean_service_s": self.mean_service(),
                "p90_service_s": nearest_rank(sorted(self.service_times), 90)}


def queue_report(session: Session, scope: Scope, period: Period) -> dict:
    at_end = AtEnd(period, scope.centre.target_wait_s)
    conds = _filters(scope, period)
    total = Tally()
    by_service: dict[int, Tally] = defaultdict(Tally)
    by_day: dict[str, Tally] = defaultdict(Tally)
    by_hour: dict[int, Tally] = defaultdict(Tally)
    by_counter: dict[int, Tally] = defaultdict(Tally)
    by_officer: dict[int, Tally] = defaultdict(Tally)

    for sid, day, hour, *g in _grouped(session, at_end, conds, (S.service_id, S.service_day, S.issued_hour)):
        for tally in (total, by_service[sid], by_day[day.isoformat()], by_hour[hour]):
            tally.add(g)
    _replay_open(session, at_end, conds, period, total, by_service, by_day, by_hour)
    served_in_hour = dict(session.execute(
        select(S.completed_hour, func.count()).where(*conds, at_end.done).group_by(S.completed_hour)).all())
    for cid, uid, *g in _grouped(session, at_end, [*conds, at_end.state.in_(("done", "no_show"))], (S.counter_id, S.officer_id)):
        if cid is not None:
            by_counter[cid].add(g)
            if uid is not None:
                by_officer[uid].add(g)

    # the values behind the p90s, bucketed per row (sorted when the row's figures are read)
    for sid, day, hour, cid, uid, wait, service in session.execute(
        select(S.service_id, S.service_day, S.issued_hour, S.counter_id, S.officer_id, at_end.wait, at_end.service)
        .where(*conds, or_(at_end.wait.is_not(None), at_end.service.is_not(None)))
    ):
        day_tally = by_day[day.isoformat()]
        if wait is not None:
            for tally in (total, by_service[sid], day_tally, by_hour[hour]):
                tally.waits.append(wait)
        if service is not None:
            for tally in (total, by_service[sid], day_tally):
                tally.service_times.append(service)
            if cid is not None:
                by_counter[cid].service_times.append(service)
                if uid is not None:
                    by_officer[uid].service_times.append(service)

    counters = _names(session, Counter, set(by_counter))
    officers = _names(session, User, set(by_officer))
    hours = sorted(set(by_hour) | {h for h in served_in_hour if h is not None})
    return {
        "period": period.as_dict(),
        "filters": scope.filters(),
        "centre": {"id": scope.centre.id, "name": scope.centre.name, "target_wait_s": scope.centre.target_wait_s},
        "totals": total.figures(),
        "by_service": [
            {"service_id": sid, "code": s.code, "name": s.name, "agency_id": s.agency_id,
             "agency_name": scope.agencies[s.agency_id].name if s.agency_id in scope.agencies else None,
             **by_service[sid].figures()}
            for sid, s in scope.field_services.items() if sid in by_service
        ],
        "by_counter": [
            {"counter_id": cid, "number": c.number, "name": c.name, **by_counter[cid].served_figures()}
            for cid, c in sorted(counters.items(), key=lambda kv: kv[1].number)
        ],
        "by_officer": [
            {"officer_id": uid, "full_name": u.full_name, **by_officer[uid].served_figures()}
            for uid, u in sorted(officers.items(), key=lambda kv: kv[1].full_name)
        ],
        "by_hour": [
            {"hour": h, "arrivals": by_hour[h].issued, "served": served_in_hour.get(h, 0),
             "mean_wait_s": by_hour[h].mean_wait(), "p90_wait_s": nearest_rank(sorted(by_hour[h].waits), 90)}
            for h in hours
        ],
        "by_day": [{"day": day, **tally.figures()} for day, tally in sorted(by_day.items())],
    }


def _grouped(session: Session, at_end: AtEnd, conds: list, keys: tuple):
    """Per group: the keys, then issued, served, no_show, cancelled, waiting, in_service, wait count,
    sum and max, within target, service-time count and sum (the order `Tally.add` reads)."""
    state = at_end.state
    return session.execute(
        select(
            *keys, func.count(),
            *(at_end.count(state == s) for s in ("done", "no_show", "cancelled", "waiting", "in_service")),
            func.count(at_end.wait), func.sum(at_end.wait), func.max(at_end.wait),
            at_end.count(at_end.wait <= at_end.target_s),
            func.count(at_end.service), func.sum(at_end.service),
        ).where(*conds).group_by(*keys)
    ).all()


def _replay_open(session: Session, at_end: AtEnd, conds: list, period: Period, *tallies_by) -> None:
    """Tickets open at the end after being called, with events after it (served across the period's end):
    waiting or at a counter at the end, by their last events before it."""
    open_rows = session.execute(
        select(S.ticket_id, S.service_id, S.service_day, S.issued_hour).where(*conds, at_end.state == REPLAY)
    ).all()
    if not open_rows:
        return
    ids = [r[0] for r in open_rows]
    last = {
        tid: (queued, at_counter)
        for tid, queued, at_counter in session.execute(
            select(E.ticket_id, func.max(case((E.type.in_(QUEUEING), E.at))), func.max(case((E.type.in_(AT_COUNTER), E.at))))
            .where(E.ticket_id.in_(ids), E.at < period.end).group_by(E.ticket_id)
        )
    }
    total, by_service, by_day, by_hour = tallies_by
    for tid, sid, day, hour in open_rows:
        queued, at_counter = last.get(tid, (None, None))
        in_service = at_counter is not None and (queued is None or at_counter >= queued)
        for tally in (total, by_service[sid], by_day[day.isoformat()], by_hour[hour]):
            if in_service:
                tally.in_service += 1
            else:
                tally.waiting += 1


def _names(session: Session, model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in session.execute(select(model).where(model.id.in_(ids))).scalars()}
