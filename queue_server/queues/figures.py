"""Queue figures: positions, waiting counts and estimated waits.

The estimate's arithmetic is in `estimate.py` (docs/queue-policy.md, *Estimated wait*); this module
reads what it needs, once per transaction (`_memo`): the service's last finished tickets of the
day, the centre's open counters and the services they serve, the waiting counts of the services
sharing those counters, and the tickets the counters are serving now.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from ..centres.models import Counter, CounterService, Service
from ..tickets.models import ACTIVE_STATES, WAITING_STATES, Ticket
from ..timeutil import aware
from .estimate import Estimate, ServiceTime, WaitModel, learn_service_time, residual_s, share_counters

QUEUE_ORDER = (Ticket.priority_rank.desc(), Ticket.queue_key, Ticket.id)
RECENT_SAMPLE = 20  # finished tickets of the day a service's time is learnt from


def waiting_clause(service_ids):
    return and_(Ticket.state.in_(WAITING_STATES), Ticket.service_id.in_(service_ids))


def waiting_counts(session: Session, service_ids: list[int]) -> dict[int, int]:
    if not service_ids:
        return {}
    rows = session.execute(
        select(Ticket.service_id, func.count()).where(waiting_clause(service_ids)).group_by(Ticket.service_id)
    ).all()
    counts = {sid: 0 for sid in service_ids}
    counts.update({sid: n for sid, n in rows})
    return counts


# Built once, on the table (Core: no ORM result machinery): every issuing batch runs it.
_T = Ticket.__table__.c
_QUEUE_KEY = bindparam("queue_key", type_=_T.queue_key.type)
_LINE_BY_RANK = (  # per priority rank of a service's waiting line: tickets, and those queued up to (queue_key, id)
    select(
        _T.priority_rank,
        func.count(),
        func.sum(
            case(
                (
                    or_(_T.queue_key < _QUEUE_KEY, and_(_T.queue_key == _QUEUE_KEY, _T.id <= bindparam("id"))),
                    1,
                ),
                else_=0,
            )
        ),
    )
    .where(_T.state.in_(WAITING_STATES), _T.service_id == bindparam("service_id"))
    .group_by(_T.priority_rank)
)


def positions(session: Session, tickets) -> tuple[dict[int, int], dict[int, int]]:
    """The queue places (1-based) of waiting `tickets`, by id, and their services' waiting counts.

    The queue order (docs/queue-policy.md): a higher priority rank first, then the earlier queue
    time, then the smaller id. One grouped count per service and queue time: the tickets given
    for a service either are one ticket, or share one queue time and are every waiting ticket of
    the service queued then (the tickets one batch has just issued) — true of every caller.
    Tickets given that are not waiting are not placed.
    """
    places: dict[int, int] = {}
    waiting: dict[int, int] = {}
    groups: dict[tuple, list] = collections.defaultdict(list)
    for t in tickets:
        if t.state in WAITING_STATES:
            groups[t.service_id, t.queue_key].append(t)
    for (service_id, queue_key), group in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
        group.sort(key=lambda t: t.id)
        if len(group) > 1 and len({t.id for t in group}) != len(group):
            raise ValueError("positions: the same ticket twice")
        mine = collections.Counter(t.priority_rank for t in group)
        # Per rank: (waiting, waiting up to the group's last ticket), the group itself taken off.
        line = {
            rank: (n, int(upto or 0) - mine[rank])
            for rank, n, upto in session.execute(
                _LINE_BY_RANK, {"service_id": service_id, "queue_key": queue_key, "id": group[-1].id}
            )
        }
        for k, t in enumerate(group):
            ahead = sum(n for rank, (n, _) in line.items() if rank > t.priority_rank)
            ahead += line.get(t.priority_rank, (0, 0))[1]
            ahead += sum(1 for o in group[:k] if o.priority_rank == t.priority_rank)
            places[t.id] = ahead + 1
        waiting[service_id] = sum(n for n, _ in line.values())
    return places, waiting


def position_of(session: Session, ticket: Ticket) -> int:
    """1-based place in its service's queue (0 when no longer waiting)."""
    return positions(session, [ticket])[0].get(ticket.id, 0)


