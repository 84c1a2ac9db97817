"""The database connection budget (issue 21): all workers' pools together must fit PostgreSQL.

A province runs several workers on PostgreSQL with its default max_connections (100); before,
each worker's pool could open 10 + 20 connections and nothing checked the sum, so a reconnect
storm ended in "sorry, too many clients already". Now the budget is one setting, split between
the workers, and a budget that cannot fit is refused before any worker starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.config import Settings
from queue_server.db import ConnectionBudgetError, Database, check_connection_budget, postgres_limits

ROOT = Path(__file__).resolve().parents[2]


def test_a_budget_that_does_not_fit_names_both_numbers():
    with pytest.raises(ConnectionBudgetError) as refused:
        check_connection_budget(budget=200, reserve=10, processes=4, max_connections=100, superuser_reserved=3)
    text = str(refused.value)
    assert "MOTCUA_DB_CONNECTIONS=200" in text and "max_connections=100" in text
    assert "tối đa 87" in text  # what would fit: 100 − 3 superuser − 10 reserve


def test_a_budget_that_fits_is_split_evenly_between_the_workers():
    assert check_connection_budget(budget=60, reserve=10, processes=4, max_connections=100, superuser_reserved=3) == 15
    with pytest.raises(ConnectionBudgetError, match="ít nhất 2"):
        check_connection_budget(budget=6, reserve=10, processes=4, max_connections=100, superuser_reserved=3)


def test_each_worker_holds_its_share_and_no_more(tmp_path):
    settings = Settings(data_dir=tmp_path, db_connections=60, workers=4, hosts=2)
    assert settings.pool_size_per_worker == 7
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected: the pool is only built
    db = Database(url, pool_size=settings.pool_size_per_worker)
    try:
        assert db.engine.pool.size() == 7
        assert db.engine.pool._max_overflow == 0
    finally:
        db.dispose()


def _serve(url: str, workers: int, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_") or k == "MOTCUA_TEST_POSTGRES"}
    environ.update({"MOTCUA_DATABASE_URL": url, "MOTCUA_DEMO": "true", **env})
    return subprocess.run(
        [sys.executable, "-m", "queue_server.security.serve", "--port", "1", "--workers", str(workers)],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_server_refuses_to_start_when_its_workers_cannot_fit_postgresql(_postgresql_url, tmp_path):
    max_connections, superuser_reserved = postgres_limits(_postgresql_url)
    budget = max_connections  # plus the reserve: more than PostgreSQL allows, whatever it is set to
    done = _serve(_postgresql_url, 4, MOTCUA_DB_CONNECTIONS=str(budget), MOTCUA_DATA_DIR=str(tmp_path))
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"MOTCUA_DB_CONNECTIONS={budget}" in done.stderr
    assert f"max_connections={max_connections}" in done.stderr
    assert "Traceback" not in done.stderr
