"""A visitor's browser gets errors as a page in Vietnamese, never as JSON: an address on a ticket
or receipt QR that the camera or the visitor garbled, an address that does not exist. API clients
(the kiosk, the tablet, scripts) keep getting the JSON error format."""

from __future__ import annotations

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _is_vietnamese_page(r, status: int, words: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in r.text and words in r.text
    assert "{" not in r.text.split("<body", 1)[1]  # no JSON shown to the visitor
    assert "<script" not in r.text and "http" not in r.text.split("<body", 1)[1]  # served whole, nothing fetched


@pytest.mark.parametrize("page", ["/t/", "/l/"])
def test_a_garbled_token_too_long_for_any_ticket_or_dossier_gets_a_page(client, page):
    r = client.get(page + "A" * 5000, headers=BROWSER)
    _is_vietnamese_page(r, 422, "Địa chỉ không hợp lệ")
    r = client.get(page + "A" * 5000)  # whatever the client says it accepts: the route is a page
    _is_vietnamese_page(r, 422, "Địa chỉ không hợp lệ")


def test_an_address_that_does_not_exist_is_a_page_for_a_browser_and_json_for_a_client(client):
    r = client.get("/t", headers=BROWSER)
    _is_vietnamese_page(r, 404, "Không tìm thấy trang")
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_the_api_keeps_answering_json_to_a_browser(client, centre):
    r = client.get("/api/v1/tickets/abc", headers={**BROWSER, **centre.auth("clerk1")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    r = client.get("/api/v1/khong-co", headers=BROWSER)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_a_lookup_form_with_a_code_too_long_gets_a_page(client):
    r = client.post("/l", data={"code": "X" * 500, "phone_last4": "1234"}, headers=BROWSER)
    _is_vietnamese_page(r, 422, "không hợp lệ")
