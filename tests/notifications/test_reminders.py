"""«Nhắc lịch hẹn ngày mai»: from the reminder hour the day before, each active booking for
tomorrow whose visitor agreed to messages gets exactly one reminder; cancelled bookings, visitors
without consent and other days get none; running again adds nothing."""

from __future__ import annotations

from sqlalchemy import select

from queue_server.notifications.models import Notification
from queue_server.notifications.reminders import record_due_reminders
from queue_server.notifications.sender import Sender
from tests.appointments.helpers import TOMORROW, book, enable_booking


def _book(client, centre, phone: str, notify: bool, day: str = TOMORROW, at: str = "09:00") -> dict:
    r = book(client, centre, f"{day}T{at}:00+07:00", phone, name="Phạm Văn Dũng", notify=notify)
    assert r.status_code == 201, r.text
    return r.json()


def _reminders(db) -> list[tuple[str, str]]:
    with db.unit_of_work() as s:
        rows = s.execute(
            select(Notification.phone, Notification.text)
            .where(Notification.kind == "appointment_reminder")
            .order_by(Notification.phone)
        )
        return [tuple(row) for row in rows]


def _run(db, now) -> int:
    with db.unit_of_work() as s:
        return record_due_reminders(s, now, 17)


def test_one_reminder_per_consenting_booking_for_tomorrow(client, centre, db, clock):
    enable_booking(client, centre, days_ahead=14)
    wanted = _book(client, centre, "0911000001", True)
    _book(client, centre, "0911000002", False)  # no consent
    cancelled = _book(client, centre, "0911000003", True, at="09:15")
    r = client.post(f"/api/v1/appointments/{cancelled['code']}/cancel", json={"phone": "0911000003"})
    assert r.status_code == 200, r.text
    _book(client, centre, "0911000004", True, day="2026-03-12")  # the day after tomorrow
    clock.set(clock.at("16:59"))
    assert _run(db, clock.now()) == 0 and _reminders(db) == []  # before the hour: nothing
    clock.set(clock.at("17:00"))
    assert _run(db, clock.now()) == 1
    assert _reminders(db) == [
        (
            "0911000001",
            f"Nhắc lịch hẹn ngày mai: Hộ tịch, 09:00 Thứ Tư, 11/03/2026, mã {wanted['code']}. "
            "Đưa mã này hoặc mã QR vào ki-ốt khi đến để lấy số.",
        )
    ]
    clock.advance(hours=3)
    assert _run(db, clock.now()) == 0 and len(_reminders(db)) == 1  # again: no duplicate


def test_the_sender_sends_the_reminder_once(client, centre, db, settings, gateway, clock):
    enable_booking(client, centre)
    _book(client, centre, "0911000005", True)
    sender = Sender(db, settings)
    sender.run_once()  # the confirmation
    clock.set(clock.at("18:30"))
    for _ in range(2):  # two polls of the sender loop
        sender.record_reminders()
        sender.run_once()
    reminders = [m for m in gateway.messages() if m[1].startswith("Nhắc lịch hẹn ngày mai")]
    assert reminders and len(reminders) == 1 and reminders[0][0] == "0911000005"


def test_a_booking_made_after_the_hour_is_not_reminded_the_same_evening(client, centre, db, clock):
    clock.set(clock.at("19:00"))
    enable_booking(client, centre)
    _book(client, centre, "0911000006", True)
    assert _run(db, clock.now()) == 0
