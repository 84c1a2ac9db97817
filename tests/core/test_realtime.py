"""The event stream: snapshot, live events, and resume without loss or duplicates."""

from tests.factories import issue, open_counter


def ws_url(centre, who="display", since=None):
    url = f"/ws?centre={centre.id}&token={centre.tokens[who]}"
    return url + (f"&since={since}" if since is not None else "")


def receive_until(ws, predicate, limit=50):
    seen = []
    for _ in range(limit):
        msg = ws.receive_json()
        if msg["type"] == "heartbeat":
            continue
        seen.append(msg)
        if predicate(msg):
            return seen
    raise AssertionError(f"not received; got {[m['type'] for m in seen]}")


def test_snapshot_then_live_events(client, centre):
    issue(client, centre)
    with client.websocket_connect(ws_url(centre)) as ws:
        snap = ws.receive_json()
        assert snap["type"] == "snapshot"
        hotich = next(s for s in snap["data"]["services"] if s["code"] == "HOTICH")
        assert hotich["waiting"] == 1 and snap["data"]["centre"]["notice"] == "Thông báo thử"
        open_counter(client, centre, 1, "clerk1")
        client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
        msgs = receive_until(ws, lambda m: m["type"] == "ticket.called")
        called = msgs[-1]
        assert called["data"]["display_number"] == "A001" and called["data"]["counter_number"] == 1
        seqs = [snap["seq"]] + [m["seq"] for m in msgs]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_reconnect_with_since_gets_every_missed_event_once_in_order(client, centre):
    with client.websocket_connect(ws_url(centre)) as ws:
        last = ws.receive_json()["seq"]
        issue(client, centre)
        last = receive_until(ws, lambda m: m["type"] == "queue.updated")[-1]["seq"]
    missed = [issue(client, centre)["display_number"] for _ in range(3)]
    with client.websocket_connect(ws_url(centre, since=last)) as ws:
        msgs = receive_until(ws, lambda m: m["type"] == "queue.updated" and m["seq"] == last + 6)
        assert [m["seq"] for m in msgs] == list(range(last + 1, last + 7))
        assert [m["data"]["display_number"] for m in msgs if m["type"] == "ticket.issued"] == missed
        issue(client, centre)
        live = receive_until(ws, lambda m: m["type"] == "ticket.issued")
        assert live[-1]["seq"] == last + 7


def test_too_old_or_future_since_gets_a_snapshot(client, centre, app):
    with client.websocket_connect(ws_url(centre)) as ws:
        before = ws.receive_json()["seq"]  # the centre's set-up itself left events (counters, config.updated)
    for _ in range(2):
        issue(client, centre)
    with client.websocket_connect(ws_url(centre, since=10_000)) as ws:  # server's log is behind: e.g. restored backup
        msg = ws.receive_json()
        assert msg["type"] == "snapshot" and msg["seq"] == before + 4
    app.state.settings.ws_replay_limit = 1
    with client.websocket_connect(ws_url(centre, since=0)) as ws:
        assert ws.receive_json()["type"] == "snapshot"


def test_heartbeat_carries_last_seq(client, centre):
    with client.websocket_connect(ws_url(centre)) as ws:
        snap = ws.receive_json()
        beat = ws.receive_json()  # heartbeat interval is 1 s in tests
        assert beat["type"] == "heartbeat" and beat["seq"] == snap["seq"]


def test_bad_tokens_and_other_centres_are_closed(client, centre):
    import pytest
    from starlette.websockets import WebSocketDisconnect

    for url, code in [
        (f"/ws?centre={centre.id}&token=mdv_nope", 4401),
        (f"/ws?centre={centre.id + 99}&token={centre.tokens['display']}", 4403),
        (f"/ws?centre=abc&token={centre.tokens['display']}", 4400),
    ]:
        with client.websocket_connect(url) as ws:
            with pytest.raises(WebSocketDisconnect) as exc:
                ws.receive_json()
            assert exc.value.code == code


def test_live_events_are_exactly_what_a_client_replaying_them_reads(client, centre):
    """The live stream and the replay after a reconnect are the same events, byte for byte once decoded."""
    with client.websocket_connect(ws_url(centre)) as ws:
        start = ws.receive_json()["seq"]
        issue(client, centre)
        issue(client, centre, priority="elderly")
        open_counter(client, centre, 1, "clerk1")
        client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
        live = receive_until(ws, lambda m: m["type"] == "ticket.called")
        live += receive_until(ws, lambda m: m["type"] == "queue.updated")  # the call's last event
    with client.websocket_connect(ws_url(centre, since=start)) as ws:
        replayed = receive_until(ws, lambda m: m["seq"] == live[-1]["seq"])
    assert [m["seq"] for m in live] == list(range(start + 1, start + 1 + len(live)))
    assert live == replayed


def test_revoking_a_device_closes_its_open_stream_at_once(client, centre):
    """The board's stream is closed with 4410 by the revocation itself (no reconnect, no timer);
    other clients of the centre keep theirs, and the revoked token is refused everywhere after."""
    import pytest
    from starlette.websockets import WebSocketDisconnect

    board = client.get("/api/v1/devices/me", headers=centre.auth("display")).json()
    with client.websocket_connect(ws_url(centre)) as ws, client.websocket_connect(ws_url(centre, "kiosk")) as other:
        ws.receive_json(), other.receive_json()
        r = client.post(f"/api/v1/devices/{board['id']}/revoke", headers=centre.auth("admin"))
        assert r.status_code == 200 and r.json()["revoked"]
        with pytest.raises(WebSocketDisconnect) as exc:
            receive_until(ws, lambda m: False)
        assert exc.value.code == 4410
        # Everyone else is told which device went (admin screens), and keeps its stream.
        assert receive_until(other, lambda m: m["type"] == "device.revoked")[-1]["data"] == {"device_id": board["id"]}
        issue(client, centre)
        receive_until(other, lambda m: m["type"] == "ticket.issued")
    with client.websocket_connect(ws_url(centre)) as ws, pytest.raises(WebSocketDisconnect) as exc:
        ws.receive_json()
    assert exc.value.code == 4410
    r = client.get("/api/v1/devices/me", headers=centre.auth("display"))
    assert r.status_code == 401 and r.json()["error"] == {
        "code": "device_revoked",
        "message": "Thiết bị đã bị thu hồi. Liên hệ quản trị viên để được cấp mã mới.",
    }
    r = client.get("/api/v1/devices/me", headers={"Authorization": "Bearer mdv_never-issued"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_a_worker_watching_many_centres_reads_their_last_seqs_in_one_statement(client, centre, db):
    """The hub's safety tail checks every watched centre every few seconds: a province's 200 centres
    are one statement, not 200 (the 200 × 10 boards bench spent about half its CPU on them)."""
    from sqlalchemy import event

    from queue_server.realtime.service import last_seq, last_seqs

    issue(client, centre)
    statements = []
    with db.reading() as s:
        one = last_seq(s, centre.id)
        event.listen(db.read_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        latest = last_seqs(s, [centre.id, *range(10_000, 10_200)])
    assert one > 0 and latest[centre.id] == one
    assert len(latest) == 201 and all(latest[c] == 0 for c in range(10_000, 10_200))  # no event yet
    assert len(statements) == 1
