"""Recording outbound events: in the same transaction as the change they describe."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from ..db import column_arrays, current_value, current_values, insert_rows, next_value
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
    session.info.pop("pending_events", None)


def record_event(session: Session, centre_id: int, type_: str, data: dict) -> None:
    """Append an event to the centre's log as part of this transaction (see `record_events`)."""
    record_events(session, centre_id, [(type_, data)])


def record_events(session: Session, centre_id: int, events: list[tuple[str, dict]]) -> None:
    """Append events to the centre's log as part of this transaction.

    They are written when the transaction commits, in the order recorded: one step of each
    centre's sequence and one multi-row insert for the whole transaction, so the centre-wide
    sequence lock is held only for the commit itself. The hub wakes after commit. (Nothing here
    may run inside a savepoint that can roll back on its own: its events would still be written.)
    """
    at = utcnow()
    session.info.setdefault("pending_events", []).extend((centre_id, t, d, at) for t, d in events)


# PostgreSQL: a step of the centre's sequence and the rows numbered from it, in one round trip
# (the same upsert as db.next_value; this runs in the commit of every transaction that records).
_NUMBERED_EVENTS = text("""
WITH taken AS (
    INSERT INTO sequences (name, value) VALUES (:name, CAST(:count AS BIGINT))
    ON CONFLICT (name) DO UPDATE SET value = sequences.value + EXCLUDED.value
    RETURNING value
)
INSERT INTO events (centre_id, seq, type, data, at)
SELECT CAST(:centre_id AS INTEGER), taken.value - CAST(:count AS BIGINT) + e.n, e.type, e.data, e.at
FROM taken, unnest(CAST(:type AS VARCHAR(40)[]), CAST(:data AS JSONB[]), CAST(:at AS TIMESTAMP WITH TIME ZONE[]))
     WITH ORDINALITY AS e(type, data, at, n)
RETURNING seq
""")


@event.listens_for(Session, "before_commit")
def _write_pending_events(session: Session) -> None:
    pending = session.info.pop("pending_events", None)
    if not pending:
        return
    rows = []
    notify = session.info.get("notify")
    dialect = session.get_bind().dialect
    for centre_id in sorted({p[0] for p in pending}):  # one lock order across centres
        mine = [{"type": t, "data": d, "at": at} for c, t, d, at in pending if c == centre_id]
        if dialect.name == "postgresql":
            last = max(
                session.execute(
                    _NUMBERED_EVENTS,
                    {
                        "name": sequence_name(centre_id),
                        "count": len(mine),
                        "centre_id": centre_id,
                        **column_arrays(dialect, Event.__table__, mine),
                    },
                ).scalars()
            )
        else:
            last = next_value(session, sequence_name(centre_id), count=len(mine))
            rows += [
                {"centre_id": centre_id, "seq": last - len(mine) + i, **row} for i, row in enumerate(mine, start=1)
            ]
        if notify is not None:
            after_commit(session, lambda c=centre_id, s=last: notify(c, s))
    insert_rows(session, Event.__table__, rows)


def last_seq(session: Session, centre_id: int) -> int:
    return current_value(session, sequence_name(centre_id))


def last_seqs(session: Session, centre_ids: list[int]) -> dict[int, int]:
    """The last seq of each of these centres (0 before its first event), in one statement: a
    worker watching a province's 200 centres checks them all every few seconds."""
    values = current_values(session, map(sequence_name, centre_ids))
    return {c: values[sequence_name(c)] for c in centre_ids}


def events_after(session: Session, centre_id: int, since: int, limit: int = 5000) -> list[Event]:
    return list(
        session.execute(
            select(Event).where(Event.centre_id == centre_id, Event.seq > since).order_by(Event.seq).limit(limit)
        ).scalars()
    )


def recent_events(session: Session, centre_id: int, latest: int, count: int) -> list[Event]:
    """The centre's last `count` events up to `latest`, oldest first."""
    return events_after(session, centre_id, max(0, latest - count), limit=count)


def access_changed(session: Session) -> None:
    """Who may open a stream changed in this transaction (a device revoked, a user's role, scope,
    password or state): once it commits, every worker forgets the authorisations it cached."""
    callback = session.info.get("access_changed")
    if callback is not None:
        after_commit(session, callback)


def oldest_seq(session: Session, centre_id: int) -> int:
    return int(session.execute(select(func.min(Event.seq)).where(Event.centre_id == centre_id)).scalar() or 0)


def wire(ev: Event) -> dict:
    return {"v": EVENT_VERSION, "seq": ev.seq, "type": ev.type, "data": ev.data, "at": ev.at.isoformat()}
