"""Dashboard API latency on a busy day: 5,000 tickets issued today (the last tenth still waiting),
10 counters, optionally days of history before it (--history-days). Tickets, events and their
`ticket_stats` rows are bulk-loaded by bench/report_month.py's loaders. Times GET /api/v1/dashboard/live
through the app (auth, JSON) on SQLite and PostgreSQL and prints JSON with p50/p99. Target: p99 under 100 ms.

    .venv/bin/python bench/dashboard_api.py [--requests 200] [--history-days 0] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import report_month as rm

from queue_server.auth.security import make_access_token
from queue_server.config import Settings
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.timeutil import local_day

SECRET = "bench-secret-key-0123456789-abcdef"


def measure(url: str, tmp: str, loader, per_day: int, history_days: int, requests: int) -> dict:
    from fastapi.testclient import TestClient

    from queue_server.app import create_app

    upgrade(url)
    db = Database(url)
    ids = rm.build_centre(db)
    db.dispose()
    # history ending today: the report's FIRST_DAY is moved so that the last generated day is today
    rm.FIRST_DAY = local_day() - timedelta(days=history_days)
    loader(url, ids, history_days + 1, per_day, today_open=True)
    app = create_app(
        Settings(database_url=url, data_dir=Path(tmp) / "data", secret_key=SECRET, demo=True, backup_time="off")
    )
    headers = {"Authorization": "Bearer " + make_access_token(SECRET, ids["admin"], 0, 60)}
    timings = []
    with TestClient(app) as client:
        for i in range(requests + 10):
            t0 = time.perf_counter()
            r = client.get("/api/v1/dashboard/live", headers=headers)
            if i >= 10:  # warm-up requests are not counted
                timings.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        body = r.json()
    timings.sort()
    p99 = timings[max(0, (99 * len(timings) + 99) // 100 - 1)]
    return {
        "today_issued": body["today"]["issued"],
        "waiting": sum(s["waiting"] for s in body["services"]),
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(p99, 1),
        "target_ms": 100,
        "ok": p99 < 100,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--per-day", type=int, default=5000)
    ap.add_argument("--history-days", type=int, default=0, help="days of history before today")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    out = {"bench": "dashboard_api", "tickets_today": args.per_day, "history_days": args.history_days}
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.sqlite3"
        out["sqlite"] = measure(
            f"sqlite:///{path}",
            tmp,
            lambda u, *a, **k: rm.load_sqlite(path, *a, **k),
            args.per_day,
            args.history_days,
            args.requests,
        )
        if not args.no_postgres:
            with rm.postgres_schema() as url:
                out["postgresql"] = measure(url, tmp, rm.load_postgres, args.per_day, args.history_days, args.requests)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
