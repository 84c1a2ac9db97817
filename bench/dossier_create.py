"""Dossier creation throughput and latency through the service layer (SQLite and PostgreSQL). Prints JSON.

.venv/bin/python bench/dossier_create.py [--n 300] [--threads 4] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text

from queue_server.auth.models import User
from queue_server.auth.principal import Principal
from queue_server.centres import schemas as cs
from queue_server.centres.service import create_agency, create_centre
from queue_server.config import Settings
from queue_server.db import Database
from queue_server.dossiers import service
from queue_server.dossiers.schemas import DossierCreate
from queue_server.migrate import upgrade


def prepare(db: Database) -> int:
    from queue_server.procedures.models import Procedure

    with db.unit_of_work() as s:
        centre = create_centre(s, cs.CentreCreate(name="Trung tâm đo hiệu năng"))
        agency = create_agency(s, cs.AgencyCreate(centre_id=centre.id, identifier="000.00.14.H12", name="Sở Tư pháp"))
        s.add(User(username="bench-admin", full_name="Quản trị", role="admin", centre_id=centre.id, password_hash="x"))
        s.add(Procedure(ref="1.001193", code="1.001193", name="Đăng ký khai sinh", processing_days=3))
        return agency.id


def create_one(db: Database, agency_id: int) -> float:
    data = DossierCreate(
        agency_id=agency_id,
        procedure_code="1.001193",
        applicant={"full_name": "Nguyễn Văn A", "phone": "0912345678"},
        documents=[{"name": "Tờ khai", "copies": 1}],
    )
    start = time.perf_counter()
    with db.unit_of_work() as s:
        actor = Principal(role="admin", user=s.execute(select(User).where(User.username == "bench-admin")).scalar_one())
        service.create_dossier(s, Settings(database_url=db.url), actor, data)
    return time.perf_counter() - start


def summarise(latencies: list[float], wall: float) -> dict:
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    return {
        "n": len(ms),
        "per_s": round(len(ms) / wall, 1),
        "mean_ms": round(statistics.fmean(ms), 2),
        "p50_ms": round(q[49], 2),
        "p90_ms": round(q[89], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(ms[-1], 2),
    }


def run(url: str, n: int, threads: int) -> dict:
    upgrade(url)
    db = Database(url)
    try:
        agency_id = prepare(db)
        create_one(db, agency_id)  # warm-up (imports, calendar cache)
        start = time.perf_counter()
        serial = [create_one(db, agency_id) for _ in range(n)]
        serial_wall = time.perf_counter() - start
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            concurrent = list(pool.map(lambda _: create_one(db, agency_id), range(n)))
        concurrent_wall = time.perf_counter() - start
        return {"serial": summarise(serial, serial_wall), f"threads_{threads}": summarise(concurrent, concurrent_wall)}
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("MOTCUA_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    out = {"bench": "dossier_create", "results": {}}
    with tempfile.TemporaryDirectory() as tmp:
        out["results"]["sqlite"] = run(f"sqlite:///{tmp}/bench.sqlite3", args.n, args.threads)
    schema = f"bench_{secrets.token_hex(3)}"
    try:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        out["results"]["postgresql"] = {"skipped": type(exc).__name__}
    else:
        try:
            out["results"]["postgresql"] = run(
                f"{args.postgres}?options=-csearch_path%3D{schema}", args.n, args.threads
            )
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
