"""Property-based fuzz of the whole HTTP API (issue 15): schemathesis generates requests from the
OpenAPI schema with Hypothesis — valid ones, and ones that break the schema (wrong types,
out-of-range integers, over-long strings, nulls) — and sends them as an administrator (so they
get past the role checks, into the handlers) to the real app on both databases. The check: not
one answer is a 5xx.

Deterministic (Hypothesis derandomised: the same requests every run) and bounded (a fixed number
of examples per operation and mode). A new endpoint is fuzzed by being in the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from sqlalchemy import update

from queue_server.app import create_app
from queue_server.auth.models import User
from queue_server.auth.security import make_access_token
from tests.factories import build_centre

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

EXAMPLES = 15  # per operation, mode and database (~2 to 4 min per database on this box)


def _admin_headers(app, centre) -> dict:
    """A valid administrator token for this request (an earlier one may have changed the account)."""
    uid = centre.user_ids["admin"]
    with app.state.db.unit_of_work() as s:
        s.execute(update(User).where(User.id == uid).values(active=True, role="admin", centre_id=None))
        version = s.get(User, uid).token_version
    return {"Authorization": f"Bearer {make_access_token(app.state.settings.secret_key, uid, version, 60)}"}


@pytest.fixture
def http(settings):
    """The app (with the external sync configured, so that endpoint is fuzzed too), answering
    unhandled errors with 500 as the server does instead of raising them."""
    app = create_app(settings.model_copy(update={"sync_hmac_secret": "fuzz-sync-secret-0123456789"}))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_no_request_gets_a_server_error(http):
    centre = build_centre(http.app.state.db, http)
    schema = schemathesis.openapi.from_dict(http.app.openapi())
    server_errors: list[str] = []
    sent = 0
    headers = _admin_headers(http.app, centre)

    def send(case) -> None:
        nonlocal sent, headers
        kwargs = case.as_transport_kwargs(base_url=str(http.base_url), headers=headers)
        kwargs.pop("timeout", None)
        response = http.request(**kwargs)
        sent += 1
        if response.status_code == 401 and "auth/token" not in case.path:
            headers = _admin_headers(http.app, centre)  # the case changed the administrator's account
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} {case.as_curl_command()}\n  → {response.text[:300]}")

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):
                send(case)

            try:
                fuzz()
            except Exception as exc:  # a strategy the schema cannot satisfy in this mode: nothing to send
                if "Unsatisfiable" not in type(exc).__name__ and "Unsatisfiable" not in str(exc):
                    raise
    assert sent > 1000
    assert server_errors == [], f"{len(server_errors)} of {sent} requests answered 5xx:\n" + "\n".join(
        server_errors[:30]
    )
