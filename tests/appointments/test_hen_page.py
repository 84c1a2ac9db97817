"""The phone page /hen is served without an account, and a booking's QR only for its own token."""

from tests.appointments.helpers import book, enable_booking, slots


def test_hen_page_is_public_and_local(client):
    r = client.get("/hen")
    assert r.status_code == 200 and "Đặt lịch hẹn" in r.text
    assert "http" not in r.text  # no CDN, no external font: everything from this server
    assert client.get("/hen-static/hen.js").status_code == 200


def test_booking_qr_answers_for_its_token_only(client, centre):
    enable_booking(client, centre)
    made = book(client, centre, slots(client, centre).json()[0]["start"]).json()
    r = client.get("/hen/qr/" + made["qr_url"].rsplit("/", 1)[1])
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in r.text
    r = client.get("/hen/qr/not-a-token")
    assert r.status_code == 404 and r.json()["error"]["code"] == "booking_not_found"
