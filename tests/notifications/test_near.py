"""«Còn N người nữa đến lượt bạn»: a booked visitor's ticket that a call leaves exactly N ahead
gets one message, queued in the call's transaction and sent by the outbox."""

from __future__ import annotations

from datetime import datetime

import pytest

from queue_server.auth.security import make_access_token
from queue_server.notifications.sender import Sender
from queue_server.timeutil import VN_TZ
from tests.appointments.helpers import TOMORROW, enable_booking
from tests.factories import issue, open_counter

PHONE = "0987654321"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"notify_near_ahead": 2})


def _on_wednesday(clock, client, centre, hh: int, mm: int) -> None:
    clock.set(datetime(2026, 3, 11, hh, mm, tzinfo=VN_TZ))
    settings = client.app.state.settings
    for name, uid in centre.user_ids.items():
        centre.tokens[name] = make_access_token(settings.secret_key, uid, 0, settings.access_token_minutes)


@pytest.mark.parametrize("consent", [True, False])
def test_a_booked_visitor_n_ahead_is_told_once(client, centre, db, settings, gateway, clock, consent):
    enable_booking(client, centre)
    r = client.post(
        "/api/v1/appointments",
        json={
            "service_id": centre.service_ids["HOTICH"],
            "start": f"{TOMORROW}T09:00:00+07:00",
            "full_name": "Trần Thị Bình",
            "phone": PHONE,
            "notify": consent,
        },
    )
    assert r.status_code == 201, r.text
    _on_wednesday(clock, client, centre, 8, 50)
    r = client.post("/api/v1/appointments/check-in", json={"code": r.json()["code"]}, headers=centre.auth("kiosk"))
    assert r.status_code == 200, r.text
    booked = r.json()["ticket"]
    for _ in range(4):  # priority classes go ahead of booked visitors
        issue(client, centre, "HOTICH", priority="elderly")
    open_counter(client, centre, 1, "clerk1")
    sender = Sender(db, settings)
    sender.run_once()  # the booking's confirmation (with consent)
    confirmations = len(gateway.messages())

    def told():  # the «near» messages (being called sends its own, test_called.py)
        return [m for m in gateway.messages() if "người nữa đến lượt bạn" in m[1]]

    near = []
    for _ in range(5):  # 4 ahead → 3 → 2 (told) → 1 → 0 → called
        r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
        assert r.status_code == 200, r.text
        sender.run_once()
        near.append(len(told()))
    assert r.json()["id"] == booked["id"]
    if not consent:
        assert near == [0] * 5 and confirmations == 0 and gateway.messages() == []
        return
    assert near == [0, 1, 1, 1, 1]  # told when 2 were left ahead, and only then
    to, text = told()[0]
    assert to == PHONE
    assert text == (
        f"Số {booked['display_number']} (Hộ tịch): còn 2 người nữa đến lượt bạn. "
        "Vui lòng có mặt gần khu vực quầy để không lỡ lượt."
    )
