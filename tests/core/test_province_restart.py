"""A server restarted under a province's boards (issue 21, must show): every board reconnects
within 30 s and resumes with `since`, nothing missed.

Host A (two workers) holds BOARDS boards — lean WebSocket clients (tests/lean_ws.py) in this
process, each reconnecting as a board does: at once, then backing off with jitter, and after a
1013 "retry later" when the server's hint says. Host B (one worker, the same PostgreSQL schema
and Redis) takes the calls, one every CALL_EVERY_S, before, during and after A's restart: events
committed while A is down or while the boards crowd back must reach every board when it resumes.
Each board's events must be exactly the centre's log after its first snapshot: every seq once,
in order, no gap, and no second snapshot (a snapshot would mean the resume lost its place).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time

import httpx
import pytest

from tests.lean_ws import connect
from tests.server_process import ServerProcess, postgres_schema, prepare_demo_database, reachable

# Three server start-ups (two workers each) and 2,000 boards: ~4 min with the load average at 12.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BOARDS = 2000
CALL_EVERY_S = 0.5
HALL = "mdv_demo-hall-display"
CI = os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1"


class Board:
    """One board: its stream, what it received, and its reconnects."""

    def __init__(self, ws_base: str):
        self.ws_base = ws_base
        self.seqs: list[int] = []  # of the events after the first snapshot
        self.called: list[int] = []  # ticket ids of the ticket.called events
        self.start: int | None = None  # the first snapshot's seq
        self.snapshots = 0
        self.connected_at: float | None = None  # monotonic time of the last (re)connection
        self.closing = False

    @property
    def last(self) -> int | None:
        return self.seqs[-1] if self.seqs else self.start

    def on_message(self, now: float, raw: bytes) -> None:
        msg = json.loads(raw)
        if msg["type"] == "snapshot":
            self.snapshots += 1
            if self.start is None:
                self.start = msg["seq"]
        elif msg["type"] != "heartbeat":
            self.seqs.append(msg["seq"])
            if msg["type"] == "ticket.called":
                self.called.append(msg["data"]["id"])

    async def run(self, opened: asyncio.Event) -> None:
        delay = 0.0
        while not self.closing:
            if delay:
                await asyncio.sleep(delay * (0.5 + random.random()))  # jitter: boards do not come back in step
            since = "" if self.last is None else f"&since={self.last}"
            try:
                ws = await connect(f"{self.ws_base}/ws?centre=1&token={HALL}{since}", self.on_message)
            except (OSError, ConnectionError):
                delay = min(max(delay * 2, 0.5), 5.0)
                continue
            self.connected_at = time.monotonic()
            delay = 0.0
            opened.set()
            self.ws = ws
            await ws.closed
            reason = ws.close_reason or ""
            if ws.close_code == 1013 and reason.startswith("retry_after_ms="):
                delay = int(reason.split("=")[1]) / 1000
            elif not self.closing:
                delay = 0.2

    def close(self) -> None:
        self.closing = True
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()


def test_every_board_reconnects_within_30s_of_a_restart_and_misses_nothing(tmp_path):
    for port, what in ((5432, "PostgreSQL on 127.0.0.1:5432"), (6379, "Redis on 127.0.0.1:6379")):
        if not reachable(port):
            if CI:
                pytest.fail(f"{what} is required in CI (MOTCUA_REQUIRE_POSTGRES=1)")
            pytest.skip(what)
    with postgres_schema("restart") as url:
        prepare_demo_database(url)
        env = {
            "MOTCUA_REDIS_URL": "redis://127.0.0.1:6379/0",
            "MOTCUA_RATE_LIMIT_KEY_PREFIX": f"restart-{os.getpid()}-{time.monotonic_ns()}",
            "MOTCUA_WS_HEARTBEAT_S": "15",
        }
        a = ServerProcess(tmp_path / "a", url, workers=2, extra_env=env)
        b = ServerProcess(tmp_path / "b", url, workers=1, extra_env=env)
        try:
            a.start()
            b.start()
            report = asyncio.run(_restart_under_boards(a, b))
        finally:
            a.stop()
            b.stop()
        for host in (a, b):
            log = host.log_path.read_text()
            assert "Traceback" not in log, f"{host.log_path}:\n{log[-3000:]}"
    print(json.dumps(report))
    # Within 30 s of the server answering again. Its own start-up is not the boards' doing: on
    # this shared 2-core machine (load average 12) two workers take 45 s to answer /healthz with
    # no board at all; it is reported as `start_s`.
    assert report["all_back_after_up_s"] <= 30, report


async def _restart_under_boards(a: ServerProcess, b: ServerProcess) -> dict:
    async with httpx.AsyncClient(base_url=b.base_url, timeout=30) as http:
        kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
        for _ in range(300):
            assert (await http.post("/api/v1/tickets", json={"service_id": 1}, headers=kiosk)).status_code == 201
        tok = (await http.post("/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"})).json()
        clerk = {"Authorization": f"Bearer {tok['access_token']}"}
        assert (await http.post("/api/v1/counters/1/open", headers=clerk)).status_code == 200

        ws_base = a.base_url.replace("http", "ws")
        boards = [Board(ws_base) for _ in range(BOARDS)]
        runs = []
        for i in range(0, BOARDS, 200):  # as boards come on in the morning: a few hundred at a time
            batch = [asyncio.Event() for _ in boards[i : i + 200]]
            runs += [asyncio.create_task(bd.run(ev)) for bd, ev in zip(boards[i : i + 200], batch, strict=True)]
            await asyncio.wait_for(asyncio.gather(*(ev.wait() for ev in batch)), 60)
        # Set-up, not the measure (that is the 30 s after the restart, below): on two shared cores
        # the last of 2,000 first snapshots once took longer than 30 s to arrive; a board still
        # without one after 90 s is lost, not late.
        deadline = time.monotonic() + 90
        while any(bd.start is None for bd in boards) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        waiting = sum(bd.start is None for bd in boards)
        assert not waiting, f"every board has its first snapshot: {waiting} of {BOARDS} without one after 90 s"

        called: list[int] = []

        # The calls come from a thread of their own (this loop is busy with 2,000 boards catching
        # up: a request written from it could stall past the server's slow-request limit), and a
        # connection per call (a kept-alive one may be closed by the server as a call goes out).
        calling = threading.Event()
        calling.set()

        def caller() -> None:
            with httpx.Client(base_url=b.base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as c:
                while calling.is_set():
                    r = c.post("/api/v1/counters/1/call-next", headers=clerk)
                    assert r.status_code == 200, r.text
                    called.append(r.json()["id"])
                    time.sleep(CALL_EVERY_S)

        calls = asyncio.create_task(asyncio.to_thread(caller))
        await asyncio.sleep(3)
        before = len(called)
        t_stop = time.monotonic()
        await asyncio.to_thread(a.stop)  # SIGTERM: the workers close every stream (1012) and exit
        t_down = time.monotonic()
        # The same address and port, as systemd restarts it (start-up alone takes 45–90 s here when loaded).
        await asyncio.to_thread(a.start, 240)
        t_up = time.monotonic()
        down_calls = len(called) - before
        deadline = t_up + 60
        while time.monotonic() < deadline and not all(
            bd.connected_at is not None and bd.connected_at > t_stop for bd in boards
        ):
            await asyncio.sleep(0.1)
        last_back = max(bd.connected_at or float("inf") for bd in boards)
        await asyncio.sleep(3)  # calls go on after every board is back
        calling.clear()
        await calls
        # The centre's last seq, as a new board is told it.
        final: list[int] = []
        probe = await connect(
            f"{ws_base}/ws?centre=1&token={HALL}", lambda now, raw: final.append(json.loads(raw)["seq"])
        )
        deadline = time.monotonic() + 15
        while (not final or any(bd.last != final[0] for bd in boards)) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        probe.close()
        for bd in boards:
            bd.close()
        await asyncio.gather(*runs, return_exceptions=True)

    start = boards[0].start
    assert final and len(called) > before + down_calls > before > 0
    for n, bd in enumerate(boards):
        assert bd.start == start, f"board {n} started at another seq"
        assert bd.snapshots == 1, f"board {n} was sent a snapshot on resuming instead of what it missed"
        assert bd.seqs == list(range(start + 1, final[0] + 1)), (
            f"board {n}: events missing, repeated or out of order: {_gaps(bd.seqs, start, final[0])}"
        )
        assert bd.called == called, f"board {n} did not see every call, in order"
    return {
        "boards": BOARDS,
        "calls": len(called),
        "calls_while_a_stopped_or_starting": down_calls,
        "events": final[0] - start,
        "stop_s": round(t_down - t_stop, 1),
        "start_s": round(t_up - t_down, 1),  # until /healthz answers: the server's own start-up
        "all_back_after_stop_s": round(last_back - t_stop, 1),
        "all_back_after_up_s": round(last_back - t_up, 1),
    }


def _gaps(seqs: list[int], start: int, end: int) -> str:
    got = set(seqs)
    missing = [s for s in range(start + 1, end + 1) if s not in got]
    return f"{len(missing)} missing (first {missing[:5]}), {len(seqs) - len(got)} repeated"
