"""Walks every HTTP endpoint × every kind of caller: who may call what is declared once, on the
handler (`allow(...)`), and this test proves the server enforces exactly that declaration."""

import re

import pytest

from queue_server.app import allowed_roles, iter_api_routes

CALLERS = ["anonymous", "admin", "manager", "clerk1", "kiosk", "display", "tablet", "console"]
ROLE_OF = {"clerk1": "clerk"}


def _api_routes(app):
    for path, route in iter_api_routes(app):
        if path.startswith("/api/"):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield method, path, route


def test_every_endpoint_declares_its_callers(app):
    undeclared = [f"{m} {p}" for m, p, r in _api_routes(app) if allowed_roles(r) is None]
    assert undeclared == [], f"endpoints without an allow(...) declaration: {undeclared}"


def test_openapi_states_who_may_call(client):
    spec = client.get("/openapi.json").json()
    ops = [op for path in spec["paths"].values() for op in path.values()]
    assert ops and all("Who may call" in (op.get("description") or "") for op in ops)


@pytest.mark.parametrize("caller", CALLERS)
def test_role_matrix(client, app, centre, caller):
    headers = {} if caller == "anonymous" else centre.auth(caller)
    role = ROLE_OF.get(caller, caller)
    checked = 0
    for method, full_path, route in _api_routes(app):
        roles = allowed_roles(route)
        path = re.sub(r"\{[^}]+\}", "1", full_path)
        r = client.request(method, path, headers=headers, json={} if method in ("POST", "PATCH", "PUT") else None)
        code = (
            r.json().get("error", {}).get("code")
            if r.headers.get("content-type", "").startswith("application/json") and isinstance(r.json(), dict)
            else None
        )
        label = f"{caller}: {method} {full_path} → {r.status_code} {code}"
        if roles == ("public",):
            assert r.status_code != 401 and code != "role_not_allowed", label
        elif caller == "anonymous":
            assert r.status_code == 401, label
        elif role in roles:
            assert r.status_code != 401 and code != "role_not_allowed", label
        else:
            assert r.status_code == 403 and code == "role_not_allowed", label
        checked += 1
    assert checked > 30


def test_revoked_device_token_is_refused(client, centre):
    r = client.get("/api/v1/services", headers=centre.auth("kiosk"))
    assert r.status_code == 200
    device_id = client.get("/api/v1/devices/me", headers=centre.auth("kiosk")).json()["id"]
    assert client.post(f"/api/v1/devices/{device_id}/revoke", headers=centre.auth("admin")).status_code == 200
    r = client.get("/api/v1/services", headers=centre.auth("kiosk"))
    assert r.status_code == 401 and r.json()["error"]["code"] == "device_revoked"


def test_deactivated_staff_token_is_refused(client, centre):
    assert client.get("/api/v1/auth/me", headers=centre.auth("clerk2")).status_code == 200
    r = client.patch(f"/api/v1/users/{centre.user_ids['clerk2']}", json={"active": False}, headers=centre.auth("admin"))
    assert r.status_code == 200
    assert client.get("/api/v1/auth/me", headers=centre.auth("clerk2")).status_code == 401


def test_wrong_password_and_unknown_user_answer_alike(client, centre):
    a = client.post("/api/v1/auth/token", data={"username": "clerk1", "password": "wrong-password"})
    b = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert "Sai tên đăng nhập hoặc mật khẩu" in a.json()["error"]["message"]


def test_pages_and_streams_state_who_may_call(client, app):
    """Pages (the ticket page /t/…, the lookup /l/…, the staff shells) are public and need no token
    — what they show comes with the token they carry or the staff member's sign-in; each WebSocket
    says in its docstring who may connect (the ticket stream: whoever holds the ticket's token)."""
    from fastapi.routing import APIWebSocketRoute

    from queue_server import api

    pages = {path: allowed_roles(route) for path, route in api.iter_routes() if not path.startswith("/api/")}
    assert {"/t/{token}", "/l/{token}", "/hen", "/hen/qr/{token}", "/console", "/dashboard", "/reports"} <= set(pages)
    assert all(roles == ("public",) for roles in pages.values()), pages
    assert client.get("/t/unknown-token-000000").status_code == 404  # not 401: no account needed
    streams = {
        r.path: r.endpoint.__doc__ or ""
        for router in api.PAGE_ROUTERS
        for r in router.routes
        if isinstance(r, APIWebSocketRoute)
    }
    assert {"/ws", "/ws/t/{token}"} <= set(streams)
    assert all("Who may call" in doc for doc in streams.values()), streams


def test_booking_endpoints_in_the_matrix(app):
    """Booking is public (rate-limited, code + phone); check-in is the kiosk's (and the staff's at a
    counter); the settings are the administrators' (managers read); the day's list is the staff's."""
    declared = {(m, p): allowed_roles(r) for m, p, r in _api_routes(app) if "appointments" in p or "/booking" in p}
    public = ("public",)
    assert declared[("GET", "/api/v1/appointments/slots")] == public
    assert declared[("POST", "/api/v1/appointments")] == public
    for action in ("find", "cancel", "reschedule"):
        assert declared[("POST", f"/api/v1/appointments/{{code}}/{action}")] == public
    assert declared[("POST", "/api/v1/appointments/remote-ticket")] == public
    assert declared[("POST", "/api/v1/appointments/check-in")] == ("admin", "clerk", "kiosk", "console")
    assert declared[("PUT", "/api/v1/services/{service_id}/booking")] == ("admin",)
    assert declared[("GET", "/api/v1/services/{service_id}/booking")] == ("admin", "manager")
    assert declared[("GET", "/api/v1/centres/{centre_id}/appointments")] == ("admin", "manager", "clerk")


def test_notification_endpoints_in_the_matrix(app):
    """The outbox's state and the messages' texts: administrators and managers read; only
    administrators change a text."""
    declared = {(m, p): allowed_roles(r) for m, p, r in _api_routes(app) if "/notification" in p}
    templates = "/api/v1/centres/{centre_id}/notification-templates"
    assert declared == {
        ("GET", "/api/v1/centres/{centre_id}/notifications"): ("admin", "manager"),
        ("GET", templates): ("admin", "manager"),
        ("PUT", templates + "/{kind}"): ("admin",),
        ("DELETE", templates + "/{kind}"): ("admin",),
    }


def test_search_term_endpoints_in_the_matrix(app):
    """A centre's search lexicon: administrators and managers read it; only administrators add or
    delete entries (searching with them stays open to every caller: GET /procedures)."""
    declared = {(m, p): allowed_roles(r) for m, p, r in _api_routes(app) if "/search-terms" in p}
    terms = "/api/v1/centres/{centre_id}/search-terms"
    assert declared == {
        ("GET", terms): ("admin", "manager"),
        ("POST", terms): ("admin",),
        ("DELETE", terms + "/{term_id}"): ("admin",),
    }
