"""The demo's published credentials open nothing outside demo mode (issue 15, finding 6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.app import create_app
from queue_server.config import DEFAULT_SECRET
from queue_server.demo import seed_demo


def test_demo_staff_passwords_and_device_tokens_are_refused_outside_demo_mode(settings, db_url):
    real = settings.model_copy(update={"demo": False})
    app = create_app(real)
    seed_demo(app.state.db, real)  # a centre that once ran the demo on the same database
    with TestClient(app) as c:
        for username in ("admin", "lanhdao", "canbo01"):
            r = c.post("/api/v1/auth/token", data={"username": username, "password": "motcua-demo"})
            assert r.status_code == 401, username
            assert r.json()["error"]["message"] == "Sai tên đăng nhập hoặc mật khẩu."
        for token in ("mdv_demo-kiosk-1", "mdv_demo-hall-display"):
            r = c.post("/api/v1/tickets", json={"service_id": 1}, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401
    with TestClient(create_app(settings)) as c:  # the same database in demo mode: the demo works
        r = c.post("/api/v1/auth/token", data={"username": "admin", "password": "motcua-demo"})
        assert r.status_code == 200


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short"])
def test_a_default_or_short_secret_is_refused_in_production(settings, secret):
    with pytest.raises(RuntimeError, match="MOTCUA_SECRET_KEY"):
        create_app(settings.model_copy(update={"demo": False, "secret_key": secret}))
