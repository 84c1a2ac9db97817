"""Booking figures over a centre's year: 365 days × 300 bookings (109,500 bookings, 8 services,
15-minute slots), about 70 % checked in (a sixth of them late), 20 % never came, 10 % cancelled.

Bulk-loads the slots and bookings into a temporary SQLite file and into a private schema of
PostgreSQL database `test` on 127.0.0.1:5432 (bench/report_month.py's centre and schema), then times
the queue report's booking section over the year (`reports.booking_figures.bookings_report`) and the
dashboard's tile of one day (`today_by_slot`), in process, and prints JSON with the figures (so two
versions of the code can be checked to give the same) and the medians.

    .venv/bin/python bench/booking_figures.py [--days 365] [--per-day 300] [--runs 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import report_month as rm
from sqlalchemy import create_engine, text

from queue_server.config import Settings
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.timeutil import VN_TZ

SLOT_COLS = 'id, service_id, day, start, "end", capacity, booked'
BOOKING_COLS = (
    'id, centre_id, service_id, slot_id, code, qr_token, day, start, "end", full_name, phone, notify, '
    "state, created_at, checked_in_late"
)


def year(ids: dict, days: int, per_day: int, seed: int = 11):
    """Yield (slots, bookings) row tuples per day; two bookings per slot of a service."""
    rng = random.Random(seed)
    services = ids["services"]
    slot_id = booking_id = 0
    for d in range(days):
        day = rm.FIRST_DAY + timedelta(days=d)
        opening = datetime.combine(day, dtime(8, 0), VN_TZ).astimezone(UTC)
        slots, bookings = {}, []
        for i in range(per_day):
            sid = services[i % len(services)]
            start = opening + timedelta(minutes=15 * (i // len(services) // 2))
            if (sid, start) not in slots:
                slot_id += 1
                slots[sid, start] = [slot_id, sid, day, start, start + timedelta(minutes=15), 2, 0]
            slot = slots[sid, start]
            r = rng.random()
            state = "cancelled" if r < 0.10 else "booked" if r < 0.30 else "checked_in"
            late = state == "checked_in" and rng.random() < 1 / 6
            slot[6] += state != "cancelled"
            booking_id += 1
            bookings.append(
                (
                    booking_id,
                    ids["centre"],
                    sid,
                    slot[0],
                    f"B{booking_id:08d}",
                    secrets.token_hex(10),
                    day,
                    start,
                    start + timedelta(minutes=15),
                    "Nguyễn Văn An",
                    f"09{booking_id:08d}",
                    False,
                    state,
                    start - timedelta(days=3),
                    late,
                )
            )
        yield list(slots.values()), bookings


def load_sqlite(path: str, ids: dict, days: int, per_day: int) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    val = rm.sqlite_value
    n = 0
    for slots, bookings in year(ids, days, per_day):
        conn.executemany(
            f"INSERT INTO appointment_slots ({SLOT_COLS}) VALUES (?,?,?,?,?,?,?)", [tuple(map(val, s)) for s in slots]
        )
        conn.executemany(
            f"INSERT INTO appointments ({BOOKING_COLS}) VALUES ({','.join('?' * 15)})",
            [tuple(map(val, b)) for b in bookings],
        )
        n += len(bookings)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return n


def load_postgres(url: str, ids: dict, days: int, per_day: int) -> int:
    engine = create_engine(url)
    n = 0
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        for slots, bookings in year(ids, days, per_day):
            with cur.copy(f"COPY appointment_slots ({SLOT_COLS}) FROM STDIN") as copy:
                for s in slots:
                    copy.write_row(s)
            with cur.copy(f"COPY appointments ({BOOKING_COLS}) FROM STDIN") as copy:
                for b in bookings:
                    copy.write_row(b)
            n += len(bookings)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE appointment_slots"))
        conn.execute(text("VACUUM ANALYZE appointments"))
    engine.dispose()
    return n


def timed(db: Database, actor, centre_id: int, fn, runs: int) -> tuple[object, list[float]]:
    """`fn(session, scope)` `runs` times, each in its own read transaction; the scope is resolved
    before the clock starts (its few SELECTs are the report's, whatever the figures' method)."""
    from queue_server.reports.service import resolve_scope

    timings = []
    for _ in range(runs):
        with db.reading() as s:
            scope = resolve_scope(s, actor, centre_id)
            t0 = time.perf_counter()
            result = fn(s, scope)
            timings.append(time.perf_counter() - t0)
    return result, timings


def measure(db: Database, ids: dict, days: int, runs: int) -> dict:
    from queue_server.reports.booking_figures import bookings_report, today_by_slot
    from queue_server.reports.service import Period

    settings = Settings(database_url="sqlite://", secret_key="bench-secret-key-0123456789-abcdef", demo=True)
    actor = rm.admin_principal(db, ids)
    last = rm.FIRST_DAY + timedelta(days=days - 1)
    now = datetime.combine(last, dtime(10, 0), VN_TZ)  # the year's last morning: some bookings still expected
    period = Period(rm.FIRST_DAY, last)
    year_figures, year_t = timed(
        db, actor, ids["centre"], lambda s, scope: bookings_report(s, settings, scope, period, now)["bookings"], runs
    )
    day_figures, day_t = timed(
        db, actor, ids["centre"], lambda s, scope: today_by_slot(s, settings, actor, scope, last, now), runs
    )
    return {
        "year": year_figures,
        "year_runs_ms": [round(t * 1000, 1) for t in year_t],
        "year_median_ms": round(statistics.median(year_t) * 1000, 1),
        "day_totals": day_figures["totals"],
        "day_slots": sum(len(s["slots"]) for s in day_figures["services"]),
        "day_runs_ms": [round(t * 1000, 1) for t in day_t],
        "day_median_ms": round(statistics.median(day_t) * 1000, 1),
    }


def run(url: str, days: int, per_day: int, runs: int, loader) -> dict:
    upgrade(url)
    db = Database(url)
    try:
        ids = rm.build_centre(db)
        t0 = time.perf_counter()
        n = loader(url, ids, days, per_day)
        return {"bookings_loaded": n, "load_s": round(time.perf_counter() - t0, 1), **measure(db, ids, days, runs)}
    finally:
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    out = {
        "bench": "booking_figures",
        "days": args.days,
        "bookings_per_day": args.per_day,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.sqlite3"
        out["sqlite"] = run(
            f"sqlite:///{path}", args.days, args.per_day, args.runs, lambda u, *a: load_sqlite(path, *a)
        )
    if not args.no_postgres:
        with rm.postgres_schema() as url:
            out["postgresql"] = run(url, args.days, args.per_day, args.runs, load_postgres)
    out["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
