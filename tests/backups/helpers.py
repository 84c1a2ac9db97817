"""An empty database to restore into: a fresh SQLite file, or a fresh PostgreSQL database whose
search_path names the same schema as the source's (a backup restores into its own schema)."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from queue_server.backups.service import is_sqlite


@contextmanager
def empty_database_like(url: str, folder: Path):
    if is_sqlite(url):
        yield f"sqlite:///{folder / 'restored.sqlite3'}"
        return
    name = f"motcua_restore_{secrets.token_hex(4)}"
    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
