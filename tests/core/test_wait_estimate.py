"""The estimated wait visitors are shown (docs/queue-policy.md, *Estimated wait*): it grows with the
place in the queue, is counted in the service's configured time until visitors have been served,
then in the observed pace; it counts the counters actually calling the queue (a paused one not, one
that also serves another queue in part) and gives a range that narrows as the server learns.

The suite's clock (tests/clock.py) stands still at 08:00 on DAY and is moved by the tests.
"""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.centres.models import Service
from queue_server.queues.estimate import WaitModel, learn_service_time, share_counters
from queue_server.timeutil import VN_TZ
from tests.factories import issue, open_counter

DAY = date(2026, 11, 24)  # a Tuesday


class DayClock:
    """The suite's clock standing still, from 08:00 on DAY, moved only by the tests."""

    def __init__(self, clock):
        self.clock = clock
        clock.freeze(datetime.combine(DAY, time(8, 0), VN_TZ))

    def __call__(self) -> datetime:
        return self.clock.now()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def clock(clock):
    """The suite's clock on DAY (an autouse name: set before `centre`, so tokens are minted on DAY)."""
    return DayClock(clock)


def set_default(db, centre, code: str, seconds: int | None) -> None:
    with db.unit_of_work() as s:
        s.get(Service, centre.service_ids[code]).default_service_s = seconds


def call_next(client, centre, number: int, who: str) -> dict | None:
    r = client.post(f"/api/v1/counters/{centre.counter_ids[number]}/call-next", headers=centre.auth(who))
    assert r.status_code in (200, 204), r.text
    return r.json() if r.content else None


def service_figures(client, centre, code: str) -> dict:
    """What the kiosk shows on the service's tile: the wait of a ticket taken now."""
    r = client.get(f"/api/v1/services/{centre.service_ids[code]}", headers=centre.auth("kiosk"))
    assert r.status_code == 200, r.text
    return r.json()


def wait_of(figures: dict) -> tuple[int, int, int]:
    return figures["estimated_wait_s"], figures["estimated_wait_low_s"], figures["estimated_wait_high_s"]


def test_before_anyone_is_served_the_estimate_counts_the_services_configured_time(client, centre, db, clock):
    set_default(db, centre, "HOTICH", 600)
    open_counter(client, centre, 1, "clerk1")  # counter 2, which also serves Hộ tịch, stays closed
    first = issue(client, centre, "HOTICH")
    assert call_next(client, centre, 1, "clerk1")["id"] == first["id"]
    second, third = issue(client, centre, "HOTICH"), issue(client, centre, "HOTICH")
    # the visitor at the counter has just been called: one whole visit, then one more
    assert (second["estimated_wait_s"], third["estimated_wait_s"]) == (600, 1200)
    assert second["estimated_wait_low_s"] < 600 < second["estimated_wait_high_s"]
    # a service with no time of its own: the centre's default (MOTCUA_DEFAULT_SERVICE_S, 300 s)
    open_counter(client, centre, 3, "clerk3")
    issue(client, centre, "DATDAI")
    call_next(client, centre, 3, "clerk3")
    assert issue(client, centre, "DATDAI")["estimated_wait_s"] == 300


def test_the_pace_is_learnt_from_the_first_visitors_and_the_range_narrows(client, centre, db, clock):
    set_default(db, centre, "HOTICH", 600)
    open_counter(client, centre, 1, "clerk1")
    for _ in range(14):
        issue(client, centre, "HOTICH")
    call_next(client, centre, 1, "clerk1")
    cold = wait_of(service_figures(client, centre, "HOTICH"))  # 14 waiting: counted at 600 s each
    assert cold[0] == 600 * 14
    for _ in range(10):  # ten visitors served in 4 minutes each
        clock.advance(240)
        call_next(client, centre, 1, "clerk1")
    learnt = wait_of(service_figures(client, centre, "HOTICH"))  # 4 waiting behind the one served now
    per_visit = learnt[0] / 4
    assert abs(per_visit - 240) < abs(per_visit - 600), learnt  # nearer the pace seen than the default
    assert per_visit <= 330, learnt
    assert (learnt[2] - learnt[1]) / learnt[0] < (cold[2] - cold[1]) / cold[0], (cold, learnt)


def test_a_paused_counter_lengthens_the_estimate(client, centre, clock):
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 2, "clerk2")  # serves Hộ tịch and Chứng thực; nobody waits for the latter
    for _ in range(6):
        issue(client, centre, "HOTICH")
    both = service_figures(client, centre, "HOTICH")["estimated_wait_s"]
    r = client.post(f"/api/v1/counters/{centre.counter_ids[2]}/pause", headers=centre.auth("clerk2"))
    assert r.status_code == 200, r.text
    paused = service_figures(client, centre, "HOTICH")["estimated_wait_s"]
    assert paused >= 1.8 * both, (both, paused)  # one counter calls the queue instead of two
    r = client.post(f"/api/v1/counters/{centre.counter_ids[2]}/open", headers=centre.auth("clerk2"))
    assert service_figures(client, centre, "HOTICH")["estimated_wait_s"] == both


