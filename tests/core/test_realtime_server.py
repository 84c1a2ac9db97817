"""The event stream as served by uvicorn with the coalescing protocol (queue_server/realtime/wsprotocol.py).

A call-next commits five events at once: each client's queue then holds several, and they go out
through the `motcua.websocket.send_many` extension and one write per loop turn. Every client must
still see every event once, in seq order, one JSON object per WebSocket message.
"""

import asyncio
import json

import httpx
import websockets

from tests.server_process import running_server

HALL = "mdv_demo-hall-display"


def test_bursts_reach_every_client_once_in_order_then_heartbeat(tmp_path):
    with running_server(tmp_path / "srv") as srv:
        base = srv.base_url
        url = base.replace("http", "ws") + f"/ws?centre=1&token={HALL}"
        tok = httpx.post(base + "/api/v1/auth/token", data={"username": "canbo01", "password": "motcua-demo"}).json()[
            "access_token"
        ]
        clerk = {"Authorization": f"Bearer {tok}"}
        kiosk = {"Authorization": "Bearer mdv_demo-kiosk-1"}

        async def main():
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                for _ in range(3):
                    assert (
                        await http.post("/api/v1/tickets", json={"service_id": 1}, headers=kiosk)
                    ).status_code == 201
                assert (await http.post("/api/v1/counters/1/open", headers=clerk)).status_code == 200
                clients = [await websockets.connect(url) for _ in range(5)]
                snaps = [json.loads(await ws.recv()) for ws in clients]
                start = snaps[0]["seq"]
                assert {s["type"] for s in snaps} == {"snapshot"} and {s["seq"] for s in snaps} == {start}
                called = []
                for _ in range(3):
                    r = await http.post("/api/v1/counters/1/call-next", headers=clerk)
                    assert r.status_code == 200, r.text
                    called.append(r.json()["display_number"])
                streams = []
                for ws in clients:
                    msgs = []
                    while True:
                        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))  # one object per message
                        if msg["type"] != "heartbeat":
                            msgs.append(msg)
                            continue
                        # A heartbeat carries the last seq sent to this client (2 s without a message).
                        assert msg["seq"] == (msgs[-1]["seq"] if msgs else start)
                        if sum(m["type"] == "ticket.called" for m in msgs) == 3:
                            break
                    streams.append(msgs)
                for ws in clients:
                    await ws.close()
                return start, called, streams

        start, called, streams = asyncio.run(main())
        first_msgs = streams[0]
        seqs = [m["seq"] for m in first_msgs]
        assert seqs == list(range(start + 1, start + 1 + len(seqs))) and len(seqs) >= 3 * 3
        assert [m["data"]["display_number"] for m in first_msgs if m["type"] == "ticket.called"] == called
        for msgs in streams:
            assert msgs == first_msgs  # the same events, once each, in the same order, for every client


def test_a_board_that_pings_gets_a_pong_each_time_and_its_events_still(tmp_path):
    """The coalescing protocol hands a client's messages to the stream as they arrive (no task per
    board waits on them): each ping is answered, however many, and events keep coming after."""
    with running_server(tmp_path / "srv") as srv:
        base = srv.base_url
        url = base.replace("http", "ws") + f"/ws?centre=1&token={HALL}"

        async def next_of(ws, kind: str) -> dict:
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg["type"] == kind:
                    return msg

        async def main():
            async with httpx.AsyncClient(base_url=base, timeout=30) as http, websockets.connect(url) as ws:
                assert json.loads(await ws.recv())["type"] == "snapshot"
                for _ in range(3):  # a second message is read only once the first was taken
                    await ws.send("ping")
                    assert (await next_of(ws, "pong"))["seq"] == -1
                await ws.send('{"type": "ping"}')
                await next_of(ws, "pong")
                r = await http.post(
                    "/api/v1/tickets", json={"service_id": 1}, headers={"Authorization": "Bearer mdv_demo-kiosk-1"}
                )
                assert r.status_code == 201
                assert (await next_of(ws, "ticket.issued"))["data"]["display_number"] == r.json()["display_number"]

        asyncio.run(main())
