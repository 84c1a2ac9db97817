"""`ticket_stats`: one row per ticket, projected from its append-only history.

The rules are the report's definitions (queue_server/reports/README.md), applied one event at a time:

- waiting time = first `called` − `issued`;
- service start = the latest `called` or `started` (a `started` not older than the last call wins,
  else the last call), service time = `completed` − service start;
- final state = `completed` → done, `no_show` → no_show, `cancelled` → cancelled; a no-show called
  back (docs/queue-policy.md, missed tickets) is open again until its next final event;
- counter and officer = those on the latest event, i.e. on the `completed` / `no_show` event for a
  finished ticket (the serving counter);
- `at_counter` = open and its latest event is at a counter (called, recalled, started), not a
  queueing one (issued, requeued, transferred).

The live path is `record(session, ticket, event)`, called by `tickets.service._append` in the same
transaction as the event; `rebuild_ticket_stats` replays the history (migration 0006, tests, repair).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..centres.models import Service
from ..db import insert_rows
from ..timeutil import local
from .models import TicketEvent, TicketStats

AT_COUNTER = ("called", "recalled", "started")
QUEUEING = ("issued", "requeued", "transferred")
FINAL = {"completed": "done", "no_show": "no_show", "cancelled": "cancelled"}
COLUMNS = tuple(c.name for c in TicketStats.__table__.columns)
REBUILD_BATCH = 5000  # tickets replayed per round trip


def _seconds(later: datetime, earlier: datetime) -> float:
    # to the millisecond, as the reports have always shown them
    return round((later - earlier).total_seconds(), 3)


def start_row(row, ticket_id: int, centre_id: int, service_id: int, agency_id: int | None, at: datetime):
    """Fill a fresh row from the `issued` event."""
    issued = local(at)
    row.ticket_id, row.centre_id, row.service_id, row.agency_id = ticket_id, centre_id, service_id, agency_id
    row.service_day, row.issued_at, row.issued_hour = issued.date(), at, issued.hour
    row.first_called_at = row.wait_s = row.service_started_at = row.completed_at = None
    row.completed_hour = row.service_s = row.final_state = None
    row.counter_id = row.officer_id = None
    row.at_counter = False
    row.last_event_at = at
    row.transfer_count = 0
    return row


def apply_event(row, type_: str, at: datetime, counter_id: int | None, officer_id: int | None) -> None:
    """Move a row on by one (non-`issued`) event of its ticket."""
    row.last_event_at = at
    row.counter_id, row.officer_id = counter_id, officer_id
    if type_ in AT_COUNTER:
        row.at_counter = True
        row.final_state = None  # a missed ticket called back is open again
        if type_ == "called" and row.first_called_at is None:
            row.first_called_at = at
            row.wait_s = _seconds(at, row.issued_at)
        if type_ in ("called", "started"):
            row.service_started_at = at
    elif type_ in QUEUEING:
        row.at_counter = False
        if type_ == "transferred":
            row.transfer_count += 1
    elif type_ in FINAL:
        row.at_counter = False
        row.final_state = FINAL[type_]
        if type_ == "completed":
            row.completed_at = at
            row.completed_hour = local(at).hour
            row.service_s = _seconds(at, row.service_started_at) if row.service_started_at is not None else None


def load_rows(session: Session, ticket_ids: list[int]) -> list[TicketStats]:
    """The tickets' rows, read in one statement ahead of the events that move them (`record`
    finds them in the session while the caller holds the list: the session holds them weakly)."""
    if not ticket_ids:
        return []
    return list(session.execute(select(TicketStats).where(TicketStats.ticket_id.in_(ticket_ids))).scalars())


def record(session: Session, ticket, event: TicketEvent) -> None:
    """Project one just-appended event of `ticket` (same transaction)."""
    if event.type == "issued":
        service = session.get(Service, ticket.original_service_id)
        record_issued(session, [(ticket, service.agency_id if service else None)], event.at)
        return
    row = session.get(TicketStats, ticket.id)
    if row is None:  # a ticket from before the projection existed: replay its whole history once
        session.flush()
        _rebuild(
            session, TicketEvent.ticket_id == ticket.id, delete(TicketStats).where(TicketStats.ticket_id == ticket.id)
        )
        return
    apply_event(row, event.type, event.at, event.counter_id, event.officer_id)


def record_issued(session: Session, tickets: list[tuple[object, int | None]], at: datetime) -> None:
    """Start the rows of tickets just issued together: (ticket, its service's agency) pairs."""
    rows = issued_rows([(t.centre_id, t.original_service_id, a) for t, a in tickets], at)
    insert_rows(session, TicketStats.__table__, [{**r, "ticket_id": t.id} for r, (t, _a) in zip(rows, tickets)])


def issued_rows(tickets: list[tuple[int, int, int | None]], at: datetime) -> list[dict]:
    """The rows of tickets issued together at `at`, without their ticket ids: (centre, service,
    agency) triples. Issued at one time, the rows differ only in those, so one row is started (its
    local day and hour converted once) and copied for each."""
    first = start_row(SimpleNamespace(), None, None, None, None, at)
    shared = {c: getattr(first, c) for c in COLUMNS if c != "ticket_id"}
    return [
        {**shared, "centre_id": centre_id, "service_id": service_id, "agency_id": agency_id}
        for centre_id, service_id, agency_id in tickets
    ]


def rebuild_ticket_stats(session: Session, centre_id: int | None = None, columns: tuple[str, ...] = COLUMNS) -> int:
    """Replace the rows of a centre (or all) by replaying `ticket_events`; returns the number of tickets.

    The agency of a replayed ticket is its service's current one (the history does not record it).
    `columns`: those written (a migration passes the ones its revision's table has).
    """
    scope = TicketEvent.centre_id == centre_id if centre_id is not None else True
    wipe = (
        delete(TicketStats).where(TicketStats.centre_id == centre_id) if centre_id is not None else delete(TicketStats)
    )
    return _rebuild(session, scope, wipe, columns)


def _rebuild(session: Session, scope, wipe, columns: tuple[str, ...] = COLUMNS) -> int:
    session.execute(wipe)
    bounds = session.execute(
        select(func.min(TicketEvent.ticket_id), func.max(TicketEvent.ticket_id)).where(scope)
    ).one()
    if bounds[0] is None:
        return 0
    agencies = dict(session.execute(select(Service.id, Service.agency_id)).all())
    E = TicketEvent
    total = 0
    for lo in range(bounds[0], bounds[1] + 1, REBUILD_BATCH):
        events = session.execute(
            select(E.ticket_id, E.centre_id, E.type, E.at, E.service_id, E.counter_id, E.officer_id)
            .where(scope, E.ticket_id >= lo, E.ticket_id < lo + REBUILD_BATCH)
            .order_by(E.ticket_id, E.at, E.id)
        ).all()
        rows: dict[int, SimpleNamespace] = {}
        for tid, cid, type_, at, sid, counter_id, officer_id in events:
            row = rows.get(tid)
            if type_ == "issued":
                if row is None:
                    rows[tid] = start_row(SimpleNamespace(), tid, cid, sid, agencies.get(sid), at)
            elif row is not None:  # events of a ticket without an `issued` one are not counted, as before
                apply_event(row, type_, at, counter_id, officer_id)
        if rows:
            session.execute(insert(TicketStats), [{c: getattr(r, c) for c in columns} for r in rows.values()])
        total += len(rows)
    return total
