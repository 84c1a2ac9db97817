"""How long the clerks' desk waits while a large batch from the one-stop system is applied (issue 15).

A real server (one worker); a signed batch of N dossier updates is POSTed to /api/v1/sync/dossiers
while a clerk's console keeps acting (call-next on an open counter, and tickets issued to keep a
queue). Every desk request's latency during the sync is recorded. Prints JSON: the sync's
duration and the desk's p50/p99/max while it ran (target: max < 100 ms over the no-sync figure).
Usage: python bench/sync_desk.py [--backend sqlite|postgresql] [--updates 1000]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from contextlib import redirect_stdout

import httpx
from _server import bench_server, percentile

from queue_server.dossiers.sync import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

SECRET = "bench-sync-secret-0123456789"


def update(n: int) -> dict:
    return {
        "update_id": f"bench-{n}",
        "code": f"000.00.17.H12-260310-{n:04d}",
        "procedure_code": "1.004227",
        "procedure_name": "Đăng ký biến động quyền sử dụng đất",
        "processing_days": 10,
        "applicant": {"full_name": "Hoàng Văn Hải", "phone": "0977111222"},
        "received_at": "2026-03-10T08:15:00+07:00",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--updates", type=int, default=1000)
    args = ap.parse_args()
    env = {"MOTCUA_SYNC_HMAC_SECRET": SECRET, "MOTCUA_MAX_BODY_BYTES": str(10_000_000)}
    with redirect_stdout(sys.stderr), bench_server(args.backend, 1, env) as srv:
        base = srv.base_url
        clerk = httpx.post(base + "/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"})
        desk = {"Authorization": f"Bearer {clerk.json()['access_token']}"}
        kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
        http = httpx.Client(base_url=base, timeout=60)
        http.post("/api/v1/counters/1/open", headers=desk)
        body = json.dumps({"updates": [update(n) for n in range(1, args.updates + 1)]}).encode()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(SECRET, ts, body)}
        result: dict = {}

        def run_sync():
            start = time.perf_counter()
            r = httpx.post(base + "/api/v1/sync/dossiers", content=body, headers=headers, timeout=600)
            result.update(status=r.status_code, seconds=round(time.perf_counter() - start, 2))

        def desk_round() -> list[float]:
            times = []
            for path, body_, who in (
                ("/api/v1/tickets", {"service_id": 1}, kiosk),
                ("/api/v1/counters/1/call-next", None, desk),
            ):
                start = time.perf_counter()
                http.post(path, json=body_, headers=who)
                times.append((time.perf_counter() - start) * 1000)
            return times

        quiet = [t for _ in range(50) for t in desk_round()]
        syncing = threading.Thread(target=run_sync)
        syncing.start()
        during = []
        while syncing.is_alive():
            during += desk_round()
        http.close()
    print(
        json.dumps(
            {
                "bench": "sync_desk",
                "backend": args.backend,
                "updates": args.updates,
                "sync": result,
                "desk_quiet_ms": {"p50": round(percentile(quiet, 50), 1), "p99": round(percentile(quiet, 99), 1)},
                "desk_during_sync_ms": {
                    "requests": len(during),
                    "p50": round(percentile(during, 50), 1),
                    "p99": round(percentile(during, 99), 1),
                    "max": round(max(during), 1) if during else None,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
