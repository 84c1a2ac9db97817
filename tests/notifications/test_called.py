"""«Mời số … đến quầy …»: a booked visitor who agreed to messages is told once when the ticket is
called, naming the counter; a recall sends nothing more; without consent nothing is sent."""

from __future__ import annotations

import pytest

from queue_server.notifications.sender import Sender
from tests.appointments.helpers import TOMORROW, book, enable_booking
from tests.factories import open_counter
from tests.notifications.test_near import PHONE, _on_wednesday


@pytest.mark.parametrize("consent", [True, False])
def test_a_called_booked_visitor_is_told_the_counter_once(client, centre, db, settings, gateway, clock, consent):
    enable_booking(client, centre)
    r = book(client, centre, f"{TOMORROW}T09:00:00+07:00", PHONE, name="Trần Thị Bình", notify=consent)
    assert r.status_code == 201, r.text
    _on_wednesday(clock, client, centre, 8, 50)
    r = client.post("/api/v1/appointments/check-in", json={"code": r.json()["code"]}, headers=centre.auth("kiosk"))
    assert r.status_code == 200, r.text
    number = r.json()["ticket"]["display_number"]
    open_counter(client, centre, 1, "clerk1")
    sender = Sender(db, settings)
    sender.run_once()  # the confirmation (with consent)
    before = len(gateway.messages())
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert r.status_code == 200 and r.json()["display_number"] == number, r.text
    sender.run_once()
    r = client.post(f"/api/v1/tickets/{r.json()['id']}/recall", headers=centre.auth("clerk1"))
    assert r.status_code == 200, r.text
    sender.run_once()
    called = gateway.messages()[before:]
    if not consent:
        assert called == [] and before == 0
        return
    assert called == [(PHONE, f"Mời số {number} đến Quầy 1 (quầy số 1) để được phục vụ.")]
