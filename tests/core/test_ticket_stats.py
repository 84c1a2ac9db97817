"""`ticket_stats` under the real flows: every row says what the report definitions say about its history."""

from datetime import date, datetime, time, timedelta

import pytest
from alembic import command
from sqlalchemy import select

from queue_server.db import Database
from queue_server.migrate import alembic_config, upgrade
from queue_server.tickets.models import Ticket, TicketEvent, TicketStats
from queue_server.tickets.stats import COLUMNS, rebuild_ticket_stats
from queue_server.timeutil import VN_TZ
from tests.factories import build_centre, issue, open_counter

DAY = date(2026, 11, 24)  # a Tuesday


class DayClock:
    """The suite's clock, standing still at fixed centre-local times of DAY."""

    def __init__(self, clock):
        self.clock = clock
        self.set("07:59")

    @staticmethod
    def at(hhmm: str) -> datetime:
        h, m = (int(x) for x in hhmm.split(":"))
        return datetime.combine(DAY, time(h, m), VN_TZ)

    def set(self, hhmm: str) -> None:
        self.clock.freeze(self.at(hhmm))

    @property
    def now(self) -> datetime:
        return self.clock.now()


@pytest.fixture
def day_clock(clock):
    """Asked for before `centre`, so the staff's tokens are issued on DAY too."""
    return DayClock(clock)


def act(client, centre, clock, hhmm, path, who, json=None, status=200):
    clock.set(hhmm)
    r = client.post(f"/api/v1{path}", json=json, headers=centre.auth(who))
    assert r.status_code == status, r.text
    return r.json() if status == 200 else None


def stats_rows(db) -> dict[int, dict]:
    with db.reading() as s:
        return {r.ticket_id: {c: getattr(r, c) for c in COLUMNS} for r in s.execute(select(TicketStats)).scalars()}


def run_day(client, centre, clock) -> dict[str, dict]:
    """Seven visitors through issue, call, recall, start, complete, requeue, transfer, no-show, cancel."""
    tickets = {}
    for name, service, hhmm in [
        ("A", "HOTICH", "08:00"),
        ("B", "HOTICH", "08:01"),
        ("C", "HOTICH", "08:02"),
        ("D", "DATDAI", "08:03"),
        ("E", "CHUNGTHUC", "08:04"),
    ]:
        clock.set(hhmm)
        tickets[name] = issue(client, centre, service)
    for n in (1, 2, 3):
        open_counter(client, centre, n, f"clerk{n}")
    c1, c2, c3 = (f"/counters/{centre.counter_ids[n]}/call-next" for n in (1, 2, 3))
    t = {k: f"/tickets/{v['id']}" for k, v in tickets.items()}
    # A: called 08:10 (waited 600), recalled, started 08:12, completed 08:20 → service 480 at counter 1
    assert act(client, centre, clock, "08:10", c1, "clerk1")["id"] == tickets["A"]["id"]
    act(client, centre, clock, "08:11", t["A"] + "/recall", "clerk1")
    act(client, centre, clock, "08:12", t["A"] + "/start", "clerk1")
    act(client, centre, clock, "08:20", t["A"] + "/complete", "clerk1")
    # B: first called 08:21 (waited 1200), sent one place back; C called 08:25 (1380) and transferred to DATDAI
    assert act(client, centre, clock, "08:21", c1, "clerk1")["id"] == tickets["B"]["id"]
    act(client, centre, clock, "08:22", t["B"] + "/skip", "clerk1", {"requeue": True, "places_back": 1})
    assert act(client, centre, clock, "08:25", c1, "clerk1")["id"] == tickets["C"]["id"]
    act(client, centre, clock, "08:26", t["C"] + "/transfer", "clerk1", {"service_id": centre.service_ids["DATDAI"]})
    # C keeps its 08:02 place, ahead of D: called again at counter 3, started 08:31, completed 08:35 → service 240
    assert act(client, centre, clock, "08:30", c3, "clerk3")["id"] == tickets["C"]["id"]
    act(client, centre, clock, "08:31", t["C"] + "/start", "clerk3")
    act(client, centre, clock, "08:35", t["C"] + "/complete", "clerk3")
    # B called again 08:40 (its wait stays 1200) and does not come
    assert act(client, centre, clock, "08:40", c1, "clerk1")["id"] == tickets["B"]["id"]
    act(client, centre, clock, "08:41", t["B"] + "/skip", "clerk1", {"requeue": False})
    # D cancelled while waiting
    act(client, centre, clock, "08:45", t["D"] + "/cancel", "admin")
    # E called 08:50 (2760), never started, finished by the next call-next at 08:55 → service 300 from the call
    assert act(client, centre, clock, "08:50", c2, "clerk2")["id"] == tickets["E"]["id"]
    act(client, centre, clock, "08:55", c2, "clerk2", status=204)
    # F waits; G is called at 09:05 (240) and is still at counter 1
    for name, hhmm in [("F", "09:00"), ("G", "09:01")]:
        clock.set(hhmm)
        tickets[name] = issue(client, centre)
    assert (
        act(
            client,
            centre,
            clock,
            "09:05",
            f"/counters/{centre.counter_ids[1]}/call",
            "clerk1",
            {"display_number": "A005"},
        )["id"]
        == tickets["G"]["id"]
    )
    return tickets


