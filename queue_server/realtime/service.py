"""Recording outbound events: in the same transaction as the change they describe."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from ..db import current_value, next_value
from ..timeutil import utcnow
from .models import Event

EVENT_VERSION = 1


def sequence_name(centre_id: int) -> str:
    return f"events:centre:{centre_id}"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the transaction is durable; dropped if it rolls back."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop("queue_memo", None)
    callbacks = session.info.pop("after_commit", [])
    for cb in callbacks:
        cb()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop("after_commit", None)
    session.info.pop("queue_memo", None)


def record_event(session: Session, centre_id: int, type_: str, data: dict) -> Event:
    """Append an event with the centre's next sequence number; wake the hub after commit."""
    seq = next_value(session, sequence_name(centre_id))
    ev = Event(centre_id=centre_id, seq=seq, type=type_, data=data, at=utcnow())
    session.add(ev)
    notify = session.info.get("notify")
    if notify is not None:
        after_commit(session, lambda: notify(centre_id, seq))
    return ev


def record_events(session: Session, centre_id: int, events: list[tuple[str, dict]]) -> int:
    """Append several events at once (one sequence step, one multi-row insert); returns the last seq."""
    last = next_value(session, sequence_name(centre_id), count=len(events))
    at = utcnow()
    first = last - len(events) + 1
    session.execute(
        insert(Event.__table__),
        [{"centre_id": centre_id, "seq": first + i, "type": t, "data": d, "at": at} for i, (t, d) in enumerate(events)],
    )
    notify = session.info.get("notify")
    if notify is not None:
        after_commit(session, lambda: notify(centre_id, last))
    return last


def last_seq(session: Session, centre_id: int) -> int:
    return current_value(session, sequence_name(centre_id))


def events_after(session: Session, centre_id: int, since: int, limit: int = 5000) -> list[Event]:
    return list(
        session.execute(
            select(Event).where(Event.centre_id == centre_id, Event.seq > since).order_by(Event.seq).limit(limit)
        ).scalars()
    )


def oldest_seq(session: Session, centre_id: int) -> int:
    return int(session.execute(select(func.min(Event.seq)).where(Event.centre_id == centre_id)).scalar() or 0)


def wire(ev: Event) -> dict:
    return {"v": EVENT_VERSION, "seq": ev.seq, "type": ev.type, "data": ev.data, "at": ev.at.isoformat()}
