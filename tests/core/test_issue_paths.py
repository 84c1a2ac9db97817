"""One issuing path: the same requests give the same tickets, places, history, events and
refusals whether they are issued one at a time or together in one batch."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from queue_server.errors import DomainError
from queue_server.realtime.models import Event
from queue_server.tickets.models import Ticket, TicketEvent, TicketStats
from queue_server.tickets.schemas import TicketCreate
from tests.conftest import _wipe
from tests.core.test_issue_batching import caller, issue_together
from tests.factories import build_centre, issue


def _prepare(client, centre) -> dict[str, int]:
    """Services in every state the rules look at; two tickets already waiting (one with a key)."""
    admin = centre.auth("admin")
    sids = dict(centre.service_ids)
    # Đất đai: three numbers a day, no priority tickets
    r = client.patch(
        f"/api/v1/services/{sids['DATDAI']}", json={"daily_cap": 3, "allow_priority": False}, headers=admin
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/api/v1/services",
        json={"centre_id": centre.id, "code": "DONG", "name": "Dịch vụ tạm ngừng", "prefix": "D", "accepting": False},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    sids["DONG"] = r.json()["id"]
    issue(client, centre, "HOTICH", client_request_id="kiosk1-earlier-0001")
    issue(client, centre, "HOTICH", priority="elderly")
    return sids


def _requests(centre, sids) -> list[tuple[str, dict]]:
    kiosk, clerk = centre.tokens["kiosk"], centre.tokens["clerk1"]
    return [
        # priority requests ahead of the plain ones of their service: a batch answers every
        # ticket's place as it stands once the batch is in (a priority ticket issued later in the
        # same batch is ahead of a plain one), one at a time as it stands at each issue
        (kiosk, {"service_id": sids["HOTICH"], "priority": "disabled"}),
        (kiosk, {"service_id": sids["HOTICH"], "priority": "elderly"}),
        (kiosk, {"service_id": sids["HOTICH"]}),
        (kiosk, {"service_id": sids["CHUNGTHUC"], "source": "web"}),  # a kiosk's ticket is a kiosk ticket
        (clerk, {"service_id": sids["HOTICH"], "source": "console", "citizen_id": "001099012345"}),
        (kiosk, {"service_id": sids["HOTICH"], "client_request_id": "kiosk1-earlier-0001"}),  # a retry
        (kiosk, {"service_id": sids["CHUNGTHUC"], "client_request_id": "kiosk1-twice-00001"}),  # sent twice
        (kiosk, {"service_id": sids["CHUNGTHUC"], "client_request_id": "kiosk1-twice-00001"}),
        (kiosk, {"service_id": 999_999}),  # unknown service
        (kiosk, {"service_id": sids["HOTICH"], "priority": "vip"}),  # unknown priority class
        (kiosk, {"service_id": sids["DATDAI"], "priority": "elderly"}),  # priority not allowed
        (kiosk, {"service_id": sids["DONG"]}),  # not issuing
        (kiosk, {"service_id": sids["DATDAI"]}),
        (kiosk, {"service_id": sids["DATDAI"]}),
        (kiosk, {"service_id": sids["DATDAI"], "procedure_code": "1.001193"}),
        (kiosk, {"service_id": sids["DATDAI"]}),  # past the daily cap
        (kiosk, {"service_id": sids["HOTICH"]}),
        (kiosk, {"service_id": sids["DATDAI"]}),  # past the daily cap
    ]


def _answer(outcome) -> tuple:
    if isinstance(outcome, DomainError):
        return ("refused", outcome.status, outcome.code, outcome.message, outcome.extra)
    view, created = outcome
    return (
        created,
        *(view[k] for k in ("display_number", "number", "service_name", "state", "priority", "position")),
        *(view[k] for k in ("people_ahead", "estimated_wait_s", "procedure_code", "counter_id")),
    )


def _recorded(db) -> dict:
    """What the database holds of the tickets, with ids, tokens and times left out."""
    with db.reading() as s:
        number = {tid: shown for tid, shown in s.execute(select(Ticket.id, Ticket.display_number))}
        tickets = sorted(
            (t.display_number, t.source, t.priority, t.priority_rank, t.state, t.citizen_id, t.procedure_code)
            + (t.client_request_id.split(":")[1] if t.client_request_id else None,)
            for t in s.execute(select(Ticket)).scalars()
        )
        history = sorted(
            (number[e.ticket_id], e.type, e.actor_user_id is not None, e.actor_device_id is not None, str(e.data))
            for e in s.execute(select(TicketEvent)).scalars()
        )
        stats = sorted(
            (number[r.ticket_id], r.service_day, r.issued_hour, r.final_state, r.at_counter, r.transfer_count)
            for r in s.execute(select(TicketStats)).scalars()
        )
        events = [(e.type, e.data) for e in s.execute(select(Event).order_by(Event.seq)).scalars()]
    issued = sorted(
        tuple(sorted((k, v) for k, v in data.items() if k not in ("id", "issued_at")))
        for type_, data in events
        if type_ == "ticket.issued"
    )
    last_queue = {}  # each service's waiting figures as the last queue.updated announced them
    for type_, data in events:
        if type_ == "queue.updated":
            for svc in data["services"]:
                last_queue[svc["id"]] = svc
    figures = sorted(
        (number_of_service, tuple(sorted(v.items())))
        for number_of_service, v in ((svc.pop("id"), svc) for svc in last_queue.values())
    )
    return {
        "tickets": tickets,
        "history": history,
        "stats": stats,
        "issued": issued,
        "queues": [f for _, f in figures],
    }


def _one_by_one(app, requests) -> list:
    issuer = app.state.ticket_issuer

    async def main():
        out = []
        for token, body in requests:
            try:
                got = await issuer.issue(caller(app, token), TicketCreate(**body))
                out.append((got.view, got.created))
            except DomainError as exc:
                out.append(exc)
        return out

    return asyncio.run(main())


def test_one_at_a_time_and_together_give_the_same_tickets_places_events_and_refusals(client, db):
    results, batches = {}, {}
    for mode in ("alone", "together"):
        _wipe(db.url)
        centre = build_centre(db, client)
        sids = _prepare(client, centre)
        requests = _requests(centre, sids)
        outcomes = issue_together(client.app, requests) if mode == "together" else _one_by_one(client.app, requests)
        results[mode] = ([_answer(o) for o in outcomes], _recorded(db))
        with db.reading() as s:
            batches[mode] = len(s.execute(select(Event.id).where(Event.type == "queue.updated")).all())

    (alone, alone_db), (together, together_db) = results["alone"], results["together"]
    for i, (a, t) in enumerate(zip(alone, together)):
        assert a == t, f"request {i}: one at a time {a}, together {t}"
    assert alone_db == together_db

    # and the answers are the rules' ones
    codes = [a[2] if a[0] == "refused" else a[1] for a in alone]
    assert codes == [
        "A003",
        "A004",
        "A005",
        "B001",
        "A006",
        "A001",  # the retry: the ticket issued the first time
        "B002",
        "B002",  # the repeat: the same ticket
        "service_not_found",
        "unknown_priority",
        "priority_not_allowed",
        "service_closed",
        "C001",
        "C002",
        "C003",
        "daily_cap_reached",
        "A007",
        "daily_cap_reached",
    ]
    created = [a[0] for a in alone if a[0] != "refused"]
    assert created == [True, True, True, True, True, False, True, False, True, True, True, True]
    places = {a[1]: a[6] for a in alone if a[0] != "refused"}
    # elderly A002 (issued before), disabled A003, elderly A004 ahead of the plain A001, A005, A006, A007
    assert [places[n] for n in ("A003", "A004", "A001", "A005", "A006", "A007")] == [2, 3, 4, 5, 6, 7]
    sources = {t[0]: t[1] for t in alone_db["tickets"]}
    assert sources["B001"] == "kiosk" and sources["A006"] == "console"
    assert len(together_db["issued"]) == 2 + 10 and together_db["queues"]
    # one batch announced its queues once; one at a time, each ticket did
    assert batches["alone"] - batches["together"] == 10 - 1
