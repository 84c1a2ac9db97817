"""Today's figures the console shows: served count and mean service time of the officer on duty."""

from tests.factories import issue, open_counter


def _serve(client, centre, counter, clerk):
    r = client.post(f"/api/v1/counters/{centre.counter_ids[counter]}/call-next", headers=centre.auth(clerk))
    assert r.status_code == 200, r.text
    t = r.json()
    assert client.post(f"/api/v1/tickets/{t['id']}/start", headers=centre.auth(clerk)).status_code == 200
    assert client.post(f"/api/v1/tickets/{t['id']}/complete", headers=centre.auth(clerk)).status_code == 200
    return t


def test_served_count_and_average_for_the_officer(client, centre):
    for _ in range(4):
        issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 2, "clerk2")
    url = f"/api/v1/console/stats?counter_id={centre.counter_ids[1]}"
    empty = client.get(url, headers=centre.auth("clerk1")).json()
    assert empty["served"] == 0 and empty["average_service_s"] is None
    _serve(client, centre, 1, "clerk1")
    _serve(client, centre, 1, "clerk1")
    _serve(client, centre, 2, "clerk2")
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    client.post(f"/api/v1/tickets/{r.json()['id']}/skip", json={"requeue": False}, headers=centre.auth("clerk1"))
    mine = client.get(url, headers=centre.auth("clerk1")).json()
    assert mine["served"] == 2 and mine["no_show"] == 1 and mine["counter_number"] == 1
    assert mine["average_service_s"] is not None and mine["average_service_s"] >= 0
    # The counter's console device sees the officer on duty there; clerk2 served elsewhere.
    by_console = client.get(url, headers=centre.auth("console")).json()
    assert by_console["served"] == 2
    other = client.get(
        f"/api/v1/console/stats?counter_id={centre.counter_ids[2]}", headers=centre.auth("clerk2")
    ).json()
    assert other["served"] == 1


def test_unknown_counter_is_a_clear_404(client, centre):
    r = client.get("/api/v1/console/stats?counter_id=99999", headers=centre.auth("clerk1"))
    assert r.status_code == 404 and r.json()["error"]["message"] == "Không tìm thấy quầy."
