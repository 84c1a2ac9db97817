"""Queue figures: positions, waiting counts and estimated waits.

Estimated wait = ceil(position / open counters serving the service) × mean service time, where
the mean is taken over the service's last 20 finished tickets of the day (the service's default,
else the centre default, when there are fewer than 3).
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from ..centres.models import Counter, CounterService, Service
from .models import WAITING_STATES, Ticket

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


def position_of(session: Session, ticket: Ticket) -> int:
    """1-based place in its service's queue (0 when no longer waiting)."""
    if ticket.state not in WAITING_STATES:
        return 0
    ahead = session.execute(
        select(func.count()).where(
            waiting_clause([ticket.service_id]),
            Ticket.id != ticket.id,
            or_(
                Ticket.priority_rank > ticket.priority_rank,
                and_(
                    Ticket.priority_rank == ticket.priority_rank,
                    or_(
                        Ticket.queue_key < ticket.queue_key,
                        and_(Ticket.queue_key == ticket.queue_key, Ticket.id < ticket.id),
                    ),
                ),
            ),
        )
    ).scalar_one()
    return int(ahead) + 1


def _memo(session: Session, key, compute):
    """Per-transaction memo: one request asks the same figure several times (event + response)."""
    memo = session.info.setdefault("queue_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def mean_service_s(session: Session, service: Service, day: date, default_s: int) -> int:
    return _memo(session, ("mean", service.id, day), lambda: _mean_service_s(session, service, day, default_s))


# Built once, on the tables (Core: no ORM result machinery): every issued ticket's estimate reads them.
_T, _CS, _C = Ticket.__table__.c, CounterService.__table__.c, Counter.__table__.c
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