def test_a_counter_serving_two_queues_counts_in_part(client, centre, clock):
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 2, "clerk2")  # Hộ tịch and Chứng thực
    for _ in range(8):
        issue(client, centre, "HOTICH")
    alone = service_figures(client, centre, "HOTICH")["estimated_wait_s"]  # counter 2 has only Hộ tịch to call
    for _ in range(6):
        issue(client, centre, "CHUNGTHUC")
    shared = service_figures(client, centre, "HOTICH")["estimated_wait_s"]
    assert shared > alone  # counter 2 now also calls Chứng thực
    # Counter 2 giving Chứng thực's waiting time a weight of 1.2: less of its time for Hộ tịch.
    c2 = centre.counter_ids[2]
    ids = [centre.service_ids["HOTICH"], centre.service_ids["CHUNGTHUC"]]
    r = client.patch(
        f"/api/v1/counters/{c2}", headers=centre.auth("admin"), json={"service_ids": ids, "weights": {str(ids[1]): 1.2}}
    )
    assert r.status_code == 200, r.text
    weighted = service_figures(client, centre, "HOTICH")["estimated_wait_s"]
    assert weighted > shared
    r = client.post(f"/api/v1/counters/{c2}/pause", headers=centre.auth("clerk2"))
    assert r.status_code == 200, r.text
    without = service_figures(client, centre, "HOTICH")["estimated_wait_s"]
    assert alone < shared < weighted < without  # a shared counter counts, but not as a whole one
    # and Chứng thực, whose only counter is now paused, is still given an estimate (with a wide range)
    ct = wait_of(service_figures(client, centre, "CHUNGTHUC"))
    assert ct[0] > 0 and ct[2] - ct[1] >= 0.8 * ct[0]


def test_estimates_grow_along_the_queue_as_the_console_lists_it(client, centre, clock):
    open_counter(client, centre, 1, "clerk1")
    open_counter(client, centre, 2, "clerk2")
    for k in range(12):
        issue(client, centre, "HOTICH" if k % 3 else "CHUNGTHUC", **({"priority": "elderly"} if k == 7 else {}))
        clock.advance(30)
    call_next(client, centre, 1, "clerk1")
    clock.advance(100)
    call_next(client, centre, 2, "clerk2")
    clock.advance(50)
    r = client.get(f"/api/v1/counters/{centre.counter_ids[1]}/queue", headers=centre.auth("clerk1"))
    line = [t for t in r.json() if t["service_id"] == centre.service_ids["HOTICH"]]
    assert [t["position"] for t in line] == list(range(1, len(line) + 1))
    waits = [t["estimated_wait_s"] for t in line]
    assert waits == sorted(waits) and waits[0] > 0, waits


# -- the arithmetic, for any figures -----------------------------------------------------------

samples = st.lists(st.floats(min_value=1, max_value=7200), max_size=25)
counters = st.lists(
    st.tuples(st.floats(min_value=0, max_value=3600), st.floats(min_value=0.01, max_value=1.0)), max_size=6
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(samples=samples, prior=st.integers(min_value=10, max_value=36000), counters=counters)
def test_the_estimate_and_its_range_never_shrink_further_down_the_queue(samples, prior, counters):
    model = WaitModel(learn_service_time(samples, prior), tuple(counters))
    previous = model.at(0)
    assert previous.wait_s == previous.low_s == previous.high_s == 0
    for position in range(1, 80):
        e = model.at(position)
        assert e.low_s <= e.wait_s <= e.high_s
        assert e.wait_s >= previous.wait_s and e.low_s >= previous.low_s and e.high_s >= previous.high_s
        previous = e


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    links=st.dictionaries(
        st.integers(1, 6),
        st.dictionaries(st.integers(1, 4), st.floats(min_value=0.1, max_value=5), min_size=1, max_size=3),
        max_size=5,
    ),
    work=st.dictionaries(st.integers(1, 4), st.floats(min_value=0, max_value=50000)),
)
def test_counter_shares_split_each_counters_time_between_queues_with_visitors(links, work):
    shares = share_counters(links, work)
    for counter, split in shares.items():
        assert abs(sum(split.values()) - 1) < 1e-6
        assert all(work.get(s, 0) > 0 and s in links[counter] for s in split)
    for counter, svc in links.items():  # a counter with someone waiting for one of its services works
        assert (counter in shares) == any(work.get(s, 0) > 0 for s in svc)
