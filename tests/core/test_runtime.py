"""The speed layer, fenced (queue_server/runtime): set while a server runs and undone when it stops,
off by a setting, checked at start-up with uvicorn's own protocols as the fallback, and a failure
while delivering to one board never stops the others' events."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys

import anyio.to_thread
import httpx
import pytest
import websockets
from fastapi.testclient import TestClient

from queue_server.app import create_app
from queue_server.runtime import COALESCING_WS, LIMITED_HTTP, STOCK_HTTP, STOCK_WS, server_protocols
from queue_server.runtime.wsprotocol import CoalescingWebSocketProtocol
from queue_server.security.http import LimitedHttpToolsProtocol
from tests.factories import issue
from tests.server_process import running_server


@pytest.fixture
def process_state():
    """Known process-wide values before the server starts (and put back after the test)."""
    before = (gc.isenabled(), gc.get_threshold(), sys.getswitchinterval())
    gc.enable()
    gc.set_threshold(700, 10, 10)
    sys.setswitchinterval(0.005)
    yield
    (gc.enable if before[0] else gc.disable)()
    gc.set_threshold(*before[1])
    sys.setswitchinterval(before[2])


async def _thread_tokens() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_the_tuning_holds_while_the_server_runs_and_is_undone_when_it_stops(settings, process_state):
    frozen = gc.get_freeze_count()
    app = create_app(
        settings.model_copy(update={"fast_path": True, "worker_threads": 33, "gil_switch_interval_s": 0.002})
    )
    with TestClient(app) as client:
        assert not gc.isenabled(), "the idle-time collector decides when to collect"
        assert gc.get_threshold() == (10_000, 10, 10)
        assert sys.getswitchinterval() == pytest.approx(0.002)
        assert client.portal.call(_thread_tokens) == 33, "the worker threads set, not assumed"
        assert client.get("/healthz").status_code == 200
    assert gc.isenabled() and gc.get_threshold() == (700, 10, 10)
    assert sys.getswitchinterval() == pytest.approx(0.005)
    assert gc.get_freeze_count() == frozen, "the heap frozen at start-up is unfrozen"


def test_with_the_fast_path_off_nothing_process_wide_changes_but_the_thread_limit(settings, process_state):
    app = create_app(settings.model_copy(update={"fast_path": False, "worker_threads": 30}))
    with TestClient(app) as client:
        assert gc.isenabled() and gc.get_threshold() == (700, 10, 10)
        assert sys.getswitchinterval() == pytest.approx(0.005)
        assert client.portal.call(_thread_tokens) == 30
        assert app.state.hub.collector is None
    assert gc.isenabled() and gc.get_threshold() == (700, 10, 10)


def test_the_protocols_pass_their_start_up_check(settings):
    options = server_protocols(settings.model_copy(update={"fast_path": True}))
    assert options["http"] == LIMITED_HTTP and options["ws"] == COALESCING_WS
    assert server_protocols(settings.model_copy(update={"fast_path": False}))["ws"] == STOCK_WS


def test_the_start_up_check_logs_nothing_when_the_protocols_behave(settings, caplog):
    # The check's own oversized head is refused on purpose: that is not a client to warn about.
    with caplog.at_level(logging.DEBUG):
        server_protocols(settings.model_copy(update={"fast_path": True}))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_changed_websocket_internals_fall_back_to_uvicorns_protocol_with_one_clear_line(settings, monkeypatch, caplog):
    def renamed(self):  # as if uvicorn had renamed the attribute the fast path reads
        raise AttributeError("'CoalescingWebSocketProtocol' object has no attribute 'handshake_complete'")

    monkeypatch.setattr(CoalescingWebSocketProtocol, "_plain_open", renamed)
    with caplog.at_level(logging.ERROR, logger="queue_server.runtime"):
        options = server_protocols(settings.model_copy(update={"fast_path": True}))
    assert options["ws"] == STOCK_WS and options["http"] == LIMITED_HTTP
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "handshake_complete" in errors[0].getMessage()
    assert "uvicorn's own protocol" in errors[0].getMessage()


def test_a_protocol_that_stops_reading_after_a_clients_message_fails_the_start_up_check(monkeypatch):
    """Boards' pings reach the stream through `listen`; uvicorn pauses reading after each message
    until receive() takes it, so if un-pausing no longer worked (uvicorn renamed read_paused), a
    board's second ping would never be read: the check says so, and uvicorn's protocol serves."""
    from queue_server.runtime.selfcheck import check_websocket_protocol

    monkeypatch.setattr(CoalescingWebSocketProtocol, "_resume_reading", lambda self: None)
    problem = check_websocket_protocol()
    assert problem is not None and "listener heard ['c1']" in problem


def test_changed_http_internals_fall_back_to_a_bounded_stock_protocol(settings, monkeypatch, caplog):
    def renamed(self, name, value):
        raise AttributeError("'LimitedHttpToolsProtocol' object has no attribute 'headers'")

    monkeypatch.setattr(LimitedHttpToolsProtocol, "on_header", renamed)
    with caplog.at_level(logging.ERROR, logger="queue_server.runtime"):
        options = server_protocols(settings)
    assert options["http"] == STOCK_HTTP and options["h11_max_incomplete_event_size"] == settings.max_header_bytes
    assert any("HTTP" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_a_board_whose_delivery_raises_does_not_stop_the_others(client, centre, caplog):
    """One client's socket raising (or a renamed attribute inside the fast write) is logged with
    its cause; every other board keeps receiving, and so does that one, through its own sender."""
    hub = client.app.state.hub
    got: list[str] = []

    def broken(texts):
        raise AttributeError("'WebSocketsSansIOProtocol' object has no attribute 'close_sent'")

    def working(texts):
        got.extend(texts)
        return True

    async def subscribe(write_now):
        sub = await hub.subscribe(centre.id)
        sub.write_now, sub.busy = write_now, False
        return sub

    bad = client.portal.call(subscribe, broken)
    good = client.portal.call(subscribe, working)

    def issued_numbers() -> list[str]:
        return [json.loads(t)["data"]["display_number"] for t in got if json.loads(t)["type"] == "ticket.issued"]

    def wait_for(numbers: list[str]) -> None:
        for _ in range(400):
            if issued_numbers() == numbers:
                return
            client.portal.call(asyncio.sleep, 0.025)
        raise AssertionError(f"the working board got {issued_numbers()}, not {numbers}")

    with caplog.at_level(logging.ERROR, logger="queue_server.realtime.hub"):
        issue(client, centre)
        wait_for(["A001"])
        issue(client, centre)
        wait_for(["A001", "A002"])
    assert any("close_sent" in (r.exc_text or "") or r.exc_info for r in caplog.records), "logged with its cause"
    assert bad.write_now is None, "the broken fast write is not used again for that client"
    queued = []
    while not bad.queue.empty():
        item = bad.queue.get_nowait()
        if isinstance(item, tuple):
            queued.append(json.loads(item[1])["type"])
    assert queued.count("ticket.issued") == 2, "the broken board's own sender still has both tickets"
    hub.unsubscribe(bad)
    hub.unsubscribe(good)


def test_a_failing_delivery_does_not_end_the_centres_pump(client, centre, monkeypatch):
    hub = client.app.state.hub
    real, failures = hub._deliver, []

    def fails_once(centre_id, msgs):
        if not failures:
            failures.append(msgs)
            raise RuntimeError("a delivery failed")
        real(centre_id, msgs)

    monkeypatch.setattr(hub, "_deliver", fails_once)
    got: list[str] = []

    async def subscribe():
        sub = await hub.subscribe(centre.id)
        sub.write_now, sub.busy = (lambda texts: got.extend(texts) or True), False
        return sub

    sub = client.portal.call(subscribe)
    issue(client, centre)  # its delivery raises
    for _ in range(400):  # (the next ticket after that failure, not read together with it)
        if failures:
            break
        client.portal.call(asyncio.sleep, 0.025)
    issue(client, centre)
    for _ in range(400):
        if any('"A002"' in t for t in got):
            break
        client.portal.call(asyncio.sleep, 0.025)
    assert failures and any('"A002"' in t for t in got), "the pump lived on and delivered the next events"
    hub.unsubscribe(sub)


@pytest.mark.slow
def test_with_the_fast_path_off_a_board_receives_calls_through_uvicorns_own_protocol(tmp_path):
    """The fallback, served for real: MOTCUA_FAST_PATH=false, a board's WebSocket gets the call."""
    with running_server(tmp_path / "srv", extra_env={"MOTCUA_FAST_PATH": "false"}) as srv:
        base = srv.base_url
        tok = httpx.post(base + "/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"}).json()[
            "access_token"
        ]
        clerk = {"Authorization": f"Bearer {tok}"}

        async def main():
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                r = await http.post(
                    "/api/v1/tickets", json={"service_id": 1}, headers={"Authorization": "Bearer mdv_demo-kiosk-1"}
                )
                assert r.status_code == 201, r.text
                assert (await http.post("/api/v1/counters/1/open", headers=clerk)).status_code == 200
                async with websockets.connect(
                    base.replace("http", "ws") + "/ws?centre=1&token=mdv_demo-hall-display"
                ) as ws:
                    assert json.loads(await ws.recv())["type"] == "snapshot"
                    called = (await http.post("/api/v1/counters/1/call-next", headers=clerk)).json()
                    while True:
                        msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
                        if msg["type"] == "ticket.called":
                            return called, msg

        called, msg = asyncio.run(main())
        assert msg["data"]["display_number"] == called["display_number"] and msg["data"]["counter_number"] == 1
