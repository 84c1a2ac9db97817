"""call-next → WebSocket delivery latency (p50/p99) with N connected clients (default 500).

One real server; N WebSocket clients subscribed to the centre; a clerk
presses call-next repeatedly; for each call we measure from the moment the HTTP request is sent
until each client has received the matching `ticket.called` event (every client must receive every
call's event exactly once: `deliveries` == `expected`); a few calls first warm the server up and are
not measured. The clients are lean by default
(bench/_wsclient.py: the load generator shares the two cores with the server, so a client's CPU per
message counts as latency); `--client websockets` uses the `websockets` library. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from contextlib import redirect_stdout

import httpx
import websockets
from _server import bench_server, collector_paused, cpu_seconds, percentile
from _wsclient import connect as lean_connect
from _wsclient import match_called


async def bench(
    base: str, clients: int, calls: int, client: str = "lean", warmup: int = 5, server_pid: int | None = None
) -> dict:
    ws_base = base.replace("http", "ws")
    url = f"{ws_base}/ws?centre=1&token=mdv_demo-hall-display"
    # Per connection: (arrival time, raw message) of every ticket.called. A bytes search picks them
    # out as they arrive; they are JSON-decoded after the run, to match each to its call.
    received: list[list[tuple[float, bytes]]] = [[] for _ in range(clients)]
    called = [0]  # ticket.called messages received, all connections together
    ready = 0
    conns, tasks = [], []

    def recorder(i: int):
        first = [True]

        def on_message(now: float, raw: bytes) -> None:
            nonlocal ready
            if first[0]:  # snapshot
                first[0] = False
                ready += 1
            elif b'"ticket.called"' in raw:
                received[i].append((now, raw))
                called[0] += 1

        return on_message

    async def listener(i: int):  # the `websockets` library, one coroutine per connection
        on_message = recorder(i)
        async with websockets.connect(url, max_queue=None) as ws:
            while True:
                raw = await ws.recv(decode=False)
                on_message(time.perf_counter(), raw)

    if client == "lean":
        for i in range(clients):
            conns.append(await lean_connect(url, recorder(i)))
    else:
        tasks = [asyncio.create_task(listener(i)) for i in range(clients)]
    while ready < clients:
        await asyncio.sleep(0.1)
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
        for _ in range(calls + warmup):
            assert (await c.post("/api/v1/tickets", json={"service_id": 1}, headers=kiosk)).status_code == 201
        tok = (await c.post("/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"})).json()[
            "access_token"
        ]
        clerk = {"Authorization": f"Bearer {tok}"}
        await c.post("/api/v1/counters/1/open", headers=clerk)
        # Not measured: the first calls after start-up also fill the caches (compiled statements,
        # prepared statements, pools), as in issue_tickets.py; a centre's server runs all day.
        for n in range(1, warmup + 1):
            assert (await c.post("/api/v1/counters/1/call-next", headers=clerk)).status_code == 200
            deadline = time.perf_counter() + 10
            while called[0] < clients * n and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
        await asyncio.sleep(0.1)
        for msgs in received:
            msgs.clear()
        called[0] = 0
        started: dict[int, float] = {}
        print(f"{clients} clients connected; calling", file=sys.stderr, flush=True)
        cpu_before = cpu_seconds(server_pid) if server_pid else None
        # Outside the figures: the bench's own collector (see collector_paused).
        with collector_paused():
            for n in range(1, calls + 1):
                t0 = time.perf_counter()
                r = await c.post("/api/v1/counters/1/call-next", headers=clerk)
                started[r.json()["id"]] = t0
                deadline = time.perf_counter() + 10
                while called[0] < clients * n and time.perf_counter() < deadline:
                    await asyncio.sleep(0.002)
                await asyncio.sleep(0.05)
        cpu_ms_per_call = (
            round((cpu_seconds(server_pid) - cpu_before) * 1000 / calls, 2) if cpu_before is not None else None
        )
    for t in tasks:
        t.cancel()
    for conn in conns:
        conn.close()
    arrivals, stray = match_called(received, started)
    latencies = [(now - started[tid]) * 1000 for tid, times in arrivals.items() for now in times]
    assert stray == 0, f"{stray} unexpected or duplicate ticket.called messages"
    return {
        "clients": clients,
        "calls": calls,
        "warmup_calls": warmup,
        "client": client,
        "deliveries": len(latencies),
        "expected": clients * calls,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        # The server's CPU per call and its delivery to every client (idle pauses included):
        # comparable across runs on a shared machine, unlike the latencies.
        "server_cpu_ms_per_call": cpu_ms_per_call,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5, help="calls made first and not measured")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument(
        "--client",
        choices=["lean", "websockets"],
        default="lean",
        help="lean: frames parsed in an asyncio Protocol (bench/_wsclient.py); websockets: the library, a coroutine per connection",
    )
    ap.add_argument(
        "--redis",
        choices=["none", "up", "down"],
        default="none",
        help="up: workers share events through Redis (127.0.0.1:6379); down: the same with Redis gone "
        "(a TCP relay to it is cut once the server runs: fan-out falls back to the event table)",
    )
    args = ap.parse_args()
    env, proxy = {}, None
    if args.redis != "none":
        from tests.tcp_proxy import TcpProxy

        proxy = TcpProxy(6379).start()
        env = {"MOTCUA_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0", "MOTCUA_RATE_LIMIT_KEY_PREFIX": "bench"}
    with (
        redirect_stdout(sys.stderr),
        bench_server(args.backend, args.workers, env) as srv,
    ):  # seeding prints demo logins
        if args.redis == "down":
            proxy.stop()
        res = asyncio.run(bench(srv.base_url, args.clients, args.calls, args.client, args.warmup, srv.proc.pid))
    if proxy is not None:
        proxy.stop()
    print(
        json.dumps(
            {"bench": "call_delivery", "backend": args.backend, "workers": args.workers, "redis": args.redis, **res},
            indent=2,
        )
    )
    if res["deliveries"] != res["expected"]:
        raise SystemExit("not every event reached every client")


if __name__ == "__main__":
    main()
