"""Honest dossier clocks (issue 16 § 4), every moment given explicitly — no test reads the wall clock.

- A supplement wait stops the clock: the appointment moves by the working time waited (hours,
  days, across a weekend, across a holiday), and the online 8-working-hour acceptance clock alike.
- Early / on time / late are judged against the appointment the law owes: an apology's new date
  never turns a late dossier into an on-time one (the dossier report).
- Time limits in calendar days or working hours get their own appointment, not a same-day one.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from queue_server.dossiers import service
from queue_server.dossiers.schemas import ApologyRequest
from queue_server.timeutil import VN_TZ
from tests.dossiers.helpers import add_procedure, create_at, principal, step


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def _get(db, code):
    with db.reading() as s:
        d = service.get_dossier(s, code)
        return {
            "due_at": d.due_at,
            "original_due_at": d.original_due_at,
            "acceptance_deadline_at": d.acceptance_deadline_at,
            "status": d.status,
        }


ITEMS = {"items": ["Bản sao Giấy chứng sinh có chứng thực"]}


def _wait(db, settings, code, requested, arrived, back_to="in_processing"):
    step(db, settings, code, "supplement_requested", requested, reason="Hồ sơ chưa đầy đủ", data=ITEMS)
    step(db, settings, code, back_to, arrived)


@pytest.mark.parametrize(
    ("received", "requested", "arrived", "due_before", "due_after"),
    [
        # 3 working days waited (Tue 09:00 → Fri 09:00): Thu 05/03 17:00 → Tue 10/03 17:00
        (vn(2026, 3, 2, 9), vn(2026, 3, 3, 9), vn(2026, 3, 6, 9), vn(2026, 3, 5, 17), vn(2026, 3, 10, 17)),
        # 3.5 working hours waited (Tue 09:00 → 14:00, lunch not counted): → Fri 06/03 11:00
        (vn(2026, 3, 2, 9), vn(2026, 3, 3, 9), vn(2026, 3, 3, 14), vn(2026, 3, 5, 17), vn(2026, 3, 6, 11)),
        # across a weekend: Fri 09:00 → Tue 09:00 is 2 working days: Tue 10/03 → Thu 12/03
        (vn(2026, 3, 5, 9), vn(2026, 3, 6, 9), vn(2026, 3, 10, 9), vn(2026, 3, 10, 17), vn(2026, 3, 12, 17)),
        # across 30/4 and 1/5 (and the weekend): Wed 29/04 09:00 → Mon 04/05 09:00 is 1 working day
        (vn(2026, 4, 28, 9), vn(2026, 4, 29, 9), vn(2026, 5, 4, 9), vn(2026, 5, 5, 17), vn(2026, 5, 6, 17)),
    ],
    ids=["days", "hours", "weekend", "holiday"],
)
def test_a_supplement_wait_moves_the_appointment_by_the_working_time_waited(
    db, settings, centre, catalogue, received, requested, arrived, due_before, due_after
):
    code = create_at(db, settings, received, agency_id=centre.agency_ids[0])  # 3 working days
    step(db, settings, code, "in_processing", received)
    assert _get(db, code)["due_at"] == due_before
    _wait(db, settings, code, requested, arrived)
    d = _get(db, code)
    assert d["due_at"] == due_after and d["original_due_at"] == due_after


def test_waiting_for_the_citizen_is_never_the_agencys_delay(db, settings, client, centre, catalogue):
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])  # due Thu 05/03 17:00
    step(db, settings, code, "supplement_requested", vn(2026, 3, 3, 9), reason="Thiếu giấy tờ", data=ITEMS)
    with db.reading() as s:
        d = service.get_dossier(s, code)
        # Past the old appointment while the citizen still has the dossier: not overdue.
        assert service.overdue_days(d, vn(2026, 3, 9, 9)) is None
        assert "overdue" not in service.flags(d, vn(2026, 3, 9, 9))
        assert service.overdue(s, principal(s, "admin"), now=vn(2026, 3, 9, 9)) == []
    step(db, settings, code, "in_processing", vn(2026, 3, 9, 9))  # 4 working days waited → due Wed 11/03
    with db.reading() as s:
        d = service.get_dossier(s, code)
        assert d.due_at == vn(2026, 3, 11, 17)
        assert service.overdue_days(d, vn(2026, 3, 11, 16)) is None
        assert service.overdue_days(d, vn(2026, 3, 12, 9)) == 1
        resumed = service.history_of(s, d)[-1]
        assert resumed.data["waited_working_hours"] == 32.0


def test_the_online_acceptance_clock_stops_while_the_citizen_supplements(db, settings, centre, catalogue):
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0], channel="online")
    d = _get(db, code)
    assert d["status"] == "pending_acceptance" and d["acceptance_deadline_at"] == vn(2026, 3, 3, 9)  # 8 working hours
    # Sent back after one hour; the supplement arrives two working days later (Mon 10:00 → Wed 10:00).
    _wait(db, settings, code, vn(2026, 3, 2, 10), vn(2026, 3, 4, 10), back_to="pending_acceptance")
    d = _get(db, code)
    assert d["status"] == "pending_acceptance" and d["due_at"] is None
    assert d["acceptance_deadline_at"] == vn(2026, 3, 5, 9)
    with db.reading() as s:
        dossier = service.get_dossier(s, code)
        assert "acceptance_overdue" not in service.flags(dossier, vn(2026, 3, 5, 8, 59))
        assert "acceptance_overdue" in service.flags(dossier, vn(2026, 3, 5, 9, 1))
    step(db, settings, code, "received", vn(2026, 3, 4, 14))  # accepted: 3 working days from then
    assert _get(db, code)["due_at"] == vn(2026, 3, 9, 17)


def test_an_accepted_dossier_does_not_go_back_to_acceptance(db, settings, client, centre, catalogue):
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])
    step(db, settings, code, "supplement_requested", vn(2026, 3, 3, 9), reason="Thiếu giấy tờ", data=ITEMS)
    r = client.post(
        f"/api/v1/dossiers/{code}/transitions", json={"to": "pending_acceptance"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_awaiting_acceptance"


def _late_apology(db, code, who):
    """On Fri 06/03 10:00, a new date Wed 11/03 17:00."""
    with db.unit_of_work() as s:
        request = ApologyRequest(reason="Phải lấy ý kiến Sở Xây dựng", new_due_at=vn(2026, 3, 11, 17))
        service.apologise(s, principal(s, who), code, request, now=vn(2026, 3, 6, 10))


def test_late_dossier_with_an_apology_met_is_still_late_in_the_report(db, settings, client, centre, catalogue):
    """Due Thu 05/03 17:00; apology on Fri 06/03 with a new date Wed 11/03; result Tue 10/03: LATE."""
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])
    step(db, settings, code, "in_processing", vn(2026, 3, 2, 10))
    _late_apology(db, code, "admin")
    step(db, settings, code, "result_ready", vn(2026, 3, 10, 10))
    d = _get(db, code)
    assert d["due_at"] == vn(2026, 3, 11, 17) and d["original_due_at"] == vn(2026, 3, 5, 17)
    with db.reading() as s:
        assert "completed_late" in service.flags(service.get_dossier(s, code), vn(2026, 3, 10, 11))
    r = client.get(
        "/api/v1/reports/dossiers", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=centre.auth("admin")
    )
    assert r.status_code == 200, r.text
    t = r.json()["totals"]
    assert (t["resolved"], t["early"], t["on_time"], t["late"]) == (1, 0, 0, 1)


def test_calendar_days_and_hours_get_their_own_appointment(db, settings, centre, catalogue):
    add_procedure(db, "9.000010", "Thủ tục tính theo ngày", None)
    add_procedure(db, "9.000011", "Thủ tục tính theo giờ", None)
    from queue_server.procedures.models import Procedure

    with db.unit_of_work() as s:
        s.query(Procedure).filter_by(code="9.000010").update({"processing_time_text": "10 Ngày"})
        s.query(Procedure).filter_by(code="9.000011").update(
            {"processing_time_text": "Trực tiếp: 1 Giờ; Trực tuyến: 02 Giờ"}
        )
    # 10 calendar days from Mon 20/04/2026: Thu 30/04 is a holiday, so is 1/5 and the weekend → Mon 04/05.
    days = create_at(db, settings, vn(2026, 4, 20, 9), agency_id=centre.agency_ids[0], procedure_code="9.000010")
    assert _get(db, days)["due_at"] == vn(2026, 5, 4, 17)
    # 1 working hour from Mon 02/03 11:00: 11:00–11:30, then 13:00–13:30.
    hours = create_at(db, settings, vn(2026, 3, 2, 11), agency_id=centre.agency_ids[0], procedure_code="9.000011")
    assert _get(db, hours)["due_at"] == vn(2026, 3, 2, 13, 30)


def test_a_limit_the_catalogue_does_not_state_gives_no_same_day_date(db, settings, centre, catalogue):
    add_procedure(db, "9.000012", "Thủ tục chưa rõ thời hạn", None)
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0], procedure_code="9.000012")
    assert _get(db, code)["due_at"] is None


def test_time_limits_read_from_the_catalogue_wording():
    from queue_server.dossiers.time_limits import DAYS, HOURS, WORKING_DAYS, TimeLimit, limit_for, parse_time_limit

    assert parse_time_limit("Trực tiếp: 1 Ngày làm việc; Trực tuyến: 02 Giờ", "online") == TimeLimit(2, HOURS)
    assert limit_for(1, "Trực tiếp: 1 Ngày làm việc; Trực tuyến: 02 Giờ", "online") == TimeLimit(2, HOURS)
    assert limit_for(1, "Trực tiếp: 1 Ngày làm việc; Trực tuyến: 02 Giờ", "direct") == TimeLimit(1, WORKING_DAYS)
    assert parse_time_limit("Không quá 45 ngày") == TimeLimit(45, DAYS)
    assert parse_time_limit("Trực tuyến: 45 Ngày; Dịch vụ bưu chính: 45 Ngày; Trực tiếp: 60 Ngày") == TimeLimit(
        60, DAYS
    )
    assert parse_time_limit("– Ngay trong ngày làm việc …, sau 15 giờ …; 03 ngày làm việc") == TimeLimit(
        3, WORKING_DAYS
    )
    assert parse_time_limit("Số ngày xử lý: 35") is None
    assert TimeLimit(0, WORKING_DAYS).label() == "Trong ngày"


def _pdf_text(content: bytes) -> str:
    import io

    import pypdf

    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def test_the_apology_letter_prints_like_the_receipt(db, settings, client, centre, catalogue):
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])  # due Thu 05/03 17:00
    r = client.get(f"/api/v1/dossiers/{code}/apology.pdf", headers=centre.auth("clerk1"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "apology_not_found"
    _late_apology(db, code, "clerk1")
    r = client.get(f"/api/v1/dossiers/{code}/apology.pdf", headers=centre.auth("clerk1"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.content)
    expected = [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Kính gửi: Trần Thị Bình",
        f"mã số hồ sơ: {code}",
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 05/03/2026",
        "Lý do: Phải lấy ý kiến Sở Xây dựng",
        "hẹn trả kết quả giải quyết hồ sơ vào 17 giờ 00 phút, ngày 11/03/2026",
        "THỦ TRƯỞNG CƠ QUAN",
        "ngày 06 tháng 03 năm 2026",
    ]
    assert [line for line in expected if line not in text] == []


def test_the_desk_apologises_for_its_own_receiving_error(db, settings, client, centre, catalogue):
    """Sent with the supplement request, before any appointment passed; no new date yet."""
    code = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])
    step(db, settings, code, "supplement_requested", vn(2026, 3, 3, 9), reason="Thiếu giấy tờ", data=ITEMS)
    with db.unit_of_work() as s:
        with pytest.raises(Exception) as refused:  # a late apology needs the appointment passed
            service.apologise(
                s,
                principal(s, "clerk1"),
                code,
                ApologyRequest(reason="x", new_due_at=vn(2026, 3, 20, 17)),
                now=vn(2026, 3, 3, 9, 5),
            )
        assert refused.value.code == "not_overdue"
    with db.unit_of_work() as s:
        service.apologise(
            s,
            principal(s, "clerk1"),
            code,
            ApologyRequest(kind="receiving_error", reason="Cán bộ tiếp nhận không yêu cầu bản sao Giấy chứng sinh"),
            now=vn(2026, 3, 3, 9, 5),
        )
    step(db, settings, code, "in_processing", vn(2026, 3, 4, 9))  # 1 working day waited
    d = _get(db, code)
    assert d["due_at"] == d["original_due_at"] == vn(2026, 3, 6, 17)
    text = _pdf_text(client.get(f"/api/v1/dossiers/{code}/apology.pdf", headers=centre.auth("clerk1")).content)
    assert "Bộ phận Một cửa – Sở Tư pháp" in text and "ĐẠI DIỆN BỘ PHẬN MỘT CỬA" in text
    assert "lùi lại đúng bằng thời gian làm việc" in text
    r = client.get(f"/api/v1/dossiers/{code}/control-slip.pdf", headers=centre.auth("clerk1"))
    assert "lỗi khi tiếp nhận" in _pdf_text(r.content)
    # Managers read the letter but do not write the desk's one.
    r = client.post(
        f"/api/v1/dossiers/{code}/apologies",
        json={"kind": "receiving_error", "reason": "x"},
        headers=centre.auth("manager"),
    )
    assert r.status_code == 403


def test_the_report_does_not_count_a_waiting_dossier_overdue(db, settings, client, centre, catalogue):
    """Both due Thu 05/03; at the end of March one waits for the citizen (clock stopped), one does not."""
    waiting = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])
    step(db, settings, waiting, "supplement_requested", vn(2026, 3, 3, 9), reason="Thiếu giấy tờ", data=ITEMS)
    late = create_at(db, settings, vn(2026, 3, 2, 9), agency_id=centre.agency_ids[0])
    step(db, settings, late, "in_processing", vn(2026, 3, 3, 9))
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    t = client.get("/api/v1/reports/dossiers", params=march, headers=centre.auth("admin")).json()["totals"]
    assert (t["pending"], t["pending_in_time"], t["pending_overdue"]) == (2, 1, 1)
