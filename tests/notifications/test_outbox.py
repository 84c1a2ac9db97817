"""The notification outbox (issue 20 item 4): a booking with consent queues one confirmation in
its own transaction; the sender sends it after commit through Apprise to a fake gateway, retries a
failing gateway with backoff on the suite's clock, then marks it failed; a sender restarted (or a
dead sender's claim running out) sends a message once; two senders racing send each message once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from queue_server.app import create_app
from queue_server.appointments.models import Appointment
from queue_server.db import Database
from queue_server.notifications import service
from queue_server.notifications.models import Notification
from queue_server.notifications.sender import Sender
from queue_server.timeutil import aware
from tests.appointments.helpers import book, enable_booking, slots

PHONE = "0912345678"


def _book(client, centre, notify=True, phone=PHONE, index=2):
    enable_booking(client, centre)
    start = slots(client, centre).json()[index]["start"]
    r = book(client, centre, start, phone, notify=notify)
    assert r.status_code == 201, r.text
    return r.json()


def _rows(db) -> list[Notification]:
    with db.unit_of_work() as s:
        rows = list(s.scalars(select(Notification).order_by(Notification.id)))
        s.expunge_all()
        return rows


def _wait_for(predicate, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.05)


def test_the_server_sends_after_commit(settings, gateway, centre_factory_app):
    """Booking with consent → exactly one confirmation, sent by the server's own background sender."""
    client, centre, db = centre_factory_app(settings.model_copy(update={"notify_poll_interval_s": 0.05}))
    booking = _book(client, centre)
    _wait_for(lambda: len(gateway.messages()) >= 1)
    _wait_for(lambda: _rows(db)[0].state == "sent")
    threading.Event().wait(0.3)  # several more polls: nothing sent again
    assert len(gateway.messages()) == 1
    to, text = gateway.messages()[0]
    assert to == PHONE
    assert text == (
        f"Lịch hẹn {booking['code']} đã được xác nhận: Hộ tịch, 08:00 Thứ Tư, 11/03/2026. "
        "Đưa mã này hoặc mã QR vào ki-ốt khi đến để lấy số."
    )


@pytest.fixture
def centre_factory_app():
    """A running app (with its lifespan) on given settings, and a centre in its database."""
    from fastapi.testclient import TestClient

    from tests.factories import build_centre

    opened = []

    def make(settings):
        client = TestClient(create_app(settings))
        client.__enter__()
        opened.append(client)
        db = client.app.state.db
        return client, build_centre(db, client), db

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def test_no_consent_or_no_url_no_message(client, centre, db, settings, gateway):
    _book(client, centre, notify=False)
    assert _rows(db) == []
    off = settings.model_copy(update={"notify_url": ""})
    app = create_app(off)
    assert not hasattr(app.state, "notifier")  # no sender without a URL
    assert Sender(db, settings).run_once() == 0 and gateway.messages() == []


def test_one_event_one_message(client, centre, db):
    booking = _book(client, centre)
    with db.unit_of_work() as s:  # the same event recorded again (a retried request, a replay) is ignored
        appointment_id = s.scalar(select(Appointment.id))
        service.record(s, centre.id, "booking_confirmed", appointment_id, PHONE, "lại")
    rows = _rows(db)
    assert len(rows) == 1 and booking["code"] in rows[0].text and rows[0].state == "queued"


def test_staff_see_each_message_as_it_stands(client, centre, db, settings, gateway, clock):
    """GET …/notifications: a queued message shows when it will be tried, a sent one when it went;
    the phone is masked, every field named as /admin reads it."""
    booking = _book(client, centre)
    url = f"/api/v1/centres/{centre.id}/notifications"
    [queued] = client.get(url, headers=centre.auth("admin")).json()
    row = _rows(db)[0]
    assert queued == {
        "id": row.id,
        "kind": "booking_confirmed",
        "phone_masked": "*******678",
        "text": row.text,
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": aware(row.next_attempt_at).isoformat().replace("+00:00", "Z"),
        "last_error": None,
        "created_at": aware(row.created_at).isoformat().replace("+00:00", "Z"),
        "sent_at": None,
    }
    assert booking["code"] in queued["text"]
    assert Sender(db, settings).run_once() == 1
    [sent] = client.get(url, headers=centre.auth("manager")).json()
    assert (sent["state"], sent["attempts"], sent["next_attempt_at"]) == ("sent", 1, None)
    assert sent["sent_at"] == aware(_rows(db)[0].sent_at).isoformat().replace("+00:00", "Z")


