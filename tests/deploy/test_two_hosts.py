"""A province's set-up (issue 21 § 4): two application hosts behind Debian's HAProxy running the
product's own configuration (deploy/haproxy/motcua.cfg), one PostgreSQL, one Redis.

The hosts are separate server processes (two workers each) on their own loopback addresses,
127.0.0.2 and 127.0.0.3; the proxy listens on 127.0.0.4 and reaches the hosts from that address,
which is the hosts' only trusted proxy (MOTCUA_TRUSTED_PROXIES). Boards — the real board page in
Chromium and the Python client's event streams — connect through the proxy only."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from queue_server.client import EventStream
from tests.deploy.haproxy import Haproxy, haproxy_binary
from tests.displays.browser import HALL_TOKEN, DemoApi, open_board
from tests.server_process import ServerProcess, postgres_schema, prepare_demo_database, reachable

pytestmark = pytest.mark.slow

HOST_A, HOST_B, PROXY = "127.0.0.2", "127.0.0.3", "127.0.0.4"
CI = os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1"  # CI: what the test needs is installed, so never skip


def _missing(what: str) -> None:
    if CI:
        pytest.fail(f"{what} is required in CI (MOTCUA_REQUIRE_POSTGRES=1)")
    pytest.skip(what)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


class Boards:
    """Python event streams (queue_server.client.EventStream: backoff with jitter, resume by seq) in
    their own thread, each recording every message it yields."""

    def __init__(self, base_url: str, token: str = HALL_TOKEN):
        self.base_url = base_url
        self.token = token
        self.streams: list[EventStream] = []
        self.messages: list[list] = []
        self.runs: list = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def open(self, n: int) -> list[int]:
        """Open n more boards; their indexes, once each has its first snapshot."""

        async def run(stream: EventStream, seen: list) -> None:
            async for message in stream:
                seen.append(message)

        first = len(self.streams)
        for _ in range(n):
            # The board's own pace: it resumes at once after a drop, then backs off with jitter.
            stream = EventStream(self.base_url, 1, self.token, backoff_initial_s=0.5, backoff_max_s=5)
            seen: list = []
            self.streams.append(stream)
            self.messages.append(seen)
            self.runs.append(asyncio.run_coroutine_threadsafe(run(stream, seen), self.loop))
        indexes = list(range(first, len(self.streams)))
        wait_for(lambda: all(self.messages[i] for i in indexes), 30, "boards' first snapshots")
        return indexes

    def called(self, i: int) -> list[str]:
        return [m.data["display_number"] for m in list(self.messages[i]) if m.type == "ticket.called"]

    def close(self) -> None:
        for stream in self.streams:
            asyncio.run_coroutine_threadsafe(stream.close(), self.loop).result(10)
        for run in self.runs:
            run.result(10)  # the stream's iteration ends once it is closed
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@contextmanager
def behind_the_proxy(tmp_path: Path, addresses: list[str], workers: int, extra_env: dict | None = None):
    """Hosts (server processes with `workers` each) on `addresses`, one PostgreSQL schema, one
    Redis, behind the proxy; yields (hosts, proxy)."""
    if haproxy_binary() is None:
        _missing("haproxy (Debian package, in the Makefile's APT_PACKAGES)")
    if not reachable(5432):
        _missing("PostgreSQL on 127.0.0.1:5432")
    if not reachable(6379):
        _missing("Redis on 127.0.0.1:6379")
    with postgres_schema("hosts") as url:
        prepare_demo_database(url)
        env = {
            "MOTCUA_REDIS_URL": "redis://127.0.0.1:6379/0",
            "MOTCUA_RATE_LIMIT_KEY_PREFIX": f"hosts-{os.getpid()}-{time.monotonic_ns()}",
            # the proxy's own address, and nothing else (deploy/haproxy/motcua.cfg: PROXY_SOURCE)
            "MOTCUA_TRUSTED_PROXIES": json.dumps([PROXY]),
            **(extra_env or {}),
        }
        hosts = [
            ServerProcess(
                tmp_path / f"host-{address}",
                url,
                host=address,
                workers=workers,
                extra_env=env,
                own_process_group=True,
                log_level="info",
            )
            for address in addresses
        ]
        proxy = Haproxy(tmp_path, PROXY, [f"{h.host}:{h.port}" for h in hosts])
        try:
            for host in hosts:
                host.start()
            proxy.start()
            yield hosts, proxy
        finally:
            proxy.stop()
            for host in hosts:
                host.stop()
        for host in hosts:
            log = host.log_path.read_text() if host.log_path.exists() else ""
            assert "Traceback" not in log, f"{host.log_path}:\n{log[-3000:]}"


def place_boards(proxy: Haproxy, boards: Boards, chromium):
    """Boards placed by the proxy, host by host (the other one drained meanwhile — no new
    connections —, as an operator does through the admin socket): the real board page and 4
    streams on host A, 4 streams on host B. Returns (the page, A's streams, B's streams)."""
    proxy.set_state("app2", "drain")
    hall = open_board(chromium, proxy.base_url, "/displays/hall", HALL_TOKEN)
    on_a = boards.open(4)
    proxy.set_state("app2", "ready")
    proxy.set_state("app1", "drain")
    on_b = boards.open(4)
    proxy.set_state("app1", "ready")
    servers = proxy.servers()
    assert servers["app1"]["scur"] >= 5 and servers["app2"]["scur"] >= 4, servers
    return hall, on_a, on_b


def call(api: DemoApi, counter: int) -> str:
    """A ticket of the counter's service (1: HOTICH, 3: CHUNGTHUC) issued and called there: its number."""
    api.issue("HOTICH" if counter == 1 else "CHUNGTHUC")
    return api.call_next(counter)["display_number"]


