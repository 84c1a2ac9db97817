"""Check-in of a booked visitor (docs/queue-policy.md, *Booked visitors*): within the window a
ticket served after priority classes and before walk-ins; too early, told when to come back; too
late, a walk-in's ticket; a booking never checked in is a no-show."""

from datetime import datetime

from queue_server.auth.security import make_access_token
from queue_server.timeutil import VN_TZ
from tests.appointments.helpers import TOMORROW, book, enable_booking
from tests.factories import issue, open_counter

NINE = f"{TOMORROW}T09:00:00+07:00"


def _booked(client, centre, start=NINE, phone="0912345678"):
    enable_booking(client, centre)
    r = book(client, centre, start, phone=phone)
    assert r.status_code == 201, r.text
    return r.json()


def _on(clock, client, centre, hh: int, mm: int) -> None:
    """Wednesday 11/03/2026 at hh:mm; staff sign in again (yesterday's tokens have expired)."""
    clock.set(datetime(2026, 3, 11, hh, mm, tzinfo=VN_TZ))
    settings = client.app.state.settings
    for name, uid in centre.user_ids.items():
        centre.tokens[name] = make_access_token(settings.secret_key, uid, 0, settings.access_token_minutes)


def _check_in(client, centre, **body):
    return client.post("/api/v1/appointments/check-in", json=body, headers=centre.auth("kiosk"))


def test_on_time_goes_after_priority_and_before_walk_ins(client, centre, clock):
    booking = _booked(client, centre)
    token = booking["qr_url"].rsplit("/", 1)[1]
    _on(clock, client, centre, 8, 40)
    walk_in = issue(client, centre, "HOTICH")
    _on(clock, client, centre, 8, 50)
    r = _check_in(client, centre, qr_token=token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["late"] is False and "ưu tiên gọi trước người không đặt lịch" in body["message"]
    booked_ticket = body["ticket"]
    assert booked_ticket["position"] == 1  # ahead of the walk-in who came earlier
    elderly = issue(client, centre, "HOTICH", priority="elderly")
    assert elderly["position"] == 1
    open_counter(client, centre, 1, "clerk1")
    order = []
    for _ in range(3):
        r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
        order.append(r.json()["id"])
    assert order == [elderly["id"], booked_ticket["id"], walk_in["id"]]


def test_scanning_twice_gives_the_same_ticket(client, centre, clock):
    booking = _booked(client, centre)
    _on(clock, client, centre, 8, 55)
    first = _check_in(client, centre, code=booking["code"].lower())
    again = _check_in(client, centre, code=booking["code"])
    assert first.status_code == again.status_code == 200
    assert first.json()["ticket"]["id"] == again.json()["ticket"]["id"]


def test_too_early_is_told_when_to_come_back(client, centre, clock):
    booking = _booked(client, centre)
    _on(clock, client, centre, 8, 30)
    r = _check_in(client, centre, code=booking["code"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "checkin_too_early"
    assert r.json()["error"]["message"] == "Lịch hẹn của bạn lúc 09:00. Mời quay lại xác nhận từ 08:45."


def test_late_becomes_a_walk_in(client, centre, clock):
    booking = _booked(client, centre)
    _on(clock, client, centre, 8, 0)
    issue(client, centre, "HOTICH")
    _on(clock, client, centre, 9, 16)
    r = _check_in(client, centre, code=booking["code"])
    assert r.status_code == 200 and r.json()["late"] is True
    assert "xếp như người đến trực tiếp" in r.json()["message"]
    assert r.json()["ticket"]["position"] == 2  # behind the walk-in who came first


def test_wrong_day_cancelled_and_unknown_are_refused(client, centre, clock):
    booking = _booked(client, centre)
    r = _check_in(client, centre, code=booking["code"])  # today is the day before
    assert r.status_code == 409 and r.json()["error"]["code"] == "checkin_wrong_day"
    assert "không phải hôm nay" in r.json()["error"]["message"]
    r = _check_in(client, centre, code="ZZZZ2222")
    assert r.status_code == 404 and "Không tìm thấy lịch hẹn" in r.json()["error"]["message"]
    client.post(f"/api/v1/appointments/{booking['code']}/cancel", json={"phone": "0912345678"})
    _on(clock, client, centre, 8, 55)
    r = _check_in(client, centre, code=booking["code"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "booking_cancelled"


def test_not_checked_in_after_the_grace_is_a_no_show(client, centre, clock):
    booking = _booked(client, centre)
    _booked(client, centre, start=f"{TOMORROW}T09:15:00+07:00", phone="0987654321")
    _on(clock, client, centre, 9, 20)
    r = client.get(f"/api/v1/centres/{centre.id}/appointments", headers=centre.auth("clerk1"))
    assert r.status_code == 200
    status = {b["code"]: b["status"] for b in r.json()}
    assert status[booking["code"]] == "no_show"
    assert sorted(status.values()) == ["booked", "no_show"]


def test_a_booking_cannot_be_changed_after_check_in(client, centre, clock):
    booking = _booked(client, centre)
    _on(clock, client, centre, 8, 55)
    assert _check_in(client, centre, code=booking["code"]).status_code == 200
    r = client.post(f"/api/v1/appointments/{booking['code']}/cancel", json={"phone": "0912345678"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "booking_checked_in"
