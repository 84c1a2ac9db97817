"""A large batch from the one-stop system is applied in bounded chunks (issue 15, finding 11):
while it runs, the desk's own writes go through between chunks instead of waiting for the end."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from queue_server.dossiers import sync
from queue_server.dossiers.models import SyncUpdate
from tests.dossiers.test_sync import _external
from tests.factories import issue


def _applied(db) -> int:
    with db.reading() as s:
        return s.execute(select(func.count()).select_from(SyncUpdate)).scalar_one()


def test_the_desk_is_served_while_a_large_sync_runs(client, db, settings, centre):
    updates = sync.parse_json_updates(
        __import__("json").dumps([_external(f"big-{n}", code=f"000.00.17.H12-260310-{n:04d}") for n in range(1, 301)])
    )
    done = threading.Event()
    outcomes = []

    def run():
        outcomes.extend(sync.apply_in_chunks(db, settings, updates, source="test"))
        done.set()

    worker = threading.Thread(target=run)
    worker.start()
    while _applied(db) == 0 and not done.is_set():
        pass  # wait for the first chunk to be committed
    issue(client, centre)  # a desk write, between two chunks of the sync
    still_running = not done.is_set()
    worker.join(300)
    assert still_running  # the desk did not wait for the whole batch
    assert [o.outcome for o in outcomes] == ["created"] * 300 and _applied(db) == 300


def test_a_failing_update_keeps_the_chunks_before_it_and_says_which(db, settings, centre):
    updates = [_external(f"c-{n}", code=f"000.00.17.H12-260310-{n:04d}") for n in range(1, 31)]
    updates[0]["status"] = "returned"  # …so the last update, back to "received", is an illegal step
    updates.append({"update_id": "c-bad", "code": "000.00.17.H12-260310-0001", "status": "received"})
    parsed = sync.parse_json_updates(__import__("json").dumps(updates))
    try:
        sync.apply_in_chunks(db, settings, parsed, source="test", chunk=10)
        raise AssertionError("the illegal update was applied")
    except sync.DomainError as exc:
        assert exc.code == "illegal_transition"
        assert exc.extra["applied"] == [f"c-{n}" for n in range(1, 31)]
    assert _applied(db) == 30
    again = sync.apply_in_chunks(db, settings, parsed[:30], source="test")  # the sender resends: nothing doubles
    assert {o.outcome for o in again} == {"duplicate"}
