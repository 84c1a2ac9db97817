"""Tickets issued together (one batch, one transaction) get the answers they would get one by one."""

import asyncio

from sqlalchemy import func, select, update

from queue_server.deps import TICKET_ISSUERS, authorize
from queue_server.errors import DomainError
from queue_server.realtime.models import Event
from queue_server.tickets.models import Ticket, TicketEvent
from queue_server.tickets.schemas import TicketCreate
from tests.factories import issue


def caller(app, token: str):
    """The caller behind `token`, as the endpoint's dependency reads it (DomainError if refused)."""
    session = app.state.db.read_session_factory()
    try:
        return authorize(session, app.state.settings, token, TICKET_ISSUERS, touch=False)
    finally:
        session.close()


def issue_together(app, requests: list[tuple[str, dict]]) -> list:
    """Submit all requests before the first batch starts, so they share one batch; each outcome is
    (view, created) or the DomainError it was refused with (by the endpoint's authorisation, or
    by the batch)."""
    issuer = app.state.ticket_issuer

    async def one(token, body):
        try:
            got = await issuer.issue(caller(app, token), TicketCreate(**body))
            return got.view, got.created
        except DomainError as exc:
            return exc

    async def main():
        return await asyncio.gather(*(one(token, body) for token, body in requests))

    return asyncio.run(main())


def events_since(db, seq: int) -> list:
    with db.reading() as s:
        return s.execute(select(Event.seq, Event.type, Event.data).where(Event.seq > seq).order_by(Event.seq)).all()


def last_seq(db) -> int:
    with db.reading() as s:
        return s.execute(select(func.max(Event.seq))).scalar() or 0


def test_tickets_issued_together_get_consecutive_numbers_true_positions_and_one_queue_update(client, centre, db):
    hotich, chungthuc = centre.service_ids["HOTICH"], centre.service_ids["CHUNGTHUC"]
    issue(client, centre, "HOTICH")
    issue(client, centre, "HOTICH", priority="elderly")
    before = last_seq(db)
    kiosk = centre.tokens["kiosk"]
    bodies = [
        {"service_id": hotich},
        {"service_id": chungthuc},
        {"service_id": hotich, "priority": "disabled"},
        {"service_id": hotich},
        {"service_id": chungthuc, "client_request_id": "kiosk1-batch-0001"},
        {"service_id": hotich, "priority": "elderly"},
        {"service_id": hotich},
    ]
    outcomes = issue_together(app=client.app, requests=[(kiosk, b) for b in bodies])
    views = [view for view, created in outcomes]
    assert all(created for _, created in outcomes)
    assert [v["display_number"] for v in views if v["service_id"] == hotich] == ["A003", "A004", "A005", "A006", "A007"]
    assert [v["display_number"] for v in views if v["service_id"] == chungthuc] == ["B001", "B002"]

    # Each answer's place in the queue is the one the ticket page shows afterwards (counted one by one).
    for v in views:
        again = client.get(f"/api/v1/tickets/{v['id']}", headers=centre.auth("kiosk")).json()
        assert (v["position"], v["people_ahead"], v["estimated_wait_s"]) == (
            again["position"],
            again["people_ahead"],
            again["estimated_wait_s"],
        )
    # priority tickets go ahead of the plain ones, in issue order among themselves
    by_number = {v["display_number"]: v["position"] for v in views}
    assert by_number["A004"] == 2 and by_number["A006"] == 3 and by_number["A007"] == 7

    events = events_since(db, before)
    issued = [e for e in events if e.type == "ticket.issued"]
    assert sorted(e.data["id"] for e in issued) == sorted(v["id"] for v in views)
    updates = [e for e in events if e.type == "queue.updated"]
    assert len(updates) == 1, "the batch announces its queues once"
    waiting = {s["id"]: s["waiting"] for s in updates[0].data["services"]}
    assert waiting == {hotich: 7, chungthuc: 2}
    with db.reading() as s:
        history = s.execute(select(TicketEvent.ticket_id).where(TicketEvent.type == "issued")).scalars().all()
    assert len(history) == len(set(history)) == 9


def test_unusual_requests_in_a_batch_get_their_own_answers(client, centre, db):
    hotich = centre.service_ids["HOTICH"]
    first = issue(client, centre, "HOTICH", client_request_id="kiosk1-retry-0001")
    kiosk, display = centre.tokens["kiosk"], centre.tokens["display"]
    outcomes = issue_together(
        client.app,
        [
            (kiosk, {"service_id": hotich}),
            (kiosk, {"service_id": hotich, "client_request_id": "kiosk1-retry-0001"}),  # a retry of an earlier ticket
            (kiosk, {"service_id": hotich, "client_request_id": "kiosk1-twice-0001"}),  # sent twice at once
            (kiosk, {"service_id": hotich, "client_request_id": "kiosk1-twice-0001"}),
            (kiosk, {"service_id": 999_999}),
            (kiosk, {"service_id": hotich, "priority": "vip"}),
            (display, {"service_id": hotich}),
            ("mdv_not-a-real-token", {"service_id": hotich}),
            (kiosk, {"service_id": hotich}),
        ],
    )
    plain, retry, twice_a, twice_b, unknown, vip, wrong_role, bad_token, plain2 = outcomes
    assert plain[1] and plain2[1]
    assert retry == (retry[0], False) and retry[0]["id"] == first["id"]
    assert {twice_a[1], twice_b[1]} == {True, False} and twice_a[0]["id"] == twice_b[0]["id"]
    assert isinstance(unknown, DomainError) and unknown.status == 404 and unknown.code == "service_not_found"
    assert isinstance(vip, DomainError) and vip.code == "unknown_priority"
    assert isinstance(wrong_role, DomainError) and wrong_role.status == 403
    assert isinstance(bad_token, DomainError) and bad_token.status == 401
    numbers = sorted(v["number"] for v in (plain[0], plain2[0], twice_a[0]))
    assert numbers == [2, 3, 4], "refused requests take no number"
    with db.reading() as s:
        assert s.execute(select(func.count()).select_from(Ticket)).scalar_one() == 4


