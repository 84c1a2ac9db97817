"""Helpers for the appointment tests: a service opened for booking, a booking made through the API."""

from __future__ import annotations

TOMORROW = "2026-03-11"  # the suite's day is Tuesday 10/03/2026 (tests/clock.py)


def enable_booking(client, centre, service: str = "HOTICH", **values) -> dict:
    body = {"booking_enabled": True, "slot_minutes": 15, "slot_capacity": 2, **values}
    r = client.put(f"/api/v1/services/{centre.service_ids[service]}/booking", json=body, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    return r.json()


def slots(client, centre, service: str = "HOTICH", day: str = TOMORROW):
    return client.get(f"/api/v1/appointments/slots?service_id={centre.service_ids[service]}&date={day}")


def book(
    client,
    centre,
    start: str,
    phone: str = "0912345678",
    service: str = "HOTICH",
    name: str = "Nguyễn Văn An",
    **extra,
):
    """POST /appointments; `extra`: more of the body (notify=True: the visitor agrees to messages)."""
    return client.post(
        "/api/v1/appointments",
        json={"service_id": centre.service_ids[service], "start": start, "full_name": name, "phone": phone, **extra},
    )
