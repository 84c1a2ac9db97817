"""Checks on the shape of the codebase: import direction and migrations matching the models."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from queue_server.db import make_engine
from queue_server.migrate import upgrade
from queue_server.models_registry import metadata

ROOT = Path(__file__).resolve().parents[1]


def test_import_direction_contracts_hold():
    """The import contracts of pyproject.toml: hardware imports nothing of ours; the server never imports
    an app; only the apps' entry points reach the test control channel; displays sits between the
    server and hardware and imports no app; apps reach the server only through queue_server.client
    and never the boards; centres never imports ticket logic."""
    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 8 kept, 0 broken" in r.stdout
    assert "test control channel is reached only from the apps' entry points" in " ".join(r.stdout.split())


def test_migrations_create_exactly_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    engine = make_engine(url, immediate=False)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