def _memo(session: Session, key, compute):
    """Per-transaction memo: one request asks the same figure several times (event + response)."""
    memo = session.info.setdefault("queue_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# Built once, on the tables (Core: no ORM result machinery): every issued ticket's estimate reads them.
_CS, _C = CounterService.__table__.c, Counter.__table__.c
_RECENT_FINISHED = (
    select(_T.called_at, _T.finished_at)
    .where(
        _T.service_id == bindparam("service_id"),
        _T.service_day == bindparam("day"),
        _T.state == "done",
        _T.called_at.is_not(None),
        _T.finished_at.is_not(None),
    )
    .order_by(_T.finished_at.desc())
    .limit(RECENT_SAMPLE)
)
_S, _A = Service.__table__.c, Ticket.__table__.alias("at_counter")
_W = Ticket.__table__.alias("waiting")
# The centre's open counters in one statement: each service they serve (weight, configured time,
# waiting count) and the visit each is in now, if any.
_OPEN_COUNTERS = (
    select(
        _CS.counter_id,
        _CS.service_id,
        _CS.weight,
        _S.default_service_s,
        select(func.count()).where(_W.c.service_id == _CS.service_id, _W.c.state.in_(WAITING_STATES)).scalar_subquery(),
        _A.c.service_id,
        _A.c.called_at,
    )
    .select_from(
        CounterService.__table__.join(Counter.__table__, _C.id == _CS.counter_id)
        .join(Service.__table__, _S.id == _CS.service_id)
        .outerjoin(_A, and_(_A.c.centre_id == _C.centre_id, _A.c.state.in_(ACTIVE_STATES), _A.c.counter_id == _C.id))
    )
    .where(_C.centre_id == bindparam("centre_id"), _C.state == "open")
)


@dataclass
class OpenCounters:
    links: dict[int, dict[int, float]] = field(default_factory=dict)  # counter → {service: weight}
    prior_s: dict[int, int | None] = field(default_factory=dict)  # service → its configured time
    waiting: dict[int, int] = field(default_factory=dict)  # service → waiting tickets
    current: dict[int, tuple[int, datetime | None]] = field(default_factory=dict)  # counter → its visit


def service_time(session: Session, service_id: int, prior_s: int, day: date) -> ServiceTime:
    """The service's time per visitor, learnt from its last finished tickets of the day."""
    return _memo(session, ("time", service_id, day), lambda: _service_time(session, service_id, prior_s, day))


def _service_time(session: Session, service_id: int, prior_s: int, day: date) -> ServiceTime:
    rows = session.execute(_RECENT_FINISHED, {"service_id": service_id, "day": day}).all()
    samples = [(aware(f) - aware(c)).total_seconds() for c, f in rows]
    return learn_service_time(samples, prior_s)


def open_counters(session: Session, centre_id: int) -> OpenCounters:
    return _memo(session, ("open", centre_id), lambda: _open_counters(session, centre_id))


def _open_counters(session: Session, centre_id: int) -> OpenCounters:
    found = OpenCounters()
    for counter_id, service_id, weight, prior, waiting, at_service, called_at in session.execute(
        _OPEN_COUNTERS, {"centre_id": centre_id}
    ):
        found.links.setdefault(counter_id, {})[service_id] = float(weight if weight is not None else 1.0)
        found.prior_s[service_id], found.waiting[service_id] = prior, int(waiting or 0)
        if at_service is not None:
            found.current[counter_id] = (at_service, aware(called_at))
    return found


def open_links(session: Session, centre_id: int) -> dict[int, dict[int, float]]:
    """The centre's open counters: counter id → {service id: weight}."""
    return open_counters(session, centre_id).links


def wait_model(session: Session, service: Service, day: date, default_s: int, now: datetime) -> WaitModel:
    return _memo(session, ("wait", service.id, day), lambda: _wait_model(session, service, day, default_s, now))


def _wait_model(session: Session, service: Service, day: date, default_s: int, now: datetime) -> WaitModel:
    time = service_time(session, service.id, service.default_service_s or default_s, day)
    found = open_counters(session, service.centre_id)
    links = found.links
    mine = sorted(c for c, svc in links.items() if service.id in svc)
    if not mine:
        return WaitModel(time, ())
    # the services tied to this one by open counters that serve both (directly or through others)
    tied, frontier = {service.id}, [service.id]
    while frontier:
        sid = frontier.pop()
        for svc in links.values():
            if sid in svc:
                for other in svc:
                    if other not in tied:
                        tied.add(other)
                        frontier.append(other)
    times = {sid: service_time(session, sid, found.prior_s[sid] or default_s, day) for sid in tied - {service.id}}
    times[service.id] = time
    if len(tied) > 1:
        counts = {sid: found.waiting.get(sid, 0) for sid in tied}
        counts[service.id] += 1  # the visitor the estimate is for
        work = {sid: counts[sid] * times[sid].mean_s for sid in tied}
        shares = share_counters({c: svc for c, svc in links.items() if tied.intersection(svc)}, work)
    else:
        shares = {c: {service.id: 1.0} for c in mine}
    free_in = dict.fromkeys(mine, 0.0)
    for counter_id in mine:
        if counter_id in found.current:
            sid, called_at = found.current[counter_id]
            elapsed = (now - called_at).total_seconds() if called_at is not None else 0.0
            free_in[counter_id] = residual_s((times.get(sid) or time).mean_s, elapsed)
    return WaitModel(time, tuple((free_in[c], shares[c].get(service.id, 0.0)) for c in mine if c in shares))


def estimate_wait(
    session: Session, service: Service, position: int, day: date, default_s: int, now: datetime
) -> Estimate:
    """The estimated wait of the visitor at `position` (1-based) in the service's queue, with its range."""
    if position <= 0:
        return Estimate(0, 0, 0)
    return wait_model(session, service, day, default_s, now).at(position)
