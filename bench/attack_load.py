"""Issuing latency while the server is attacked: a 100 MB header, or a password flood (issue 15).

One real server (SQLite, one worker, the demo centre). 16 kiosks issue tickets while, in other
processes' worth of threads, attackers either send 100 MB request headers over and over
(`--attack header`: each must be answered 431, and how long that takes is measured) or sign in
with wrong passwords as fast as they can (`--attack login`: they get 401, then 429). The same
load without an attack is measured first. Prints JSON: issuing p50/p99 without and with the
attack, and the attack's own figures.
Usage: python bench/attack_load.py --attack header|login [--tickets 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import threading
import time
import uuid
from contextlib import redirect_stdout

import httpx
from _loadgen import run_clients
from _server import bench_server, percentile


async def issue(base: str, total: int) -> dict:
    run = uuid.uuid4().hex[:12]

    def request(i: int):
        return "POST", "/api/v1/tickets", {"service_id": 1 + i % 8, "client_request_id": f"atk-{run}-{i}"}

    res = await run_clients(base, {"Authorization": "Bearer mdv_demo-kiosk-1"}, 16, total, request, (201,))
    lat = res["latencies"]
    return {
        "tickets": len(lat) - len(res["errors"]),
        "errors": len(res["errors"]),
        "tickets_per_s": round(len(lat) / res["elapsed_s"], 1),
        "p50_ms": round(percentile(lat, 50), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "first_error": res["errors"][0] if res["errors"] else None,
    }


def header_attacker(port: int, stop: threading.Event, results: list) -> None:
    chunk = b"a" * (1024 * 1024)
    while not stop.is_set():
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        start = time.perf_counter()
        answered = []

        def read(sock=sock, answered=answered, start=start):
            try:
                data = sock.recv(64)
                answered.append((time.perf_counter() - start, data[:12]))
            except OSError:
                answered.append((time.perf_counter() - start, b""))

        reader = threading.Thread(target=read)
        reader.start()
        try:
            sock.sendall(b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(100):
                if answered:
                    break
                sock.sendall(chunk)
        except OSError:
            pass
        reader.join(30)
        sock.close()
        results.append(answered[0] if answered else (None, b""))


def login_attacker(base: str, stop: threading.Event, results: list) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        i = 0
        while not stop.is_set():
            r = http.post("/api/v1/auth/token", data={"username": "admin", "password": f"guess-{i}"})
            results.append(r.status_code)
            i += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--attack", choices=["header", "login"], required=True)
    ap.add_argument("--tickets", type=int, default=3000)
    ap.add_argument("--attackers", type=int, default=1)
    args = ap.parse_args()
    with redirect_stdout(sys.stderr), bench_server("sqlite", 1) as srv:
        asyncio.run(issue(srv.base_url, 200))  # warm-up
        quiet = asyncio.run(issue(srv.base_url, args.tickets))
        stop, results = threading.Event(), []
        target = header_attacker if args.attack == "header" else login_attacker
        where = srv.port if args.attack == "header" else srv.base_url
        attackers = [threading.Thread(target=target, args=(where, stop, results)) for _ in range(args.attackers)]
        for t in attackers:
            t.start()
        time.sleep(1)
        attacked = asyncio.run(issue(srv.base_url, args.tickets))
        stop.set()
        for t in attackers:
            t.join(60)
    out = {"bench": "attack_load", "attack": args.attack, "issuing_quiet": quiet, "issuing_attacked": attacked}
    if args.attack == "header":
        times = sorted(t for t, _ in results if t is not None)
        out["header_attacks"] = len(results)
        out["answered_431"] = sum(1 for _, status in results if b" 431" in status)
        out["time_to_431_ms"] = {
            "p50": round(percentile(times, 50) * 1000, 1),
            "max": round(max(times) * 1000, 1) if times else None,
        }
    else:
        out["login_attempts"] = len(results)
        out["answers"] = {str(code): results.count(code) for code in sorted(set(results))}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
