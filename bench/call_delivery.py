"""call-next → WebSocket delivery latency (p50/p99) with N connected clients (default 500).

One real server; N WebSocket clients (Python `websockets`) subscribed to the centre; a clerk
presses call-next repeatedly; for each call we measure from the moment the HTTP request is sent
until each client has received the matching `ticket.called` event. Prints JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
import websockets

from _server import bench_server, percentile


async def bench(base: str, clients: int, calls: int) -> dict:
    ws_base = base.replace("http", "ws")
    arrivals: dict[int, list[float]] = {}
    ready = 0

    async def listener():
        nonlocal ready
        async with websockets.connect(f"{ws_base}/ws?centre=1&token=mdv_demo-hall-display", max_queue=None) as ws:
            await ws.recv()  # snapshot
            ready += 1
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] == "ticket.called":
                    arrivals.setdefault(msg["data"]["id"], []).append(time.perf_counter())

    tasks = [asyncio.create_task(listener()) for _ in range(clients)]
    while ready < clients:
        await asyncio.sleep(0.1)
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
        for _ in range(calls):
            assert (await c.post("/api/v1/tickets", json={"service_id": 1}, headers=kiosk)).status_code == 201
        tok = (await c.post("/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"})).json()["access_token"]
        clerk = {"Authorization": f"Bearer {tok}"}
        await c.post("/api/v1/counters/1/open", headers=clerk)
        latencies = []
        for _ in range(calls):
            t0 = time.perf_counter()
            r = await c.post("/api/v1/counters/1/call-next", headers=clerk)
            tid = r.json()["id"]
            deadline = time.perf_counter() + 10
            while len(arrivals.get(tid, [])) < clients and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            latencies.extend((t - t0) * 1000 for t in arrivals.get(tid, []))
            await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    return {"clients": clients, "calls": calls, "deliveries": len(latencies), "expected": clients * calls,
            "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with bench_server(args.backend, args.workers) as srv:
        res = asyncio.run(bench(srv.base_url, args.clients, args.calls))
    print(json.dumps({"bench": "call_delivery", "backend": args.backend, "workers": args.workers, **res}, indent=2))


if __name__ == "__main__":
    main()
