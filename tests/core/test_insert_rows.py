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
