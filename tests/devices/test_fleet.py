"""The device fleet: heartbeats with version and hardware state, the fleet list, and the dashboard
alerts they raise and clear — each change published on the event stream, not every beat."""

from datetime import timedelta

from queue_server.auth.models import Device
from queue_server.devices.service import sweep
from tests.core.test_realtime import receive_until, ws_url

KIOSK_OK = {"app_version": "kiosk 0.1.0", "hardware": {"printer": "ok", "scanner": "ok"}}
PAPER_OUT = {"app_version": "kiosk 0.1.0", "hardware": {"printer": "paper_out", "scanner": "ok"}}


def beat(client, centre, body, who="kiosk"):
    r = client.post("/api/v1/devices/me/heartbeat", json=body, headers=centre.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def alerts(client, centre, who="admin"):
    r = client.get("/api/v1/dashboard/live", headers=centre.auth(who))
    assert r.status_code == 200, r.text
    return {(a["kind"], a["device_id"]) for a in r.json()["alerts"] if "device_id" in a}  # not the calendar's


def fleet(client, centre, who="admin", **params):
    r = client.get("/api/v1/fleet", params=params, headers=centre.auth(who))
    assert r.status_code == 200, r.text
    return {d["kind"] if d["kind"] != "tablet" else f"tablet{d['counter_id']}": d for d in r.json()}


def test_paper_out_heartbeat_raises_the_alert_on_the_stream_and_paper_back_clears_it(client, centre):
    kiosk_id = client.get("/api/v1/devices/me", headers=centre.auth("kiosk")).json()["id"]
    with client.websocket_connect(ws_url(centre)) as ws:
        ws.receive_json()
        assert beat(client, centre, KIOSK_OK)["next_in_s"] == 120
        state = receive_until(ws, lambda m: m["type"] == "device.state")[-1]["data"]
        assert state["device_id"] == kiosk_id and state["hardware"] == {"printer": "ok", "scanner": "ok"}
        assert ("paper_out", kiosk_id) not in alerts(client, centre)

        beat(client, centre, PAPER_OUT)
        state = receive_until(ws, lambda m: m["type"] == "device.state")[-1]["data"]
        assert state["hardware"]["printer"] == "paper_out" and state["online"]
        assert ("paper_out", kiosk_id) in alerts(client, centre)
        view = fleet(client, centre)["kiosk"]
        assert view["online"] and view["app_version"] == "kiosk 0.1.0" and view["problems"] == ["printer.paper_out"]

        # The same state again is only "seen": no event for every beat.
        beat(client, centre, PAPER_OUT)
        beat(client, centre, KIOSK_OK)
        msgs = receive_until(ws, lambda m: m["type"] == "device.state")
        assert [m["type"] for m in msgs].count("device.state") == 1 and msgs[-1]["data"]["hardware"]["printer"] == "ok"
    assert ("paper_out", kiosk_id) not in alerts(client, centre)
    assert fleet(client, centre)["kiosk"]["problems"] == []


def test_other_printer_states_scanner_and_audio(client, centre):
    beat(
        client, centre, {"app_version": "kiosk 0.1.0", "hardware": {"printer": "paper_near_end", "scanner": "missing"}}
    )
    beat(client, centre, {"app_version": "board 1 · Chrome 120", "hardware": {"audio": "muted"}}, who="display")
    devices = fleet(client, centre)
    assert devices["kiosk"]["problems"] == ["printer.paper_near_end", "scanner.missing"]
    assert devices["display"]["problems"] == ["audio.muted"] and devices["display"]["hardware"] == {
        "printer": None,
        "scanner": None,
        "audio": "muted",
    }
    kinds = {k for k, _ in alerts(client, centre)}
    assert "paper_near_end" in kinds and "paper_out" not in kinds
    beat(client, centre, {"app_version": "kiosk 0.1.0", "hardware": {"printer": "cover_open"}})
    live = client.get("/api/v1/dashboard/live", headers=centre.auth("admin")).json()["alerts"]
    assert any(a["kind"] == "printer_fault" and a["message"].endswith("nắp máy in đang mở.") for a in live)


def test_a_silent_device_is_reported_once_by_the_sweep_and_cleared_when_it_speaks(client, centre, db, clock):
    now = clock.now()
    tablet_id = client.get("/api/v1/devices/me", headers=centre.auth("tablet")).json()["id"]
    beat(client, centre, {"app_version": "tablet 0.1.0"}, who="tablet")
    with db.unit_of_work() as s:
        s.get(Device, tablet_id).last_seen_at = now - timedelta(seconds=121)
    with client.websocket_connect(ws_url(centre)) as ws:
        ws.receive_json()
        with db.unit_of_work() as s:
            assert (tablet_id, False) in sweep(s, 120, now=now)
        with db.unit_of_work() as s:
            assert sweep(s, 120, now=now + timedelta(seconds=10)) == []  # reported once, not on every pass
        msg = receive_until(ws, lambda m: m["type"] == "device.state")[-1]["data"]
        assert msg == {**msg, "device_id": tablet_id, "online": False}
        assert ("device_offline", tablet_id) in alerts(client, centre)
        view = fleet(client, centre)[f"tablet{centre.counter_ids[1]}"]
        assert not view["online"] and view["silent_s"] >= 121 and view["problems"] == ["offline"]

        beat(client, centre, {"app_version": "tablet 0.1.1"}, who="tablet")
        msg = receive_until(ws, lambda m: m["type"] == "device.state")[-1]["data"]
        assert msg["device_id"] == tablet_id and msg["online"] and msg["app_version"] == "tablet 0.1.1"
    assert ("device_offline", tablet_id) not in alerts(client, centre)


def test_a_device_seen_by_other_requests_comes_back_through_the_sweep(client, centre, db, clock):
    now = clock.now()
    kiosk_id = client.get("/api/v1/devices/me", headers=centre.auth("kiosk")).json()["id"]
    with db.unit_of_work() as s:
        s.get(Device, kiosk_id).last_seen_at = now - timedelta(minutes=5)
        assert (kiosk_id, False) in sweep(s, 120, now=now)
    with db.unit_of_work() as s:
        s.get(Device, kiosk_id).last_seen_at = now  # e.g. it issued a ticket
    with db.unit_of_work() as s:
        assert sweep(s, 120, now=now) == [(kiosk_id, True)]


def test_fleet_is_for_admins_and_managers_of_the_centre(client, centre):
    devices = fleet(client, centre, "manager")
    assert {"kiosk", "display", "console"} <= set(devices)
    assert all(not d["online"] and d["last_seen_at"] is None or d["online"] for d in devices.values())
    assert fleet(client, centre, centre_id=centre.id).keys() == devices.keys()
    r = client.get("/api/v1/fleet", params={"centre_id": centre.id + 99}, headers=centre.auth("manager"))
    assert r.status_code == 403
    assert client.get("/api/v1/fleet", headers=centre.auth("clerk1")).status_code == 403
    assert client.get("/api/v1/fleet", headers=centre.auth("kiosk")).status_code == 403


def test_heartbeats_are_bounded(client, centre):
    for body in [
        {"app_version": "x" * 61},
        {"app_version": ""},
        {"app_version": "k", "hardware": {"printer": "on fire"}},
        {"app_version": "k", "hardware": {"printer": "ok", "toaster": "ok"}},
    ]:
        r = client.post("/api/v1/devices/me/heartbeat", json=body, headers=centre.auth("kiosk"))
        assert r.status_code == 422, body
    r = client.post("/api/v1/devices/me/heartbeat", json=KIOSK_OK, headers=centre.auth("clerk1"))
    assert r.status_code == 403


def test_a_new_device_comes_with_its_enrolment_qr_once(client, centre):
    from hardware.payloads import parse_payload

    r = client.post(
        "/api/v1/devices",
        json={"kind": "kiosk", "centre_id": centre.id, "name": "Kiosk 2"},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 201, r.text
    made = r.json()
    enrolment = parse_payload(made["enrolment_payload"])
    assert (enrolment.kind, enrolment.server_url, enrolment.token) == ("enrolment", "http://testserver", made["token"])
    assert made["enrolment_qr_svg"].startswith("<?xml") and "<svg" in made["enrolment_qr_svg"]
    listed = client.get("/api/v1/devices", headers=centre.auth("admin")).json()
    assert all("token" not in d and "enrolment_payload" not in d for d in listed)  # shown once