def test_projection_follows_the_report_definitions(day_clock, client, centre, db):
    tickets = run_day(client, centre, day_clock)
    rows = stats_rows(db)
    u, c = centre.user_ids, centre.counter_ids
    expected = {  # wait, service, final state, counter, officer, transfers, at counter
        "A": (600.0, 480.0, "done", c[1], u["clerk1"], 0, False),
        "B": (1200.0, None, "no_show", c[1], u["clerk1"], 0, False),
        "C": (1380.0, 240.0, "done", c[3], u["clerk3"], 1, False),
        "D": (None, None, "cancelled", None, None, 0, False),
        "E": (2760.0, 300.0, "done", c[2], u["clerk2"], 0, False),
        "F": (None, None, None, None, None, 0, False),
        "G": (240.0, None, None, c[1], u["clerk1"], 0, True),
    }
    for name, (wait, service, final, counter, officer, transfers, at_counter) in expected.items():
        row = rows[tickets[name]["id"]]
        got = (
            row["wait_s"],
            row["service_s"],
            row["final_state"],
            row["counter_id"],
            row["officer_id"],
            row["transfer_count"],
            row["at_counter"],
        )
        assert got == (wait, service, final, counter, officer, transfers, at_counter), name
        assert row["service_day"] == DAY
    # C is counted for the service it was issued for, at its agency then
    assert rows[tickets["C"]["id"]]["service_id"] == centre.service_ids["HOTICH"]
    assert rows[tickets["C"]["id"]]["agency_id"] == centre.agency_ids[0]
    assert [rows[tickets[n]["id"]]["issued_hour"] for n in "AFG"] == [8, 9, 9]
    assert rows[tickets["G"]["id"]]["issued_at"] == DayClock.at("09:01")
    assert rows[tickets["A"]["id"]]["completed_hour"] == 8 and rows[tickets["A"]["id"]]["completed_at"] == DayClock.at(
        "08:20"
    )
    assert rows[tickets["B"]["id"]]["first_called_at"] == DayClock.at("08:21")

    # replaying the history gives the very same rows
    with db.unit_of_work() as s:
        assert rebuild_ticket_stats(s, centre.id) == 7
    assert stats_rows(db) == rows

    # and the report reads them: waits 600 1200 1380 2760 240 → mean 1236; services 480 240 300 → 340
    r = client.get("/api/v1/reports/queue", params={"from": DAY.isoformat()}, headers=centre.auth("admin"))
    t = r.json()["totals"]
    assert (t["issued"], t["served"], t["no_show"], t["cancelled"], t["waiting"], t["in_service"]) == (7, 3, 1, 1, 1, 1)
    assert (t["mean_wait_s"], t["max_wait_s"], t["mean_service_s"]) == (1236.0, 2760.0, 340.0)


