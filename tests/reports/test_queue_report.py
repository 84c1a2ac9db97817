"""The queue report against a hand-built day and month (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.history import History

DAY = date(2024, 3, 12)  # a Tuesday
C1 = {"counter": 1, "officer": "clerk1"}
C2 = {"counter": 2, "officer": "clerk2"}
C3 = {"counter": 3, "officer": "clerk3"}


def build_day(db, fx, day=DAY):
    """Eight tickets; the arithmetic of every figure asserted below is written next to them."""
    with db.unit_of_work() as s:
        h = History(s, fx)
        # HOTICH at counter 1 (clerk1)
        h.ticket(
            "HOTICH", day, "08:00", ("called", "08:10", C1), ("started", "08:11"), ("completed", "08:21")
        )  # T1 wait 600, service 600
        h.ticket(
            "HOTICH", day, "08:05", ("called", "08:25", C1), ("completed", "08:30")
        )  # T2 wait 1200, service 300 (from called)
        h.ticket("HOTICH", day, "08:20", ("called", "08:40", C1), ("no_show", "08:42"))  # T3 wait 1200, no-show
        h.ticket("HOTICH", day, "09:00")  # T4 still waiting at the end of the day
        # T8: HOTICH, called at counter 1 after 600 s, transferred to DATDAI, completed at counter 3:
        # service time 11:00 → 11:05 = 300 (the last call, not the earlier start at another counter)
        h.ticket(
            "HOTICH",
            day,
            "10:30",
            ("called", "10:40", C1),
            ("started", "10:41"),
            ("transferred", "10:50", {"to": "DATDAI"}),
            ("called", "11:00", C3),
            ("completed", "11:05"),
        )
        # CHUNGTHUC at counter 2 (clerk2)
        h.ticket(
            "CHUNGTHUC", day, "09:10", ("called", "09:40", C2), ("started", "09:40"), ("completed", "10:00")
        )  # T5 wait 1800, service 1200
        # DATDAI at counter 3 (clerk3)
        h.ticket(
            "DATDAI", day, "09:30", ("called", "09:35", C3), ("started", "09:36"), ("completed", "09:46")
        )  # T6 wait 300, service 600
        h.ticket("DATDAI", day, "10:00", ("cancelled", "10:05"))  # T7 cancelled, never called


def get(client, fx, who="admin", **params):
    r = client.get("/api/v1/reports/queue", params=params, headers=fx.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_day_totals(client, centre, db):
    build_day(db, centre)
    rep = get(client, centre, **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    t = rep["totals"]
    # issued T1..T8 = 8; served T1 T2 T5 T6 T8 = 5; no-show T3; cancelled T7; waiting T4
    assert (t["issued"], t["served"], t["no_show"], t["cancelled"], t["waiting"]) == (8, 5, 1, 1, 1)
    # waits 300, 600, 600, 1200, 1200, 1800 → mean 5700/6 = 950; p90 = rank ⌈5.4⌉ = 6th = 1800
    assert t["mean_wait_s"] == 950.0 and t["p90_wait_s"] == 1800.0 and t["max_wait_s"] == 1800.0
    # service 300, 300, 600, 600, 1200 → mean 600; p90 = rank ⌈4.5⌉ = 5th = 1200
    assert t["mean_service_s"] == 600.0 and t["p90_service_s"] == 1200.0
    # within the 1200 s target: 5 of 6 called → 83.3 %
    assert t["within_target_pct"] == 83.3


def test_day_rows(client, centre, db):
    build_day(db, centre)
    rep = get(client, centre, period="day", on=DAY.isoformat())
    svc = {r["code"]: r for r in rep["by_service"]}
    # HOTICH: T1 T2 T3 T4 T8; waits 600 600 1200 1200 → mean 900, p90 rank 4 = 1200; service 300 300 600 → 400, p90 600
    assert (svc["HOTICH"]["issued"], svc["HOTICH"]["served"], svc["HOTICH"]["no_show"], svc["HOTICH"]["waiting"]) == (
        5,
        3,
        1,
        1,
    )
    assert (svc["HOTICH"]["mean_wait_s"], svc["HOTICH"]["p90_wait_s"]) == (900.0, 1200.0)
    assert (svc["HOTICH"]["mean_service_s"], svc["HOTICH"]["p90_service_s"]) == (400.0, 600.0)
    assert svc["HOTICH"]["agency_name"] == "Sở Tư pháp"
    assert (svc["CHUNGTHUC"]["issued"], svc["CHUNGTHUC"]["mean_wait_s"], svc["CHUNGTHUC"]["mean_service_s"]) == (
        1,
        1800.0,
        1200.0,
    )
    assert (svc["DATDAI"]["issued"], svc["DATDAI"]["served"], svc["DATDAI"]["cancelled"]) == (2, 1, 1)

    counters = {r["number"]: r for r in rep["by_counter"]}
    # counter 1: T1 (600) T2 (300) served, T3 no-show; counter 3: T6 (600) and T8 (300, transferred in)
    assert (counters[1]["served"], counters[1]["no_show"], counters[1]["mean_service_s"]) == (2, 1, 450.0)
    assert (counters[2]["served"], counters[2]["mean_service_s"]) == (1, 1200.0)
    assert (counters[3]["served"], counters[3]["mean_service_s"], counters[3]["p90_service_s"]) == (2, 450.0, 600.0)
    officers = {r["full_name"]: r for r in rep["by_officer"]}
    assert officers["Cán bộ clerk1"]["served"] == 2 and officers["Cán bộ clerk3"]["served"] == 2

    hours = {r["hour"]: r for r in rep["by_hour"]}
    # 8h: T1 T2 T3 arrive, T1 T2 done; 9h: T4 T5 T6 arrive (waits 1800, 300 → 1050), T6 done;
    # 10h: T7 T8 arrive (T8 waited 600), T5 done at 10:00; 11h: T8 done
    assert [(hours[h]["arrivals"], hours[h]["served"]) for h in (8, 9, 10, 11)] == [(3, 2), (3, 1), (2, 1), (0, 1)]
    assert (hours[8]["mean_wait_s"], hours[9]["mean_wait_s"], hours[10]["mean_wait_s"]) == (1000.0, 1050.0, 600.0)
    assert rep["by_day"][0]["day"] == DAY.isoformat() and rep["by_day"][0]["issued"] == 8


def test_past_figures_do_not_move(client, centre, db):
    """Renaming a service renames its row, nothing moves; what happens the next day stays out of the day."""
    build_day(db, centre)
    before = get(client, centre, period="day", on=DAY.isoformat())
    r = client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"name": "Hộ tịch (mới)"}, headers=centre.auth("admin")
    )
    assert r.status_code == 200, r.text
    with db.unit_of_work() as s:  # T4 finally called the next morning
        from queue_server.tickets.models import Ticket
        from tests.reports.history import at

        t4 = s.query(Ticket).filter_by(display_number="H004").one()
        History(s, centre).event(t4, "called", at(date(2024, 3, 13), "07:40"))
    after = get(client, centre, period="day", on=DAY.isoformat())
    assert after["totals"] == before["totals"]
    row = next(r for r in after["by_service"] if r["service_id"] == centre.service_ids["HOTICH"])
    assert row["name"] == "Hộ tịch (mới)" and row["waiting"] == 1 and row["issued"] == 5


def build_month(db, fx):
    """April 2024: each day two HOTICH visitors served (waits 300 and 900, service 300 and 600),
    and on even days a third who is called after 600 s and does not come."""
    with db.unit_of_work() as s:
        h = History(s, fx)
        for d in range(1, 31):
            day = date(2024, 4, d)
            h.ticket("HOTICH", day, "08:00", ("called", "08:05", C1), ("started", "08:05"), ("completed", "08:10"))
            h.ticket("HOTICH", day, "08:00", ("called", "08:15", C1), ("started", "08:15"), ("completed", "08:25"))
            if d % 2 == 0:
                h.ticket("HOTICH", day, "08:30", ("called", "08:40", C1), ("no_show", "08:41"))


def test_month(client, centre, db):
    build_month(db, centre)
    rep = get(client, centre, period="month", on="2024-04-15")
    assert rep["period"] == {"from": "2024-04-01", "to": "2024-04-30", "days": 30}
    t = rep["totals"]
    # 30 × 2 + 15 = 75 issued, 60 served, 15 no-shows
    assert (t["issued"], t["served"], t["no_show"], t["waiting"]) == (75, 60, 15, 0)
    # waits: 30 × 300, 15 × 600, 30 × 900 → mean 45000/75 = 600; p90 = rank ⌈67.5⌉ = 68th = 900
    assert (t["mean_wait_s"], t["p90_wait_s"]) == (600.0, 900.0)
    # service: 30 × 300, 30 × 600 → mean 450; p90 = rank 54 = 600
    assert (t["mean_service_s"], t["p90_service_s"]) == (450.0, 600.0)
    assert len(rep["by_day"]) == 30 and rep["by_day"][1]["issued"] == 3 and rep["by_day"][0]["issued"] == 2
    # a range inside the month: 1–10 April → 20 + 5 tickets
    assert get(client, centre, **{"from": "2024-04-01", "to": "2024-04-10"})["totals"]["issued"] == 25
    # the week of Monday 8 April: 8..14 → 14 + 4 (8, 10, 12, 14)
    assert get(client, centre, period="week", on="2024-04-10")["totals"]["issued"] == 18


def test_access(client, centre, db):
    build_day(db, centre)
    assert client.get("/api/v1/reports/queue", headers=centre.auth("clerk1")).status_code == 403
    assert client.get("/api/v1/reports/queue").status_code == 401
    # the manager sees agency 1 (Sở Tư pháp: HOTICH, CHUNGTHUC) only
    rep = get(client, centre, "manager", period="day", on=DAY.isoformat())
    assert {r["code"] for r in rep["by_service"]} == {"HOTICH", "CHUNGTHUC"}
    assert rep["totals"]["issued"] == 6
    r = client.get("/api/v1/reports/queue", params={"agency": centre.agency_ids[1]}, headers=centre.auth("manager"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # admin filtering by agency 2 and by field (service code)
    assert get(client, centre, period="day", on=DAY.isoformat(), agency=centre.agency_ids[1])["totals"]["issued"] == 2
    assert get(client, centre, period="day", on=DAY.isoformat(), field="Chứng thực")["totals"]["issued"] == 1


@pytest.mark.parametrize(
    "params, code",
    [
        ({"from": "2024-03-12", "to": "2024-03-01"}, "invalid_period"),
        ({"period": "month", "from": "2024-03-01"}, "invalid_period"),
        ({"from": "2020-01-01", "to": "2024-03-01"}, "period_too_long"),
        ({"period": "fortnight"}, "invalid_input"),
        ({"agency": 999999}, "agency_not_found"),
    ],
)
def test_bad_queries(client, centre, params, code):
    r = client.get("/api/v1/reports/queue", params=params, headers=centre.auth("admin"))
    assert r.status_code in (404, 422) and r.json()["error"]["code"] == code


def test_tickets_open_across_the_end_of_the_day(client, centre, db):
    """A day's figures are those at its end, even for visitors whose story goes on the next morning."""
    next_day = {"day": date(2024, 3, 13)}
    with db.unit_of_work() as s:
        h = History(s, centre)
        # at counter 1 at midnight, done the next morning: in service at the end of the 12th (waited 600)
        h.ticket(
            "HOTICH", DAY, "16:40", ("called", "16:50", C1), ("started", "16:52"), ("completed", "07:40", next_day)
        )
        # sent back into the queue at 16:55, called again the next morning: waiting at the end of the 12th (waited 900)
        h.ticket(
            "HOTICH",
            DAY,
            "16:30",
            ("called", "16:45", C1),
            ("requeued", "16:55"),
            ("called", "07:35", {**C1, **next_day}),
        )
    t = get(client, centre, period="day", on=DAY.isoformat())["totals"]
    assert (t["issued"], t["served"], t["in_service"], t["waiting"]) == (2, 0, 1, 1)
    # waits 600 and 900 → mean 750; nobody finished, so no service time
    assert (t["mean_wait_s"], t["max_wait_s"], t["mean_service_s"]) == (750.0, 900.0, None)
    # over both days the first visitor is served: 16:52 → 07:40 the next day = 53,280 s at counter 1
    both = get(client, centre, **{"from": DAY.isoformat(), "to": "2024-03-13"})
    assert (both["totals"]["served"], both["totals"]["in_service"], both["totals"]["mean_service_s"]) == (1, 1, 53280.0)
    assert [(r["number"], r["served"]) for r in both["by_counter"]] == [(1, 1)]
    assert {r["hour"]: r["served"] for r in both["by_hour"]}[7] == 1
