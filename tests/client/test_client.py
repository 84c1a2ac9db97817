"""queue_server.client against the real server in a subprocess."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from queue_server.client import (
    AsyncQueueClient,
    EventStream,
    QueueClient,
    ServerError,
    Unreachable,
    new_request_id,
    retry_unreachable,
    retrying,
)
from tests.server_process import running_server

KIOSK = "mdv_demo-kiosk-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("client-server")) as srv:
        yield srv


def _service_id(client: QueueClient, code: str = "HOTICH") -> int:
    return next(s["id"] for s in client.services() if s["code"] == code)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_retried_issue_with_same_request_id_returns_the_same_ticket(server):
    with QueueClient(server.base_url, token=KIOSK) as client:
        sid = _service_id(client)
        rid = new_request_id("test")
        first = client.issue_ticket(sid, client_request_id=rid)
        again = client.issue_ticket(sid, client_request_id=rid)
        other = client.issue_ticket(sid)
    assert again["id"] == first["id"] and again["display_number"] == first["display_number"]
    assert other["id"] != first["id"]
    assert first["track_url"].startswith(server.base_url + "/t/")


def test_async_client_replays_the_same_ticket_too(server):
    async def run():
        async with AsyncQueueClient(server.base_url, token=KIOSK) as client:
            sid = next(s["id"] for s in await client.services() if s["code"] == "CHUNGTHUC")
            rid = new_request_id("test")
            results = await asyncio.gather(*(client.issue_ticket(sid, client_request_id=rid) for _ in range(4)))
            return {r["id"] for r in results}

    assert len(asyncio.run(run())) == 1


def test_server_refusal_carries_the_vietnamese_message(server):
    with QueueClient(server.base_url, token=KIOSK) as client, pytest.raises(ServerError) as err:
        client.issue_ticket(999_999)
    assert err.value.status == 404
    assert err.value.code == "service_not_found"
    assert err.value.message == "Không tìm thấy dịch vụ đã chọn."


def test_bad_token_is_a_server_error_not_a_crash(server):
    with QueueClient(server.base_url, token="mdv_nope") as client, pytest.raises(ServerError) as err:
        client.device_me()
    assert err.value.status == 401 and "mã thiết bị" in err.value.message


def test_device_me_and_alert(server):
    with QueueClient(server.base_url, token=KIOSK) as client:
        me = client.device_me()
        assert me["kind"] == "kiosk"
        client.alert("printer.paper_out", "Máy in hết giấy")
        events = client.snapshot(me["centre_id"])  # still answers after an alert
    assert events["centre"]["id"] == me["centre_id"]


def test_nothing_listening_is_unreachable():
    with (
        QueueClient(f"http://127.0.0.1:{_closed_port()}", token=KIOSK, timeout=1) as client,
        pytest.raises(Unreachable) as err,
    ):
        client.services()
    assert err.value.message == "Mất kết nối máy chủ — đang thử lại…"


def test_gateway_error_counts_as_unreachable():
    transport = httpx.MockTransport(lambda request: httpx.Response(503, text="upstream down"))
    with QueueClient("http://kiosk.invalid", transport=transport) as client, pytest.raises(Unreachable):
        client.services()


def test_retry_unreachable_gives_up_after_its_deadline():
    calls = []

    async def action():
        calls.append(1)
        raise Unreachable("down")

    with pytest.raises(Unreachable):
        asyncio.run(retry_unreachable(action, deadline_s=0.6, initial_s=0.1, max_s=0.2))
    assert len(calls) >= 3


def _retry_until(calls_needed: int, error: Exception, **policy) -> tuple[int, list[float]]:
    """Run an action failing with ``error`` until its ``calls_needed``-th call; the waits are recorded, not slept."""
    calls, waits = 0, []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def run():
        nonlocal calls
        async for attempt in retrying(Unreachable, sleep=sleep, **policy):
            with attempt:
                calls += 1
                if calls < calls_needed:
                    raise error

    asyncio.run(run())
    return calls, waits


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap():
    """The n-th wait is between half and all of initial·2ⁿ⁻¹, capped: kiosks that lost the server
    together come back spread out, and never wait longer than the cap."""
    runs = [_retry_until(12, Unreachable("down"), initial_s=0.5, max_s=8.0)[1] for _ in range(2)]
    for waits in runs:
        assert len(waits) == 11
        for n, wait in enumerate(waits, start=1):
            ceiling = min(8.0, 0.5 * 2 ** (n - 1))
            assert ceiling / 2 <= wait <= ceiling, (n, wait)
        assert max(waits[-3:]) > 4.0, "the later waits reach the cap's range"
    assert runs[0] != runs[1], "two devices do not retry in step"


def test_an_answer_is_not_retried_and_until_stops_retrying():
    with pytest.raises(ServerError):
        _retry_until(5, ServerError("closed", "Tạm ngừng cấp số", 409))
    stop_after_three = {"n": 0}

    def until() -> bool:
        stop_after_three["n"] += 1
        return stop_after_three["n"] >= 3

    with pytest.raises(Unreachable):
        _retry_until(100, Unreachable("down"), until=until)
    assert stop_after_three["n"] == 3


def test_bad_stream_token_raises_instead_of_reconnecting_forever(server):
    async def run():
        stream = EventStream(server.base_url, centre_id=server.demo["centre_id"], token="mdv_nope")
        async for _ in stream:
            pass

    with pytest.raises(ServerError) as err:
        asyncio.run(asyncio.wait_for(run(), 10))
    assert err.value.code == "unauthorized"


def test_a_kiosk_revoked_while_connected_is_told_so_and_refused(server):
    """Its open stream ends with `device_revoked` at once (not after a timeout), and so does every request."""
    staff = {
        "Authorization": "Bearer "
        + httpx.post(
            server.base_url + "/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"}
        ).json()["access_token"]
    }
    centre = server.demo["centre_id"]
    made = httpx.post(
        server.base_url + "/api/v1/devices",
        json={"kind": "kiosk", "centre_id": centre, "name": "Kiosk tạm"},
        headers=staff,
    ).json()
    connected = asyncio.Event()

    async def run():
        stream = EventStream(
            server.base_url, centre, token=made["token"], on_connection=lambda up: up and connected.set()
        )

        async def follow():
            async for _ in stream:
                pass

        task = asyncio.create_task(follow())
        await asyncio.wait_for(connected.wait(), 20)
        await asyncio.to_thread(
            lambda: httpx.post(
                f"{server.base_url}/api/v1/devices/{made['id']}/revoke", headers=staff
            ).raise_for_status()
        )
        await asyncio.wait_for(task, 5)

    with pytest.raises(ServerError) as err:
        asyncio.run(run())
    assert err.value.code == "device_revoked" and "thu hồi" in err.value.message
    with QueueClient(server.base_url, token=made["token"]) as client, pytest.raises(ServerError) as err:
        client.issue_ticket(_service_id(QueueClient(server.base_url, token=KIOSK)))
    assert (err.value.status, err.value.code) == (401, "device_revoked")


@pytest.mark.slow
def test_event_stream_resumes_after_a_server_restart_exactly_once(tmp_path):
    with running_server(tmp_path) as srv:
        centre = srv.demo["centre_id"]
        client = QueueClient(srv.base_url, token=KIOSK)
        sid = _service_id(client)
        issued_before, issued_after = [], []
        seen: list = []
        states: list[bool] = []

        async def run():
            stream = EventStream(
                srv.base_url,
                centre,
                token=KIOSK,
                silence_timeout_s=10,
                backoff_initial_s=1.5,
                backoff_max_s=3,
                on_connection=states.append,
            )
            it = stream.__aiter__()
            first = await asyncio.wait_for(it.__anext__(), 10)
            assert first.type == "snapshot"
            for _ in range(2):
                issued_before.append(await asyncio.to_thread(client.issue_ticket, sid))

            async def collect(until_ids: set[int]):
                while True:
                    msg = await asyncio.wait_for(it.__anext__(), 20)
                    seen.append(msg)
                    got = {m.data.get("id") for m in seen if m.type == "ticket.issued"}
                    if until_ids <= got:
                        return

            await collect({t["id"] for t in issued_before})
            await asyncio.to_thread(srv.stop)
            await asyncio.sleep(0.5)
            await asyncio.to_thread(srv.start)
            # Issued while the stream is still backing off: it must catch up with since=.
            for _ in range(3):
                issued_after.append(await asyncio.to_thread(client.issue_ticket, sid))
            await collect({t["id"] for t in issued_before + issued_after})
            try:  # nothing more may arrive (a duplicate would show up here)
                seen.append(await asyncio.wait_for(it.__anext__(), 1.5))
            except TimeoutError:
                pass
            await stream.close()
            return stream

        stream = asyncio.run(run())
        client.close()

    issued = [m.data["id"] for m in seen if m.type == "ticket.issued"]
    assert sorted(issued) == sorted(t["id"] for t in issued_before + issued_after)
    assert len(issued) == len(set(issued)), "an event was yielded twice"
    assert not any(m.type == "snapshot" for m in seen), "resume should replay, not snapshot"
    seqs = [m.seq for m in seen]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert stream.reconnects >= 1 and states[:3] == [True, False, True]


@pytest.mark.slow
def test_event_stream_notices_a_server_that_stops_answering_and_resumes_once_it_answers(tmp_path):
    """A hung server (SIGSTOP: its socket open, nothing answered) sends no heartbeat: after
    ``silence_timeout_s`` the stream gives the connection up at once — it does not wait for a closing
    handshake the server will never answer — and once the server answers again it resumes from its
    last seq with nothing yielded twice."""
    with running_server(tmp_path, own_process_group=True) as srv:  # heartbeats every 2 s
        centre = srv.demo["centre_id"]
        client = QueueClient(srv.base_url, token=KIOSK)
        sid = _service_id(client)
        seen: list = []

        async def run() -> tuple[EventStream, float]:
            stream = EventStream(
                srv.base_url, centre, token=KIOSK, silence_timeout_s=4, backoff_max_s=2, open_timeout_s=2
            )

            async def board() -> None:
                async for message in stream:
                    seen.append(message)

            reading = asyncio.create_task(board())
            loop = asyncio.get_running_loop()

            async def has(ticket_id: int) -> None:
                while ticket_id not in {m.data.get("id") for m in seen if m.type == "ticket.issued"}:
                    await asyncio.sleep(0.05)

            while not seen:  # the snapshot
                await asyncio.sleep(0.05)
            await has((await asyncio.to_thread(client.issue_ticket, sid))["id"])
            hung_at = loop.time()
            srv.pause()
            try:
                while stream.connected:
                    await asyncio.sleep(0.05)
                noticed_s = loop.time() - hung_at
            finally:
                srv.resume()
            await has((await asyncio.to_thread(client.issue_ticket, sid))["id"])
            await asyncio.sleep(1.5)  # nothing more may arrive (a repeat would show up here)
            await stream.close()
            await reading
            return stream, noticed_s

        async def bounded():
            return await asyncio.wait_for(run(), 60)

        stream, noticed_s = asyncio.run(bounded())
        client.close()

    assert noticed_s < 4 + 2, noticed_s  # its silence timeout and a moment, not a 10 s closing handshake
    issued = [m.data["id"] for m in seen if m.type == "ticket.issued"]
    assert len(issued) == 2 and len(set(issued)) == 2
    seqs = [m.seq for m in seen]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs  # no gap, no repeat
    assert stream.reconnects >= 1
