"""Issuing under a frozen clock: helpers shared by the calendar's issuing and time-rule tests.

The clock is frozen at each moment by replacing the server's `utcnow` where issuing and the
services listing read it.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from queue_server.tickets.models import Ticket

VN = timedelta(hours=7)
WEEKDAY_HOURS = [{"weekday": wd, "start": "07:30", "end": "11:00"} for wd in range(5)] + [
    {"weekday": wd, "start": "13:00", "end": "16:30"} for wd in range(5)
]


def vn(y, m, d, hh=9, mm=0) -> datetime:
    """A Vietnam wall-clock time as the server's UTC clock reads it."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - VN


@pytest.fixture
def at(monkeypatch):
    def freeze(moment: datetime) -> None:
        for where in ("queue_server.tickets.service.utcnow", "queue_server.queues.views.utcnow"):
            monkeypatch.setattr(where, lambda: moment)

    return freeze


@pytest.fixture
def weekday_hours(client, centre):
    """HOTICH issues Monday to Friday, 07:30–11:00 and 13:00–16:30 (BD19 Đ.5 k.2)."""
    r = client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"hours": WEEKDAY_HOURS}, headers=centre.auth("admin")
    )
    assert r.status_code == 200, r.text


def try_issue(client, centre, service="HOTICH"):
    return client.post(
        "/api/v1/tickets", json={"service_id": centre.service_ids[service]}, headers=centre.auth("kiosk")
    )


def refused(r) -> str:
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "service_closed"
    return r.json()["error"]["message"]


def listed(client, centre, service="HOTICH") -> dict:
    rows = client.get("/api/v1/services", headers=centre.auth("kiosk")).json()
    return next(s for s in rows if s["id"] == centre.service_ids[service])


def tickets(db) -> int:
    with db.session_factory() as s:
        return s.execute(select(func.count(Ticket.id))).scalar_one()
