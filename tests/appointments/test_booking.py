"""Booking (đặt lịch hẹn): slots from the service's hours on the centre's working days, one active
booking per phone, service and day, cancel and reschedule by code and phone, and the same refusal
for an unknown code and a wrong phone."""

from tests.appointments.helpers import TOMORROW, book, enable_booking, slots


def test_slots_follow_the_centre_hours_and_capacity(client, centre):
    enable_booking(client, centre, slot_minutes=30, slot_capacity=3)
    r = slots(client, centre)
    assert r.status_code == 200, r.text
    got = r.json()
    # no issuing hours of its own: the centre's receiving sessions, 07:30–11:00 and 13:00–16:30
    assert got[0]["start"].startswith(f"{TOMORROW}T07:30:00+07:00") or got[0]["start"] == f"{TOMORROW}T00:30:00Z"
    assert len(got) == 14
    assert all(s["capacity"] == 3 and s["available"] == 3 for s in got)


def test_booking_is_off_by_default_and_today_is_not_bookable(client, centre):
    r = slots(client, centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "booking_not_offered"
    enable_booking(client, centre)
    r = slots(client, centre, day="2026-03-10")
    assert r.status_code == 422 and "từ ngày mai" in r.json()["error"]["message"]
    r = slots(client, centre, day="2026-03-14")  # a Saturday
    assert r.status_code == 409 and r.json()["error"]["code"] == "booking_day_closed"
    assert "không làm việc" in r.json()["error"]["message"]


def test_holiday_of_the_calendar_has_no_slots(client, centre):
    enable_booking(client, centre, days_ahead=60)
    r = slots(client, centre, day="2026-04-30")  # Ngày Giải phóng miền Nam
    assert r.status_code == 409 and r.json()["error"]["code"] == "booking_day_closed"


def test_book_takes_a_place_and_one_per_phone_per_day(client, centre):
    enable_booking(client, centre, slot_capacity=1)
    start = slots(client, centre).json()[2]["start"]
    r = book(client, centre, start)
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["code"]) == 8 and body["qr_url"].startswith("http://testserver/h/")
    assert body["phone_masked"] == "091****678" and body["status"] == "booked"
    after = {s["start"]: s for s in slots(client, centre).json()}
    assert after[start]["available"] == 0
    r = book(client, centre, start, phone="0987654321")
    assert r.status_code == 409 and r.json()["error"]["code"] == "slot_full"
    assert "đã hết chỗ" in r.json()["error"]["message"]
    other = slots(client, centre).json()[5]["start"]
    r = book(client, centre, other)  # same phone, same service, same day
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_booked"
    assert body["code"] not in r.json()["error"]["message"]


def test_not_a_slot_and_bad_phone_are_refused(client, centre):
    enable_booking(client, centre)
    r = book(client, centre, f"{TOMORROW}T07:31:00+07:00")
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_a_slot"
    r = book(client, centre, f"{TOMORROW}T07:30:00+07:00", phone="12345")
    assert r.status_code == 422


def test_cancel_and_reschedule_by_code_and_phone(client, centre):
    enable_booking(client, centre, slot_capacity=1)
    first, second = (s["start"] for s in slots(client, centre).json()[:2])
    code = book(client, centre, first).json()["code"]
    r = client.post(f"/api/v1/appointments/{code}/reschedule", json={"phone": "0912 345 678", "start": second})
    assert r.status_code == 200, r.text
    assert r.json()["start"] == second or r.json()["start"].replace("Z", "+00:00")
    left = {s["start"]: s["available"] for s in slots(client, centre).json()}
    assert left[first] == 1 and left[second] == 0
    r = client.post(f"/api/v1/appointments/{code}/cancel", json={"phone": "+84912345678"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert {s["start"]: s["available"] for s in slots(client, centre).json()}[second] == 1
    r = client.post(f"/api/v1/appointments/{code}/cancel", json={"phone": "0912345678"})
    assert r.status_code == 409 and "đã được hủy" in r.json()["error"]["message"]
    # the phone is free again that day
    assert book(client, centre, first).status_code == 201


def test_wrong_phone_and_unknown_code_answer_alike(client, centre):
    enable_booking(client, centre)
    code = book(client, centre, slots(client, centre).json()[0]["start"]).json()["code"]
    wrong_phone = client.post(f"/api/v1/appointments/{code}/find", json={"phone": "0999999999"})
    unknown = client.post("/api/v1/appointments/ZZZZ2222/find", json={"phone": "0912345678"})
    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.json() == unknown.json()
    assert "Không tìm thấy lịch hẹn" in unknown.json()["error"]["message"]
    ok = client.post(f"/api/v1/appointments/{code}/find", json={"phone": "0912345678"})
    assert ok.status_code == 200 and ok.json()["full_name"] == "Nguyễn Văn An"


def test_public_booking_requests_are_rate_limited(client, centre):
    enable_booking(client, centre)
    answers = [client.post("/api/v1/appointments/ZZZZ2222/find", json={"phone": "0912345678"}) for _ in range(12)]
    codes = [a.status_code for a in answers]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]
    assert "quá nhiều lần" in answers[-1].json()["error"]["message"]


def test_settings_need_an_admin_and_are_validated(client, centre):
    sid = centre.service_ids["HOTICH"]
    r = client.put(f"/api/v1/services/{sid}/booking", json={"booking_enabled": True}, headers=centre.auth("manager"))
    assert r.status_code == 403
    r = client.get(f"/api/v1/services/{sid}/booking", headers=centre.auth("manager"))
    assert r.status_code == 200 and r.json()["booking_enabled"] is False and r.json()["remote_enabled"] is False
    r = client.put(f"/api/v1/services/{sid}/booking", json={"slot_minutes": 1}, headers=centre.auth("admin"))
    assert r.status_code == 422


def test_booking_events_carry_no_personal_data(client, centre, db):
    from sqlalchemy import select

    from queue_server.realtime.models import Event

    enable_booking(client, centre)
    book(client, centre, slots(client, centre).json()[0]["start"])
    with db.reading() as s:
        events = s.execute(select(Event.data).where(Event.type == "appointment.booked")).scalars().all()
    assert len(events) == 1
    text = str(events[0])
    assert "0912345678" not in text and "Nguyễn" not in text