def open_counters(api: DemoApi) -> None:
    for counter in (1, 3):
        assert api.post(f"/counters/{api.counters[counter]['id']}/open").status_code == 200


def assert_every_call_once_in_order(boards: Boards, hall, indexes: list[int], calls: list[str], page_connects: int):
    """Every board — streams and page — has every call, in order, each once, from one snapshot and
    contiguous seqs (no gap, no repeat), and all end at the same seq."""
    last = {boards.streams[i].last_seq for i in indexes}
    assert len(last) == 1, last
    for i in indexes:
        assert boards.called(i) == calls, i
        seqs = [m.seq for m in boards.messages[i]]
        assert [m.type for m in boards.messages[i]].count("snapshot") == 1, i
        assert seqs[1:] == list(range(seqs[0] + 1, seqs[-1] + 1)), (i, seqs)
    wait_for(lambda: hall.evaluate("window.__board.stream.seq") == min(last), 30, "the board page resumes")
    assert hall.evaluate("window.__board.stream.connects") == page_connects
    assert hall.evaluate("window.__board.state.calls.map(c => c.display_number)") == list(reversed(calls))
    assert hall.inner_text("#latest-number") == calls[-1]
    assert hall.is_hidden("#offline")


@pytest.fixture
def province(tmp_path):
    """Two hosts, two workers each."""
    with behind_the_proxy(tmp_path, [HOST_A, HOST_B], workers=2) as (hosts, proxy):
        yield {"a": hosts[0], "b": hosts[1]}, proxy


def test_a_call_on_one_host_reaches_the_other_and_a_dead_hosts_boards_move_without_missing_anything(province, chromium):
    hosts, proxy = province
    a, b = hosts["a"], hosts["b"]
    boards = Boards(proxy.base_url)
    try:
        hall, on_a, on_b = place_boards(proxy, boards, chromium)

        # Calls made on each host (the clerks' consoles reach a host each): every board sees both.
        api_a, api_b = DemoApi(a.base_url), DemoApi(b.base_url)
        open_counters(api_a)
        calls = [call(api, counter) for api, counter in ((api_b, 1), (api_a, 3), (api_b, 1), (api_a, 3))]
        wait_for(lambda: all(boards.called(i) == calls for i in on_a + on_b), 20, "cross-host calls on every board")
        wait_for(lambda: hall.evaluate("window.__board.state.calls.length") == len(calls), 20, "the page's calls")
        seq_before = boards.streams[on_a[0]].last_seq
        assert hall.evaluate("window.__board.stream.connects") == 1

        # Host A dies, every process at once, no shutdown. The clerks go on calling through the
        # proxy meanwhile: A refuses, the proxy retries on B, so not one call fails.
        failed_at = time.monotonic()
        a.kill()
        clerks = DemoApi(proxy.base_url)
        calls += [call(clerks, counter) for counter in (1, 3, 1)]
        wait_for(lambda: proxy.servers()["app1"]["status"] == "DOWN", 20, "the proxy's health check takes A out")
        calls.append(call(clerks, 1))  # and after it: the proxy sends everything to B

        # A's boards came back through the proxy to B and resumed from their last seq: every call,
        # in order, each once, without a fresh snapshot; B's boards never noticed.
        wait_for(lambda: all(boards.called(i) == calls for i in on_a + on_b), 30, "every call on every board")
        moved_s = time.monotonic() - failed_at
        print(f"host A killed: every board had every call {moved_s:.1f} s later")
        assert moved_s < 30  # the boards moved at once, not after their silence watchdogs (35 s, 45 s)
        # The board page too: reconnected once, resumed at the last seq, every call on screen.
        assert_every_call_once_in_order(boards, hall, on_a + on_b, calls, page_connects=2)
        assert boards.streams[on_a[0]].last_seq > seq_before
        assert all(boards.streams[i].reconnects >= 1 for i in on_a)
        assert all(boards.streams[i].reconnects == 0 for i in on_b)
        assert proxy.servers()["app2"]["scur"] >= len(on_a) + len(on_b) + 1  # all on B now
    finally:
        boards.close()


