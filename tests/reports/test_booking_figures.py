"""Booking figures on the dashboard and in the queue report (queue_server/reports/booking_figures.py).

Wednesday 11/03/2026, Hộ tịch, 15-minute slots, check-in window 15 minutes either side:

    slot 08:00  A checked in 07:50 (called 08:00: waited 600 s)     B never came → no-show at 08:15
    slot 08:30  C checked in 08:25 (called 08:30: 300 s)            D checked in 08:50, late (called 09:00: 600 s)
    slot 09:30  E not yet come (grace until 09:45) → expected        F cancelled → not counted
    walk-ins    W1 issued 07:45, called 08:05 (1200 s)              W2 issued 09:10, not called

At 09:20: 5 bookings, 3 checked in (1 late), 1 no-show, 1 expected; check-in rate 3 ÷ 4 = 75 %.
Booked visitors' wait: 600, 300, 600 → mean 500 s, p90 rank ⌈2.7⌉ = 3rd = 600 s; walk-ins 1200 s.
"""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from queue_server.auth.security import make_access_token
from queue_server.timeutil import VN_TZ
from tests.appointments.helpers import TOMORROW, book, enable_booking
from tests.factories import issue, open_counter


def _at(clock, client, centre, hhmm: str, day: int = 11) -> None:
    """The clock stands at hh:mm on `day`/03/2026; staff sign in again (yesterday's tokens have expired)."""
    hh, mm = (int(x) for x in hhmm.split(":"))
    clock.freeze(datetime(2026, 3, day, hh, mm, tzinfo=VN_TZ))
    _at_tokens(client, centre)


def _book(client, centre, hhmm: str, phone: str) -> str:
    r = book(client, centre, f"{TOMORROW}T{hhmm}:00+07:00", phone=phone)
    assert r.status_code == 201, r.text
    return r.json()["code"]


def _check_in(client, centre, code: str) -> dict:
    r = client.post("/api/v1/appointments/check-in", json={"code": code}, headers=centre.auth("kiosk"))
    assert r.status_code == 200, r.text
    return r.json()


def _call_next(client, centre) -> dict:
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert r.status_code == 200, r.text
    return r.json()


def _build(client, centre, clock) -> dict:
    enable_booking(client, centre)
    codes = {
        name: _book(client, centre, hhmm, phone)
        for name, hhmm, phone in (
            ("A", "08:00", "0912000001"),
            ("B", "08:00", "0912000002"),
            ("C", "08:30", "0912000003"),
            ("D", "08:30", "0912000004"),
            ("E", "09:30", "0912000005"),
            ("F", "09:30", "0912000006"),
        )
    }
    r = client.post(f"/api/v1/appointments/{codes['F']}/cancel", json={"phone": "0912000006"})
    assert r.status_code == 200, r.text
    _at(clock, client, centre, "07:45")
    w1 = issue(client, centre, "HOTICH")
    _at(clock, client, centre, "07:50")
    a = _check_in(client, centre, codes["A"])["ticket"]
    _at(clock, client, centre, "08:00")
    open_counter(client, centre, 1, "clerk1")
    assert _call_next(client, centre)["id"] == a["id"]
    _at(clock, client, centre, "08:05")
    assert _call_next(client, centre)["id"] == w1["id"]
    _at(clock, client, centre, "08:25")
    c = _check_in(client, centre, codes["C"])["ticket"]
    _at(clock, client, centre, "08:30")
    assert _call_next(client, centre)["id"] == c["id"]
    _at(clock, client, centre, "08:50")
    late = _check_in(client, centre, codes["D"])
    assert late["late"] is True
    _at(clock, client, centre, "09:00")
    assert _call_next(client, centre)["id"] == late["ticket"]["id"]
    _at(clock, client, centre, "09:10")
    issue(client, centre, "HOTICH")
    _at(clock, client, centre, "09:20")
    return codes


def _slot(start: str, end: str, booked=0, checked_in=0, late=0, no_show=0, expected=0) -> dict:
    return {
        "start": f"{TOMORROW}T{start}:00+07:00",
        "end": f"{TOMORROW}T{end}:00+07:00",
        "booked": booked,
        "checked_in": checked_in,
        "checked_in_late": late,
        "no_show": no_show,
        "expected": expected,
    }


