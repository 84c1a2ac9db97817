"""Issue-ticket latency (p50/p99) and throughput at 1, 16 and 64 concurrent clients.

Real uvicorn workers, real HTTP over loopback (keep-alive connections, as kiosks keep theirs),
SQLite and PostgreSQL. Each request carries a fresh client_request_id, as a kiosk's does.
Prints JSON.
Usage: python bench/issue_tickets.py [--backends sqlite,postgresql] [--workers 1] [--per-level 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid

import httpx
from _loadgen import run_clients
from _server import bench_server, cpu_seconds, percentile


async def run_level(base: str, service_id: int, clients: int, total: int, server_pid: int | None = None) -> dict:
    run = uuid.uuid4().hex[:12]

    def request(i: int):
        return "POST", "/api/v1/tickets", {"service_id": service_id, "client_request_id": f"bench-{run}-{i}"}

    cpu_before = cpu_seconds(server_pid) if server_pid else None
    res = await run_clients(base, {"Authorization": "Bearer mdv_demo-kiosk-1"}, clients, total, request, (201,))
    cpu_ms = (cpu_seconds(server_pid) - cpu_before) * 1000 if cpu_before is not None else None
    lat = res["latencies"]
    return {
        "clients": clients,
        "tickets": len(lat) - len(res["errors"]),
        "errors": len(res["errors"]),
        "first_error": res["errors"][0] if res["errors"] else None,
        "tickets_per_s": round(len(lat) / res["elapsed_s"], 1),
        "p50_ms": round(percentile(lat, 50), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        # The server's CPU per ticket: comparable across runs on a shared machine, unlike the rates.
        "server_cpu_ms_per_ticket": round(cpu_ms / len(lat), 3) if cpu_ms is not None and lat else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgresql")
    # One, as `motcua-server run` starts by default: on a 2-core box shared with the load generator
    # (and PostgreSQL) a second worker costs more CPU per ticket than it adds (README, Performance).
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--per-level", type=int, default=2000)
    ap.add_argument("--levels", default="1,16,64")
    args = ap.parse_args()
    results = []
    for backend in args.backends.split(","):
        with bench_server(backend, args.workers) as srv:
            tok = httpx.post(
                srv.base_url + "/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"}
            ).json()["access_token"]

            def new_service(code: str) -> int:
                # Each level issues for a service of its own, so its queue starts empty as a day's does
                # (positions are counted over the waiting line; one line of 10,000 is no centre's day).
                r = httpx.post(
                    srv.base_url + "/api/v1/services",
                    headers={"Authorization": f"Bearer {tok}"},  # noqa: B023 - called inside this iteration only
                    json={"centre_id": 1, "code": code, "name": "Đo tải", "prefix": "Z", "number_end": 99999},
                )
                assert r.status_code == 201, r.text
                return r.json()["id"]

            asyncio.run(run_level(srv.base_url, new_service("WARMUP"), 4, 200))  # imports, caches, pools
            for clients in map(int, args.levels.split(",")):
                res = asyncio.run(
                    run_level(srv.base_url, new_service(f"BENCH{clients}"), clients, args.per_level, srv.proc.pid)
                )
                results.append({"backend": backend, "workers": args.workers, **res})
    print(json.dumps({"bench": "issue_tickets", "results": results}, indent=2))


if __name__ == "__main__":
    main()
