"""Queue figures: positions, waiting counts and estimated waits.

Estimated wait = ceil(position / open counters serving the service) × mean service time, where
the mean is taken over the service's last 20 finished tickets of the day (the service's default,
else the centre default, when there are fewer than 3).
"""

from __future__ import annotations

import collections
import math
from datetime import date

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from ..centres.models import Counter, CounterService, Service
from ..tickets.models import WAITING_STATES, Ticket

QUEUE_ORDER = (Ticket.priority_rank.desc(), Ticket.queue_key, Ticket.id)
RECENT_SAMPLE = 20


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


def mean_service_s(session: Session, service: Service, day: date, default_s: int) -> int:
    return _memo(session, ("mean", service.id, day), lambda: _mean_service_s(session, service, day, default_s))


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
_OPEN_COUNTERS = (
    select(func.count())
    .select_from(CounterService.__table__.join(Counter.__table__, _C.id == _CS.counter_id))
    .where(_CS.service_id == bindparam("service_id"), _C.state == "open")
)


def _mean_service_s(session: Session, service: Service, day: date, default_s: int) -> int:
    rows = session.execute(_RECENT_FINISHED, {"service_id": service.id, "day": day}).all()
    fallback = service.default_service_s or default_s
    if len(rows) < 3:
        return fallback
    return int(sum((f - c).total_seconds() for c, f in rows) / len(rows))


def open_counters(session: Session, service_id: int) -> int:
    return _memo(session, ("open", service_id), lambda: _open_counters(session, service_id))


def _open_counters(session: Session, service_id: int) -> int:
    return int(session.execute(_OPEN_COUNTERS, {"service_id": service_id}).scalar_one())


def estimate_wait_s(session: Session, service: Service, position: int, day: date, default_s: int) -> int:
    if position <= 0:
        return 0
    counters = max(1, open_counters(session, service.id))
    return math.ceil(position / counters) * mean_service_s(session, service, day, default_s)
