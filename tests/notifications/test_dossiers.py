"""Messages about a dossier (ĐN Đ.12 k.2) to an applicant who agreed to them at receipt: one at
receipt, one per supplement request (what to supplement), one when the result is ready, one per
late apology (its new date); recorded in the transaction of the dossier event, so a refused step
or a rolled-back batch sends nothing and a replayed update sends nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from queue_server.notifications.models import Notification
from queue_server.notifications.sender import Sender
from queue_server.timeutil import VN_TZ
from tests.dossiers import helpers
from tests.dossiers.test_sync import signed as signed  # the fixture

PHONE = "0912345678"
PROCEDURE = "Đăng ký khai sinh"
ITEMS = ["Bản sao Giấy chứng sinh có chứng thực", "Tờ khai ghi rõ quê quán"]


@pytest.fixture
def catalogue(db):
    helpers.add_catalogue(db)


def _receive(client, centre, *, notify=True, phone=PHONE) -> dict:
    body = {
        "agency_id": centre.agency_ids[0],
        "procedure_code": "1.001193",
        "applicant": {"full_name": "Nguyễn Văn Ánh", "phone": phone},
        "notify": notify,
    }
    r = client.post("/api/v1/dossiers", json=body, headers=centre.auth("clerk1"))
    assert r.status_code == 201, r.text
    assert r.json()["notify"] is notify
    return r.json()


def _go(client, centre, code, to, reason=None, data=None):
    body = {"to": to, "reason": reason, "data": data or {}}
    return client.post(f"/api/v1/dossiers/{code}/transitions", json=body, headers=centre.auth("clerk1"))


def _queued(db) -> int:
    with db.reading() as s:
        return s.execute(select(func.count()).select_from(Notification)).scalar_one()


def _sent(db, settings, gateway) -> list[tuple[str, str]]:
    Sender(db, settings).run_once()
    return gateway.messages()


@pytest.mark.parametrize("consent", [True, False])
def test_received_supplement_and_result_each_send_one_message(
    client, centre, db, settings, gateway, clock, catalogue, consent
):
    d = _receive(client, centre, notify=consent)
    code = d["code"]
    due = datetime.fromisoformat(d["due_at"]).astimezone(VN_TZ).strftime("%d/%m/%Y")
    assert due == "13/03/2026"  # received Tuesday 10/03, three working days
    assert _go(client, centre, code, "in_processing").status_code == 200  # no message for this step
    r = _go(client, centre, code, "supplement_requested", reason="Hồ sơ chưa đầy đủ", data={"items": ITEMS})
    assert r.status_code == 200, r.text
    assert _go(client, centre, code, "in_processing").status_code == 200  # supplemented: nothing to tell
    assert _go(client, centre, code, "result_ready").status_code == 200
    messages = _sent(db, settings, gateway)
    if not consent:
        assert messages == [] and _queued(db) == 0
        return
    assert messages == [
        (PHONE, f"Hồ sơ {code} ({PROCEDURE}) đã được tiếp nhận. Ngày hẹn trả kết quả: 13/03/2026."),
        (
            PHONE,
            f"Hồ sơ {code} ({PROCEDURE}) cần bổ sung: Bản sao Giấy chứng sinh có chứng thực; Tờ khai ghi rõ quê quán. "
            "Vui lòng liên hệ trung tâm để hoàn thiện hồ sơ.",
        ),
        (PHONE, f"Hồ sơ {code} ({PROCEDURE}) đã có kết quả. Mời bạn đến trung tâm nhận kết quả."),
    ]
    assert _sent(db, settings, gateway) == messages  # sent once


def test_a_late_apology_sends_its_new_date(client, centre, db, settings, gateway, clock, catalogue):
    code = helpers.create_at(
        db, settings, datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ), agency_id=centre.agency_ids[0], notify=True
    )
    helpers.step(db, settings, code, "in_processing", datetime(2026, 3, 3, 9, 0, tzinfo=VN_TZ))
    before = len(_sent(db, settings, gateway))  # the receipt's message
    assert before == 1
    new_due = (clock.local() + timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
    r = client.post(
        f"/api/v1/dossiers/{code}/apologies",
        json={"reason": "Phải lấy ý kiến Sở Xây dựng", "new_due_at": new_due.isoformat()},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 200, r.text
    assert _sent(db, settings, gateway)[before:] == [
        (
            "0987654321",
            f"Hồ sơ {code} ({PROCEDURE}) chưa có kết quả đúng hẹn. Trung tâm xin lỗi bạn; "
            "ngày hẹn trả kết quả mới: 17/03/2026.",
        )
    ]


def test_no_phone_no_message(client, centre, db, settings, gateway, clock, catalogue):
    d = _receive(client, centre, phone=None)
    assert _go(client, centre, d["code"], "result_ready").status_code == 200
    assert _sent(db, settings, gateway) == [] and _queued(db) == 0


def test_a_refused_step_records_nothing(client, centre, db, settings, gateway, clock, catalogue):
    code = _receive(client, centre)["code"]
    assert _queued(db) == 1
    r = _go(client, centre, code, "returned")  # received → returned skips the result
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    r = _go(client, centre, code, "supplement_requested", reason="Thiếu")  # no items listed
    assert r.status_code == 422
    assert _queued(db) == 1


def test_a_rolled_back_sync_batch_records_nothing_and_a_replay_sends_once(
    signed, client, centre, db, settings, gateway, clock, catalogue
):
    code = _receive(client, centre)["code"]
    assert len(_sent(db, settings, gateway)) == 1
    # The result is ready, then an illegal step in the same batch: the whole batch, message included, rolls back.
    r = signed(
        {
            "updates": [
                {"update_id": "u-1", "code": code, "status": "result_ready"},
                {"update_id": "u-2", "code": code, "status": "received"},
            ]
        }
    )
    assert r.status_code == 409, r.text
    assert _queued(db) == 1
    # Supplement requested twice by the provincial system: two messages; the same update again: none.
    first = {"update_id": "u-3", "code": code, "status": "supplement_requested", "data": {"items": ["Ảnh 3x4"]}}
    assert signed(first).status_code == 200
    assert signed({"update_id": "u-4", "code": code, "status": "in_processing"}).status_code == 200
    second = {"update_id": "u-5", "code": code, "status": "supplement_requested", "reason": "Thiếu tờ khai"}
    assert signed(second).status_code == 200
    assert signed(second).json()["results"][0]["outcome"] == "duplicate"
    assert signed({"update_id": "u-6", "code": code, "status": "result_ready"}).status_code == 200
    assert signed({"update_id": "u-6", "code": code, "status": "result_ready"}).json()["results"][0]["outcome"] == (
        "duplicate"
    )
    texts = [text for _, text in _sent(db, settings, gateway)[1:]]
    assert texts == [
        f"Hồ sơ {code} ({PROCEDURE}) cần bổ sung: Ảnh 3x4. Vui lòng liên hệ trung tâm để hoàn thiện hồ sơ.",
        f"Hồ sơ {code} ({PROCEDURE}) cần bổ sung: Thiếu tờ khai. Vui lòng liên hệ trung tâm để hoàn thiện hồ sơ.",
        f"Hồ sơ {code} ({PROCEDURE}) đã có kết quả. Mời bạn đến trung tâm nhận kết quả.",
    ]
