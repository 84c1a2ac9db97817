"""PostgreSQL connections are checked before use only when they have been idle: a connection the
server lost while idle (PostgreSQL restarted, a firewall's timeout) is replaced before a request
uses it, while a busy pool — issuing at opening time — does not pay a round trip per transaction."""

import pytest
from sqlalchemy import text

from queue_server.db import make_engine
from tests.server_process import PG_BASE, postgres_schema


@pytest.fixture
def pg_url(_postgresql_url):
    """A schema of its own (the suite's PostgreSQL fixture skips, or fails when CI requires it)."""
    with postgres_schema("ping") as url:
        yield url


def _backend(engine) -> int:
    with engine.connect() as c:
        return c.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    admin = make_engine(PG_BASE, pool_size=1, max_overflow=0)
    try:
        with admin.connect() as c:
            c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            c.commit()
    finally:
        admin.dispose()


def _statements_sent(run) -> list[str]:
    """What psycopg sent for `run()`, pings included (they bypass SQLAlchemy's statement events)."""
    from psycopg import Cursor

    sent: list[str] = []
    original = Cursor.execute

    def spy(self, query, *args, **kwargs):
        sent.append(str(query))
        return original(self, query, *args, **kwargs)

    Cursor.execute = spy
    try:
        run()
    finally:
        Cursor.execute = original
    return sent


def _use(engine) -> None:
    with engine.connect() as c:
        c.execute(text("SELECT 41 + 1")).scalar_one()


def test_a_connection_lost_while_idle_is_replaced_before_use(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, ping_after_idle_s=0)
    try:
        lost = _backend(engine)
        _terminate(lost)
        # The pooled connection is dead: the check on checkout finds it, and the statement runs on a new one.
        assert _backend(engine) != lost
    finally:
        engine.dispose()


def test_a_connection_back_just_now_is_used_without_a_check(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, ping_after_idle_s=60)
    try:
        _backend(engine)

        assert _statements_sent(lambda: _use(engine)) == ["SELECT 41 + 1"]
    finally:
        engine.dispose()


def test_an_idle_connection_is_checked_once_then_used(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, ping_after_idle_s=0)
    try:
        _backend(engine)

        sent = _statements_sent(lambda: _use(engine))
        assert len(sent) == 2 and sent[-1] == "SELECT 41 + 1", sent
    finally:
        engine.dispose()


def test_a_connection_lost_while_busy_fails_one_use_then_the_pool_recovers(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, ping_after_idle_s=60)
    try:
        lost = _backend(engine)
        _terminate(lost)
        with pytest.raises(Exception):  # noqa: B017 - the driver's disconnect error, whatever its class
            _backend(engine)
        assert _backend(engine) != lost  # the pool was invalidated: a new connection, no restart
    finally:
        engine.dispose()
