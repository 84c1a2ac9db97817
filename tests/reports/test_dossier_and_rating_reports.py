"""Dossier and satisfaction reports against hand-built histories (SQLite and PostgreSQL)."""

from __future__ import annotations

import secrets
from datetime import date

from queue_server.dossiers.models import Dossier, DossierEvent
from queue_server.ratings.models import Rating
from tests.reports.history import History, at

MARCH = {"period": "month", "on": "2024-03-15"}


def dossier(s, fx, n, agency, channel, received, due, *steps, field="Hộ tịch"):
    """A dossier received at `received` (day, "HH:MM"), due at `due`, then steps (status, day, "HH:MM")."""
    d = Dossier(
        code=f"000.00.14.H12-240301-{n:04d}",
        centre_id=fx.id,
        agency_id=fx.agency_ids[agency],
        procedure_code=f"1.00{n}",
        procedure_name="Thủ tục thử",
        procedure_field=field,
        applicant_name="Nguyễn Văn A",
        channel=channel,
        status="received",
        received_at=at(*received),
        effective_received_at=at(*received),
        due_at=at(*due) if due else None,
        lookup_nonce=secrets.token_hex(8),
        lookup_token_hash=secrets.token_hex(32),
    )
    s.add(d)
    s.flush()
    s.add(DossierEvent(dossier_id=d.id, type="created", to_status="received", at=at(*received)))
    previous = "received"
    for status, day, hhmm in steps:
        s.add(
            DossierEvent(dossier_id=d.id, type="transition", from_status=previous, to_status=status, at=at(day, hhmm))
        )
        previous = d.status = status


def build_dossiers(db, fx):
    D = date
    with db.unit_of_work() as s:
        # D1 carried over from February, resolved 4 March, due 5 March → early
        dossier(
            s,
            fx,
            1,
            0,
            "direct",
            (D(2024, 2, 20), "09:00"),
            (D(2024, 3, 5), "17:00"),
            ("result_ready", D(2024, 3, 4), "10:00"),
        )
        # D2 online, resolved on its due day before the due hour → on time
        dossier(
            s,
            fx,
            2,
            0,
            "online",
            (D(2024, 3, 1), "09:00"),
            (D(2024, 3, 10), "17:00"),
            ("result_ready", D(2024, 3, 10), "09:00"),
        )
        # D3 resolved 12 March, due 8 March → late
        dossier(
            s,
            fx,
            3,
            0,
            "direct",
            (D(2024, 3, 2), "09:00"),
            (D(2024, 3, 8), "17:00"),
            ("in_processing", D(2024, 3, 3), "09:00"),
            ("result_ready", D(2024, 3, 12), "09:00"),
            ("returned", D(2024, 3, 13), "09:00"),
        )
        # D4 by post, due in April, not resolved → pending, in time
        dossier(
            s,
            fx,
            4,
            0,
            "post",
            (D(2024, 3, 5), "09:00"),
            (D(2024, 4, 10), "17:00"),
            ("in_processing", D(2024, 3, 6), "09:00"),
        )
        # D5 due 15 March, not resolved → pending, overdue
        dossier(s, fx, 5, 0, "direct", (D(2024, 3, 6), "09:00"), (D(2024, 3, 15), "17:00"))
        # D6 withdrawn → closed otherwise
        dossier(
            s,
            fx,
            6,
            0,
            "direct",
            (D(2024, 3, 7), "09:00"),
            (D(2024, 3, 20), "17:00"),
            ("withdrawn", D(2024, 3, 9), "09:00"),
        )
        # D7 received and resolved before March → not in the March report
        dossier(
            s,
            fx,
            7,
            0,
            "direct",
            (D(2024, 1, 10), "09:00"),
            (D(2024, 2, 1), "17:00"),
            ("result_ready", D(2024, 2, 1), "09:00"),
        )
        # D8 agency 2, online, resolved on its due day → on time
        dossier(
            s,
            fx,
            8,
            1,
            "online",
            (D(2024, 3, 3), "09:00"),
            (D(2024, 3, 4), "17:00"),
            ("result_ready", D(2024, 3, 4), "16:00"),
            field="Đất đai",
        )