def test_agency_is_the_one_at_issue(day_clock, client, centre, db):
    first = issue(client, centre, "HOTICH")
    r = client.patch(
        f"/api/v1/services/{centre.service_ids['HOTICH']}",
        json={"agency_id": centre.agency_ids[1]},
        headers=centre.auth("admin"),
    )
    assert r.status_code == 200, r.text
    second = issue(client, centre, "HOTICH")
    rows = stats_rows(db)
    assert (
        rows[first["id"]]["agency_id"] == centre.agency_ids[0]
        and rows[second["id"]]["agency_id"] == centre.agency_ids[1]
    )
    # the manager of agency 1 still sees the ticket issued while HOTICH was theirs, not the later one
    r = client.get("/api/v1/reports/queue", params={"from": DAY.isoformat()}, headers=centre.auth("manager"))
    assert r.status_code == 200 and r.json()["totals"]["issued"] == 1


def test_a_ticket_from_before_the_projection_is_replayed_on_its_next_event(day_clock, client, centre, db):
    t = issue(client, centre)
    with db.unit_of_work() as s:
        s.delete(s.get(TicketStats, t["id"]))
    open_counter(client, centre, 1, "clerk1")
    act(client, centre, day_clock, "08:07", f"/counters/{centre.counter_ids[1]}/call-next", "clerk1")
    row = stats_rows(db)[t["id"]]
    assert (row["wait_s"], row["at_counter"], row["issued_hour"]) == (480.0, True, 7)
    assert row["last_event_at"] == DayClock.at("08:07") and row["issued_at"] == DayClock.at("07:59")
    assert row["first_called_at"] - row["issued_at"] == timedelta(minutes=8)


def test_migration_backfills_existing_history(tmp_path):
    """An installation upgraded to 0006 gets the rows its history says, so past reports keep their figures."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url)
    db = Database(url)
    fx = build_centre(db)
    with db.unit_of_work() as s:  # a served ticket and a waiting one, written as the old server did: events only
        for n, steps in [
            (1, [("issued", "08:00"), ("called", "08:10"), ("started", "08:12"), ("completed", "08:20")]),
            (2, [("issued", "08:30")]),
        ]:
            t = Ticket(
                centre_id=fx.id,
                service_id=fx.service_ids["HOTICH"],
                original_service_id=fx.service_ids["HOTICH"],
                service_day=DAY,
                number=n,
                display_number=f"A00{n}",
                public_token=f"tok{n}",
                state="waiting",
                issued_at=DayClock.at(steps[0][1]),
                queue_key=DayClock.at(steps[0][1]),
            )
            s.add(t)
            s.flush()
            for type_, hhmm in steps:
                at_counter = type_ != "issued"
                s.add(
                    TicketEvent(
                        ticket_id=t.id,
                        centre_id=fx.id,
                        type=type_,
                        at=DayClock.at(hhmm),
                        service_id=t.service_id,
                        counter_id=fx.counter_ids[1] if at_counter else None,
                        officer_id=fx.user_ids["clerk1"] if at_counter else None,
                        data={},
                    )
                )
    command.downgrade(alembic_config(url), "0006_ticket_stats-1")  # back to before the projection; history stays
    upgrade(url)
    with db.reading() as s:
        rows = {r.ticket_id: r for r in s.execute(select(TicketStats)).scalars()}
        served, waiting = sorted(rows.values(), key=lambda r: r.ticket_id)
        assert (served.wait_s, served.service_s, served.final_state, served.counter_id) == (
            600.0,
            480.0,
            "done",
            fx.counter_ids[1],
        )
        assert (waiting.wait_s, waiting.final_state, waiting.at_counter, waiting.issued_hour) == (None, None, False, 8)
        assert served.agency_id == fx.agency_ids[0]
    db.dispose()
