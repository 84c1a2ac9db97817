from tests.factories import issue, open_counter


def test_issue_call_complete(client, centre):
    t1 = issue(client, centre)
    t2 = issue(client, centre)
    assert (t1["display_number"], t2["display_number"]) == ("A001", "A002")
    assert t2["position"] == 2 and t2["people_ahead"] == 1
    open_counter(client, centre, 1, "clerk1")
    r = client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    assert r.status_code == 200, r.text
    assert r.json()["display_number"] == "A001" and r.json()["counter_number"] == 1
    r = client.post(f"/api/v1/tickets/{t1['id']}/complete", headers=centre.auth("clerk1"))
    assert r.json()["state"] == "done"
    r = client.post(f"/api/v1/tickets/{t1['id']}/complete", headers=centre.auth("clerk1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
