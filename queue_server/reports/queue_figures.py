"""Queue figures from `ticket_stats`, the per-ticket projection of the ticket history (`tickets/stats.py`).

Definitions (each ticket counted once, in the period its `issued` event falls in):

- **issued**: tickets whose `issued` event lies in the period [start, end).
- **served**: of those, tickets with a `completed` event before the period's end.
- **no_show**: tickets whose state at the end is no-show (a `no_show` event before the end, and no
  call after it before the end: a missed ticket called back within `MOTCUA_MISSED_RECALL_MINUTES`
  counts by how it ended, once).
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
ticket whose last event is before the end (nearly all; every one for today) is "settled": its row
holds its figures as they are, and those are aggregated in SQL — GROUP BYs on (service, day, hour of
issue, final state, at a counter, hour of completion) and (counter, officer, final state), rolled up in
Python. The p90s need the values themselves: one fetch of the waiting and service times, bucketed and
sorted in Python — except for the dashboard (totals and hours only), whose p90s the database picks
(ORDER BY … OFFSET, a window per hour), so a request builds no value lists. The few tickets with events after the end are fetched whole and cut at the end here
(`_unsettled`); one still open at the end after a call has its state there read from its events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import String, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..auth.models import User
from ..centres.models import Counter
from ..tickets.models import Ticket, TicketEvent, TicketStats
from ..tickets.stats import AT_COUNTER, QUEUEING
from .service import Period, Scope, nearest_rank, share

S = TicketStats
E = TicketEvent


def _filters(scope: Scope, period: Period) -> list:
    conds = [
        S.centre_id == scope.centre_id,
        S.service_day >= period.first_day,
        S.service_day <= period.last_day,
        S.service_id.in_(list(scope.field_services)),
    ]
    if scope.agency_ids is not None:
        conds.append(S.agency_id.in_(sorted(scope.agency_ids)))
    if scope.procedure:
        conds.append(
            S.ticket_id.in_(
                select(Ticket.id).where(Ticket.centre_id == scope.centre_id, Ticket.procedure_code == scope.procedure)
            )
        )
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
    p90: dict = field(
        default_factory=dict
    )  # "wait"/"service" → a p90 the database computed (then the lists stay empty)

    def add(self, state: str, g: tuple) -> None:
        """Add one GROUP BY row of tickets in the same state at the end (see `_grouped`)."""
        n, wait_n, wait_sum, wait_max, within, service_n, service_sum = g
        self.issued += n
        if state == "done":
            self.served += n
        elif state == "no_show":
            self.no_show += n
        elif state == "cancelled":
            self.cancelled += n
        elif state == "waiting":
            self.waiting += n
        else:
            self.in_service += n
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
            "issued": self.issued,
            "served": self.served,
            "no_show": self.no_show,
            "cancelled": self.cancelled,
            "waiting": self.waiting,
            "in_service": self.in_service,
            "mean_wait_s": self.mean_wait(),
            "p90_wait_s": self.p90_of("wait", self.waits),
            "max_wait_s": self.wait_max,
            "mean_service_s": self.mean_service(),
            "p90_service_s": self.p90_of("service", self.service_times),
            "within_target_pct": share(self.within_target, self.wait_n),
        }

    def p90_of(self, kind: str, values: list):
        return self.p90[kind] if kind in self.p90 else nearest_rank(sorted(values), 90)

    def served_figures(self) -> dict:
        return {
            "served": self.served,
            "no_show": self.no_show,
            "mean_service_s": self.mean_service(),
            "p90_service_s": nearest_rank(sorted(self.service_times), 90),
        }


SECTIONS = ("by_service", "by_counter", "by_officer", "by_hour", "by_day")


def queue_report(session: Session, scope: Scope, period: Period, sections=SECTIONS) -> dict:
    """The queue report; `sections` limits the row tables computed (the dashboard needs only `by_hour`)."""
    end = period.end
    target = scope.centre.target_wait_s
    conds = _filters(scope, period)
    settled = [*conds, S.last_event_at < end]
    total = Tally()
    by_service: dict[int, Tally] = defaultdict(Tally)
    by_day: dict[str, Tally] = defaultdict(Tally)
    by_hour: dict[int, Tally] = defaultdict(Tally)
    served_in_hour: dict[int, int] = defaultdict(int)
    by_counter: dict[int, Tally] = defaultdict(Tally)
    by_officer: dict[int, Tally] = defaultdict(Tally)
    days = "by_day" in sections
    services = "by_service" in sections
    per_counter = "by_counter" in sections or "by_officer" in sections

    def rows_of(sid, day, hour) -> tuple:
        return (
            total,
            by_hour[hour],
            *((by_service[sid],) if services else ()),
            *((by_day[_iso(day)],) if days else ()),
        )

    # one GROUP BY over the period's tickets; the unsettled ones are only counted here, to know if any
    settled_flag = (S.last_event_at < end).label("settled")
    keys = (settled_flag, S.service_id, S.service_day, S.issued_hour, S.final_state, S.at_counter, S.completed_hour)
    unsettled = False
    for is_settled, sid, day, hour, final, at_counter, done_hour, *g in _grouped(session, conds, keys, target):
        if not is_settled:
            unsettled = True
            continue
        state = final or ("in_service" if at_counter else "waiting")
        for tally in rows_of(sid, day, hour):
            tally.add(state, g)
        if final == "done":
            served_in_hour[done_hour] += g[0]
    if per_counter:
        for cid, uid, final, *g in _grouped(
            session,
            [*settled, S.final_state.in_(("done", "no_show"))],
            (S.counter_id, S.officer_id, S.final_state),
            target,
        ):
            if cid is not None:
                by_counter[cid].add(final, g)
                if uid is not None:
                    by_officer[uid].add(final, g)

    if not unsettled and set(sections) <= {"by_hour"}:
        # the dashboard: p90s of the day and of each hour by the database (no value lists in Python)
        for hour, wait in _p90s(session, settled, S.wait_s, S.issued_hour):
            by_hour[hour].p90["wait"] = wait
        total.p90["wait"] = _nth(session, settled, S.wait_s, total.wait_n)
        total.p90["service"] = _nth(session, settled, S.service_s, total.service_n)
    else:
        # the values behind the p90s: bucketed per (service, day, hour) and per (counter, officer), then
        # handed to the rows (sorted when a row's figures are read)
        waits: dict[tuple, list] = defaultdict(list)
        times: dict[tuple, list] = defaultdict(list)
        counter_times: dict[tuple, list] = defaultdict(list)
        for sid, day, hour, cid, uid, wait, service in (
            session.connection()
            .execute(
                select(
                    S.service_id, _raw_day(days), S.issued_hour, S.counter_id, S.officer_id, S.wait_s, S.service_s
                ).where(*settled, or_(S.wait_s.is_not(None), S.service_s.is_not(None)))
            )
            .all()
        ):
            if wait is not None:
                waits[sid, day, hour].append(wait)
            if service is not None:
                times[sid, day, hour].append(service)
                counter_times[cid, uid].append(service)
        for key, values in waits.items():
            for tally in rows_of(*key):
                tally.waits.extend(values)
        for key, values in times.items():
            for tally in rows_of(*key):
                tally.service_times.extend(values)
        if per_counter:
            for (cid, uid), values in counter_times.items():
                if cid is not None:
                    by_counter[cid].service_times.extend(values)
                    if uid is not None:
                        by_officer[uid].service_times.extend(values)
    if unsettled:
        _unsettled(session, conds, period, target, rows_of)

    counters = _names(session, Counter, set(by_counter))
    officers = _names(session, User, set(by_officer))
    hours = sorted(set(by_hour) | set(served_in_hour))
    report = {
        "period": period.as_dict(),
        "filters": scope.filters(),
        "centre": {"id": scope.centre.id, "name": scope.centre.name, "target_wait_s": target},
        "totals": total.figures(),
        "by_service": [
            {
                "service_id": sid,
                "code": s.code,
                "name": s.name,
                "agency_id": s.agency_id,
                "agency_name": scope.agencies[s.agency_id].name if s.agency_id in scope.agencies else None,
                **by_service[sid].figures(),
            }
            for sid, s in scope.field_services.items()
            if sid in by_service
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
            {
                "hour": h,
                "arrivals": by_hour[h].issued,
                "served": served_in_hour.get(h, 0),
                "mean_wait_s": by_hour[h].mean_wait(),
                "p90_wait_s": by_hour[h].p90_of("wait", by_hour[h].waits),
            }
            for h in hours
        ],
        "by_day": [{"day": day, **tally.figures()} for day, tally in sorted(by_day.items())],
    }
    for name in SECTIONS:
        if name not in sections:
            del report[name]
    return report


def _p90s(session: Session, conds: list, value, key=None) -> list[tuple]:
    """Nearest-rank p90 of `value` per `key` (or overall) by the database: rows (key, p90) or (p90,)."""
    keys = [key] if key is not None else []
    part = {"partition_by": keys} if keys else {}
    ranked = (
        select(
            *keys,
            value.label("v"),
            func.row_number().over(order_by=value, **part).label("rn"),
            func.count().over(**part).label("n"),
        )
        .where(*conds, value.is_not(None))
        .subquery()
    )
    return (
        session.connection()
        .execute(
            select(*(ranked.c[k.key] for k in keys), ranked.c.v).where(ranked.c.rn == (ranked.c.n * 90 + 99) // 100)
        )
        .all()
    )


def _nth(session: Session, conds: list, value, n: int):
    """The nearest-rank p90 of the n non-null values of `value`: one sort, ORDER BY … OFFSET."""
    if not n:
        return None
    rank = (90 * n + 99) // 100
    return (
        session.connection()
        .execute(select(value).where(*conds, value.is_not(None)).order_by(value).offset(rank - 1).limit(1))
        .scalar()
    )


def _raw_day(wanted: bool):
    # SQLite hands dates over as text: parsing 150,000 of them costs more than the rest of the loop
    return type_coerce(S.service_day, String) if wanted else literal(None)


def _iso(day) -> str:
    return day if isinstance(day, str) else day.isoformat()


def _grouped(session: Session, conds: list, keys: tuple, target_s: int):
    """Per group: the keys, then count, wait count, sum and max, within target, service-time count and
    sum (the order `Tally.add` reads)."""
    return (
        session.connection()
        .execute(
            select(
                *keys,
                func.count(),
                func.count(S.wait_s),
                func.sum(S.wait_s),
                func.max(S.wait_s),
                func.sum(case((S.wait_s <= target_s, 1), else_=0)),
                func.count(S.service_s),
                func.sum(S.service_s),
            )
            .where(*conds)
            .group_by(*keys)
        )
        .all()
    )


def _unsettled(session: Session, conds: list, period: Period, target_s: int, rows_of) -> None:
    """Tickets with events after the period's end (served across it, or called the next morning):
    their figures as at the end, cut here from their rows; the state at the end of one open then,
    but called before, from its last events before the end."""
    end = period.end
    tickets = session.execute(
        select(S.ticket_id, S.service_id, S.service_day, S.issued_hour, S.first_called_at, S.wait_s).where(
            *conds, S.last_event_at >= end
        )
    ).all()
    if not tickets:
        return
    # open at the end, or marked absent before it and called back after it (docs/queue-policy.md)
    called = [t.ticket_id for t in tickets if t.first_called_at is not None and t.first_called_at < end]
    last = (
        {
            tid: (queued, at_counter, missed)
            for tid, queued, at_counter, missed in session.execute(
                select(
                    E.ticket_id,
                    func.max(case((E.type.in_(QUEUEING), E.at))),
                    func.max(case((E.type.in_(AT_COUNTER), E.at))),
                    func.max(case((E.type == "no_show", E.at))),
                )
                .where(E.ticket_id.in_(called), E.at < end)
                .group_by(E.ticket_id)
            )
        }
        if called
        else {}
    )
    for t in tickets:
        wait = t.wait_s if t.first_called_at is not None and t.first_called_at < end else None
        queued, at_counter, missed = last.get(t.ticket_id, (None, None, None))
        in_service = at_counter is not None and (queued is None or at_counter >= queued)
        state = "in_service" if in_service else "waiting"
        if missed is not None and (at_counter is None or missed >= at_counter) and (queued is None or missed >= queued):
            state = "no_show"
        g = (1, int(wait is not None), wait or 0.0, wait, int(wait is not None and wait <= target_s), 0, 0.0)
        for tally in rows_of(t.service_id, t.service_day, t.issued_hour):
            tally.add(state, g)
            if wait is not None:
                tally.waits.append(wait)


def _names(session: Session, model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in session.execute(select(model).where(model.id.in_(ids))).scalars()}
