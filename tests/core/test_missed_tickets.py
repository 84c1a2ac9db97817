"""Missed tickets (docs/queue-policy.md): a visitor marked absent who comes back within
MOTCUA_MISSED_RECALL_MINUTES is in the counter's "Vắng mặt" list and can be called again —
from the list or by number — and is counted once, by how the visit ended."""

from datetime import timedelta

from queue_server.tickets.models import Ticket
from tests.factories import issue, open_counter


def _called_and_missed(client, centre, clerk="clerk1", counter=1):
    open_counter(client, centre, counter, clerk)
    ticket = issue(client, centre, "HOTICH")
    r = client.post(f"/api/v1/counters/{centre.counter_ids[counter]}/call-next", headers=centre.auth(clerk))
    assert r.json()["id"] == ticket["id"]
    r = client.post(f"/api/v1/tickets/{ticket['id']}/skip", json={"requeue": False}, headers=centre.auth(clerk))
    assert r.status_code == 200 and r.json()["state"] == "no_show"
    return ticket


def _missed(client, centre, who="clerk1", counter=1):
    r = client.get(f"/api/v1/counters/{centre.counter_ids[counter]}/missed", headers=centre.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _call_back(client, centre, counter: int, ticket: dict, who: str):
    return client.post(
        f"/api/v1/counters/{centre.counter_ids[counter]}/call-missed",
        json={"ticket_id": ticket["id"]},
        headers=centre.auth(who),
    )


def test_a_missed_ticket_is_listed_and_called_back_from_the_list(client, centre):
    ticket = _called_and_missed(client, centre)
    listed = _missed(client, centre)
    assert [m["display_number"] for m in listed] == ["A001"]
    assert listed[0]["service_name"] == "Hộ tịch" and listed[0]["counter_number"] == 1
    # Counter 2 serves Hộ tịch too: it sees the ticket as well; counter 3 (Đất đai) does not.
    assert [m["id"] for m in _missed(client, centre, "clerk1", 2)] == [ticket["id"]]
    open_counter(client, centre, 3, "clerk3")
    assert _missed(client, centre, "clerk3", 3) == []
    r = _call_back(client, centre, 1, ticket, "clerk1")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "called" and r.json()["counter_number"] == 1
    assert _missed(client, centre) == []
    r = client.post(f"/api/v1/tickets/{ticket['id']}/complete", headers=centre.auth("clerk1"))
    assert r.json()["state"] == "done"


def test_calling_a_missed_number_works(client, centre):
    _called_and_missed(client, centre)
    r = client.post(
        f"/api/v1/counters/{centre.counter_ids[1]}/call", json={"display_number": "a001"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "called" and r.json()["display_number"] == "A001"


def test_after_the_recall_window_the_number_is_refused_with_the_reason(client, centre, db, clock):
    ticket = _called_and_missed(client, centre)
    minutes = client.app.state.settings.missed_recall_minutes
    with db.unit_of_work() as s:
        s.get(Ticket, ticket["id"]).finished_at = clock.now() - timedelta(minutes=minutes + 1)
    assert _missed(client, centre) == []
    r = client.post(
        f"/api/v1/counters/{centre.counter_ids[1]}/call", json={"display_number": "A001"}, headers=centre.auth("clerk1")
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "missed_recall_expired"
    assert f"đã quá {minutes} phút được gọi lại; hãy hướng dẫn công dân lấy số mới" in r.json()["error"]["message"]
    r = _call_back(client, centre, 1, ticket, "clerk1")
    assert r.status_code == 409


def test_only_a_counter_of_the_service_calls_a_missed_ticket_back(client, centre):
    ticket = _called_and_missed(client, centre)
    open_counter(client, centre, 3, "clerk3")
    r = _call_back(client, centre, 3, ticket, "clerk3")
    assert r.status_code == 403
    # and a clerk not on duty at counter 1 cannot act for it
    r = _call_back(client, centre, 1, ticket, "clerk3")
    assert r.status_code == 403


def test_a_missed_ticket_called_back_and_served_counts_once_as_served(client, centre, clock):
    ticket = _called_and_missed(client, centre)
    _call_back(client, centre, 1, ticket, "clerk1")
    client.post(f"/api/v1/tickets/{ticket['id']}/complete", headers=centre.auth("clerk1"))
    other = _called_and_missed(client, centre)  # A002 stays absent
    assert other["display_number"] == "A002"
    rep = client.get(
        "/api/v1/reports/queue", params={"period": "day", "on": clock.today().isoformat()}, headers=centre.auth("admin")
    ).json()
    hotich = next(r for r in rep["by_service"] if r["code"] == "HOTICH")
    assert (hotich["issued"], hotich["served"], hotich["no_show"]) == (2, 1, 1)
