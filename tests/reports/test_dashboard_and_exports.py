"""The live dashboard API (queue now, today, alerts) and the report files (XLSX, CSV, PDF)."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from pypdf import PdfReader

from queue_server.auth.models import Device
from queue_server.centres.models import Counter, Service
from queue_server.tickets.models import Ticket
from queue_server.timeutil import local_day
from tests.factories import issue, open_counter
from tests.reports.test_queue_report import DAY, build_day

CALENDAR_ALERTS = ["holiday_unconfirmed", "calendar_unconfirmed"]  # tests/calendar/test_calendar_confirmation.py


def live(client, fx, who="admin"):
    r = client.get("/api/v1/dashboard/live", headers=fx.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_live_now_and_today(client, centre):
    open_counter(client, centre, 1, "clerk1")
    issue(client, centre, "HOTICH")
    issue(client, centre, "HOTICH")
    issue(client, centre, "DATDAI")
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert r.status_code == 200
    d = live(client, centre)
    services = {s["code"]: s for s in d["services"]}
    assert (services["HOTICH"]["waiting"], services["DATDAI"]["waiting"], services["CHUNGTHUC"]["waiting"]) == (1, 1, 0)
    assert d["counter_states"] == {"open": 1, "paused": 0, "closed": 2}
    c1 = next(c for c in d["counters"] if c["number"] == 1)
    assert c1["officer"]["full_name"] == "Cán bộ clerk1" and c1["current_ticket"]["display_number"] == "A001"
    assert [s["name"] for s in c1["services"]] == ["Hộ tịch"]
    assert (d["today"]["issued"], d["today"]["waiting"], d["today"]["in_service"]) == (3, 2, 1)
    assert d["today"]["mean_wait_s"] is not None
    # no queue alert; on the suite's 10/03/2026 the calendar asks to confirm 24/11/2026 and the year 2027
    assert [a["kind"] for a in d["alerts"]] == CALENDAR_ALERTS
    # the manager (agency 1) sees only agency 1's services and counters
    mine = live(client, centre, "manager")
    assert {s["code"] for s in mine["services"]} == {"HOTICH", "CHUNGTHUC"} and mine["today"]["issued"] == 2
    assert {c["number"] for c in mine["counters"]} == {1, 2}
    assert client.get("/api/v1/dashboard/live", headers=centre.auth("clerk1")).status_code == 403


def test_live_today_matches_the_day_report(client, centre, db, clock):
    """The dashboard's figures for today (p90s by the database) are the queue report's for today."""
    build_day(db, centre, clock.today())
    d = live(client, centre)
    r = client.get("/api/v1/reports/queue", params={"period": "day"}, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    assert d["today"] == r.json()["totals"] and d["by_hour"] == r.json()["by_hour"]
    # the hand-built day's figures (see test_queue_report.build_day)
    assert (d["today"]["p90_wait_s"], d["today"]["p90_service_s"], d["today"]["mean_wait_s"]) == (1800.0, 1200.0, 950.0)
    hours = {h["hour"]: h for h in d["by_hour"]}
    # 9h: waits 1800 and 300 → rank ⌈1.8⌉ = 2nd = 1800; 11h: served only
    assert (hours[9]["p90_wait_s"], hours[10]["p90_wait_s"], hours[11]["p90_wait_s"], hours[11]["served"]) == (
        1800.0,
        600.0,
        None,
        1,
    )


def test_live_alerts(client, centre, db, clock):
    now = clock.now()
    with db.unit_of_work() as s:
        s.get(Service, centre.service_ids["DATDAI"]).max_wait_alert_s = 600
        s.add(
            Ticket(
                centre_id=centre.id,
                service_id=centre.service_ids["DATDAI"],
                original_service_id=centre.service_ids["DATDAI"],
                service_day=local_day(now),
                number=500,
                display_number="C500",
                public_token="tok-long-wait",
                state="waiting",
                issued_at=now - timedelta(minutes=40),
                queue_key=now - timedelta(minutes=40),
            )
        )
        counter = s.get(Counter, centre.counter_ids[2])
        counter.state, counter.state_changed_at = "paused", now - timedelta(minutes=20)
        tablet = s.query(Device).filter_by(kind="tablet", counter_id=centre.counter_ids[1]).one()
        tablet.last_seen_at = now - timedelta(minutes=30)
        kiosk = s.query(Device).filter_by(kind="kiosk").one()
        kiosk.name = "Kiosk sảnh"
    # The kiosk's printer runs out of paper: it says so as its heartbeats and alerts do.
    r = client.post(
        "/api/v1/devices/me/alerts",
        json={"code": "printer.paper_out", "message": "Hết giấy"},
        headers=centre.auth("kiosk"),
    )
    assert r.status_code == 202
    d = live(client, centre)
    kinds = {a["kind"]: a for a in d["alerts"]}
    assert set(kinds) == {"long_wait", "counter_paused", "paper_out", "device_offline", *CALENDAR_ALERTS}
    assert "Đất đai" in kinds["long_wait"]["message"] and kinds["long_wait"]["seconds"] >= 2400
    assert d["longest_wait"]["name"] == "Đất đai"
    assert "Quầy số 2" in kinds["counter_paused"]["message"]
    assert kinds["paper_out"]["message"] == "Kiosk sảnh: máy in hết giấy."
    r = client.post(
        "/api/v1/devices/me/alerts",
        json={"code": "printer.paper_out", "message": "", "cleared": True},
        headers=centre.auth("kiosk"),
    )
    assert r.status_code == 202
    assert "paper_out" not in {a["kind"] for a in live(client, centre)["alerts"]}


def test_exports(client, centre, db):
    build_day(db, centre)
    params = {"period": "day", "on": DAY.isoformat()}

    r = client.get("/api/v1/reports/queue", params={**params, "format": "xlsx"}, headers=centre.auth("admin"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [
        "Tổng hợp",
        "Theo dịch vụ",
        "Theo quầy",
        "Theo cán bộ",
        "Theo giờ",
        "Theo ngày",
        "Đặt lịch hẹn",  # tests/reports/test_booking_figures.py
        "Chờ theo nguồn phiếu",
    ]
    ws = wb["Tổng hợp"]
    headers = [c.value for c in ws[4]]
    assert headers[:3] == ["Số phiếu đã phát", "Đã phục vụ", "Vắng mặt"] and "Chờ trung bình (phút)" in headers
    totals = dict(zip(headers, [c.value for c in ws[5]]))
    # 8 issued; mean wait 950 s = 15.8 min — numbers, not text
    assert totals["Số phiếu đã phát"] == 8 and totals["Chờ trung bình (phút)"] == 15.8
    services = wb["Theo dịch vụ"]
    assert [c.value for c in services[4]][:3] == ["Mã", "Dịch vụ", "Cơ quan"]
    assert {row[1]: row[3] for row in services.iter_rows(min_row=5, values_only=True)} == {
        "Hộ tịch": 5,
        "Chứng thực": 1,
        "Đất đai": 2,
    }

    r = client.get("/api/v1/reports/queue", params={**params, "format": "csv"}, headers=centre.auth("admin"))
    assert r.content.startswith(b"\xef\xbb\xbf")
    text = r.content.decode("utf-8-sig")
    assert "Số phiếu đã phát,Đã phục vụ" in text and "\n8,5,1,1,1,15.8," in text.replace("\r\n", "\n")

    r = client.get("/api/v1/reports/queue", params={**params, "format": "pdf"}, headers=centre.auth("admin"))
    assert r.headers["content-type"] == "application/pdf"
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    for expected in (
        "BÁO CÁO XẾP HÀNG",
        "Từ ngày 12/03/2024 đến ngày 12/03/2024",
        "Theo dịch vụ",
        "Hộ tịch",
        "Số phiếu đã phát",
        "15,8",
    ):
        assert expected in pdf, expected
    # the dossier and rating reports export too
    for kind, sheet in (("dossiers", "Theo cơ quan"), ("ratings", "Theo tiêu chí")):
        r = client.get(f"/api/v1/reports/{kind}", params={**params, "format": "xlsx"}, headers=centre.auth("admin"))
        assert r.status_code == 200 and sheet in load_workbook(io.BytesIO(r.content)).sheetnames
