"""One Redis shared by several installations (issue 21): the events' and the access changes'
channels carry the installation's `redis_prefix`, as the rate limits' keys do. Workers of one
installation hear each other's commits through Redis; another installation's workers do not."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from queue_server.config import Settings
from queue_server.realtime.hub import Hub
from queue_server.realtime.service import last_seq, record_event

REDIS = "redis://127.0.0.1:6379/0"


async def _two_workers(db, prefix_a: str, prefix_b: str):
    # The event table is tailed only every minute here: what arrives within the test came through Redis.
    a = Hub(db, redis_url=REDIS, redis_prefix=prefix_a, tail_interval_s=60)
    b = Hub(db, redis_url=REDIS, redis_prefix=prefix_b, tail_interval_s=60)
    await a.start()
    await b.start()
    for _ in range(100):  # both subscribed
        if a._redis_ok and b._redis_ok:
            break
        await asyncio.sleep(0.05)
    return a, b


def _commit_event(db, centre_id: int) -> int:
    with db.unit_of_work() as session:
        record_event(session, centre_id, "ticket.test", {"number": 1})
    with db.reading() as session:
        return last_seq(session, centre_id)


@pytest.mark.parametrize("same_installation", [True, False])
def test_a_board_hears_only_its_own_installations_events(db, centre, same_installation):
    prefix_a = f"test-{secrets.token_hex(4)}"
    prefix_b = prefix_a if same_installation else f"test-{secrets.token_hex(4)}"

    async def main():
        a, b = await _two_workers(db, prefix_a, prefix_b)
        try:
            board = await b.subscribe(centre.id)  # a board connected to worker b
            seq = await asyncio.to_thread(_commit_event, db, centre.id)
            a.notify(centre.id, seq)  # the commit happened on worker a
            try:
                got = await asyncio.wait_for(board.queue.get(), 1.5)
            except TimeoutError:
                return None
            return got[0] if isinstance(got, tuple) else got
        finally:
            await a.stop()
            await b.stop()

    heard = asyncio.run(main())
    if same_installation:
        assert heard is not None and heard >= 1
    else:
        assert heard is None


@pytest.mark.parametrize("same_installation", [True, False])
def test_access_changes_clear_only_the_same_installations_stream_cache(db, same_installation):
    prefix_a = f"test-{secrets.token_hex(4)}"
    prefix_b = prefix_a if same_installation else f"test-{secrets.token_hex(4)}"

    async def main():
        a, b = await _two_workers(db, prefix_a, prefix_b)
        try:
            b.auth.put("mdv_board", 1, 0.0, 7, None, b.auth.generation)
            a.access_changed()  # a device revoked on worker a
            for _ in range(30):
                if len(b.auth) == 0:
                    break
                await asyncio.sleep(0.05)
            return len(b.auth)
        finally:
            await a.stop()
            await b.stop()

    assert asyncio.run(main()) == (0 if same_installation else 1)


def test_the_old_rate_limit_key_prefix_setting_still_names_the_installation(tmp_path):
    assert Settings(data_dir=tmp_path).redis_prefix == "motcua"
    assert Settings(data_dir=tmp_path, rate_limit_key_prefix="hanoi").redis_prefix == "hanoi"
    assert Settings(data_dir=tmp_path, redis_prefix="hue").redis_prefix == "hue"
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, redis_prefix="hue", rate_limit_key_prefix="hanoi")


def test_a_wake_for_an_event_its_table_never_gets_stops_rereading_and_later_events_still_arrive(db, centre, caplog):
    """A worker woken for a seq its own event table never gets (another installation publishing on
    the same channels, a table restored from an older backup) retries briefly, then leaves it to the
    periodic tail: before, it re-read the table every 20 ms for as long as it ran."""
    from sqlalchemy import event

    prefix = f"test-{secrets.token_hex(4)}"
    reads: list[str] = []

    def count(conn, cursor, statement, *rest):
        if "FROM events" in statement and "ORDER BY" in statement:
            reads.append(statement)

    async def main():
        a, b = await _two_workers(db, prefix, prefix)
        try:
            board = await b.subscribe(centre.id)
            ahead = await asyncio.to_thread(_commit_event, db, centre.id) + 1000
            event.listen(db.read_engine, "before_cursor_execute", count)
            a.notify(centre.id, ahead)  # a seq this database will not have for a long while
            await asyncio.sleep(1.0)
            in_first_second = len(reads)
            await asyncio.sleep(1.0)
            in_next_second = len(reads) - in_first_second
            event.remove(db.read_engine, "before_cursor_execute", count)
            while not board.queue.empty():
                board.queue.get_nowait()
            seq = await asyncio.to_thread(_commit_event, db, centre.id)
            a.notify(centre.id, seq)  # a real event afterwards
            got = await asyncio.wait_for(board.queue.get(), 3)
            return in_first_second, in_next_second, got[0] if isinstance(got, tuple) else got, seq
        finally:
            await a.stop()
            await b.stop()

    with caplog.at_level("WARNING", logger="queue_server.realtime.hub"):
        first, after, heard, seq = asyncio.run(main())
    assert first <= 30, f"{first} reads of the event table in the first second"
    assert after <= 1, f"{after} more reads in the next second: still re-reading"
    assert heard == seq, "a later real event is still delivered"
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "ahead" in r.getMessage()]
    assert len(warnings) == 1