def test_a_daily_cap_reached_inside_a_batch_issues_up_to_the_cap_without_gaps(client, centre, db):
    datdai = centre.service_ids["DATDAI"]
    client.patch(f"/api/v1/services/{datdai}", json={"daily_cap": 5}, headers=centre.auth("admin"))
    issue(client, centre, "DATDAI")
    issue(client, centre, "DATDAI")
    outcomes = issue_together(client.app, [(centre.tokens["kiosk"], {"service_id": datdai})] * 6)
    issued = [o[0]["number"] for o in outcomes if not isinstance(o, DomainError)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert sorted(issued) == [3, 4, 5]
    assert len(refused) == 3 and all(e.code == "daily_cap_reached" for e in refused)
    client.patch(f"/api/v1/services/{datdai}", json={"daily_cap": 6}, headers=centre.auth("admin"))
    assert issue(client, centre, "DATDAI")["number"] == 6, "the refused requests gave their numbers back"


def test_a_token_revoked_after_use_is_refused_by_the_issuing_transaction(client, centre, db):
    body = {"service_id": centre.service_ids["HOTICH"]}
    assert client.post("/api/v1/tickets", json=body, headers=centre.auth("kiosk")).status_code == 201
    device_id = client.get("/api/v1/devices/me", headers=centre.auth("kiosk")).json()["id"]
    assert client.post(f"/api/v1/devices/{device_id}/revoke", headers=centre.auth("admin")).status_code == 200
    r = client.post("/api/v1/tickets", json=body, headers=centre.auth("kiosk"))
    assert r.status_code == 401 and r.json()["error"]["code"] == "device_revoked"  # said so, not just refused
    with db.reading() as s:
        assert s.execute(select(func.count()).select_from(Ticket)).scalar_one() == 1


def test_an_unauthorised_caller_is_refused_before_its_body_is_checked(client, centre):
    r = client.post("/api/v1/tickets", json={"priority": 7}, headers=centre.auth("display"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"
    r = client.post("/api/v1/tickets", json={"priority": 7})
    assert r.status_code == 401


def test_issuing_marks_the_kiosk_as_seen(client, centre, db):
    from queue_server.auth.models import Device
    from queue_server.auth.security import token_digest

    digest = token_digest(centre.tokens["kiosk"])
    with db.unit_of_work() as s:
        s.execute(update(Device).where(Device.token_hash == digest).values(last_seen_at=None))
    outcomes = issue_together(client.app, [(centre.tokens["kiosk"], {"service_id": centre.service_ids["HOTICH"]})] * 3)
    assert all(created for _, created in outcomes)
    with db.reading() as s:
        assert s.execute(select(Device.last_seen_at).where(Device.token_hash == digest)).scalar() is not None


def _batches_of(db, before: int) -> list[list[int]]:
    """The tickets of each batch since `before`, as the boards saw them: a batch announces its
    tickets, then its queues once."""
    batches, current = [], []
    for e in events_since(db, before):
        if e.type == "ticket.issued":
            current.append(e.data["number"])
        elif e.type == "queue.updated" and current:
            batches.append(current)
            current = []
    return batches


def _wave(app, gather_ms: float) -> None:
    """One caller's ticket is being issued while two more wait; the first caller, once answered,
    asks again at once (a busy kiosk, a closed-loop client)."""
    from queue_server.tickets.batching import IssueBatcher

    issuer = IssueBatcher(app.state.db, app.state.settings.model_copy(update={"issue_gather_ms": gather_ms}))

    async def main(token, body):
        actor = caller(app, token)
        loop = asyncio.get_running_loop()
        first = asyncio.ensure_future(issuer.issue(actor, body))
        while not issuer._loops.get(loop) or issuer._loops[loop].pending:  # the first batch has started
            await asyncio.sleep(0)
        waiting = [asyncio.ensure_future(issuer.issue(actor, body)) for _ in range(2)]
        await first
        again = asyncio.ensure_future(issuer.issue(actor, body))
        await asyncio.gather(again, *waiting)

    return main


def test_callers_answered_come_back_into_the_batch_of_those_waiting(client, centre, db):
    body = TicketCreate(service_id=centre.service_ids["HOTICH"])
    before = last_seq(db)
    asyncio.run(_wave(client.app, 50)(centre.tokens["kiosk"], body))
    assert _batches_of(db, before) == [[1], [2, 3, 4]], "the answered caller joins the two waiting"

    before = last_seq(db)
    asyncio.run(_wave(client.app, 0)(centre.tokens["kiosk"], body))
    assert _batches_of(db, before) == [[5], [6, 7], [8]], "without a window, those waiting go at once"