def test_dossier_report(client, centre, db):
    build_dossiers(db, centre)
    r = client.get("/api/v1/reports/dossiers", params=MARCH, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    rep = r.json()
    t = rep["totals"]
    # carried over D1; new D2..D6 + D8 = 6 (online D2 D8, direct D3 D5 D6, post D4)
    assert (t["carried_over"], t["received_new"], t["received_total"]) == (1, 6, 7)
    assert (t["received_online"], t["received_direct"], t["received_post"], t["online_pct"]) == (2, 3, 1, 33.3)
    # resolved D1 (early), D2 + D8 (on time), D3 (late) → 4: 25 % / 50 % / 25 %
    assert (t["resolved"], t["early"], t["on_time"], t["late"]) == (4, 1, 2, 1)
    assert (t["early_pct"], t["on_time_pct"], t["late_pct"], t["in_time_pct"]) == (25.0, 50.0, 25.0, 75.0)
    # pending D4 (in time) and D5 (overdue); D6 withdrawn
    assert (t["pending"], t["pending_in_time"], t["pending_overdue"], t["closed_otherwise"]) == (2, 1, 1, 1)
    by_agency = {a["name"]: a for a in rep["by_agency"]}
    assert (by_agency["Sở Tư pháp"]["received_total"], by_agency["Sở Tư pháp"]["resolved"]) == (6, 3)
    assert by_agency["Sở Tài nguyên và Môi trường"]["on_time"] == 1
    channels = {c["channel"]: c["received_new"] for c in rep["by_channel"]}
    assert channels == {"online": 2, "direct": 3, "post": 1}
    assert {f["field"]: f["received_total"] for f in rep["by_field"]} == {"Hộ tịch": 6, "Đất đai": 1}

    # February: D1 and D7 received; D7 resolved 1 Feb on its due day; D1 pending at the end of February
    feb = client.get(
        "/api/v1/reports/dossiers", params={"period": "month", "on": "2024-02-10"}, headers=centre.auth("admin")
    ).json()
    assert (
        feb["totals"]["carried_over"],
        feb["totals"]["received_new"],
        feb["totals"]["on_time"],
        feb["totals"]["pending"],
    ) == (1, 1, 1, 1)
    # the manager (agency 1) does not see D8
    mine = client.get("/api/v1/reports/dossiers", params=MARCH, headers=centre.auth("manager")).json()
    assert mine["totals"]["received_total"] == 6 and [a["name"] for a in mine["by_agency"]] == ["Sở Tư pháp"]


DAY = date(2024, 3, 12)


def build_ratings(db, fx):
    """clerk1 (agency 1): RHL, HL, CHL, CHL, HL → 60 % satisfied; clerk3 (agency 2): RHL × 4, HL → 100 %.
    Criterion thai_do (clerk1 only): CHL × 3, HL × 2 → 40 %; thuan_tien: RHL on all ten → 100 %."""
    levels1 = ["rat_hai_long", "hai_long", "chua_hai_long", "chua_hai_long", "hai_long"]
    thai_do = ["chua_hai_long", "chua_hai_long", "chua_hai_long", "hai_long", "hai_long"]
    with db.unit_of_work() as s:
        h = History(s, fx)
        plan = [
            ("HOTICH", 1, "clerk1", 0, lv, {"thuan_tien": "rat_hai_long", "thai_do": td}, DAY)
            for lv, td in zip(levels1, thai_do)
        ]
        plan += [
            ("DATDAI", 3, "clerk3", 1, lv, {"thuan_tien": "rat_hai_long"}, DAY)
            for lv in ["rat_hai_long"] * 4 + ["hai_long"]
        ]
        plan += [("HOTICH", 1, "clerk1", 0, "rat_hai_long", {}, date(2024, 3, 20))]  # another day of the month
        for i, (svc, counter, clerk, agency, level, criteria, day) in enumerate(plan):
            t = h.ticket(
                svc, day, "08:00", ("called", "08:05", {"counter": counter, "officer": clerk}), ("completed", "08:10")
            )
            s.add(
                Rating(
                    ticket_id=t.id,
                    idempotency_key=f"rating-key-{i:04d}",
                    centre_id=fx.id,
                    counter_id=fx.counter_ids[counter],
                    officer_id=fx.user_ids[clerk],
                    agency_id=fx.agency_ids[agency],
                    service_id=fx.service_ids[svc],
                    day=day,
                    overall=level,
                    criteria=criteria,
                    rated_at=at(day, "08:11"),
                    received_at=at(day, "08:11"),
                )
            )


def test_rating_report(client, centre, db):
    build_ratings(db, centre)
    rep = client.get(
        "/api/v1/reports/ratings", params={"period": "day", "on": DAY.isoformat()}, headers=centre.auth("admin")
    ).json()
    t = rep["totals"]
    # 10 ratings: RHL 1 + 4 = 5, HL 2 + 1 = 3, CHL 2 → 50 / 30 / 20 %, satisfied 80 %
    assert (t["total"], t["rat_hai_long"], t["hai_long"], t["chua_hai_long"]) == (10, 5, 3, 2)
    assert (t["rat_hai_long_pct"], t["hai_long_pct"], t["chua_hai_long_pct"], t["satisfied_pct"]) == (
        50.0,
        30.0,
        20.0,
        80.0,
    )
    officers = {o["full_name"]: o for o in rep["by_officer"]}
    assert (officers["Cán bộ clerk1"]["satisfied_pct"], officers["Cán bộ clerk1"]["flagged"]) == (60.0, True)
    assert (officers["Cán bộ clerk3"]["satisfied_pct"], officers["Cán bộ clerk3"]["flagged"]) == (100.0, False)
    assert rep["lowest_officers"] == [centre.user_ids["clerk1"]]
    crit = {c["code"]: c for c in rep["by_criterion"]}
    assert (crit["thai_do"]["total"], crit["thai_do"]["satisfied_pct"], crit["thai_do"]["flagged"]) == (5, 40.0, True)
    assert (crit["thuan_tien"]["total"], crit["thuan_tien"]["satisfied_pct"]) == (10, 100.0)
    assert crit["thai_do"]["label"] == "Thái độ hỗ trợ, nhiệt tình của cán bộ"
    assert {a["name"]: a["satisfied_pct"] for a in rep["by_agency"]} == {
        "Sở Tư pháp": 60.0,
        "Sở Tài nguyên và Môi trường": 100.0,
    }

    month = client.get("/api/v1/reports/ratings", params=MARCH, headers=centre.auth("manager")).json()
    # the manager sees agency 1: clerk1's five plus the rating of 20 March
    assert month["totals"]["total"] == 6 and [o["full_name"] for o in month["by_officer"]] == ["Cán bộ clerk1"]