def test_the_hosts_take_the_client_address_from_the_proxy_alone_and_its_log_holds_no_token(tmp_path):
    """Sign-in attempts are limited per client address (MOTCUA_LOGIN_ADDRESS_LIMIT): behind the
    proxy each visitor's machine keeps its own count — the hosts do not see everyone as the proxy —
    and an X-Forwarded-For a client writes itself changes nothing."""
    limit = {"MOTCUA_LOGIN_ADDRESS_LIMIT": "3 per minute"}
    with behind_the_proxy(tmp_path, [HOST_A], workers=1, extra_env=limit) as (hosts, proxy):

        def sign_in(source: str, base_url: str = proxy.base_url, headers: dict | None = None) -> int:
            transport = httpx.HTTPTransport(local_address=source)
            with httpx.Client(base_url=base_url, transport=transport, timeout=10) as http:
                form = {"username": "canbo01", "password": "not-the-password"}
                return http.post("/api/v1/auth/token", data=form, headers=headers or {}).status_code

        assert [sign_in("127.0.0.10") for _ in range(3)] == [401, 401, 401]
        assert sign_in("127.0.0.10") == 429  # the fourth from that machine
        assert sign_in("127.0.0.10", headers={"X-Forwarded-For": "10.9.9.9"}) == 429  # a forged header: dropped
        assert sign_in("127.0.0.11") == 401  # another machine behind the same proxy: its own count
        # Straight to a host, the header of a machine that is not the proxy is not believed either.
        host = hosts[0].base_url
        assert [sign_in("127.0.0.12", host, {"X-Forwarded-For": f"10.9.9.{i}"}) for i in range(4)][-1] == 429

        # A board's page and stream through the proxy: its token is in the query string, and a
        # visitor's ticket page carries one in its path; the proxy's log shows neither.
        with httpx.Client(base_url=proxy.base_url, timeout=10) as http:
            assert http.get("/displays/hall", params={"token": HALL_TOKEN}).status_code == 200
            http.get("/t/abcdefghijklmnopqrstuvwx")
        proxy.stop()  # its log is complete once it has stopped
        log = proxy.log_path.read_text()
        assert "GET /displays/hall HTTP/1.1" in log and "GET /t/*** HTTP/1.1" in log
        assert "127.0.0.10:" in log and "127.0.0.11:" in log  # the clients' own addresses
        assert HALL_TOKEN not in log and "abcdefghijklmnopqrstuvwx" not in log


def test_a_hung_hosts_boards_move_to_the_other_within_seconds_and_its_return_repeats_nothing(province, chromium):
    """Host A stops answering without dying (SIGSTOP: its processes alive, its sockets open — a host
    stalled on a disk or swapping). No connection is refused, so only timeouts can tell: the
    proxy's health check (deploy/haproxy/motcua.cfg) takes A out and cuts its streams, and A's
    boards resume on B. When A comes back (SIGCONT) it holds everything it had buffered for boards
    that have left: nobody may see a call twice."""
    hosts, proxy = province
    a, b = hosts["a"], hosts["b"]
    boards = Boards(proxy.base_url)
    try:
        hall, on_a, on_b = place_boards(proxy, boards, chromium)
        api_a, api_b = DemoApi(a.base_url), DemoApi(b.base_url)
        open_counters(api_b)
        calls = [call(api_a, 1), call(api_b, 3)]
        wait_for(lambda: all(boards.called(i) == calls for i in on_a + on_b), 20, "cross-host calls on every board")
        wait_for(lambda: hall.evaluate("window.__board.state.calls.length") == len(calls), 20, "the page's calls")

        hung_at = time.monotonic()
        a.pause()
        try:
            # The clerks' consoles are on B: they go on calling while A hangs.
            calls += [call(api_b, 1), call(api_b, 3)]
            wait_for(lambda: all(boards.called(i) == calls for i in on_a + on_b), 60, "every call on every board")
            moved_s = time.monotonic() - hung_at
            wait_for(lambda: hall.evaluate("window.__board.state.calls.length") == len(calls), 60, "the page's calls")
            page_s = time.monotonic() - hung_at
            print(f"host A hung: every stream had every call {moved_s:.1f} s later, the board page {page_s:.1f} s")
            assert proxy.servers()["app1"]["status"] == "DOWN"
            # Within the proxy's health check (2 checks of at most 3 s, 1–2 s apart) and a reconnect,
            # not after the clients' own silence watchdogs (35 s, 45 s).
            assert page_s < 20
        finally:
            a.resume()

        # A answers again: the proxy takes it back and, holding the fewest connections, gives it
        # the clerks' next requests; A delivers what it had buffered to nobody.
        wait_for(lambda: proxy.servers()["app1"]["status"] == "UP", 30, "the proxy takes A back")
        clerks = DemoApi(proxy.base_url)
        calls += [call(clerks, 3), call(clerks, 1)]
        wait_for(lambda: all(boards.called(i) == calls for i in on_a + on_b), 30, "calls after A's return")
        wait_for(lambda: hall.evaluate("window.__board.state.calls.length") == len(calls), 30, "the page's calls")
        assert_every_call_once_in_order(boards, hall, on_a + on_b, calls, page_connects=2)
        assert all(boards.streams[i].reconnects >= 1 for i in on_a)
        assert all(boards.streams[i].reconnects == 0 for i in on_b)
    finally:
        boards.close()
