"""The outbox across real server processes (issue 20, must show): a server killed (SIGKILL)
between the booking's commit and the send, then restarted, sends the confirmation once and never
again (SQLite file and PostgreSQL); two servers on one PostgreSQL database send each of many
queued messages exactly once. The messages go through the `zalo-zns://` channel to a fake ZNS API."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import select

from queue_server.centres.models import Centre
from queue_server.db import Database
from queue_server.notifications import service
from tests.appointments.helpers import TOMORROW
from tests.notifications.gateway import ZaloGateway
from tests.notifications.test_outbox import _rows, _wait_for
from tests.server_process import ServerProcess, postgres_schema, prepare_demo_database

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'motcua.sqlite3'}"  # a file both runs of the server open
        return
    request.getfixturevalue("_postgresql_url")  # skips (or fails in CI) without PostgreSQL
    with postgres_schema("ntf20") as url:
        yield url


def _server(data_dir, database_url, url: str, poll_s: float) -> ServerProcess:
    env = {"MOTCUA_NOTIFY_URL": url, "MOTCUA_NOTIFY_POLL_INTERVAL_S": str(poll_s)}
    return ServerProcess(data_dir, database_url, extra_env=env)


def _book(server: ServerProcess, password: str, phone: str) -> str:
    """A booking with consent for tomorrow over HTTP; its code."""
    with httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=30) as api:
        token = api.post("/auth/token", data={"username": "admin", "password": password}).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        sid = api.get("/services", headers=admin).json()[0]["id"]
        r = api.put(f"/services/{sid}/booking", json={"booking_enabled": True}, headers=admin)
        assert r.status_code == 200, r.text
        start = api.get(f"/appointments/slots?service_id={sid}&date={TOMORROW}").json()[0]["start"]
        body = {"service_id": sid, "start": start, "full_name": "Trần Thị Bình", "phone": phone, "notify": True}
        r = api.post("/appointments", json=body)
        assert r.status_code == 201, r.text
        return r.json()["code"]


def test_killed_between_commit_and_send_then_restarted_sends_once(tmp_path, database_url, zalo):
    # the first run's sender would look only after an hour: the kill comes between commit and send
    server = _server(tmp_path / "srv", database_url, zalo.url, poll_s=3600)
    demo = prepare_demo_database(database_url)
    db = Database(database_url)
    try:
        server.start()
        code = _book(server, demo["password"], "0987654321")
        [row] = _rows(db)
        assert (row.kind, row.state, row.attempts) == ("booking_confirmed", "queued", 0)  # committed
        assert code in row.text and zalo.requests == []  # not sent
        server.kill()  # SIGKILL: no shutdown, no last send
        assert zalo.requests == [] and _rows(db)[0].state == "queued"

        server.extra_env["MOTCUA_NOTIFY_POLL_INTERVAL_S"] = "0.2"
        server.start()
        _wait_for(lambda: _rows(db)[0].state == "sent", timeout_s=60)
        threading.Event().wait(1.5)  # several more polls: nothing again
        assert len(zalo.requests) == 1
        server.stop()
        server.start()  # and once more
        threading.Event().wait(1.5)
        [request] = zalo.requests
        [row] = _rows(db)
        assert (row.state, row.attempts) == ("sent", 1)
        assert request["body"]["phone"] == "84987654321" and request["body"]["tracking_id"] == row.dedupe_key
        assert request["body"]["template_data"] == {"content": row.text}
    finally:
        server.stop()
        db.dispose()


@pytest.mark.usefixtures("_postgresql_url")  # skips (or fails in CI) without PostgreSQL
def test_two_servers_on_one_database_send_each_message_once(tmp_path, zalo):
    messages = 60
    zalo.delay_s = 0.02  # a slow gateway: the servers' batches overlap
    with postgres_schema("ntf20two") as url:
        prepare_demo_database(url)
        db = Database(url)
        # each server its own token, so the fake tells which one sent
        servers = [
            _server(tmp_path / f"srv{k}", url, zalo.url.replace(ZaloGateway.TOKEN, f"token-{k}"), poll_s=0.1)
            for k in range(2)
        ]
        try:
            for server in servers:
                server.start()
            with db.unit_of_work() as s:
                centre_id = s.scalar(select(Centre.id).order_by(Centre.id))
                for i in range(messages):
                    service.record(s, centre_id, "booking_confirmed", 10_000 + i, f"09{i:08d}", f"tin {i}")
            _wait_for(lambda: all(r.state == "sent" for r in _rows(db)), timeout_s=90)
            threading.Event().wait(1.0)  # several more polls: nothing again
        finally:
            for server in servers:
                server.stop()
            db.dispose()
    texts = sorted(body["template_data"]["content"] for body in zalo.bodies())
    assert texts == sorted(f"tin {i}" for i in range(messages))  # each exactly once
    assert len({body["tracking_id"] for body in zalo.bodies()}) == messages
    assert {r["access_token"] for r in zalo.requests} == {"token-0", "token-1"}  # both servers sent
