"""Editable texts of the messages: every kind listed with its default and placeholders; an
administrator's text is checked (placeholders, braces, length), audited, used when a message is
recorded, and can be returned to the default; managers read, only administrators write."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.audit.models import AuditEntry
from queue_server.notifications.models import Notification
from queue_server.notifications.templates import KINDS, check_text, render
from tests.appointments.helpers import book, enable_booking, slots

PHONE = "0912345678"


def _url(centre, kind: str = "") -> str:
    return f"/api/v1/centres/{centre.id}/notification-templates" + (f"/{kind}" if kind else "")


def test_every_kind_is_listed_with_its_default(client, centre):
    r = client.get(_url(centre), headers=centre.auth("manager"))
    assert r.status_code == 200, r.text
    rows = {t["kind"]: t for t in r.json()}
    assert (
        set(rows)
        == set(KINDS)
        >= {
            "booking_confirmed",
            "appointment_reminder",
            "queue_near",
            "ticket_called",
            "dossier_received",
            "dossier_supplement_requested",
            "dossier_result_ready",
            "dossier_late",
        }
    )
    near = rows["queue_near"]
    assert near["text"] == near["default_text"] and "còn {ahead} người nữa đến lượt bạn" in near["text"]
    assert set(near["placeholders"]) == {"number", "service", "ahead"} and near["overridden"] is False
    assert "{new_due_date}" in rows["dossier_late"]["default_text"]


def test_every_default_uses_only_its_placeholders():
    for kind, k in KINDS.items():
        assert check_text(kind, k.default) == k.default
        assert "{" not in k.default.format_map({name: "x" for name in k.placeholders})


def test_admin_sets_and_resets_a_text_and_it_is_audited(client, centre, db):
    text = "Số {number}: còn {ahead} người nữa là đến bạn ({service})."
    r = client.put(_url(centre, "queue_near"), json={"text": f"  {text} "}, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["text"] == text and r.json()["overridden"] is True and r.json()["updated_at"]
    listed = {t["kind"]: t for t in client.get(_url(centre), headers=centre.auth("admin")).json()}
    assert listed["queue_near"]["text"] == text and listed["booking_confirmed"]["overridden"] is False
    with db.unit_of_work() as s:
        assert render(s, centre.id, "queue_near", number="A005", ahead=2, service="Hộ tịch") == (
            "Số A005: còn 2 người nữa là đến bạn (Hộ tịch)."
        )
    r = client.delete(_url(centre, "queue_near"), headers=centre.auth("admin"))
    assert r.status_code == 200 and r.json()["overridden"] is False
    assert r.json()["text"] == KINDS["queue_near"].default
    with db.unit_of_work() as s:
        entries = list(
            s.scalars(select(AuditEntry).where(AuditEntry.entity == "notification_template").order_by(AuditEntry.id))
        )
        assert [(e.action, e.entity_id, e.centre_id) for e in entries] == [
            ("update", "queue_near", centre.id),
            ("reset", "queue_near", centre.id),
        ]
        assert entries[0].after == {"text": text} and entries[1].before == {"text": text}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Số {number}: còn {ahead} người, quầy {counter}.", "{counter}"),
        ("Số {number: còn {ahead} người.", "ngoặc nhọn"),
        ("Số {number}} còn {ahead} người.", "ngoặc nhọn"),
        ("Số {number.__class__}.", "{number.__class__}"),
        ("Số {number!r}.", "{number}"),
        ("Số {}.", "{}"),
        ("   ", "từ 1 đến 500"),
    ],
)
def test_a_bad_text_is_refused_clearly(client, centre, text, words):
    r = client.put(_url(centre, "queue_near"), json={"text": text}, headers=centre.auth("admin"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_template" and words in error["message"], error


def test_too_long_and_unknown_kind(client, centre):
    r = client.put(_url(centre, "queue_near"), json={"text": "x" * 501}, headers=centre.auth("admin"))
    assert r.status_code == 422 and "500" in r.text
    r = client.put(_url(centre, "no_such_kind"), json={"text": "x"}, headers=centre.auth("admin"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "notification_kind_not_found"


def test_managers_read_only_admins_write(client, centre):
    r = client.put(_url(centre, "queue_near"), json={"text": "Số {number}"}, headers=centre.auth("manager"))
    assert r.status_code == 403
    assert client.delete(_url(centre, "queue_near"), headers=centre.auth("manager")).status_code == 403
    assert client.get(_url(centre), headers=centre.auth("clerk1")).status_code == 403


def test_the_confirmation_uses_the_centres_text(client, centre, db, settings, gateway):
    text = "Đã đặt lịch {code}: {service} lúc {time}, {date}."
    r = client.put(_url(centre, "booking_confirmed"), json={"text": text}, headers=centre.auth("admin"))
    assert r.status_code == 200, r.text
    enable_booking(client, centre)
    start = slots(client, centre).json()[2]["start"]
    r = book(client, centre, start, PHONE, notify=True)
    assert r.status_code == 201, r.text
    with db.unit_of_work() as s:
        sent = s.scalars(select(Notification.text)).one()
    assert sent == f"Đã đặt lịch {r.json()['code']}: Hộ tịch lúc 08:00, Thứ Tư, 11/03/2026."