def test_failing_gateway_is_retried_with_backoff_then_marked_failed(client, centre, db, settings, gateway, clock):
    _book(client, centre)
    gateway.status = 500
    sender = Sender(db, settings)
    clock.freeze(clock.now())
    waits = []
    for attempt in (1, 2):
        assert sender.run_once() == 1
        row = _rows(db)[0]
        assert (row.state, row.attempts) == ("queued", attempt)
        assert "500" in row.last_error
        wait = (aware(row.next_attempt_at) - clock.now()).total_seconds()
        initial = settings.notify_retry_initial_s
        # tenacity's exponential wait plus jitter: initial·2^(n-1) plus up to `initial`
        assert initial * 2 ** (attempt - 1) <= wait <= initial * 2 ** (attempt - 1) + initial
        waits.append(wait)
        assert sender.run_once() == 0  # not due yet: nothing is tried
        clock.advance(seconds=wait + 1)
    assert waits[1] >= waits[0]
    assert sender.run_once() == 1  # the third and last attempt (notify_max_attempts=3)
    row = _rows(db)[0]
    assert (row.state, row.attempts) == ("failed", 3) and "500" in row.last_error
    clock.advance(hours=2)
    assert sender.run_once() == 0 and len(gateway.messages()) == 3
    # shown to staff, phone masked
    r = client.get(f"/api/v1/centres/{centre.id}/notifications", headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    [shown] = r.json()
    assert shown["state"] == "failed" and shown["attempts"] == 3 and "500" in shown["last_error"]
    assert shown["phone_masked"] == "*******678" and PHONE not in r.text
    r = client.get(f"/api/v1/centres/{centre.id}/notifications?state=sent", headers=centre.auth("manager"))
    assert r.status_code == 200 and r.json() == []


def test_a_restarted_sender_sends_once(client, centre, db, settings, gateway, clock):
    """The server stops after the booking's commit, before sending: a new app on the same database sends it once."""
    _book(client, centre)
    client.__exit__(None, None, None)  # the first server stops: nothing was sent
    assert gateway.messages() == [] and _rows(db)[0].state == "queued"
    restarted = create_app(settings)
    assert Sender(restarted.state.db, settings).run_once() == 1
    assert Sender(Database(settings.database_url), settings).run_once() == 0  # and again: nothing
    assert len(gateway.messages()) == 1 and _rows(db)[0].state == "sent"
    restarted.state.db.dispose()


def test_a_dead_senders_claim_runs_out_then_the_message_is_sent_once(client, centre, db, settings, gateway, clock):
    _book(client, centre)
    with db.unit_of_work() as s:
        assert len(service.claim_due(s)) == 1  # a sender claims it, then dies before sending
    other = Sender(Database(settings.database_url), settings)
    assert other.run_once() == 0  # held by the dead sender's claim
    clock.advance(seconds=service.CLAIM_S + 1)
    assert other.run_once() == 1 and other.run_once() == 0
    assert len(gateway.messages()) == 1


def test_two_senders_racing_send_each_message_once(client, centre, db, settings, gateway):
    with db.unit_of_work() as s:
        for i in range(30):
            service.record(s, centre.id, "booking_confirmed", 1000 + i, f"09000000{i:02d}", f"tin {i}")
    gateway.delay_s = 0.01
    senders = [Sender(Database(settings.database_url), settings) for _ in range(2)]
    tried = [0, 0]
    start = threading.Barrier(2)

    def run(k):
        start.wait()
        while n := senders[k].run_once():
            tried[k] += n

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    texts = sorted(text for _, text in gateway.messages())
    assert texts == sorted(f"tin {i}" for i in range(30))  # each once
    assert sum(tried) == 30
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(Notification.state == "sent")) == 30
    for sender in senders:
        sender.db.dispose()


def test_the_booking_page_asks_for_consent_only_when_messages_are_sent(client, settings):
    assert 'id="notify-consent" hidden' not in client.get("/hen").text  # this app sends (notify_url set)
    off = create_app(settings.model_copy(update={"notify_url": ""}))
    from fastapi.testclient import TestClient

    with TestClient(off) as other:
        assert 'id="notify-consent" hidden' in other.get("/hen").text
