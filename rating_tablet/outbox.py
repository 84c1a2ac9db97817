"""The local outbox: every rating is stored here first and sent when the server answers.

Each row carries its idempotency key from the moment the visitor taps, so a rating sent twice
(lost answer, restart mid-send) is stored once by the server; nothing is deleted, rows only
move from `pending` to `sent` or `rejected`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    idempotency_key TEXT PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | rejected
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS cache (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Entry:
    key: str
    ticket_id: int
    body: dict
    state: str
    attempts: int


class Outbox:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a tapped rating survives a power cut
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def add(self, body: dict) -> str:
        """Store a rating (without its key); returns the new idempotency key."""
        key = str(uuid.uuid4())
        body = {**body, "idempotency_key": key}
        with self._lock:
            self._conn.execute(
                "INSERT INTO outbox (idempotency_key, ticket_id, body) VALUES (?, ?, ?)",
                (key, int(body["ticket_id"]), json.dumps(body, ensure_ascii=False)),
            )
        return key

    def pending(self, limit: int = 50) -> list[Entry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT idempotency_key, ticket_id, body, state, attempts FROM outbox WHERE state = 'pending' "
                "ORDER BY created_at, rowid LIMIT ?",
                (limit,),
            ).fetchall()
        return [Entry(k, t, json.loads(b), s, a) for k, t, b, s, a in rows]

    def mark(self, key: str, state: str, error: str | None = None) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET state = ?, error = ?, attempts = attempts + 1 WHERE idempotency_key = ?",
                (state, error, key),
            )

    def attempted(self, key: str, error: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE idempotency_key = ?", (error, key)
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        return {"pending": 0, "sent": 0, "rejected": 0, **dict(rows)}

    # The last known counter, officer and criteria, so a tablet restarted offline still works.
    def remember(self, name: str, value) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO cache (name, value) VALUES (?, ?)",
                (name, json.dumps(value, ensure_ascii=False)),
            )

    def recall(self, name: str, default=None):
        with self._lock:
            row = self._conn.execute("SELECT value FROM cache WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def close(self) -> None:
        self._conn.close()
