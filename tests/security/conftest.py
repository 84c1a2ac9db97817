"""Dossier fixtures (a catalogue, `new_dossier`) shared with tests/dossiers."""

import os

import pytest

from tests.conftest import _pg_reachable
from tests.dossiers.conftest import catalogue, new_dossier  # noqa: F401
from tests.server_process import postgres_schema


@pytest.fixture
def pg_url():
    """A private PostgreSQL schema for a server process (skipped without PostgreSQL, failed in CI)."""
    if not _pg_reachable():
        if os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (MOTCUA_REQUIRE_POSTGRES=1) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    with postgres_schema("sec") as url:
        yield url
