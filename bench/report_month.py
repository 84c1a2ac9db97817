"""Month report for a busy centre: 5,000 tickets a day for 30 days (150,000 tickets, ~590,000 events).

Bulk-loads the history (tickets, their events and their `ticket_stats` rows, projected by the same
rules as the live path) into a temporary SQLite file and into a private schema of PostgreSQL database
`test` on 127.0.0.1:5432, then times the month's queue report (the whole GROUP BY and fold) and
prints JSON. Target: under 2 s.

    .venv/bin/python bench/report_month.py [--days 30] [--per-day 5000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from queue_server.auth.models import User
from queue_server.auth.principal import Principal
from queue_server.centres import schemas as cs
from queue_server.centres.service import create_agency, create_centre, create_counter, create_service
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.tickets.stats import COLUMNS as STATS_COLUMNS
from queue_server.tickets.stats import apply_event, start_row
from queue_server.timeutil import VN_TZ

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SERVICES = ["HOTICH", "CHUNGTHUC", "DATDAI", "DKKD", "XAYDUNG", "LYLICH", "LDTBXH", "CUTRU"]
FIRST_DAY = date(2024, 4, 1)


def build_centre(db: Database) -> dict:
    with db.unit_of_work() as s:
        centre = create_centre(s, cs.CentreCreate(name="Trung tâm bận rộn"))
        agency = create_agency(s, cs.AgencyCreate(centre_id=centre.id, identifier="000.00.14.H12", name="Sở Tư pháp"))
        services = [
            create_service(
                s,
                cs.ServiceCreate(
                    centre_id=centre.id,
                    code=code,
                    name=code.title(),
                    prefix=chr(65 + i),
                    agency_id=agency.id,
                    number_end=9999,
                ),
            ).id
            for i, code in enumerate(SERVICES)
        ]
        counters = [
            create_counter(
                s, cs.CounterCreate(centre_id=centre.id, number=n, service_ids=[services[(n - 1) % len(services)]])
            ).id
            for n in range(1, 11)
        ]
        officers = []
        for n in range(1, 11):
            u = User(
                username=f"canbo{n:02d}", full_name=f"Cán bộ {n}", role="clerk", centre_id=centre.id, password_hash="x"
            )
            s.add(u)
            s.flush()
            officers.append(u.id)
        admin = User(username="admin", full_name="Quản trị", role="admin", centre_id=centre.id, password_hash="x")
        s.add(admin)
        s.flush()
        return {
            "centre": centre.id,
            "agency": agency.id,
            "services": services,
            "counters": counters,
            "officers": officers,
            "admin": admin.id,
        }


def history(ids: dict, days: int, per_day: int, seed: int = 7, today_open: bool = False):
    """Yield (tickets, events, stats) row tuples per day; the last day leaves the afternoon queue waiting if today_open."""
    rng = random.Random(seed)
    tid = eid = 0
    for d in range(days):
        day = FIRST_DAY + timedelta(days=d)
        opening = datetime.combine(day, dtime(7, 30), VN_TZ).astimezone(UTC)
        tickets, events, stats = [], [], []
        numbers = {sid: 0 for sid in ids["services"]}
        for i in range(per_day):
            tid += 1
            k = rng.randrange(len(ids["services"]))
            sid = ids["services"][k]
            numbers[sid] += 1
            counter = ids["counters"][k]
            officer = ids["officers"][k]
            issued = opening + timedelta(seconds=34200 * i / per_day)
            waiting = today_open and i > per_day * 0.9
            state = "waiting" if waiting else ("no_show" if rng.random() < 0.05 else "done")
            tickets.append(
                (
                    tid,
                    ids["centre"],
                    sid,
                    sid,
                    day,
                    numbers[sid],
                    f"{chr(65 + k)}{numbers[sid]:04d}",
                    0,
                    "kiosk",
                    secrets.token_hex(10),
                    state,
                    issued,
                    issued,
                    0,
                    0,
                )
            )
            rows = [("issued", issued, None, None)]
            if not waiting:
                called = issued + timedelta(seconds=rng.randint(30, 2400))
                rows.append(("called", called, counter, officer))
                if state == "no_show":
                    rows.append(("no_show", called + timedelta(seconds=90), counter, officer))
                else:
                    started = called + timedelta(seconds=30)
                    rows += [
                        ("started", started, counter, officer),
                        ("completed", started + timedelta(seconds=rng.randint(180, 900)), counter, officer),
                    ]
            row = start_row(SimpleNamespace(), tid, ids["centre"], sid, ids["agency"], issued)
            for type_, at, c, o in rows:
                eid += 1
                events.append((eid, tid, ids["centre"], type_, at, sid, c, o))
                if type_ != "issued":
                    apply_event(row, type_, at, c, o)
            stats.append(tuple(getattr(row, c) for c in STATS_COLUMNS))
        yield tickets, events, stats


TICKET_COLS = (
    "id, centre_id, service_id, original_service_id, service_day, number, display_number, priority_rank, source, "
    "public_token, state, issued_at, queue_key, recall_count, transfer_count"
)
EVENT_COLS = "id, ticket_id, centre_id, type, at, service_id, counter_id, officer_id, data"
STATS_COLS = ", ".join(STATS_COLUMNS)


def sqlite_time(dt: datetime) -> str:
    return dt.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")  # naive UTC, as stored


def sqlite_value(v):
    """A value as the server's SQLite columns hold it (datetimes naive UTC, dates ISO)."""
    return sqlite_time(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v


def load_sqlite(path: str, ids: dict, days: int, per_day: int, **kw) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    fmt, sql_value = sqlite_time, sqlite_value
    n = 0
    for tickets, events, stats in history(ids, days, per_day, **kw):
        conn.executemany(
            f"INSERT INTO tickets ({TICKET_COLS}) VALUES ({','.join('?' * 15)})",
            [t[:4] + (t[4].isoformat(),) + t[5:11] + (fmt(t[11]), fmt(t[12])) + t[13:] for t in tickets],
        )
        conn.executemany(
            f"INSERT INTO ticket_events ({EVENT_COLS}) VALUES (?,?,?,?,?,?,?,?,'{{}}')",
            [e[:4] + (fmt(e[4]),) + e[5:] for e in events],
        )
        conn.executemany(
            f"INSERT INTO ticket_stats ({STATS_COLS}) VALUES ({','.join('?' * len(STATS_COLUMNS))})",
            [tuple(map(sql_value, r)) for r in stats],
        )
        n += len(events)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return n


def load_postgres(url: str, ids: dict, days: int, per_day: int, **kw) -> int:
    engine = create_engine(url)
    n = 0
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        for tickets, events, stats in history(ids, days, per_day, **kw):
            with cur.copy(f"COPY tickets ({TICKET_COLS}) FROM STDIN") as copy:
                for t in tickets:
                    copy.write_row(t)
            with cur.copy(f"COPY ticket_events ({EVENT_COLS}) FROM STDIN") as copy:
                for e in events:
                    copy.write_row(e + ("{}",))
            with cur.copy(f"COPY ticket_stats ({STATS_COLS}) FROM STDIN") as copy:
                for r in stats:
                    copy.write_row(r)
            n += len(events)
        cur.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))")
        cur.execute("SELECT setval(pg_get_serial_sequence('ticket_events', 'id'), (SELECT max(id) FROM ticket_events))")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE tickets"))
        conn.execute(text("ANALYZE ticket_events"))
        conn.execute(text("VACUUM ANALYZE ticket_stats"))
    engine.dispose()
    return n


