"""The visitor's ticket page /t/<token> and its stream WS /ws/t/<token>: this ticket only, live,
no account, rate-limited per address."""

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.factories import issue, open_counter

PAGE_FIELDS = {
    "display_number", "service_name", "state", "position", "people_ahead", "estimated_wait_s", "estimated_wait_minutes", "counter_number",
    "recall_count", "issued_at", "service_day", "expired", "service_open", "service_notice", "counters_open",
    "centre_name", "centre_notice", "recall_until", "recall_minutes",
}  # fmt: skip


def token_of(ticket: dict) -> str:
    return ticket["track_url"].rsplit("/", 1)[1]


def next_view(ws, predicate, limit=20):
    for _ in range(limit):
        msg = ws.receive_json()
        if msg["type"] == "ticket" and predicate(msg["data"]):
            return msg["data"]
    raise AssertionError("no such update")


def test_the_page_is_served_for_a_ticket_and_says_so_in_vietnamese_for_an_unknown_token(client, centre):
    ticket = issue(client, centre)
    r = client.get(f"/t/{token_of(ticket)}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in r.text and "/ticket-static/ticket.js" in r.text
    assert "://" not in r.text  # scripts, styles and fonts from this server only (no CDN)
    r = client.get("/t/not-a-real-token-000000")
    assert r.status_code == 404 and "Không tìm thấy số thứ tự" in r.text


def test_the_stream_shows_this_ticket_and_moves_when_it_is_called(client, centre):
    first, mine = issue(client, centre), issue(client, centre)
    with client.websocket_connect(f"/ws/t/{token_of(mine)}") as ws:
        view = next_view(ws, lambda v: True)
        assert set(view) == PAGE_FIELDS  # nothing else: no other ticket, no dossier or procedure
        assert (view["display_number"], view["position"], view["people_ahead"]) == ("A002", 2, 1)
        assert view["service_name"] == "Hộ tịch" and view["centre_name"] == "Trung tâm thử nghiệm"
        open_counter(client, centre, 2, "clerk2")
        client.post(f"/api/v1/counters/{centre.counter_ids[2]}/call-next", headers=centre.auth("clerk2"))
        view = next_view(ws, lambda v: v["people_ahead"] == 0)  # the one ahead was called
        assert view["state"] == "waiting" and view["position"] == 1 and view["counters_open"] == 1
        client.post(f"/api/v1/counters/{centre.counter_ids[2]}/call-next", headers=centre.auth("clerk2"))
        view = next_view(ws, lambda v: v["state"] == "called")
        assert view["counter_number"] == 2
        assert first["display_number"] not in str(view)


def test_a_missed_ticket_page_says_until_when_it_can_be_called_back(client, centre):
    mine = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
    client.post(f"/api/v1/tickets/{mine['id']}/skip", json={"requeue": False}, headers=centre.auth("clerk1"))
    with client.websocket_connect(f"/ws/t/{token_of(mine)}") as ws:
        view = next_view(ws, lambda v: True)
        assert view["state"] == "no_show" and view["recall_until"] is not None and view["counter_number"] == 1


def test_the_page_shows_when_its_service_stops_issuing(client, centre):
    mine = issue(client, centre)
    with client.websocket_connect(f"/ws/t/{token_of(mine)}") as ws:
        assert next_view(ws, lambda v: True)["service_open"] is True
        r = client.patch(
            f"/api/v1/services/{centre.service_ids['HOTICH']}", json={"accepting": False}, headers=centre.auth("admin")
        )
        assert r.status_code == 200, r.text
        view = next_view(ws, lambda v: not v["service_open"])
        assert view["service_notice"] == "Dịch vụ Hộ tịch đang tạm ngừng cấp số thứ tự."


def test_an_unknown_token_closes_the_stream(client, centre):
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect("/ws/t/nobody-holds-this") as ws:
        ws.receive_json()
    assert exc.value.code == 4404


def test_page_and_reads_are_rate_limited_per_address(client, centre):
    client.app.state.settings.ticket_page_rate_limit_per_minute = 3
    try:
        token = token_of(issue(client, centre))
        codes = [client.get(f"/t/{token}").status_code for _ in range(2)]
        codes.append(client.get(f"/api/v1/tickets/track/{token}").status_code)
        assert codes == [200, 200, 200]
        r = client.get(f"/t/{token}")
        assert r.status_code == 429 and "quá nhiều lần" in r.text
        assert client.get(f"/api/v1/tickets/track/{token}").status_code == 429
        with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect(f"/ws/t/{token}") as ws:
            ws.receive_json()
        assert exc.value.code == 4429
    finally:
        client.app.state.settings.ticket_page_rate_limit_per_minute = 120


def test_the_stream_ends_once_the_visit_is_over(client, centre):
    mine = issue(client, centre)
    open_counter(client, centre, 1, "clerk1")
    with client.websocket_connect(f"/ws/t/{token_of(mine)}") as ws:
        next_view(ws, lambda v: True)
        client.post(f"/api/v1/counters/{centre.counter_ids[1]}/call-next", headers=centre.auth("clerk1"))
        next_view(ws, lambda v: v["state"] == "called")
        client.post(f"/api/v1/tickets/{mine['id']}/complete", headers=centre.auth("clerk1"))
        assert next_view(ws, lambda v: v["state"] == "done")["people_ahead"] == 0
        with pytest.raises(WebSocketDisconnect) as exc:
            ws.receive_json()
        assert exc.value.code == 1000  # the page stops reconnecting
