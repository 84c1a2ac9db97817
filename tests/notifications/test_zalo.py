"""The `zalo-zns://` channel (issue 20 item 4) against a fake of Zalo's ZNS template API: the
request's path, `access_token` header and body (84… phone, template id, the text under the
template's one parameter, the outbox key as tracking id); Zalo's `error ≠ 0` retried then failed
with its reason shown; an HTTP 500 retried, then sent. Neither the token nor the phone ever
appears in an error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.notifications.channels import (
    ZNS_ENDPOINT,
    SendFailed,
    ZaloZnsChannel,
    channel_for,
    international_vn_phone,
)
from queue_server.notifications.models import Notification
from queue_server.notifications.sender import Sender
from tests.notifications.gateway import ZaloGateway
from tests.notifications.test_outbox import PHONE, _book, _rows


@pytest.fixture
def zalo_settings(settings, zalo):
    return settings.model_copy(update={"notify_url": zalo.url})


def test_a_booking_confirmation_goes_to_zalo_in_the_template_shape(client, centre, db, zalo_settings, zalo):
    booking = _book(client, centre)
    assert Sender(db, zalo_settings).run_once() == 1
    [request] = zalo.requests
    [row] = _rows(db)
    assert request["path"] == "/message/template"
    assert request["access_token"] == ZaloGateway.TOKEN
    assert request["body"] == {
        "phone": "84912345678",  # 0912345678 in international form
        "template_id": ZaloGateway.TEMPLATE,
        "template_data": {"content": row.text},
        "tracking_id": row.dedupe_key,  # Zalo can tell a resend of the same message
    }
    assert booking["code"] in row.text and row.state == "sent" and row.attempts == 1


def test_zalo_refusing_is_retried_then_failed_with_its_reason(client, centre, db, zalo_settings, zalo, clock):
    _book(client, centre)
    zalo.error, zalo.error_message = -124, "Access token is invalid"
    sender = Sender(db, zalo_settings)
    for attempt in (1, 2, 3):  # notify_max_attempts=3 (conftest)
        assert sender.run_once() == 1
        row = _rows(db)[0]
        assert row.attempts == attempt and row.last_error == "Zalo ZNS lỗi -124: Access token is invalid"
        clock.advance(hours=2)  # past any backoff
    assert row.state == "failed" and sender.run_once() == 0 and len(zalo.requests) == 3
    assert {r["body"]["tracking_id"] for r in zalo.requests} == {row.dedupe_key}  # every try the same id
    r = client.get(f"/api/v1/centres/{centre.id}/notifications", headers=centre.auth("admin"))
    [shown] = r.json()
    assert shown["state"] == "failed" and "Access token is invalid" in shown["last_error"]
    assert ZaloGateway.TOKEN not in r.text and PHONE not in r.text


def test_an_http_500_is_retried_then_sent(client, centre, db, zalo_settings, zalo, clock):
    _book(client, centre)
    zalo.status = 500
    sender = Sender(db, zalo_settings)
    assert sender.run_once() == 1
    row = _rows(db)[0]
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "Zalo ZNS: HTTP 500")
    assert sender.run_once() == 0  # not due yet (backoff)
    zalo.status = 200
    clock.advance(hours=2)
    assert sender.run_once() == 1 and sender.run_once() == 0
    with db.unit_of_work() as s:
        assert s.scalar(select(Notification.state)) == "sent"
    assert len(zalo.requests) == 2


def test_the_url_and_its_defaults():
    channel = channel_for("zalo-zns://tok%2Fen@12345")
    assert isinstance(channel, ZaloZnsChannel)
    assert (channel.endpoint, channel.template_id, channel.data_key) == (ZNS_ENDPOINT, "12345", "content")
    channel = channel_for("zalo-zns://t@9?endpoint=zns.example.vn/api/template&key=noi_dung")
    assert (channel.endpoint, channel.data_key) == ("https://zns.example.vn/api/template", "noi_dung")
    with pytest.raises(SendFailed):
        channel_for("zalo-zns://no-template")


def test_phone_numbers_in_international_form():
    assert international_vn_phone("0912345678") == "84912345678"
    assert international_vn_phone("+84912345678") == "84912345678"
    assert international_vn_phone("84912345678") == "84912345678"
    with pytest.raises(SendFailed) as refused:
        international_vn_phone("12345")
    assert "12345" not in str(refused.value)


def test_an_unreachable_gateway_fails_without_the_token_or_the_phone():
    from tests.server_process import free_port

    channel = ZaloZnsChannel(f"zalo-zns://secret-token@1?endpoint=http://127.0.0.1:{free_port()}/t", timeout_s=2)
    with pytest.raises(SendFailed) as failed:
        channel.send(PHONE, "xin chào", key="booking_confirmed:1")
    assert str(failed.value) == "Zalo ZNS: ConnectError"
    assert "secret-token" not in str(failed.value) and "912345678" not in str(failed.value)
