"""Opening and resuming event streams under a reconnect storm (issue 21): bounded admission with a
retry hint, no database work to resume, revocation still immediate with cached authorisations."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

from queue_server.client import retry_after_s
from queue_server.realtime.access import Admission
from tests.core.test_realtime import receive_until, ws_url
from tests.factories import issue


@pytest.fixture
def storm_client(settings):
    """A server admitting one handshake every ten seconds and letting none wait: the second is
    refused (however slow the machine running the test: the bucket refills only after 10 s)."""
    from fastapi.testclient import TestClient

    from queue_server.app import create_app

    app = create_app(settings.model_copy(update={"ws_handshakes_per_s": 0.1, "ws_admission_wait_s": 0.0}))
    with TestClient(app) as c:
        yield c


def test_a_handshake_beyond_the_admission_rate_is_told_when_to_come_back(storm_client, centre):
    with storm_client.websocket_connect(ws_url(centre)) as first:
        assert first.receive_json()["type"] == "snapshot"
        with storm_client.websocket_connect(ws_url(centre)) as second, pytest.raises(WebSocketDisconnect) as refused:
            second.receive_json()
    assert refused.value.code == 1013
    hint_ms = int(refused.value.reason.removeprefix("retry_after_ms="))
    assert 0 < hint_ms <= 2 * 10_000  # the backlog (one handshake at 0.1/s), spread over as long again


def test_a_rate_below_one_handshake_a_second_still_admits_the_first_at_once():
    """The bucket holds at least one handshake: a centre configured for one every two seconds
    admits a board straight away, and tells the next one in the same instant to come back."""
    admission = Admission(rate=0.5, wait_s=0.0)
    assert admission.take(100.0) == (0.0, None)
    wait, retry_ms = admission.take(100.0)
    assert wait == 0.0 and 2000 <= retry_ms <= 4000
    assert admission.take(102.0) == (0.0, None)  # two seconds later: its turn
    admission_with_patience = Admission(rate=0.5, wait_s=3.0)
    assert admission_with_patience.take(0.0) == (0.0, None)
    assert admission_with_patience.take(0.0) == (2.0, None)  # waits its turn instead


def test_the_python_client_reads_the_retry_hint():
    busy = ConnectionClosedError(Close(1013, "retry_after_ms=1500"), None)
    assert retry_after_s(busy) == 1.5
    assert retry_after_s(ConnectionClosedError(Close(1013, "database_unavailable"), None)) == 1.0
    assert retry_after_s(ConnectionClosedError(Close(1012, "reconnect with since"), None)) is None


def _statements(app) -> list[str]:
    """Every SQL statement the app's engines run from now on (read and write engines)."""
    seen: list[str] = []
    engines = {id(e): e for e in (app.state.db.engine, app.state.db.read_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_resuming_a_stream_reads_nothing_from_the_database(settings, centre):
    """With the centre watched on this worker and the board's authorisation cached, a board that
    dropped and comes back with `since` gets what it missed from the hub's memory."""
    from fastapi.testclient import TestClient

    from queue_server.app import create_app

    # The event table's tail (other workers' events, every 0.2 s) would add its own SELECT to the
    # statements watched below whenever the machine is slow enough; one worker has no need of it.
    app = create_app(settings.model_copy(update={"db_tail_interval_s": 3600.0}))
    with TestClient(app) as client:
        _resume_from_memory(client, centre, app)


def _resume_from_memory(client, centre, app) -> None:
    with client.websocket_connect(ws_url(centre, "kiosk")) as watcher:
        watcher.receive_json()
        with client.websocket_connect(ws_url(centre)) as board:
            since = board.receive_json()["seq"]
        missed = [issue(client, centre)["display_number"] for _ in range(2)]
        last = receive_until(watcher, lambda m: m["type"] == "queue.updated" and m["seq"] >= since + 4)[-1]["seq"]
        statements = _statements(app)
        with client.websocket_connect(ws_url(centre, since=since)) as board:
            got = receive_until(board, lambda m: m["seq"] == last)
        assert [m["seq"] for m in got] == list(range(since + 1, last + 1))
        assert [m["data"]["display_number"] for m in got if m["type"] == "ticket.issued"] == missed
        # The only statement allowed meanwhile: the batched last-seen write of devices (not this board's).
        assert [s for s in statements if not s.lstrip().upper().startswith("UPDATE DEVICES")] == []


def test_a_revoked_device_with_a_cached_authorisation_is_closed_at_once(client, centre):
    """Its authorisation was cached by its earlier streams; the revocation drops it, and a stream it
    opens after is refused for good (4410), not served until the cache entry ages out."""
    board = client.get("/api/v1/devices/me", headers=centre.auth("display")).json()
    with client.websocket_connect(ws_url(centre, "kiosk")) as watcher:
        watcher.receive_json()
        with client.websocket_connect(ws_url(centre)) as ws:
            since = ws.receive_json()["seq"]
        r = client.post(f"/api/v1/devices/{board['id']}/revoke", headers=centre.auth("admin"))
        assert r.status_code == 200
        receive_until(watcher, lambda m: m["type"] == "device.revoked")
        for resume in (since, None):  # from memory, or with a snapshot
            with client.websocket_connect(ws_url(centre, since=resume)) as ws, pytest.raises(WebSocketDisconnect) as e:
                receive_until(ws, lambda m: False)
            assert e.value.code == 4410


def test_a_staff_member_deactivated_is_no_longer_admitted_from_the_cache(client, centre):
    url = f"/ws?centre={centre.id}&token={centre.tokens['clerk2']}"
    with client.websocket_connect(url) as ws:
        assert ws.receive_json()["type"] == "snapshot"
    r = client.patch(f"/api/v1/users/{centre.user_ids['clerk2']}", json={"active": False}, headers=centre.auth("admin"))
    assert r.status_code == 200
    with client.websocket_connect(url) as ws, pytest.raises(WebSocketDisconnect) as e:
        ws.receive_json()
    assert e.value.code == 4401


def test_boards_resuming_from_the_same_seq_after_a_long_gap_share_one_read(client, centre, app):
    """After a restart every board of a centre comes back with the same `since`, further back than
    the hub's memory: the first board's catch-up is read from the database, the others are
    answered from it — each gets every event it missed once, in order."""
    with client.websocket_connect(ws_url(centre, "kiosk")) as watcher:
        watcher.receive_json()
        with client.websocket_connect(ws_url(centre)) as board:
            since = board.receive_json()["seq"]
        for _ in range(40):  # more events than the hub keeps in memory (RECENT_EVENTS)
            issue(client, centre)
        last = receive_until(watcher, lambda m: m["seq"] >= since + 80, limit=200)[-1]["seq"]
        with client.websocket_connect(ws_url(centre, since=since)) as board:
            first = receive_until(board, lambda m: m["seq"] == last, limit=200)
        statements = _statements(app)
        with client.websocket_connect(ws_url(centre, since=since)) as board:
            second = receive_until(board, lambda m: m["seq"] == last, limit=200)
    assert [m["seq"] for m in first] == list(range(since + 1, last + 1))
    assert second == first
    assert not [s for s in statements if "FROM events" in s]
