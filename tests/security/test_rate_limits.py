"""Rate limits (issue 15): who X-Forwarded-For is believed from, the lookup brute-force of four
phone digits, sign-in throttling per account and per address, limits shared through Redis."""

from __future__ import annotations

import logging
import secrets

import pytest
from fastapi.testclient import TestClient

from queue_server.app import create_app
from tests.factories import PASSWORD


@pytest.fixture
def make_client(settings):
    """A test client whose connections come from `address` (the peer address the server sees)."""
    opened = []

    def make(address: str = "10.0.0.9", same_server_as: TestClient | None = None, **overrides) -> TestClient:
        if same_server_as is not None:  # another client of a server already running
            return TestClient(same_server_as.app, client=(address, 40000))
        app = create_app(settings.model_copy(update=overrides)) if overrides else create_app(settings)
        c = TestClient(app, client=(address, 40000))
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def _lookup(c, code, digits, **headers):
    return c.get("/api/v1/lookup", params={"code": code, "phone_last4": digits}, headers=headers).status_code


def test_x_forwarded_for_from_an_untrusted_address_changes_nothing(make_client, centre, new_dossier):
    code = new_dossier()["code"]
    c = make_client("10.0.0.9")  # no trusted proxies (the default)
    limit = c.app.state.settings.lookup_rate_limit_per_minute
    answers = [_lookup(c, code, "5678", **{"X-Forwarded-For": f"172.16.0.{i}"}) for i in range(limit + 3)]
    assert answers[:limit] == [200] * limit and set(answers[limit:]) == {429}


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(make_client, centre, new_dossier):
    code = new_dossier()["code"]
    proxy = make_client("10.0.0.1", trusted_proxies=["10.0.0.0/30"])
    limit = proxy.app.state.settings.lookup_rate_limit_per_minute
    # Two visitors behind the proxy each have their own allowance…
    first = [_lookup(proxy, code, "5678", **{"X-Forwarded-For": "192.168.5.10"}) for _ in range(limit + 1)]
    second = _lookup(proxy, code, "5678", **{"X-Forwarded-For": "192.168.5.11"})
    assert first[-1] == 429 and second == 200
    # …and a client that puts its own X-Forwarded-For in front of the proxy's does not get a new one.
    spoofed = _lookup(proxy, code, "5678", **{"X-Forwarded-For": "1.2.3.4, 192.168.5.10"})
    assert spoofed == 429


def test_the_four_digit_brute_force_is_stopped_before_one_percent_of_the_space(make_client, centre, new_dossier):
    """An attacker with as many addresses as it likes (here: a trusted proxy relaying 10,000 of them)."""
    code = new_dossier()["code"]  # phone 0912 345 678
    c = make_client("10.0.0.1", trusted_proxies=["10.0.0.1"])
    tried = 0
    found = False
    for n in range(10_000):
        digits = f"{(n + 6000) % 10_000:04d}"  # reaches 5678 at try 9,679
        status = _lookup(c, code, digits, **{"X-Forwarded-For": f"10.{n // 65536}.{n // 256 % 256}.{n % 256 + 1}"})
        if status == 429:
            break
        tried += 1
        found = found or status == 200
    assert tried < 100  # fewer than 1 % of the 10,000 possible digits were ever compared
    assert not found
    # The dossier's own digits are refused too until the window passes (no oracle), while the
    # receipt's QR token still works and other dossiers are not affected.
    assert _lookup(c, code, "5678", **{"X-Forwarded-For": "10.200.0.1"}) == 429
    other = new_dossier()["code"]
    assert _lookup(c, other, "5678", **{"X-Forwarded-For": "10.200.0.2"}) == 200


def _login(c, username, password):
    return c.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code


def test_sign_in_is_throttled_per_account(make_client, centre):
    first = make_client("10.1.0.0", login_account_failure_limit="10 per day")
    attacker = [first] + [make_client(f"10.1.0.{i}", same_server_as=first) for i in (1, 2)]
    failures = [_login(attacker[i % 3], "clerk1", f"wrong-{i}") for i in range(12)]
    assert failures[:10] == [401] * 10 and failures[10:] == [429, 429]
    # The account is protected even against the right password, from anywhere, for the window…
    elsewhere = make_client("10.1.9.9", same_server_as=first)
    assert _login(elsewhere, "clerk1", PASSWORD) == 429
    # …while other accounts sign in as usual.
    assert _login(elsewhere, "clerk2", PASSWORD) == 200


def test_sign_in_is_throttled_per_address(make_client, centre):
    # "per hour" here: on a loaded machine 32 argon2 checks may take longer than the default minute
    c = make_client("10.2.0.1", login_address_limit="30 per hour")
    answers = [_login(c, f"nobody{i}", "x") for i in range(32)]
    assert answers[:30] == [401] * 30 and answers[30:] == [429, 429]
    r = c.post("/api/v1/auth/token", data={"username": "clerk2", "password": PASSWORD})
    assert r.status_code == 429 and "thử lại" in r.json()["error"]["message"]
    assert _login(make_client("10.2.0.2", same_server_as=c), "clerk2", PASSWORD) == 200


def test_limits_are_shared_by_workers_through_redis(make_client, centre, new_dossier):
    code = new_dossier()["code"]
    prefix = f"test-{secrets.token_hex(4)}"
    redis = {"redis_url": "redis://127.0.0.1:6379/0", "redis_prefix": prefix}
    worker1, worker2 = make_client("10.3.0.1", **redis), make_client("10.3.0.1", **redis)
    limit = worker1.app.state.settings.lookup_rate_limit_per_minute
    answers = [_lookup((worker1, worker2)[i % 2], code, "5678") for i in range(limit + 2)]
    assert answers[:limit] == [200] * limit and answers[limit:] == [429, 429]


def test_per_worker_limits_say_so_in_the_log(make_client, caplog):
    caplog.set_level(logging.INFO)
    make_client("10.4.0.1")
    assert any("per worker" in r.getMessage() for r in caplog.records)
