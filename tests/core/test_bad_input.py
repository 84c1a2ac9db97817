"""Bad input gets a clear 4xx JSON error and changes nothing."""

import pytest
from sqlalchemy import func, select

from queue_server.realtime.models import Event
from queue_server.tickets.models import Ticket, TicketEvent
from tests.factories import issue, open_counter


def snapshot_counts(db):
    with db.reading() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one() for m in (Ticket, TicketEvent, Event))


def assert_error(r, status, code=None):
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["message"] and isinstance(body["message"], str)
    if code:
        assert body["code"] == code


def test_unknown_service(client, centre, db):
    before = snapshot_counts(db)
    r = client.post("/api/v1/tickets", json={"service_id": 99999}, headers=centre.auth("kiosk"))
    assert_error(r, 404, "service_not_found")
    assert "Không tìm thấy dịch vụ" in r.json()["error"]["message"]
    assert snapshot_counts(db) == before


def test_closed_service(client, centre, db):
    client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"accepting": False}, headers=centre.auth("admin")
    )
    before = snapshot_counts(db)
    r = client.post("/api/v1/tickets", json={"service_id": centre.service_ids["HOTICH"]}, headers=centre.auth("kiosk"))
    assert_error(r, 409, "service_closed")
    assert "tạm ngừng" in r.json()["error"]["message"]
    assert snapshot_counts(db) == before


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1,2", '{"service_id": "một"}'.encode()])
def test_malformed_bodies(client, centre, db, body):
    before = snapshot_counts(db)
    r = client.post(
        "/api/v1/tickets", content=body, headers={**centre.auth("kiosk"), "content-type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
    assert r.json()["error"]["code"] in ("malformed_json", "invalid_input")
    assert snapshot_counts(db) == before


def test_oversized_body(client, centre, db):
    before = snapshot_counts(db)
    huge = b'{"service_id": 1, "pad": "' + b"x" * 2_000_000 + b'"}'
    r = client.post(
        "/api/v1/tickets", content=huge, headers={**centre.auth("kiosk"), "content-type": "application/json"}
    )
    assert_error(r, 413, "body_too_large")
    assert snapshot_counts(db) == before


def test_oversized_chunked_body(client, centre, db):
    def chunks():
        yield b'{"service_id": 1, "pad": "'
        for _ in range(30):
            yield b"x" * 100_000
        yield b'"}'

    r = client.post(
        "/api/v1/tickets", content=chunks(), headers={**centre.auth("kiosk"), "content-type": "application/json"}
    )
    assert_error(r, 413, "body_too_large")


def test_missing_and_garbage_tokens(client, centre):
    assert_error(client.post("/api/v1/tickets", json={"service_id": 1}), 401, "unauthorized")
    assert_error(
        client.post("/api/v1/tickets", json={"service_id": 1}, headers={"Authorization": "Bearer mdv_forged"}), 401
    )
    assert_error(
        client.post("/api/v1/tickets", json={"service_id": 1}, headers={"Authorization": "Bearer eyJhbGciOi.x.y"}), 401
    )


def test_clerk_cannot_act_on_another_counters_ticket(client, centre, db):
    t = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 2, "clerk2")
    client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    before = snapshot_counts(db)
    for action in ("recall", "start", "complete", "skip"):
        assert_error(
            client.post(f"/api/v1/tickets/{t['id']}/{action}", headers=centre.auth("clerk2")), 403, "forbidden"
        )
    assert_error(client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk2")), 403)
    assert snapshot_counts(db) == before


def test_console_acts_only_for_its_counter(client, centre):
    issue(client, centre, "DATDAI")
    open_counter(client, centre, 3, "clerk3")
    assert_error(
        client.post(f"/api/v1/counters/{centre.counter_ids[3]}/call-next", headers=centre.auth("console")), 403
    )


def test_counter_taken_by_another_clerk(client, centre):
    open_counter(client, centre, 1, "clerk1")
    assert_error(
        client.post(f"/api/v1/counters/{centre.counter_ids[1]}/open", headers=centre.auth("clerk2")),
        409,
        "counter_taken",
    )


@pytest.mark.parametrize("action", ["recall", "start", "complete", "skip", "transfer"])
def test_illegal_transitions_on_a_waiting_ticket(client, centre, db, action):
    t = issue(client, centre)
    before = snapshot_counts(db)
    r = client.post(
        f"/api/v1/tickets/{t['id']}/{action}",
        json={"service_id": centre.service_ids["DATDAI"]},
        headers=centre.auth("admin"),
    )
    assert_error(r, 409, "illegal_transition")
    assert snapshot_counts(db) == before


def test_paused_counter_cannot_call(client, centre):
    issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    client.post(f"/api/v1/counters/{centre.counter_ids[1]}/pause", headers=centre.auth("clerk1"))
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert_error(r, 409, "counter_not_open")
    assert "tạm dừng" in r.json()["error"]["message"]


def test_invalid_admin_input(client, centre, db):
    r = client.post(
        "/api/v1/agencies",
        json={"centre_id": centre.id, "identifier": "123", "name": "X"},
        headers=centre.auth("admin"),
    )
    assert_error(r, 422, "invalid_input")
    r = client.post(
        "/api/v1/counters", json={"centre_id": centre.id, "number": 1, "service_ids": []}, headers=centre.auth("admin")
    )
    assert_error(r, 409, "counter_exists")
    r = client.post(
        "/api/v1/services",
        json={"centre_id": centre.id, "code": "HOTICH", "name": "Trùng"},
        headers=centre.auth("admin"),
    )
    assert_error(r, 409, "service_exists")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past the parser's recursion limit
        b'{"service_id": ' + b"9" * 5000 + b"}",  # an integer past Python's digit limit for parsing
        b'{"service_id": 1, "client_request_id": "\xff\xfe"}',  # not UTF-8
    ],
    ids=["deep", "long-integer", "not-utf8"],
)
def test_bodies_the_parser_gives_up_on_are_refused_in_vietnamese(client, centre, db, body):
    # FastAPI answers these with its own English "There was an error parsing the body"; a kiosk
    # shows the message it gets.
    before = snapshot_counts(db)
    r = client.post(
        "/api/v1/tickets", content=body, headers={**centre.auth("kiosk"), "content-type": "application/json"}
    )
    assert_error(r, 400, "malformed_json")
    assert r.json()["error"]["message"] == "Nội dung gửi lên không phải JSON hợp lệ."
    assert snapshot_counts(db) == before
