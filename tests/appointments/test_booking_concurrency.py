"""400 visitors booking at once for 100 places, against a real server with two worker processes:
exactly 100 bookings, no slot over its capacity, and every one of the 300 others a clear 409 —
on SQLite and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.appointments.models import Appointment, AppointmentSlot
from queue_server.db import Database
from tests.appointments.helpers import TOMORROW
from tests.server_process import postgres_schema, running_server

ATTEMPTS = 400
SLOTS = 10
CAPACITY = 10  # 10 slots × 10 places = 100


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield None  # the server's own SQLite file
        return
    request.getfixturevalue("_postgresql_url")  # skips (or fails in CI) without PostgreSQL
    with postgres_schema("appt20") as url:
        yield url


@pytest.mark.slow
def test_400_attempts_for_100_places(tmp_path, database_url):
    env = {"MOTCUA_BOOKING_RATE_LIMIT_PER_MINUTE": "100000"}  # one address books for everyone here
    with running_server(tmp_path / "srv", database_url, workers=2, extra_env=env) as server:
        base = server.base_url + "/api/v1"
        with httpx.Client(timeout=60) as http:
            r = http.post(base + "/auth/token", data={"username": "admin", "password": server.demo["password"]})
            admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
            services = http.get(base + "/services", headers=admin).json()
            sid = next(s["id"] for s in services if s["code"] == "DATDAI")
            r = http.put(
                f"{base}/services/{sid}/booking",
                json={"booking_enabled": True, "slot_minutes": 30, "slot_capacity": CAPACITY},
                headers=admin,
            )
            assert r.status_code == 200, r.text
            starts = [
                s["start"] for s in http.get(f"{base}/appointments/slots?service_id={sid}&date={TOMORROW}").json()
            ]
        starts = starts[:SLOTS]

        def attempt(i: int) -> httpx.Response:
            with httpx.Client(timeout=120) as c:
                return c.post(
                    base + "/appointments",
                    json={
                        "service_id": sid,
                        "start": starts[i % SLOTS],
                        "full_name": f"Người đặt {i}",
                        "phone": f"09{i:08d}",
                    },
                )

        with ThreadPoolExecutor(max_workers=64) as pool:
            answers = list(pool.map(attempt, range(ATTEMPTS)))

        statuses = [a.status_code for a in answers]
        assert statuses.count(201) == SLOTS * CAPACITY, sorted(set(statuses))
        losers = [a for a in answers if a.status_code != 201]
        assert len(losers) == ATTEMPTS - SLOTS * CAPACITY
        assert all(a.status_code == 409 for a in losers), {a.status_code for a in losers}
        assert {a.json()["error"]["code"] for a in losers} == {"slot_full"}
        assert all("đã hết chỗ" in a.json()["error"]["message"] for a in losers)
        codes = [a.json()["code"] for a in answers if a.status_code == 201]
        assert len(set(codes)) == len(codes)

        with httpx.Client() as http:
            left = http.get(f"{base}/appointments/slots?service_id={sid}&date={TOMORROW}").json()[:SLOTS]
        assert [s["available"] for s in left] == [0] * SLOTS

        db = Database(server.database_url)
        try:
            with db.reading() as s:
                per_slot = dict(
                    s.execute(
                        select(Appointment.slot_id, func.count())
                        .where(Appointment.state == "booked")
                        .group_by(Appointment.slot_id)
                    ).all()
                )
                counters = dict(s.execute(select(AppointmentSlot.id, AppointmentSlot.booked)).all())
        finally:
            db.dispose()
        assert sum(per_slot.values()) == SLOTS * CAPACITY
        assert all(n <= CAPACITY for n in per_slot.values())
        assert per_slot == counters  # the slots' counts are the bookings they hold
