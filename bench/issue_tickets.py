"""Issue-ticket latency (p50/p99) and throughput at 1, 16 and 64 concurrent clients.

Real uvicorn workers, real HTTP over loopback, SQLite and PostgreSQL. Prints JSON.
Usage: python bench/issue_tickets.py [--backends sqlite,postgresql] [--workers 4] [--per-level 1000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from _server import bench_server, percentile


async def run_level(base: str, service_id: int, clients: int, total: int) -> dict:
    latencies: list[float] = []
    per_client = max(1, total // clients)
    headers = {"Authorization": "Bearer mdv_demo-kiosk-1"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as c:
        async def one_client():
            for _ in range(per_client):
                t0 = time.perf_counter()
                r = await c.post("/api/v1/tickets", json={"service_id": service_id})
                latencies.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 201, r.text

        t0 = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    return {
        "clients": clients,
        "tickets": len(latencies),
        "tickets_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--per-level", type=int, default=1000)
    args = ap.parse_args()
    results = []
    for backend in args.backends.split(","):
        with bench_server(backend, args.workers) as srv:
            tok = httpx.post(srv.base_url + "/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"}).json()["access_token"]
            svc = httpx.post(srv.base_url + "/api/v1/services", headers={"Authorization": f"Bearer {tok}"},
                             json={"centre_id": 1, "code": "BENCH", "name": "Đo tải", "prefix": "Z", "number_end": 99999}).json()
            for clients in (1, 16, 64):
                res = asyncio.run(run_level(srv.base_url, svc["id"], clients, args.per_level))
                results.append({"backend": backend, "workers": args.workers, **res})
    print(json.dumps({"bench": "issue_tickets", "results": results}, indent=2))


if __name__ == "__main__":
    main()
