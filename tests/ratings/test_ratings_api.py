"""POST /ratings from counter tablets, the criteria versions and the satisfaction summary (both DBs)."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from queue_server.ratings.models import Rating
from queue_server.tickets.models import Ticket
from tests.factories import issue, open_counter

API = "/api/v1/ratings"


def serve(client, centre, counter=1, clerk="clerk1", service="HOTICH") -> dict:
    """Issue a ticket and serve it to completion at `counter`; returns the ticket."""
    ticket = issue(client, centre, service)
    if (
        client.get(f"/api/v1/counters/{centre.counter_ids[counter]}", headers=centre.auth(clerk)).json()["state"]
        != "open"
    ):
        open_counter(client, centre, counter, clerk)
    r = client.post(
        f"/api/v1/counters/{centre.counter_ids[counter]}/call",
        json={"display_number": ticket["display_number"]},
        headers=centre.auth(clerk),
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/tickets/{ticket['id']}/complete", headers=centre.auth(clerk))
    assert r.status_code == 200 and r.json()["state"] == "done", r.text
    return ticket


def rate(client, centre, ticket_id, overall="rat_hai_long", tablet="tablet", **extra):
    body = {"ticket_id": ticket_id, "overall": overall, "idempotency_key": extra.pop("key", uuid.uuid4().hex), **extra}
    return client.post(API, json=body, headers=centre.auth(tablet))


def move_finished(db, ticket_id, ago: timedelta, clock):
    with db.unit_of_work() as s:
        s.execute(update(Ticket).where(Ticket.id == ticket_id).values(finished_at=clock.now() - ago))


def stored(db) -> int:
    with db.reading() as s:
        return s.execute(select(func.count(Rating.id))).scalar_one()


def test_happy_path_counts_for_officer_and_agency(client, centre, db, clock):
    ticket = serve(client, centre)
    r = rate(
        client,
        centre,
        ticket["id"],
        criteria={"thai_do": "hai_long", "dung_hen": "chua_hai_long"},
        comment="  Rất nhanh gọn  ",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["officer_id"] == centre.user_ids["clerk1"]
    assert body["agency_id"] == centre.agency_ids[0] and body["counter_id"] == centre.counter_ids[1]
    assert body["comment"] == "Rất nhanh gọn" and body["day"] == clock.today().isoformat()

    by_officer = client.get(f"{API}/summary", params={"group_by": "officer"}, headers=centre.auth("admin")).json()
    assert [(g["key"], g["label"], g["total"]) for g in by_officer["groups"]] == [
        (centre.user_ids["clerk1"], "Cán bộ clerk1", 1)
    ]
    assert by_officer["groups"][0]["counts"] == {"rat_hai_long": 1, "hai_long": 0, "chua_hai_long": 0}
    assert by_officer["groups"][0]["satisfaction"] == 1.0
    assert by_officer["groups"][0]["criteria"]["dung_hen"]["satisfaction"] == 0.0
    assert by_officer["groups"][0]["criteria"]["thai_do"]["counts"]["hai_long"] == 1

    by_agency = client.get(f"{API}/summary", params={"group_by": "agency"}, headers=centre.auth("manager")).json()
    assert [(g["label"], g["total"]) for g in by_agency["groups"]] == [("Sở Tư pháp", 1)]


def test_summary_share_and_scopes(client, centre, clock):
    for overall in ("rat_hai_long", "hai_long", "chua_hai_long", "hai_long"):
        assert rate(client, centre, serve(client, centre)["id"], overall).status_code == 201
    land = serve(client, centre, counter=3, clerk="clerk3", service="DATDAI")
    r = client.post(
        API,
        json={"ticket_id": land["id"], "overall": "chua_hai_long", "idempotency_key": uuid.uuid4().hex},
        headers=centre.auth("tablet"),
    )
    assert r.status_code == 403  # counter 3 has no tablet in the fixture; counter 1's cannot rate it

    admin = client.get(f"{API}/summary", params={"group_by": "service"}, headers=centre.auth("admin")).json()
    assert admin["overall"]["total"] == 4 and admin["overall"]["satisfaction"] == 0.75
    assert admin["from"] == admin["to"] == clock.today().isoformat()

    # A clerk sees only their own row; other groupings are refused.
    own = client.get(f"{API}/summary", params={"group_by": "officer"}, headers=centre.auth("clerk2")).json()
    assert own["groups"] == [] and own["overall"]["total"] == 0
    r = client.get(f"{API}/summary", params={"group_by": "agency"}, headers=centre.auth("clerk1"))
    assert r.status_code == 403
    # Days are inclusive local dates; an empty past period has no ratings.
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    past = client.get(
        f"{API}/summary", params={"from": yesterday, "to": yesterday}, headers=centre.auth("admin")
    ).json()
    assert past["overall"]["total"] == 0 and past["overall"]["satisfaction"] is None
    r = client.get(
        f"{API}/summary", params={"from": clock.today().isoformat(), "to": yesterday}, headers=centre.auth("admin")
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_period"


def test_other_counters_tablet_is_refused(client, centre):
    ticket = serve(client, centre)
    r = rate(client, centre, ticket["id"], tablet="tablet2")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_second_rating_and_replay(client, centre, db):
    ticket = serve(client, centre)
    key = uuid.uuid4().hex
    first = rate(client, centre, ticket["id"], key=key)
    assert first.status_code == 201
    replay = rate(client, centre, ticket["id"], key=key)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    again = rate(client, centre, ticket["id"], "chua_hai_long")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    other = serve(client, centre)
    reused = rate(client, centre, other["id"], key=key)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert stored(db) == 1


def test_unserved_ticket_is_refused(client, centre):
    waiting = issue(client, centre)
    r = rate(client, centre, waiting["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "ticket_not_served"
    open_counter(client, centre, 1, "clerk1")
    client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    r = rate(client, centre, waiting["id"])  # called, not finished
    assert r.status_code == 409 and r.json()["error"]["code"] == "ticket_not_served"
    assert rate(client, centre, 999999).status_code == 404


def test_window(client, centre, db, clock):
    late = serve(client, centre)
    move_finished(db, late["id"], timedelta(minutes=11), clock)
    r = rate(client, centre, late["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "rating_window_closed"

    # An offline tablet delivering two hours later: its own clock says the visitor tapped in time.
    offline = serve(client, centre)
    move_finished(db, offline["id"], timedelta(hours=2), clock)
    tapped = (clock.now() - timedelta(hours=2) + timedelta(seconds=30)).isoformat()
    assert rate(client, centre, offline["id"], rated_at=tapped).status_code == 201

    stale = serve(client, centre)
    move_finished(db, stale["id"], timedelta(hours=25), clock)
    tapped = (clock.now() - timedelta(hours=25) + timedelta(seconds=30)).isoformat()
    r = rate(client, centre, stale["id"], rated_at=tapped)
    assert r.status_code == 409 and r.json()["error"]["code"] == "rating_window_closed"


def test_bad_input(client, centre):
    ticket = serve(client, centre)
    for body in (
        {"overall": "tuyet_voi"},
        {"criteria": {"thai_do": "5 sao"}},
        {"comment": "x" * 1001},
        {"rated_at": "2026-01-01T10:00:00"},
    ):
        r = rate(client, centre, ticket["id"], **body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", body
    r = rate(client, centre, ticket["id"], criteria={"khong_co": "hai_long"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_criterion"
    r = client.post(API, json={"ticket_id": ticket["id"], "overall": "hai_long"}, headers=centre.auth("tablet"))
    assert r.status_code == 422  # no idempotency key
    r = client.post(
        API,
        json={"ticket_id": ticket["id"], "overall": "hai_long", "idempotency_key": uuid.uuid4().hex},
        headers=centre.auth("clerk1"),
    )
    assert r.status_code == 403  # only tablets rate


def test_criteria_versions(client, centre):
    current = client.get(f"{API}/criteria", headers=centre.auth("tablet")).json()
    assert [c["code"] for c in current["items"]] == ["thuan_tien", "dung_hen", "thai_do"]
    assert current["levels"]["rat_hai_long"] == "Rất hài lòng"
    old = serve(client, centre)
    assert rate(client, centre, old["id"], criteria={"thai_do": "hai_long"}).status_code == 201

    r = client.post(f"{API}/criteria", json={"preset": "provincial"}, headers=centre.auth("admin"))
    assert r.status_code == 201 and len(r.json()["items"]) == 11 and r.json()["id"] != current["id"]
    assert client.get(f"{API}/criteria", headers=centre.auth("clerk1")).json()["id"] == r.json()["id"]
    assert (
        client.post(f"{API}/criteria", json={"preset": "provincial"}, headers=centre.auth("manager")).status_code == 403
    )
    dup = client.post(
        f"{API}/criteria",
        json={"items": [{"code": "a_b", "label_vi": "A"}, {"code": "a_b", "label_vi": "B"}]},
        headers=centre.auth("admin"),
    )
    assert dup.status_code == 422

    # A tablet that still shows the old list rates under it; new ratings default to the new list.
    new = serve(client, centre)
    r = rate(client, centre, new["id"], criteria={"cong_khai": "rat_hai_long"})
    assert r.status_code == 201 and r.json()["criteria_version_id"] not in (None, current["id"])
    third = serve(client, centre)
    r = rate(client, centre, third["id"], criteria={"thai_do": "hai_long"}, criteria_version=current["id"])
    assert r.status_code == 201 and r.json()["criteria_version_id"] == current["id"]
