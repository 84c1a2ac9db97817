"""Ticket behaviour a visitor or clerk would notice, on both databases."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from queue_server.tickets.models import Ticket, TicketEvent
from tests.factories import issue, open_counter


def call_next(client, centre, number, clerk):
    return client.post(f"/api/v1/counters/{centre.counter_ids[number]}/call-next", headers=centre.auth(clerk))


def ticket_count(db):
    with db.reading() as s:
        return s.execute(select(func.count()).select_from(Ticket)).scalar_one()


def test_numbers_per_service_with_prefix_and_position(client, centre):
    a1, b1, a2 = issue(client, centre, "HOTICH"), issue(client, centre, "CHUNGTHUC"), issue(client, centre, "HOTICH")
    assert [a1["display_number"], b1["display_number"], a2["display_number"]] == ["A001", "B001", "A002"]
    assert a2["position"] == 2 and b1["position"] == 1
    assert a1["track_url"].startswith("http://testserver/t/")
    tracked = client.get("/api/v1/tickets/track/" + a2["track_url"].rsplit("/", 1)[1]).json()
    assert tracked["id"] == a2["id"] and tracked["people_ahead"] == 1


def test_client_request_id_makes_retries_idempotent(client, centre, db):
    body = {"service_id": centre.service_ids["HOTICH"], "client_request_id": "kiosk-retry-0001"}
    first = client.post("/api/v1/tickets", json=body, headers=centre.auth("kiosk"))
    again = client.post("/api/v1/tickets", json=body, headers=centre.auth("kiosk"))
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert ticket_count(db) == 1


def test_priority_is_served_first_and_policy_respects_weights(client, centre):
    issue(client, centre, "HOTICH")
    elder = issue(client, centre, "HOTICH", priority="elderly")
    assert elder["position"] == 1
    open_counter(client, centre, 1, "clerk1")
    assert call_next(client, centre, 1, "clerk1").json()["id"] == elder["id"]


def test_counter_serving_two_services_takes_longest_wait(client, centre, db):
    first_b = issue(client, centre, "CHUNGTHUC")
    issue(client, centre, "HOTICH")
    open_counter(client, centre, 2, "clerk2")  # counter 2 serves HOTICH and CHUNGTHUC
    assert call_next(client, centre, 2, "clerk2").json()["id"] == first_b["id"]


def test_unknown_priority_class_is_refused(client, centre, db):
    r = client.post(
        "/api/v1/tickets",
        json={"service_id": centre.service_ids["HOTICH"], "priority": "vip"},
        headers=centre.auth("kiosk"),
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_priority"
    assert ticket_count(db) == 0


def test_recall_is_counted_and_capped(client, centre):
    t = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    call_next(client, centre, 1, "clerk1")
    for n in (1, 2, 3):
        r = client.post(f"/api/v1/tickets/{t['id']}/recall", headers=centre.auth("clerk1"))
        assert r.status_code == 200 and r.json()["recall_count"] == n
    r = client.post(f"/api/v1/tickets/{t['id']}/recall", headers=centre.auth("clerk1"))
    assert r.status_code == 409 and "tối đa 3 lần" in r.json()["error"]["message"]


def test_skip_requeues_a_few_places_back(client, centre):
    tickets = [issue(client, centre) for _ in range(5)]
    open_counter(client, centre, 1, "clerk1")
    called = call_next(client, centre, 1, "clerk1").json()
    assert called["id"] == tickets[0]["id"]
    r = client.post(
        f"/api/v1/tickets/{called['id']}/skip", json={"requeue": True, "places_back": 2}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 200 and r.json()["state"] == "waiting"
    assert r.json()["position"] == 3  # behind the two who were next
    order = [call_next(client, centre, 1, "clerk1").json()["id"] for _ in range(3)]
    assert order == [tickets[1]["id"], tickets[2]["id"], tickets[0]["id"]]


def test_no_show(client, centre):
    t = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    call_next(client, centre, 1, "clerk1")
    r = client.post(f"/api/v1/tickets/{t['id']}/skip", headers=centre.auth("clerk1"))
    assert r.json()["state"] == "no_show"
    assert call_next(client, centre, 1, "clerk1").status_code == 204


def test_transfer_keeps_original_issue_time(client, centre):
    early = issue(client, centre, "HOTICH")
    later_d = issue(client, centre, "DATDAI")
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 3, "clerk3")
    call_next(client, centre, 1, "clerk1")
    r = client.post(
        f"/api/v1/tickets/{early['id']}/transfer",
        json={"service_id": centre.service_ids["DATDAI"]},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 200 and r.json()["state"] == "transferred" and r.json()["display_number"] == "A001"
    assert r.json()["position"] == 1  # issued before C001, so ahead of it
    assert call_next(client, centre, 3, "clerk3").json()["id"] == early["id"]
    assert call_next(client, centre, 3, "clerk3").json()["id"] == later_d["id"]


def test_transfer_to_a_counter(client, centre):
    t = issue(client, centre, "HOTICH")
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 3, "clerk3")
    call_next(client, centre, 1, "clerk1")
    r = client.post(
        f"/api/v1/tickets/{t['id']}/transfer", json={"counter_id": centre.counter_ids[3]}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 200
    assert call_next(client, centre, 3, "clerk3").json()["id"] == t["id"]  # counter 3 does not serve HOTICH


def test_transfer_to_closed_service_is_refused_and_changes_nothing(client, centre, db):
    t = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    call_next(client, centre, 1, "clerk1")
    client.patch(
        f"/api/v1/services/{centre.service_ids['DATDAI']}", json={"accepting": False}, headers=centre.auth("admin")
    )
    r = client.post(
        f"/api/v1/tickets/{t['id']}/transfer",
        json={"service_id": centre.service_ids["DATDAI"]},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "service_closed"
    assert client.get(f"/api/v1/tickets/{t['id']}", headers=centre.auth("clerk1")).json()["state"] == "called"


def test_call_specific_number(client, centre):
    issue(client, centre)
    second = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    r = client.post(
        f"/api/v1/counters/{centre.counter_ids[1]}/call", json={"display_number": "a002"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 200 and r.json()["id"] == second["id"]
    r = client.post(
        f"/api/v1/counters/{centre.counter_ids[1]}/call", json={"display_number": "A999"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 404 and "A999" in r.json()["error"]["message"]


def test_calling_next_finishes_the_current_visitor(client, centre):
    a, b = issue(client, centre), issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    call_next(client, centre, 1, "clerk1")
    call_next(client, centre, 1, "clerk1")
    assert client.get(f"/api/v1/tickets/{a['id']}", headers=centre.auth("clerk1")).json()["state"] == "done"
    assert client.get(f"/api/v1/tickets/{b['id']}", headers=centre.auth("clerk1")).json()["state"] == "called"


def test_history_is_appended_for_every_change(client, centre, db):
    t = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    call_next(client, centre, 1, "clerk1")
    client.post(f"/api/v1/tickets/{t['id']}/recall", headers=centre.auth("clerk1"))
    client.post(f"/api/v1/tickets/{t['id']}/start", headers=centre.auth("clerk1"))
    client.post(f"/api/v1/tickets/{t['id']}/complete", headers=centre.auth("clerk1"))
    with db.reading() as s:
        events = (
            s.execute(select(TicketEvent).where(TicketEvent.ticket_id == t["id"]).order_by(TicketEvent.id))
            .scalars()
            .all()
        )
        assert [e.type for e in events] == ["issued", "called", "recalled", "started", "completed"]
        assert events[1].actor_user_id == centre.user_ids["clerk1"] and events[0].actor_device_id is not None
        assert events[4].officer_id == centre.user_ids["clerk1"]


def test_daily_cap_refuses_with_clear_message(client, centre, db):
    client.patch(
        f"/api/v1/services/{centre.service_ids['DATDAI']}", json={"daily_cap": 2}, headers=centre.auth("admin")
    )
    issue(client, centre, "DATDAI")
    issue(client, centre, "DATDAI")
    r = client.post("/api/v1/tickets", json={"service_id": centre.service_ids["DATDAI"]}, headers=centre.auth("kiosk"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "daily_cap_reached"
    assert "hết số thứ tự" in r.json()["error"]["message"]
    assert ticket_count(db) == 2


def test_outside_issuing_hours_says_when_it_reopens(client, centre, db, clock):
    # Issuing 07:30–11:00 every weekday; "now" is Monday 23/11/2026 11:30 in Hà Nội time.
    hours = [{"weekday": wd, "start": "07:30", "end": "11:00"} for wd in range(7)] + [
        {"weekday": wd, "start": "13:00", "end": "16:30"} for wd in range(7)
    ]
    client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"hours": hours}, headers=centre.auth("admin")
    )
    now = datetime(2026, 11, 23, 4, 30, tzinfo=UTC)  # 11:30 +07
    clock.freeze(now)
    r = client.post("/api/v1/tickets", json={"service_id": centre.service_ids["HOTICH"]}, headers=centre.auth("kiosk"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "service_closed"
    assert "Mời quay lại lúc 13:00 hôm nay" in r.json()["error"]["message"]
    assert r.json()["error"]["reopens_at"].startswith("2026-11-23T13:00")
    svc = client.get(f"/api/v1/services/{centre.service_ids['HOTICH']}", headers=centre.auth("kiosk")).json()
    assert svc["open_now"] is False and "13:00" in svc["closed_reason"]
    assert ticket_count(db) == 0


def test_numbers_restart_at_local_midnight(client, centre, clock):
    late = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)  # 23:59 in Hà Nội
    clock.freeze(late)
    assert issue(client, centre)["display_number"] == "A001"
    assert issue(client, centre)["display_number"] == "A002"
    next_day = late + timedelta(minutes=2)  # 00:01 the next local day
    clock.freeze(next_day)
    assert issue(client, centre)["display_number"] == "A001"


def test_a_call_costs_the_clerk_few_round_trips(client, centre, db):
    """Each statement is a round trip on PostgreSQL, paid while the board waits for the number:
    the clerk's identity and agencies, the counter and its services, each read once; the services
    read by the statement locking them; the candidates of every queue the counter serves in one
    statement; the two tickets' statistics rows in one. (It was 26 on PostgreSQL at a counter of
    two services with a visitor at it, each round trip ~1 ms of the call's delivery to boards.)"""
    open_counter(client, centre, 2, "clerk2")  # counter 2 serves two services
    for code in ("HOTICH", "CHUNGTHUC", "HOTICH"):
        issue(client, centre, code)
    assert call_next(client, centre, 2, "clerk2").status_code == 200  # someone at the counter now
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        called = call_next(client, centre, 2, "clerk2")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert called.status_code == 200 and called.json()["state"] == "called"
    # SQLite's count includes its BEGIN IMMEDIATE (PostgreSQL's BEGIN is not a statement here)
    assert len(statements) <= (19 if db.engine.dialect.name == "sqlite" else 17), statements
