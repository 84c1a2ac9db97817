"""Shared fixtures: a real database per backend (SQLite and PostgreSQL), the app, factories.

Every test that uses `db_url` (directly or through `app`/`client`/`centre`) runs twice: on SQLite
and on PostgreSQL (127.0.0.1:5432, database `test`, a private schema per test session). Without a
reachable PostgreSQL the PostgreSQL half is skipped — unless MOTCUA_REQUIRE_POSTGRES=1 (CI), where
it fails instead.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from queue_server.audit.models import DROP_IMMUTABLE_DDL, IMMUTABLE_DDL
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.models_registry import metadata
from tests.server_process import postgres_schema

# The suite's one clock (every test starts frozen at an ordinary working Tuesday, tests/clock.py);
# browser fixtures (demo_server, chromium) shared by the board, console and dashboard tests;
# the X display and app processes of the kiosk and tablet tests.
pytest_plugins = ["tests.clock", "tests.displays.browser", "tests.kivy_app"]

ARTIFACTS = Path(__file__).parent / "artifacts"


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def _sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def _postgresql_url():
    if not _pg_reachable():
        if os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required (MOTCUA_REQUIRE_POSTGRES=1) but not reachable")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    with postgres_schema("t") as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    url = request.getfixturevalue(f"_{request.param}_url")
    _wipe(url)
    return url


def _wipe(url: str) -> None:
    """Empty every table between tests (fast; the schema stays migrated)."""
    db = Database(url)
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            # the audit log refuses DELETE (TRUNCATE, above, is not a row operation): lifted for the wipe only
            for statement in DROP_IMMUTABLE_DDL["sqlite"]:
                conn.execute(text(statement))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            for statement in IMMUTABLE_DDL["sqlite"]:
                conn.execute(text(statement))
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first() else None
    db.dispose()


@pytest.fixture
def settings(db_url, tmp_path):
    from queue_server.config import Settings

    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        demo=True,
        secret_key="test-secret-key-0123456789-abcdefghijkl",
        public_base_url="http://testserver",
        ws_heartbeat_s=1.0,
        backup_time="off",  # the daily backup is tested on its own (tests/backups)
    )


@pytest.fixture
def app(settings):
    from queue_server.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def db(app) -> Database:
    return app.state.db


@pytest.fixture
def centre(client, db):
    """A small centre: 3 services, 3 counters, admin/manager/clerks and one device of each kind."""
    from tests.factories import build_centre

    return build_centre(db, client)