def _queue_report(client, centre, **params) -> dict:
    r = client.get("/api/v1/reports/queue", params=params, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    return r


def test_dashboard_and_report_booking_figures(client, centre, clock):
    _build(client, centre, clock)

    r = client.get("/api/v1/dashboard/live", headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    bookings = r.json()["bookings"]
    assert bookings["day"] == TOMORROW
    assert bookings["totals"] == {"booked": 5, "checked_in": 3, "checked_in_late": 1, "no_show": 1, "expected": 1}
    [hotich] = bookings["services"]
    assert (hotich["code"], hotich["name"]) == ("HOTICH", "Hộ tịch")
    assert hotich["slots"] == [
        _slot("08:00", "08:15", booked=2, checked_in=1, no_show=1),
        _slot("08:30", "08:45", booked=2, checked_in=2, late=1),
        _slot("09:30", "09:45", booked=1, expected=1),
    ]
    # the manager of agency 1 (Hộ tịch and Chứng thực) sees them too
    assert (
        client.get("/api/v1/dashboard/live", headers=centre.auth("manager")).json()["bookings"]["totals"]["booked"] == 5
    )

    report = _queue_report(client, centre, period="day").json()
    assert report["bookings"] == {
        "bookings": 5,
        "checked_in": 3,
        "checked_in_late": 1,
        "no_show": 1,
        "expected": 1,
        "check_in_rate_pct": 75.0,
    }
    assert [
        (w["group"], w["issued"], w["called"], w["mean_wait_s"], w["p90_wait_s"]) for w in report["wait_by_source"]
    ] == [
        ("booked", 3, 3, 500.0, 600.0),
        ("walk_in", 2, 1, 1200.0, 1200.0),
        ("remote", 0, 0, None, None),
    ]
    assert {t["key"] for t in report["tables"]} >= {"bookings", "wait_by_source"}

    # The next day, the day's figures as at its end: E's grace ended at 09:45 → a second no-show.
    _at(clock, client, centre, "10:00", day=12)
    past = _queue_report(client, centre, **{"from": TOMORROW, "to": TOMORROW}).json()["bookings"]
    assert (past["no_show"], past["expected"], past["check_in_rate_pct"]) == (2, 0, 60.0)


def test_booking_figures_in_the_exports(client, centre, clock):
    _build(client, centre, clock)
    r = _queue_report(client, centre, period="day", format="xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["Đặt lịch hẹn"]
    assert dict(zip([c.value for c in ws[4]], [c.value for c in ws[5]])) == {
        "Số lịch hẹn": 5,
        "Đã đến xác nhận": 3,
        "Trong đó xác nhận muộn": 1,
        "Lỡ hẹn (quá giờ không đến)": 1,
        "Chưa đến giờ hẹn": 1,
        "Tỷ lệ đến theo hẹn (%)": 75.0,
    }
    ws = wb["Chờ theo nguồn phiếu"]
    assert [c.value for c in ws[4]] == [
        "Nguồn phiếu",
        "Số phiếu đã phát",
        "Đã được gọi",
        "Chờ trung bình (phút)",
        "Chờ P90 (phút)",
    ]
    rows = [row for row in ws.iter_rows(min_row=5, values_only=True)]
    assert [row[1:] for row in rows] == [(3, 3, 8.3, 10.0), (2, 1, 20.0, 20.0), (0, 0, None, None)]
    assert rows[0][0].startswith("Đặt lịch hẹn") and rows[1][0].startswith("Đến trực tiếp")
    assert rows[2][0] == "Lấy số từ xa"

    r = _queue_report(client, centre, period="day", format="pdf")
    pdf = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(r.content)).pages)
    for expected in ("Đặt lịch hẹn", "Chờ theo nguồn phiếu", "Số lịch hẹn", "Lỡ hẹn", "75,0", "8,3", "Lấy số từ xa"):
        assert expected in pdf, expected


def test_a_booking_is_a_no_show_only_once_its_grace_is_over(client, centre, clock):
    """E booked 09:30 (grace 15 minutes): still expected at 09:45:00 sharp, a no-show from 09:45:01 —
    on the dashboard's tile and in the report alike."""
    enable_booking(client, centre)
    _book(client, centre, "09:30", "0912000005")

    def figures(hhmmss: str) -> tuple:
        hh, mm, ss = (int(x) for x in hhmmss.split(":"))
        clock.freeze(datetime(2026, 3, 11, hh, mm, ss, tzinfo=VN_TZ))
        _at_tokens(client, centre)
        tile = client.get("/api/v1/dashboard/live", headers=centre.auth("admin")).json()["bookings"]["totals"]
        report = _queue_report(client, centre, period="day").json()["bookings"]
        return (tile["expected"], tile["no_show"]), (report["expected"], report["no_show"])

    assert figures("09:45:00") == ((1, 0), (1, 0))
    assert figures("09:45:01") == ((0, 1), (0, 1))


def _at_tokens(client, centre) -> None:
    settings = client.app.state.settings
    for name, uid in centre.user_ids.items():
        centre.tokens[name] = make_access_token(settings.secret_key, uid, 0, settings.access_token_minutes)