@contextmanager
def postgres_schema():
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    schema = f"bench_{secrets.token_hex(4)}"
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def admin_principal(db: Database, ids: dict) -> Principal:
    with db.reading() as s:
        user = s.get(User, ids["admin"])
        _ = user.agencies
        s.expunge(user)
    return Principal(role="admin", user=user)


def time_month_report(db: Database, ids: dict, days: int, runs: int = 3) -> dict:
    from queue_server.reports.queue_figures import queue_report
    from queue_server.reports.service import Period, resolve_scope

    actor = admin_principal(db, ids)
    period = Period(FIRST_DAY, FIRST_DAY + timedelta(days=days - 1))
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with db.reading() as s:
            report = queue_report(s, resolve_scope(s, actor, ids["centre"]), period)
        timings.append(time.perf_counter() - t0)
    return {
        "tickets": report["totals"]["issued"],
        "served": report["totals"]["served"],
        "mean_wait_s": report["totals"]["mean_wait_s"],
        "runs_s": [round(t, 3) for t in timings],
        "median_s": round(statistics.median(timings), 3),
        "target_s": 2.0,
        "ok": statistics.median(timings) < 2.0,
    }


def run(url: str, days: int, per_day: int, loader) -> dict:
    upgrade(url)
    db = Database(url)
    try:
        ids = build_centre(db)
        t0 = time.perf_counter()
        events = loader(url, ids, days, per_day)
        load_s = time.perf_counter() - t0
        return {"events": events, "load_s": round(load_s, 1), **time_month_report(db, ids, days)}
    finally:
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--per-day", type=int, default=5000)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    out = {"bench": "report_month", "days": args.days, "tickets_per_day": args.per_day}
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.sqlite3"
        out["sqlite"] = run(f"sqlite:///{path}", args.days, args.per_day, lambda u, *a: load_sqlite(path, *a))
    if not args.no_postgres:
        with postgres_schema() as url:
            out["postgresql"] = run(url, args.days, args.per_day, load_postgres)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
