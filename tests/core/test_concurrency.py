"""Never repeats, never loses: several real uvicorn worker processes, many clients at once."""

import asyncio
import json
import os
import threading

import httpx
import pytest
import websockets

from tests.conftest import _pg_reachable
from tests.server_process import postgres_schema, running_server

pytestmark = pytest.mark.slow
TICKETS, CLIENTS = 2000, 16


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db_url(request, tmp_path):
    if request.param == "sqlite":
        yield None  # the server's default SQLite file in its data dir
        return
    if not _pg_reachable():
        if os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL required")
        pytest.skip("PostgreSQL not reachable")
    with postgres_schema("c") as url:
        yield url


def staff_token(base, username):
    r = httpx.post(base + "/api/v1/auth/token", data={"username": username, "password": "motcua-demo"})
    r.raise_for_status()
    return r.json()["access_token"]


class StreamRecorder(threading.Thread):
    def __init__(self, base, centre_id, token):
        super().__init__(daemon=True)
        self.url = base.replace("http", "ws") + f"/ws?centre={centre_id}&token={token}"
        self.messages, self.ready, self.stop_flag = [], threading.Event(), False

    def run(self):
        async def main():
            async with websockets.connect(self.url) as ws:
                while not self.stop_flag:
                    try:
                        msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    except TimeoutError:
                        continue
                    except websockets.ConnectionClosed:
                        return  # the server is shutting down at the end of the test
                    self.messages.append(msg)
                    self.ready.set()

        asyncio.run(main())


def test_four_workers_sixteen_clients_issue_distinct_consecutive_numbers(tmp_path, server_db_url):
    with running_server(tmp_path / "srv", server_db_url, workers=4) as srv:
        base = srv.base_url
        admin = {"Authorization": f"Bearer {staff_token(base, 'admin')}"}
        svc = httpx.post(
            base + "/api/v1/services",
            headers=admin,
            json={"centre_id": 1, "code": "TAI", "name": "Thử tải", "prefix": "T", "number_end": 9999},
        ).json()
        recorder = StreamRecorder(base, 1, "mdv_demo-hall-display")
        recorder.start()
        assert recorder.ready.wait(10)

        async def issue_all():
            kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
            results = []

            async def worker(n):
                async with httpx.AsyncClient(base_url=base, headers=kiosk, timeout=60) as c:
                    for i in range(TICKETS // CLIENTS):
                        r = await c.post(
                            "/api/v1/tickets", json={"service_id": svc["id"], "client_request_id": f"load-{n}-{i:05d}"}
                        )
                        assert r.status_code == 201, r.text
                        results.append(r.json()["number"])

            await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
            return results

        numbers = asyncio.run(issue_all())
        assert sorted(numbers) == list(range(1, TICKETS + 1))

        # every worker's events reached a client connected to one of them, in order, none twice
        deadline = 200
        while sum(m["type"] == "ticket.issued" for m in recorder.messages) < TICKETS and deadline:
            threading.Event().wait(0.1)
            deadline -= 1
        recorder.stop_flag = True
        seqs = [m["seq"] for m in recorder.messages if m["type"] not in ("heartbeat", "pong")]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        issued = [m["data"]["number"] for m in recorder.messages if m["type"] == "ticket.issued"]
        assert sorted(issued) == list(range(1, TICKETS + 1))


def test_two_counters_sharing_a_service_never_get_the_same_ticket(tmp_path, server_db_url):
    with running_server(tmp_path / "srv", server_db_url, workers=4) as srv:
        base = srv.base_url
        kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}
        for _ in range(60):
            assert httpx.post(base + "/api/v1/tickets", json={"service_id": 1}, headers=kiosk).status_code == 201
        clerks = {}
        for counter, user in ((1, "canbo01"), (2, "canbo02")):  # both serve Hộ tịch
            clerks[counter] = {"Authorization": f"Bearer {staff_token(base, user)}"}
            assert httpx.post(base + f"/api/v1/counters/{counter}/open", headers=clerks[counter]).status_code == 200
        barrier = threading.Barrier(2)
        called = {1: [], 2: []}

        def press(counter):
            with httpx.Client(base_url=base, headers=clerks[counter], timeout=30) as c:
                for _ in range(30):
                    barrier.wait()
                    r = c.post(f"/api/v1/counters/{counter}/call-next")
                    assert r.status_code == 200, r.text
                    called[counter].append(r.json()["id"])

        threads = [threading.Thread(target=press, args=(n,)) for n in (1, 2)]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
        everyone = called[1] + called[2]
        assert len(everyone) == 60 and len(set(everyone)) == 60
