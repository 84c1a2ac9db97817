"""A province on one server (issue 21 § 5): C centres × B boards, calls spread over the centres.

A real server (uvicorn, `--workers` processes, PostgreSQL by default, Redis carrying the workers'
events); C centres each with its own clerk, kiosk and B board devices (each board its own device
token, as in a province). The boards are lean WebSocket clients (bench/_wsclient.py) in
`--loaders` processes of their own; this process makes the calls through the API: tickets issued
by each centre's kiosk before the boards connect, then call-next at `--rate` calls a second in
all, the centres taken in turn in a shuffled order. For every measured call, the delay from the
moment its request was sent to each board of its centre receiving the matching `ticket.called`
(CLOCK_MONOTONIC, the same clock in every process). Prints JSON:

- handshake failures (a stream that never delivered its snapshot; a 1013 "retry later" followed
  by a successful retry is counted in `handshake_retries`, not as a failure),
- deliveries expected / got / missing and p50 / p99 / max,
- RSS per worker, memory per idle stream ((workers' RSS with the boards connected and idle −
  before) / boards), the workers' CPU per 1,000 deliveries (`ticket.called` deliveries, and per
  1,000 frames: every event sent to every board) and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

import httpx
from _server import collector_paused, cpu_s, descendants, percentile
from _wsclient import connect as lean_connect

from tests.server_process import postgres_schema, prepare_demo_database, running_server

REDIS = "redis://127.0.0.1:6379/0"


# -- seeding ---------------------------------------------------------------------------------------
def seed_province(url: str, centres: int, boards: int) -> list[dict]:
    """C centres (the demo's centre first), each with a service, a counter, a clerk, a kiosk and
    `boards` board devices. Returns, per centre: id, counter id, clerk token, kiosk and board tokens."""
    from sqlalchemy import select

    from queue_server.auth.models import Device, User
    from queue_server.auth.security import hash_password, make_access_token, token_digest
    from queue_server.calendar.service import seed_default_rule
    from queue_server.centres.models import Centre, Counter, CounterService, Service
    from queue_server.config import Settings
    from queue_server.db import Database, next_value
    from queue_server.realtime.service import sequence_name

    db = Database(url)
    secret = Settings(database_url=url, demo=True).secret_key
    password = hash_password("bench-province")  # never used to sign in: clerks get tokens minted below
    out = []
    try:
        with db.unit_of_work() as s:
            first = s.execute(select(Centre).order_by(Centre.id)).scalars().first()
            for k in range(centres):
                if k == 0:
                    centre = first
                else:
                    centre = Centre(name=f"Bộ phận một cửa xã {k}", short_name=f"X{k}")
                    s.add(centre)
                    s.flush()
                    next_value(s, sequence_name(centre.id), start=0)
                    seed_default_rule(s, centre.id)
                service = Service(centre_id=centre.id, code=f"P{k}", name="Tiếp nhận hồ sơ", prefix="P")
                s.add(service)
                s.flush()
                counter = Counter(centre_id=centre.id, number=900 + k, name="Quầy tỉnh", state="closed")
                counter.services = [CounterService(service_id=service.id, order=0)]
                clerk = User(
                    username=f"bench.clerk{k}",
                    full_name="Cán bộ",
                    role="clerk",
                    centre_id=centre.id,
                    password_hash=password,
                )
                s.add_all([counter, clerk])
                kiosk = f"mdv_bench-kiosk-{k}"
                tokens = [f"mdv_bench-board-{k}-{b}" for b in range(boards)]
                s.add(Device(kind="kiosk", name="Kiosk", centre_id=centre.id, token_hash=token_digest(kiosk)))
                s.add_all(
                    Device(
                        kind="display",
                        name=f"Bảng {b}",
                        centre_id=centre.id,
                        token_hash=token_digest(t),
                        settings={"board": "hall"},
                    )
                    for b, t in enumerate(tokens)
                )
                s.flush()
                out.append(
                    {
                        "centre": centre.id,
                        "service": service.id,
                        "counter": counter.id,
                        "clerk": make_access_token(secret, clerk.id, clerk.token_version or 0, 600),
                        "kiosk": kiosk,
                        "boards": tokens,
                    }
                )
    finally:
        db.dispose()
    return out


# -- the server's processes ------------------------------------------------------------------------
def workers_of(pid: int) -> list[int]:
    """The uvicorn workers: the descendants that serve (the largest processes)."""
    procs = [(rss_kib(p), p) for p in descendants(pid)]
    return [p for r, p in sorted(procs, reverse=True) if r > 50_000]


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# -- the load generator's board processes -------------------------------------------------------------
def loader(ws_base: str, boards: list[tuple[int, str]], conn) -> None:
    """Open `boards` ((centre, token)); report how many opened; on "stop", send what each received."""
    asyncio.run(_loader(ws_base, boards, conn))


async def _loader(ws_base: str, boards: list[tuple[int, str]], conn) -> None:
    called: list[list[tuple[float, bytes]]] = [[] for _ in boards]
    frames = [0]
    failures: list[str] = []
    retries = [0]
    socks = []
    gate = asyncio.Semaphore(200)  # handshakes in flight from this process

    def recorder(i: int, snap: asyncio.Future):
        def on_message(now: float, raw: bytes) -> None:
            if not snap.done():
                snap.set_result(None)
                return
            frames[0] += 1
            if b'"ticket.called"' in raw:
                called[i].append((now, raw))

        return on_message

    async def open_board(i: int, centre: int, token: str) -> None:
        url = f"{ws_base}/ws?centre={centre}&token={token}"
        for _attempt in range(20):
            snap = asyncio.get_running_loop().create_future()
            try:
                async with gate:
                    ws = await lean_connect(url, recorder(i, snap))
                    await asyncio.wait({snap, ws.closed}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            except (OSError, ConnectionError) as e:
                failures.append(repr(e))
                return
            if snap.done():
                socks.append(ws)
                return
            hint = ws.close_reason or ""
            if ws.close_code == 1013 and hint.startswith("retry_after_ms="):  # the admission's retry hint
                retries[0] += 1
                await asyncio.sleep(int(hint.split("=")[1]) / 1000 * (1 + random.random()))
                continue
            failures.append(f"closed {ws.close_code} {hint}")
            return
        failures.append("gave up after 20 attempts")

    await asyncio.gather(*(open_board(i, c, t) for i, (c, t) in enumerate(boards)))
    conn.send({"open": len(socks), "failures": failures, "retries": retries[0]})
    loop = asyncio.get_running_loop()
    with collector_paused():  # this loader's own collector stays out of the deliveries it times
        while (await loop.run_in_executor(None, conn.recv)) != "stop":
            pass
    out = []
    for i, msgs in enumerate(called):
        for now, raw in msgs:
            out.append((boards[i][0], i, json.loads(raw)["data"]["id"], now))
    conn.send({"called": out, "frames": frames[0]})
    for ws in socks:
        ws.close()


# -- the run --------------------------------------------------------------------------------------
async def make_calls(
    base: str, province: list[dict], calls: int, rate: float, warmup: int
) -> dict[int, tuple[int, float]]:
    """Open each centre's counter, then `warmup` unmeasured calls, then `calls` calls at `rate` a
    second in all. Returns {ticket id: (centre, time the request was sent)} of the measured calls."""
    started: dict[int, tuple[int, float]] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:

        async def call(p: dict, measured: bool) -> None:
            t0 = time.perf_counter()
            r = await c.post(
                f"/api/v1/counters/{p['counter']}/call-next", headers={"Authorization": f"Bearer {p['clerk']}"}
            )
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
            elif measured:
                started[r.json()["id"]] = (p["centre"], t0)

        order = list(province)
        random.Random(7).shuffle(order)
        for n in range(warmup):
            await call(order[n % len(order)], False)
        await asyncio.sleep(1.0)
        tasks = []
        with collector_paused():
            t_start = time.perf_counter()
            for n in range(calls):
                delay = t_start + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(call(order[(warmup + n) % len(order)], True)))
            await asyncio.gather(*tasks)
    if errors:
        raise SystemExit(f"{len(errors)} calls failed: {errors[:3]}")
    return started


async def prepare(base: str, province: list[dict], per_centre: int) -> None:
    """Each centre's counter opened and `per_centre` tickets issued (through the API, concurrently)."""
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
        sem = asyncio.Semaphore(50)

        async def one(p: dict) -> None:
            async with sem:
                r = await c.post(
                    f"/api/v1/counters/{p['counter']}/open", headers={"Authorization": f"Bearer {p['clerk']}"}
                )
                assert r.status_code == 200, r.text
                for _ in range(per_centre):
                    r = await c.post(
                        "/api/v1/tickets",
                        json={"service_id": p["service"]},
                        headers={"Authorization": f"Bearer {p['kiosk']}"},
                    )
                    assert r.status_code == 201, r.text

        await asyncio.gather(*(one(p) for p in province))


def run(args) -> dict:
    ctx = mp.get_context("spawn")
    env = {
        "MOTCUA_REDIS_URL": REDIS,
        "MOTCUA_RATE_LIMIT_KEY_PREFIX": f"bench{os.getpid()}",
        "MOTCUA_WS_HEARTBEAT_S": "15",
    }
    total_boards = args.centres * args.boards_per_centre
    warmup = min(args.centres, 20)
    per_centre = -(-(args.calls + warmup) // args.centres) + 1
    with tempfile.TemporaryDirectory() as tmp, redirect_stdout(sys.stderr):
        if args.backend == "postgresql":
            schema = postgres_schema("province")
            url = schema.__enter__()
        else:
            schema, url = None, f"sqlite:///{Path(tmp) / 'province.sqlite3'}"
        try:
            prepare_demo_database(url)
            province = seed_province(url, args.centres, args.boards_per_centre)
            with running_server(Path(tmp), url, workers=args.workers, seed=False, extra_env=env) as srv:
                asyncio.run(prepare(srv.base_url, province, per_centre))
                workers = workers_of(srv.proc.pid)
                time.sleep(2)
                rss_before = {p: rss_kib(p) for p in workers}
                boards = [(p["centre"], t) for p in province for t in p["boards"]]
                random.Random(3).shuffle(boards)
                shares = [boards[i :: args.loaders] for i in range(args.loaders)]
                pipes, procs = [], []
                t_connect = time.perf_counter()
                ws_base = srv.base_url.replace("http", "ws")
                for share in shares:
                    mine, theirs = ctx.Pipe()
                    proc = ctx.Process(target=loader, args=(ws_base, share, theirs), daemon=True)
                    proc.start()
                    pipes.append(mine)
                    procs.append(proc)
                opened = [pipe.recv() for pipe in pipes]
                connect_s = time.perf_counter() - t_connect
                print(f"{sum(o['open'] for o in opened)} boards open in {connect_s:.1f} s; idle", file=sys.stderr)
                time.sleep(5)
                rss_idle = {p: rss_kib(p) for p in workers}
                cpu0 = cpu_s(workers)
                t0 = time.perf_counter()
                started = asyncio.run(make_calls(srv.base_url, province, args.calls, args.rate, warmup))
                time.sleep(args.settle)
                cpu1 = cpu_s(workers)
                call_s = time.perf_counter() - t0
                for pipe in pipes:
                    pipe.send("stop")
                results = [pipe.recv() for pipe in pipes]
                for proc in procs:
                    proc.join(10)
                rss_end = {p: rss_kib(p) for p in workers}
                load = os.getloadavg()
        finally:
            if schema is not None:
                schema.__exit__(None, None, None)
    boards_of = {p["centre"]: args.boards_per_centre for p in province}
    expected = sum(boards_of[c] for c, _ in started.values())
    latencies, stray, seen = [], 0, set()
    for n, res in enumerate(results):
        for centre, i, tid, now in res["called"]:
            if tid not in started:
                continue  # a warm-up call
            if started[tid][0] != centre or (n, i, tid) in seen:
                stray += 1
                continue
            seen.add((n, i, tid))
            latencies.append((now - started[tid][1]) * 1000)
    frames = sum(r["frames"] for r in results)
    got = len(latencies)
    cpu = cpu1 - cpu0
    idle_streams = sum(o["open"] for o in opened)
    return {
        "bench": "province",
        "backend": args.backend,
        "workers": args.workers,
        "loaders": args.loaders,
        "redis": "up",
        "centres": args.centres,
        "boards_per_centre": args.boards_per_centre,
        "boards": total_boards,
        "boards_open": idle_streams,
        "handshake_failures": sum(len(o["failures"]) for o in opened),
        "handshake_failure_examples": [f for o in opened for f in o["failures"]][:3],
        "handshake_retries": sum(o["retries"] for o in opened),
        "connect_s": round(connect_s, 1),
        "calls": len(started),
        "rate_per_s": args.rate,
        "deliveries_expected": expected,
        "deliveries_got": got,
        "deliveries_missing": expected - got,
        "stray": stray,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "frames_received": frames,
        "rss_per_worker_mib": [round(rss_end[p] / 1024, 1) for p in workers],
        "rss_before_boards_mib": round(sum(rss_before.values()) / 1024, 1),
        "memory_per_idle_stream_kib": round(
            (sum(rss_idle.values()) - sum(rss_before.values())) / max(idle_streams, 1), 1
        ),
        "worker_cpu_s_during_calls": round(cpu, 2),
        "call_phase_s": round(call_s, 1),
        "cpu_ms_per_1000_deliveries": round(cpu * 1e6 / got, 1) if got else None,
        "cpu_ms_per_1000_frames": round(cpu * 1e6 / frames, 1) if frames else None,
        "loadavg_at_end": [round(x, 2) for x in load],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--centres", type=int, default=200)
    ap.add_argument("--boards-per-centre", type=int, default=10)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--loaders", type=int, default=1, help="processes holding the boards (the load generator)")
    ap.add_argument("--calls", type=int, default=200, help="measured calls, all centres together")
    ap.add_argument("--rate", type=float, default=4.0, help="calls a second, all centres together")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds waited after the last call")
    args = ap.parse_args()
    res = run(args)
    print(json.dumps(res, indent=2, ensure_ascii=False))
    if res["handshake_failures"] or res["deliveries_missing"] or res["stray"]:
        raise SystemExit("not every board connected, or not every call reached every board of its centre once")


if __name__ == "__main__":
    main()
