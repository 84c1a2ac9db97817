"""Numbers taken from the phone (lấy số từ xa, docs/queue-policy.md): off by default, a cap per
clock hour, one per phone, and a remote number called twice without the visitor goes to the
«Vắng mặt» list instead of back into the queue."""

from datetime import datetime

import pytest

from queue_server.timeutil import VN_TZ
from tests.appointments.helpers import enable_booking
from tests.factories import issue, open_counter


def _take(client, centre, phone="0912345678", service="HOTICH"):
    return client.post(
        "/api/v1/appointments/remote-ticket", json={"service_id": centre.service_ids[service], "phone": phone}
    )


def test_off_by_default(client, centre):
    r = _take(client, centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "remote_not_offered"
    assert "không cho lấy số từ xa" in r.json()["error"]["message"]


@pytest.fixture(params=[(9, 20), (14, 40)], ids=["09:20", "14:40"])
def now(request, clock) -> datetime:
    """The suite's Tuesday at a fixed time of day, standing still (set before the centre's tokens)."""
    when = datetime(2026, 3, 10, *request.param, tzinfo=VN_TZ)
    clock.freeze(when)
    return when


def test_cap_per_hour_and_one_per_phone(now, client, centre):
    enable_booking(client, centre, remote_enabled=True, remote_per_hour=2)
    first = _take(client, centre)
    assert first.status_code == 201, first.text
    assert first.json()["track_url"].startswith("http://testserver/t/")
    assert first.json()["position"] == 1
    assert first.json()["absence_rule"] == (  # the rule below, as /hen states it
        "Nếu được gọi hai lần mà bạn chưa có mặt tại quầy, số của bạn không được xếp lại vào hàng chờ "
        "mà chuyển vào danh sách vắng mặt; trong 30 phút sau đó, hãy đến quầy để được gọi lại."
    )
    again = _take(client, centre)
    assert again.status_code == 409 and again.json()["error"]["code"] == "remote_already_taken"
    assert _take(client, centre, phone="0987654321").status_code == 201
    third = _take(client, centre, phone="0911111111")
    assert third.status_code == 409 and third.json()["error"]["code"] == "remote_cap_reached"
    assert third.json()["error"]["message"] == (
        f"Dịch vụ Hộ tịch đã hết lượt lấy số từ xa trong khung {now.hour:02d}:00–{now.hour + 1:02d}:00. "
        f"Mời thử lại sau {now.hour + 1:02d}:00 hoặc lấy số tại máy ở trung tâm."
    )
    assert issue(client, centre, "HOTICH")["position"] == 3  # the kiosk is not capped


def test_called_twice_without_arrival_goes_to_the_missed_list(client, centre):
    enable_booking(client, centre, remote_enabled=True)
    remote = _take(client, centre).json()
    walk_in = issue(client, centre, "HOTICH")
    open_counter(client, centre, 1, "clerk1")
    counter = centre.counter_ids[1]
    auth = centre.auth("clerk1")
    assert client.post(f"/api/v1/counters/{counter}/call-next", headers=auth).json()["id"] == remote["id"]
    assert client.post(f"/api/v1/tickets/{remote['id']}/recall", headers=auth).status_code == 200
    r = client.post(f"/api/v1/tickets/{remote['id']}/skip", json={"requeue": True}, headers=auth)
    assert r.status_code == 200 and r.json()["state"] == "no_show"
    missed = client.get(f"/api/v1/counters/{counter}/missed", headers=auth).json()
    assert [m["id"] for m in missed] == [remote["id"]]
    # a walk-in skipped the same way goes back into the queue, as before
    assert client.post(f"/api/v1/counters/{counter}/call-next", headers=auth).json()["id"] == walk_in["id"]
    client.post(f"/api/v1/tickets/{walk_in['id']}/recall", headers=auth)
    r = client.post(f"/api/v1/tickets/{walk_in['id']}/skip", json={"requeue": True}, headers=auth)
    assert r.json()["state"] == "waiting"


def test_remote_number_called_once_is_requeued(client, centre):
    enable_booking(client, centre, remote_enabled=True)
    remote = _take(client, centre).json()
    open_counter(client, centre, 1, "clerk1")
    auth = centre.auth("clerk1")
    client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=auth)
    r = client.post(f"/api/v1/tickets/{remote['id']}/skip", json={"requeue": True}, headers=auth)
    assert r.json()["state"] == "waiting"
