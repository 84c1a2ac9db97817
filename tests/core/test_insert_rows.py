"""`db.insert_rows`: many rows as one statement, the same rows and answers on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_server.db import insert_rows
from queue_server.realtime.models import Event


def test_rows_inserted_together_read_back_as_written_and_return_their_keys(centre, db, clock):
    now = clock.now()
    rows = [
        {
            "centre_id": centre.id,
            "seq": 9001 + i,
            "type": "note",
            "at": now + timedelta(seconds=i),
            "data": {
                # quotes and a backslash: PostgreSQL's array text escapes both (db._list_dumper)
                "text": f'Mời công dân số "A{i:03d}" đến quầy {i} — hồ sơ \\ {i}',
                "note": 'Ghi chú: "trống" \\',
                "counter": i if i else None,
                "tags": ["một", "cửa"],
            },
        }
        for i in range(3)
    ]
    with db.unit_of_work() as s:
        returned = insert_rows(s, Event.__table__, rows, returning=(Event.id, Event.seq))
    assert sorted(seq for _, seq in returned) == [9001, 9002, 9003]
    with db.reading() as s:
        stored = s.execute(
            select(Event.id, Event.seq, Event.type, Event.at, Event.data).where(Event.seq > 9000).order_by(Event.seq)
        ).all()
    assert {(i, seq) for i, seq, *_ in stored} == set(returned), "each key returned is that of a row written"
    assert [(seq, type_, at, data) for _, seq, type_, at, data in stored] == [
        (r["seq"], r["type"], r["at"], r["data"]) for r in rows
    ]


def test_a_batch_that_breaks_a_constraint_writes_none_of_its_rows(centre, db, clock):
    from sqlalchemy.exc import IntegrityError

    now = clock.now()
    row = {"centre_id": centre.id, "seq": 9100, "type": "note", "at": now, "data": {}}
    with pytest.raises(IntegrityError), db.unit_of_work() as s:
        insert_rows(s, Event.__table__, [row, {**row, "seq": 9101}, {**row}])  # 9100 twice
    with db.reading() as s:
        assert s.execute(select(Event.seq).where(Event.seq >= 9100)).all() == []


def test_a_column_with_a_python_default_must_be_given(centre, db):
    with db.unit_of_work() as s, pytest.raises(ValueError, match="at"):
        insert_rows(s, Event.__table__, [{"centre_id": centre.id, "seq": 9200, "type": "note", "data": {}}])


def _tickets(db, service_id: int, numbers, now) -> list[dict]:
    """Rows as the issuing path builds them."""
    from queue_server.centres.models import Service
    from queue_server.tickets.schemas import TicketCreate
    from queue_server.tickets.service import Decision, _ticket_row
    from queue_server.timeutil import local_day

    with db.reading() as s:
        service = s.get(Service, service_id)
        return [
            _ticket_row(service, n, Decision(None), None, TicketCreate(service_id=service_id), now, local_day(now))
            for n in numbers
        ]


def _issued(centre, service_id: int, now, data: dict, type_: str | None = "issued") -> dict:
    return {
        "centre_id": centre.id,
        "type": type_,
        "at": now,
        "service_id": service_id,
        "counter_id": None,
        "officer_id": None,
        "actor_user_id": None,
        "actor_device_id": None,
        "data": data,
    }


def test_rows_inserted_with_their_dependents_point_at_their_own_parent(centre, db, clock):
    from queue_server.db import Dependents, insert_with_dependents
    from queue_server.tickets.models import Ticket, TicketEvent

    now = clock.now()
    first, second = sorted(centre.service_ids.values())[:2]
    # Two services issuing the same numbers: a dependent finds its parent by (service, number).
    tickets = [row for sid in (first, second) for row in _tickets(db, sid, (501, 502), now)]
    keys = [(t["service_id"], t["number"]) for t in tickets]
    history = [_issued(centre, sid, now, {"number": n, "quote": 'số "A" \\'}) for sid, n in keys]
    with db.unit_of_work() as s:
        returned = insert_with_dependents(
            s,
            Ticket.__table__,
            tickets,
            ("service_id", "number"),
            [Dependents(TicketEvent.__table__, "ticket_id", keys, history)],
        )
    assert sorted((sid, n) for _id, sid, n in returned) == sorted(keys)
    ids = {(sid, n): tid for tid, sid, n in returned}
    with db.reading() as s:
        stored = s.execute(select(TicketEvent.ticket_id, TicketEvent.service_id, TicketEvent.data)).all()
        numbers = dict(s.execute(select(Ticket.id, Ticket.number)).all())
    assert len(stored) == 4
    for ticket_id, service_id, data in stored:
        assert ticket_id == ids[service_id, data["number"]]
        assert numbers[ticket_id] == data["number"] and data["quote"] == 'số "A" \\'


def test_a_dependent_that_breaks_a_constraint_writes_neither_it_nor_its_parents(centre, db, clock):
    from sqlalchemy.exc import IntegrityError

    from queue_server.db import Dependents, insert_with_dependents
    from queue_server.tickets.models import Ticket, TicketEvent

    now = clock.now()
    sid = sorted(centre.service_ids.values())[0]
    tickets = _tickets(db, sid, (601,), now)
    bad = _issued(centre, sid, now, {}, type_=None)  # type is NOT NULL
    with pytest.raises(IntegrityError), db.unit_of_work() as s:
        insert_with_dependents(
            s,
            Ticket.__table__,
            tickets,
            ("service_id", "number"),
            [Dependents(TicketEvent.__table__, "ticket_id", [(sid, 601)], [bad])],
        )
    with db.reading() as s:
        assert s.execute(select(Ticket.id).where(Ticket.number == 601)).all() == []
